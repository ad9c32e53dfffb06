"""Enrichment cost against a local Azure DevOps with 50 ms of latency per request.

Run: ``.venv/bin/python benchmarks/bench_enrich.py [--deployments 1000] [--in-flight 5]
[--polls 60] [--latency 0.05]``. Prints figures; asserts nothing.

A SQLite table of legacy rows (p1, p2 ≠ p1, p3 and a PR each, no status), a monitor with
the enrichment service, and the provider server (tests/enrich/provider_server.py):

* cold start: requests and wall time until every row is enriched (empty disk cache);
* steady polls: requests per poll over ``--polls`` polls with ``--in-flight`` builds
  still running (goal: no more than the in-flight stages);
* warm restart: a new monitor and service on the same disk cache (goal: 0 requests for
  finished stages; only the in-flight ones are asked).
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests" / "enrich")]

from provider_server import ProviderServer  # noqa: E402

from gitops_tui.config import StoreConfig, parse_config  # noqa: E402
from gitops_tui.enrich.cache import Cache  # noqa: E402
from gitops_tui.enrich.service import EnrichmentService  # noqa: E402
from gitops_tui.monitor import Monitor  # noqa: E402
from gitops_tui.stores.sqlite import SqliteStore  # noqa: E402

API = "/org/proj/_apis"


def rows(n: int) -> list[dict]:
    return [{"PartitionKey": "svc", "RowKey": f"{i:012x}", "p1": str(10000 + i), "imageTag": f"svc-{i}",
             "service": "svc", "env": "dev", "p2": str(50000 + i), "hldCommitId": f"h{i:06x}",
             "p3": str(20000 + i), "pr": str(3000 + i), "Timestamp": "2026-01-01T00:00:00Z"} for i in range(n)]


def serve(server: ProviderServer, running: set[str]) -> None:
    def builds(q, h):
        ids = q["buildIds"][0].split(",")
        return 200, {}, {"value": [
            {"id": int(i), "status": "inProgress" if i in running else "completed", "result": "succeeded",
             "startTime": "2026-01-01T00:00:00Z", "finishTime": "2026-01-01T00:05:00Z"} for i in ids]}

    def releases(q, h):
        ids = q["releaseIdFilter"][0].split(",")
        return 200, {}, {"value": [{"release": {"id": int(i)}, "deploymentStatus": "succeeded"} for i in ids]}

    server.routes[f"{API}/build/builds"] = builds
    server.routes[f"{API}/release/deployments"] = releases
    server.routes.update({f"{API}/git/pullrequests/{3000 + i}": (
        lambda q, h: (200, {}, {"status": "completed", "title": "t", "closedBy": {"displayName": "Ann"}}))
        for i in range(5000)})


async def start(store: SqliteStore, settings, cache_path: Path) -> tuple[Monitor, EnrichmentService]:
    monitor = Monitor(store)
    service = EnrichmentService(monitor, settings, Cache(cache_path))
    await monitor.load()
    await service.idle()
    return monitor, service


async def main(args: argparse.Namespace) -> None:
    tmp = Path(tempfile.mkdtemp())
    store = SqliteStore(StoreConfig(kind="sqlite", path=tmp / "b.db"))
    await store.open(create=True)
    await store.upsert_many(rows(args.deployments))
    running = {str(10000 + i) for i in range(args.in_flight)}
    with ProviderServer(latency_s=args.latency) as server:
        serve(server, running)
        text = (f"providers:\n  azure_devops:\n    organization: org\n    project: proj\n    token: t\n"
                f"    url: {server.url()}\n    release_url: {server.url()}\n"
                "pipelines:\n  image: azure_devops\n  hld: azure_devops\n  manifest: azure_devops\n")
        settings = parse_config(text, Path("b.yaml"), env={}).providers
        t0 = time.perf_counter()
        monitor, service = await start(store, settings, tmp / "cache.json")
        cold_s, cold = time.perf_counter() - t0, len(server.requests)
        print(f"cold start: {cold} requests, {cold_s:.2f} s for {args.deployments} deployments "
              f"({args.latency * 1000:.0f} ms latency, max_concurrency {settings.max_concurrency})")
        per_poll = []
        for _ in range(args.polls):
            before = len(server.requests)
            await monitor.poll()
            await service.idle()
            per_poll.append(len(server.requests) - before)
        print(f"steady polls: {args.polls} polls, {sum(per_poll)} requests, per poll mean "
              f"{statistics.mean(per_poll):.2f} max {max(per_poll)} ({args.in_flight} stages in flight, "
              "one batched request)")
        await service.close()
        before = len(server.requests)
        t0 = time.perf_counter()
        monitor, service = await start(store, settings, tmp / "cache.json")
        warm = server.requests[before:]
        finished = [p for p, _ in warm if not any(r in p for r in running)]
        print(f"warm restart: {len(warm)} requests ({len(finished)} for finished stages), "
              f"{time.perf_counter() - t0:.2f} s")
        await service.close()
    await store.close()


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--deployments", type=int, default=1000)
    parser.add_argument("--in-flight", type=int, default=5)
    parser.add_argument("--polls", type=int, default=60)
    parser.add_argument("--latency", type=float, default=0.05)
    asyncio.run(main(parser.parse_args()))
