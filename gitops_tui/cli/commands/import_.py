"""``gitops-tui import FILE``: JSON Lines entities or a Spektate dump into the store."""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import sys
from pathlib import Path

from gitops_tui.cli.commands import summary
from gitops_tui.cli.common import CliError, Command, open_store, with_store_overrides
from gitops_tui.config import Config
from gitops_tui.domain.rows import Row
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
    # The embedded store keeps each entity's Timestamp (so export → import → export is
    # the same file); Azure sets its own, so the source's is kept as originalTimestamp.
    restore = config.store.kind == "sqlite"
    entities, problems = read_entities(text, default_partition, keep_timestamps=restore)
    for line, problem in problems:
        print(f"{name}:{line}: skipped: {problem}", file=sys.stderr)

    order = list(range(len(entities)))

    async def go() -> tuple[int, list[RowFailure]]:
        nonlocal order
        from gitops_tui.stores.sqlite import SqliteStore

        store = await open_store(config, create=True)
        try:
            if isinstance(store, SqliteStore):
                order = restored_order(entities)
                return await store.upsert_many([entities[i] for i in order], keep_timestamps=True), []
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
        print(f"{name}:{lines[order[failure.index]]}: failed: RowKey {failure.row_key[:60]!r}: {failure.reason}",
              file=sys.stderr)
    return 1


def restored_order(entities: list[Row]) -> list[int]:
    """The positions of ``entities`` in the order to write an export back in: an export
    lists the newest write first, so the last line is written first; of a key given
    twice only the later line, as written in file order."""
    seen: set[tuple[str, str]] = set()
    order = []
    for i in range(len(entities) - 1, -1, -1):
        key = (entities[i]["PartitionKey"], entities[i]["RowKey"])
        if key not in seen:
            seen.add(key)
            order.append(i)
    return order


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
    "import", summary("import"), _arguments, run
)
