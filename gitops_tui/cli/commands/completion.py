"""``gitops-tui completion bash|zsh|fish``: the shell script that completes commands and flags.

argcomplete, not shtab: shtab writes no fish script. The script asks ``gitops-tui``
itself on each tab (:func:`complete`, run by the entry point only when the shell set
``_ARGCOMPLETE``), so completion always matches the installed flags.
"""

from __future__ import annotations

import argparse

from gitops_tui.cli.commands import summary
from gitops_tui.cli.common import CliError, Command
from gitops_tui.config import Config

SHELLS = ("bash", "zsh", "fish")


def _arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("shell", choices=SHELLS,
                   help="bash: eval \"$(gitops-tui completion bash)\" in ~/.bashrc; zsh: the same in "
                        "~/.zshrc; fish: gitops-tui completion fish > ~/.config/fish/completions/gitops-tui.fish")


def _argcomplete():  # type: ignore[no-untyped-def]
    try:
        import argcomplete
    except ImportError:
        raise CliError("completion needs the argcomplete package (pip install argcomplete)", 1) from None
    return argcomplete


def complete(parser: argparse.ArgumentParser) -> None:
    """Answer the shell's completion request (argcomplete exits when it has)."""
    _argcomplete().autocomplete(parser)


def run(args: argparse.Namespace, config: Config) -> int:
    print(_argcomplete().shellcode(["gitops-tui"], shell=args.shell), end="")
    return 0


COMMAND = Command("completion", summary("completion"), _arguments, run)
