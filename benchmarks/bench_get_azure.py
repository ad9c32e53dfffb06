"""`get --output json` on Azurite against a bare SDK scan of the same table (issue 13).

Run: ``.venv/bin/python benchmarks/bench_get_azure.py [--rows 1506] [--repo PATH]``
(needs ``npm ci`` for Azurite). Prints figures; asserts nothing. Both are whole
processes (interpreter start, imports, the scan; get also merges and writes JSON), run
alternately, medians of ``--runs``; then the parts of get in one process: open + scan,
merge into the index, JSON out. Goal: get ≤ 1.2× the bare scan.

Both run with their bytecode compiled, as an install leaves them: the SDK's by pip, the
checkout's by the warm-up runs (PYTHONDONTWRITEBYTECODE is dropped for those, or every
run would compile gitops_tui's ~60 modules again: ~36 ms on the 2-core machine).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests"), str(ROOT / "benchmarks")]

from azurite import start_azurite  # noqa: E402
from bench_azure_store import bedrock_rows  # noqa: E402

BARE = """
import sys
from azure.core.credentials import AzureNamedKeyCredential
from azure.data.tables import TableClient
endpoint, name, key, table = sys.argv[1:5]
with TableClient(endpoint, table, credential=AzureNamedKeyCredential(name, key)) as client:
    print(sum(1 for _ in client.list_entities(results_per_page=1000)))
"""


def timed(argv: list[str], repo: Path, compile_bytecode: bool = False) -> float:
    env = {**os.environ, "PYTHONPATH": str(repo)}
    if compile_bytecode:
        env.pop("PYTHONDONTWRITEBYTECODE", None)
    started = time.perf_counter()
    subprocess.run(argv, cwd=repo, env=env, check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1506)
    parser.add_argument("--runs", type=int, default=11, help="runs of each (alternately)")
    parser.add_argument("--repo", default=str(ROOT), help="the checkout whose get is measured")
    args = parser.parse_args()
    repo = Path(args.repo).resolve()
    azurite = start_azurite()
    try:
        run(azurite, args.rows, repo, args.runs)
    finally:
        azurite.stop()


def run(azurite, count: int, repo: Path, runs: int) -> None:  # type: ignore[no-untyped-def]
    from gitops_tui.config import StoreConfig, load_config
    from gitops_tui.stores.azure import AzureTableStore

    table = "bedrock"
    store = AzureTableStore(StoreConfig(kind="azure", endpoint=azurite.endpoint, account_name=azurite.account_name,
                                        account_key=azurite.account_key, table=table, timeout_s=10.0))

    async def seed() -> None:
        await store.open(create=True)
        try:
            await store.upsert_many(bedrock_rows(count, 3))
        finally:
            await store.close()

    asyncio.run(seed())
    with tempfile.TemporaryDirectory() as tmp:
        cfg = Path(tmp) / "az.yaml"
        cfg.write_text(f'store:\n  kind: azure\n  table: {table}\n  connection_string: "{azurite.connection_string}"\n')
        get = [sys.executable, "-m", "gitops_tui", "--config", str(cfg), "get", "--no-enrich", "-o", "json"]
        bare = [sys.executable, "-c", BARE, azurite.endpoint, azurite.account_name, azurite.account_key, table]
        timed(get, repo, True), timed(bare, repo, True)  # (bytecode; warm Azurite and the file cache)
        gets, bares = [], []
        for _ in range(runs):
            gets.append(timed(get, repo))
            bares.append(timed(bare, repo))
        g, b = statistics.median(gets), statistics.median(bares)
        print(f"{count:,} rows: get -o json {g:.3f} s, bare SDK scan {b:.3f} s (processes): ratio {g / b:.2f}"
              " (goal <= 1.2)")
        if repo == ROOT:
            parts(load_config(str(cfg)))


def parts(config) -> None:  # type: ignore[no-untyped-def]
    import io

    from gitops_tui.cli.load import _rows
    from gitops_tui.cli.stream import write_json_array
    from gitops_tui.domain.timefmt import utcnow
    from gitops_tui.index.journey import JourneyIndex
    from gitops_tui.index.jsonout import selected_json
    from gitops_tui.present import to_json

    started = time.perf_counter()
    rows, _ = asyncio.run(_rows(config))
    scanned = time.perf_counter()
    index = JourneyIndex(compact=True)
    index.add_page(rows)
    index.finish_load()
    merged = time.perf_counter()
    write_json_array(selected_json(index.snapshot().deployments, utcnow(), to_json), io.BytesIO())  # (as get)
    done = time.perf_counter()
    print(f"in one process: open+scan {scanned - started:.3f} s, merge {merged - scanned:.3f} s, "
          f"JSON {done - merged:.3f} s")


if __name__ == "__main__":
    main()
