"""One module per sub-command, each exporting ``COMMAND``; listed here in help order
with the one-line help the parser shows, so a module is imported only when its command
is parsed or run (importing all nine cost every call ~10 ms: ``record``, ``get``)."""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from gitops_tui.cli.common import Command

# name -> (module under gitops_tui.cli.commands, one-line help), in help order.
SUMMARIES: dict[str, tuple[str, str]] = {
    "watch": ("watch", "open the live monitor on the configured store (the default command)"),
    "demo": ("demo", "open the monitor on a fresh embedded store filled live by a simulator"),
    "record": ("record", "write one pipeline stage's telemetry (drop-in for `bedrock deployment create`)"),
    "get": ("get", "print deployments, newest first (or --view rings|clusters)"),
    "stats": ("stats", "DORA figures, ring drift, stuck deployments and ETAs per service and ring"),
    "import": ("import_", "import JSON Lines entities (or a Spektate {entries: [...]} file) into the store"),
    "export": ("export", "export every entity in scope as JSON Lines"),
    "check": ("check", "check the config, the store, the table and what the rows look like"),
    "completion": ("completion", "print a shell completion script (bash, zsh or fish)"),
}


def summary(name: str) -> str:
    """A command's one-line help (for its module's ``COMMAND``)."""
    return SUMMARIES[name][1]


def load(name: str) -> Command:
    """The ``COMMAND`` of the named sub-command (its module imported now)."""
    command: Command = import_module(f"{__name__}.{SUMMARIES[name][0]}").COMMAND
    return command
