"""``gitops-tui import FILE``: JSON Lines entities or a Spektate dump into the store."""

from __future__ import annotations

import argparse
import asyncio
import sys
from pathlib import Path

from gitops_tui.cli.common import CliError, Command, open_store, with_store_overrides
from gitops_tui.config import Config
from gitops_tui.transfer import read_entities


def _arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("file", metavar="FILE", help="a file, or - for standard input")
    p.add_argument("--partition", help="PartitionKey for entities that have none")


def run(args: argparse.Namespace, config: Config) -> int:
    config = with_store_overrides(config, args)
    default_partition = args.partition or config.store.partition
    if args.file == "-":
        text = sys.stdin.read().lstrip("\ufeff")
        name = "<stdin>"
    else:
        try:
            text = Path(args.file).read_text(encoding="utf-8-sig")  # tolerate a BOM
        except (OSError, UnicodeDecodeError) as exc:
            raise CliError(f"{args.file}: cannot read: {getattr(exc, 'strerror', None) or exc}", 2) from None
        name = args.file
    entities, problems = read_entities(text, default_partition)
    for line, problem in problems:
        print(f"{name}:{line}: skipped: {problem}", file=sys.stderr)

    async def go() -> int:
        store = await open_store(config, create=True)
        try:
            return await store.upsert_many(entities)
        finally:
            await store.close()

    written = asyncio.run(go())
    print(f"imported {written} entities into {config.store.description}"
          + (f", skipped {len(problems)} bad lines" if problems else ""))
    return 1 if problems and not written else 0


COMMAND = Command(
    "import", "import JSON Lines entities (or a Spektate {entries: [...]} file) into the store", _arguments, run
)
