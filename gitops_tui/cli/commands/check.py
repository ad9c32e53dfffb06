"""``gitops-tui check``: config, store, table, and what the rows look like."""

from __future__ import annotations

import argparse
import asyncio
from collections.abc import Sequence

from gitops_tui.cli.commands import summary
from gitops_tui.cli.common import Command, bad_rows, open_store
from gitops_tui.config import Config
from gitops_tui.domain.textsafe import clean
from gitops_tui.stores.base import BadRow, StoreError, TableMissingError
from gitops_tui.transfer import looks_like_bedrock


def _arguments(p: argparse.ArgumentParser) -> None:
    pass  # only --config, which every command takes


def run(args: argparse.Namespace, config: Config) -> int:
    source = config.source or "(defaults: no config file found)"
    print(f"config:    {clean(source)}: ok")
    print(f"store:     {clean(config.store.description)}"
          + (f" (partition {clean(config.store.partition)})" if config.store.partition else " (every partition)"))

    async def go() -> tuple[int, int, Sequence[BadRow]]:
        store = await open_store(config)
        try:
            total = bedrock = 0
            async for page in store.scan(5000):
                total += len(page)
                bedrock += sum(1 for row in page if looks_like_bedrock(row))
            return total, bedrock, bad_rows(store)
        finally:
            await store.close()

    try:
        total, bedrock, bad = asyncio.run(go())
    except TableMissingError as exc:
        print(f"table:     MISSING: {clean(exc)}")
        return 1
    except StoreError as exc:
        print(f"reachable: NO: {clean(exc)}")
        return 1
    print("reachable: yes")
    print("table:     present")
    print(f"rows:      {total}")
    share = (bedrock / total * 100) if total else 0.0
    print(f"bedrock:   {bedrock} of {total} rows look like Bedrock deployment rows ({share:.0f}%)")
    if not bad:
        return 0
    print(f"bad rows:  {len(bad)} not entities, skipped by every read (fix or delete them by hand):")
    for row in bad:
        print(f"  {clean(row.partition, 80)}/{clean(row.key, 80)} ({clean(row.where)}): {clean(row.reason)}")
    return 1


COMMAND = Command("check", summary("check"), _arguments, run)
