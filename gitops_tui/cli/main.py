"""``gitops-tui``'s entry point: parse, dispatch, and map every failure to an exit status.

Every error is printed here, as one line through :func:`gitops_tui.domain.textsafe.clean`:
file names, config values, partitions and argparse's echo of a bad argument may hold
escape sequences, and a terminal must never receive one from them.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence

from gitops_tui.cli.commands import load
from gitops_tui.cli.common import CliError
from gitops_tui.cli.parser import build_parser, command_in
from gitops_tui.config import ConfigError, load_config
from gitops_tui.domain.textsafe import clean
from gitops_tui.runtime import settings
from gitops_tui.stores.base import StoreError

DEFAULT_COMMAND = "watch"
MESSAGE_LIMIT = 2000  # characters of one error line (long paths fit)


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``gitops-tui`` console script; returns the exit status.

    Anything unexpected is one line too (exit 1), its traceback in a log file
    (:mod:`gitops_tui.cli.crash`)."""
    args = config = None
    try:
        if argv is None and "_ARGCOMPLETE" in os.environ:  # a shell's tab (completion script)
            from gitops_tui.cli.commands.completion import complete

            complete(build_parser())
        # Only the named command's module is imported (and its flags built).
        parser = build_parser(command_in(sys.argv[1:] if argv is None else argv))
        args = parser.parse_args(argv)
        command = load(args.command or DEFAULT_COMMAND)
        config = load_config(getattr(args, "config", None))
        (settings.live if command.live else settings.batch)()
        return command.run(args, config)
    except ConfigError as exc:
        return report(f"config error: {exc}", 2)
    except CliError as exc:
        return report(str(exc), exc.status, exc.prog)
    except StoreError as exc:
        return report(f"store error: {exc}", 1)
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:  # `gitops-tui get | head`
        return 0
    except Exception as exc:  # noqa: BLE001 (the last resort: never a traceback)
        from gitops_tui.cli.crash import describe

        return report(describe(exc, config, args), 1)


def report(message: str, status: int, prog: str = "gitops-tui") -> int:
    """Print ``prog: message`` to stderr as one sanitised line; returns ``status``."""
    print(f"{clean(prog, 200)}: {clean(message, MESSAGE_LIMIT)}", file=sys.stderr)
    return status
