"""What the commands share: the command record, the error they raise, store access."""

from __future__ import annotations

import argparse
import dataclasses
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from gitops_tui.config import Config, valid_table_name
from gitops_tui.stores.base import BadRow, ReportsBadRows, Store


class CliError(Exception):
    """A failure to report as one line with an exit status (``prog`` begins the line)."""

    def __init__(self, message: str, status: int = 1, prog: str = "gitops-tui") -> None:
        super().__init__(message)
        self.status = status
        self.prog = prog


@dataclass(frozen=True, slots=True)
class Command:
    """One sub-command: its name, its one-line help, its flags and what it does."""

    name: str
    help: str
    add_arguments: Callable[[argparse.ArgumentParser], None]
    run: Callable[[argparse.Namespace, Config], int]
    live: bool = False  # the live app (runtime.settings.live), else a one-shot command


def with_store_overrides(config: Config, args: argparse.Namespace) -> Config:
    """The config with the store flags a command was given (``--partition``, and
    ``record``'s bedrock ``-n``/``-k``/``-t``) applied over it."""
    changes: dict[str, Any] = {}
    if getattr(args, "partition", None):
        changes["partition"] = args.partition
    if getattr(args, "name", None):
        changes.update(kind="azure", account_name=args.name, connection_string=None)
    if getattr(args, "access_key", None):
        changes["account_key"] = args.access_key
    if getattr(args, "table_name", None):
        if not valid_table_name(args.table_name):
            raise CliError(f"--table-name {args.table_name!r}: 3-63 letters and digits, a letter first", 2)
        changes["table"] = args.table_name
    if not changes:
        return config
    return dataclasses.replace(config, store=dataclasses.replace(config.store, **changes))


async def open_store(config: Config, create: bool = False) -> Store:
    """The configured store, opened (``create``: make the table if it is missing)."""
    from gitops_tui.stores import make_store

    store = make_store(config.store)
    await store.open(create=create)
    return store


def bad_rows(store: Store) -> Sequence[BadRow]:
    """The rows the store's last scan skipped as not entities (none for a store that
    cannot hold them)."""
    return store.bad_rows if isinstance(store, ReportsBadRows) else ()


def warn_bad_rows(count: int) -> None:
    """One line on stderr after ``get``/``export`` served the rest."""
    if count:
        rows = "row is" if count == 1 else "rows are"
        print(f"gitops-tui: {count} {rows} not entities and were skipped (gitops-tui check lists them)",
              file=sys.stderr)
