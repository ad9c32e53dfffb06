"""``gitops-tui import FILE``: JSON Lines entities or a Spektate dump into the store."""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import sys
from pathlib import Path

from gitops_tui.cli.common import CliError, Command, open_store, with_store_overrides
from gitops_tui.config import Config
from gitops_tui.stores.bulk import PartialWriteError, RowFailure
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

    async def go() -> tuple[int, list[RowFailure]]:
        store = await open_store(config, create=True)
        try:
            return await store.upsert_many(entities), []
        except PartialWriteError as exc:  # every row the store would take is written
            return exc.written, exc.failures
        finally:
            await store.close()

    written, failures = asyncio.run(go())
    skipped = f", skipped {len(problems)} bad lines" if problems else ""
    if not failures:
        print(f"imported {written} entities into {config.store.description}{skipped}")
        return 1 if problems and not written else 0
    print(f"imported {written} of {written + len(failures)} entities into {config.store.description}"
          f"{skipped}; {len(failures)} failed:", flush=True)
    lines = _entity_lines(text, len(entities), problems)
    for failure in failures:
        print(f"{name}:{lines[failure.index]}: failed: RowKey {failure.row_key[:60]!r}: {failure.reason}",
              file=sys.stderr)
    return 1


def _entity_lines(text: str, count: int, problems: list[tuple[int, str]]) -> list[int]:
    """The line (JSON Lines) or entry number (one JSON document) of each entity
    ``read_entities`` returned: the numbers it gives items, less those it skipped."""
    skipped = {number for number, _ in problems}
    numbers: itertools.count[int] | list[int]
    try:
        whole = json.loads(text) if text.lstrip()[:1] in ("{", "[") else None
    except json.JSONDecodeError:
        whole = None
    if isinstance(whole, (dict, list)):
        numbers = itertools.count(1)
    else:
        numbers = [number for number, line in enumerate(text.splitlines(), start=1) if line.strip()]
    return list(itertools.islice((n for n in numbers if n not in skipped), count))


COMMAND = Command(
    "import", "import JSON Lines entities (or a Spektate {entries: [...]} file) into the store", _arguments, run
)
