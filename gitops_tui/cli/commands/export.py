"""``gitops-tui export FILE``: every entity in scope as JSON Lines."""

from __future__ import annotations

import argparse
import asyncio
import sys
from typing import TextIO

from gitops_tui.cli.commands import summary
from gitops_tui.cli.common import CliError, Command, bad_rows, open_store, warn_bad_rows, with_store_overrides
from gitops_tui.domain.textsafe import clean
from gitops_tui.config import Config
from gitops_tui.transfer import entity_line


def _arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("file", metavar="FILE", help="a file, or - for standard output")
    p.add_argument("--partition", help="override store.partition")


def run(args: argparse.Namespace, config: Config) -> int:
    config = with_store_overrides(config, args)

    bad = 0

    async def go(out: TextIO) -> int:
        nonlocal bad
        store = await open_store(config)
        count = 0
        try:
            async for page in store.scan(5000):
                for row in page:
                    out.write(entity_line(row) + "\n")
                    count += 1
            bad = len(bad_rows(store))
        finally:
            await store.close()
        return count

    # A row that is not an entity (a document written by hand: not a JSON object, or
    # no text RowKey) has nothing import could read back: the backup holds the rest,
    # and exits 1 so a script sees it is incomplete.
    if args.file == "-":
        asyncio.run(go(sys.stdout))
        warn_bad_rows(bad)
        return 1 if bad else 0
    try:
        with open(args.file, "w", encoding="utf-8") as out:
            count = asyncio.run(go(out))
    except OSError as exc:
        raise CliError(f"{args.file}: cannot write: {exc.strerror or exc}", 2) from None
    print(f"exported {count} entities from {clean(config.store.description)} to {clean(args.file)}")
    warn_bad_rows(bad)
    return 1 if bad else 0


COMMAND = Command("export", summary("export"), _arguments, run)
