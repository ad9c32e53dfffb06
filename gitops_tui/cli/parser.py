"""The argparse tree: global flags, then one sub-parser per command in :data:`SUMMARIES`."""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from typing import NoReturn

from gitops_tui import __version__
from gitops_tui.cli.commands import SUMMARIES, load
from gitops_tui.cli.common import CliError


class _Parser(argparse.ArgumentParser):
    # Sub-parsers inherit this class, so every usage error is exit 2 with one line, which
    # the entry point prints (sanitised: argparse echoes the offending argument).
    def error(self, message: str) -> NoReturn:
        raise CliError(f"error: {message} (see {self.prog} --help)", 2, self.prog)


def build_parser(only: str | None = None) -> argparse.ArgumentParser:
    """The ``gitops-tui`` parser with every sub-command; with ``only`` (a command's
    name), only that one's flags (the others listed with their help, their modules not
    imported: see :func:`command_in`)."""
    parser = _Parser(
        prog="gitops-tui",
        description="A terminal live monitor for GitOps deployments.",
        allow_abbrev=False,
    )
    parser.add_argument("--version", action="version", version=f"gitops-tui {__version__}")
    parser.add_argument("--config", "-c", metavar="FILE", help="config file (see config.example.yaml)")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name, (_, help) in SUMMARIES.items():
        p = sub.add_parser(name, help=help, description=help, allow_abbrev=False)
        if only is None or name == only:
            # Accept --config after the command too (`gitops-tui get --config x.yaml`).
            p.add_argument("--config", "-c", metavar="FILE", default=argparse.SUPPRESS, help="config file")
            load(name).add_arguments(p)
    return parser


def command_in(argv: Sequence[str]) -> str | None:
    """The sub-command ``argv`` names, if it names one: the first word that is neither
    a global flag nor ``--config``'s value. (None: a parser with every command.)"""
    words = iter(argv)
    for word in words:
        if word in ("--config", "-c"):
            next(words, None)
        elif word == "--":
            return None  # (argparse's own rules then)
        elif not word.startswith("-"):
            return word if word in SUMMARIES else None
    return None
