"""The argparse tree: global flags, then one sub-parser per command in :data:`COMMANDS`."""

from __future__ import annotations

import argparse
from typing import NoReturn

from gitops_tui import __version__
from gitops_tui.cli.commands import COMMANDS
from gitops_tui.cli.common import CliError


class _Parser(argparse.ArgumentParser):
    # Sub-parsers inherit this class, so every usage error is exit 2 with one line, which
    # the entry point prints (sanitised: argparse echoes the offending argument).
    def error(self, message: str) -> NoReturn:
        raise CliError(f"error: {message} (see {self.prog} --help)", 2, self.prog)


def build_parser() -> argparse.ArgumentParser:
    """The ``gitops-tui`` parser with every sub-command."""
    parser = _Parser(
        prog="gitops-tui",
        description="A terminal live monitor for GitOps deployments.",
        allow_abbrev=False,
    )
    parser.add_argument("--version", action="version", version=f"gitops-tui {__version__}")
    parser.add_argument("--config", "-c", metavar="FILE", help="config file (see config.example.yaml)")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for command in COMMANDS:
        p = sub.add_parser(command.name, help=command.help, description=command.help, allow_abbrev=False)
        # Accept --config after the command too (`gitops-tui get --config x.yaml`).
        p.add_argument("--config", "-c", metavar="FILE", default=argparse.SUPPRESS, help="config file")
        command.add_arguments(p)
    return parser
