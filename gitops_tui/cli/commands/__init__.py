"""One module per sub-command, each exporting ``COMMAND``; listed here in help order."""

from __future__ import annotations

from gitops_tui.cli.commands import check, completion, demo, export, get, import_, record, stats, watch
from gitops_tui.cli.common import Command

COMMANDS: tuple[Command, ...] = tuple(
    m.COMMAND for m in (watch, demo, record, get, stats, import_, export, check, completion)
)
BY_NAME: dict[str, Command] = {c.name: c for c in COMMANDS}
