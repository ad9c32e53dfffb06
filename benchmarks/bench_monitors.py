"""Many monitors on one Azure table (issue 12): what the store sees.

Run: ``.venv/bin/python benchmarks/bench_monitors.py [--monitors 50] [--rows 2000]
[--interval 5] [--seconds 60] [--writes 1]`` (needs ``npm ci`` for Azurite). Prints
figures; asserts nothing.

``--monitors`` monitors (each its own store and connection pool, as so many TUIs would
be) poll one Azurite table through a loopback proxy that counts the HTTP requests and
the bytes each way, while a writer changes ``--writes`` rows a second beside the proxy.
Then as many peers do what a full re-read per refresh costs (Spektate's way: every
entity of the partition, every refresh), on the same interval. For both: requests a
second the store serves, response bytes a second, and the refresh time (median, p95).
The initial full loads are counted apart.
"""

from __future__ import annotations

import argparse
import asyncio
import re
import statistics
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT / "benchmarks"))

from azurite import free_port, start_azurite  # noqa: E402
from bench_azure_store import bedrock_rows  # noqa: E402

from gitops_tui.config import StoreConfig  # noqa: E402
from gitops_tui.monitor import OK, Monitor  # noqa: E402
from gitops_tui.stores.azure import AzureTableStore  # noqa: E402
from gitops_tui.stores.base import load_all  # noqa: E402

TABLE = "monitors"
_REQUEST_LINE = re.compile(rb"(?:^|\n)(?:GET|POST|PUT|PATCH|DELETE|MERGE|HEAD) /[^ ]* HTTP/1\.[01]\r\n")


class CountingProxy:
    """A loopback TCP proxy in its own thread counting request lines and bytes."""

    def __init__(self, target_port: int) -> None:
        self.target_port = target_port
        self.port = free_port()
        self.requests = 0
        self.bytes_up = 0
        self.bytes_down = 0
        self._lock = threading.Lock()
        self._loop = asyncio.new_event_loop()
        ready = threading.Event()

        def run() -> None:
            asyncio.set_event_loop(self._loop)
            self._server = self._loop.run_until_complete(asyncio.start_server(self._handle, "127.0.0.1", self.port))
            ready.set()
            self._loop.run_forever()

        self._thread = threading.Thread(target=run, daemon=True)
        self._thread.start()
        ready.wait(5)

    def counts(self) -> tuple[int, int, int]:
        with self._lock:
            return self.requests, self.bytes_up, self.bytes_down

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            up_reader, up_writer = await asyncio.open_connection("127.0.0.1", self.target_port)
        except OSError:
            writer.close()
            return
        try:
            await asyncio.gather(self._pipe(reader, up_writer, True), self._pipe(up_reader, writer, False),
                                 return_exceptions=True)
        except asyncio.CancelledError:
            pass

    async def _pipe(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, up: bool) -> None:
        try:
            while chunk := await reader.read(65536):
                with self._lock:
                    if up:
                        self.bytes_up += len(chunk)
                        self.requests += len(_REQUEST_LINE.findall(chunk))
                    else:
                        self.bytes_down += len(chunk)
                writer.write(chunk)
                await writer.drain()
        finally:
            writer.close()

    def close(self) -> None:
        async def stop() -> None:
            self._server.close()
            tasks = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)

        asyncio.run_coroutine_threadsafe(stop(), self._loop).result(5)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(5)


def config(server, port: int, partition: str | None) -> StoreConfig:  # type: ignore[no-untyped-def]
    return StoreConfig(kind="azure", endpoint=f"http://127.0.0.1:{port}/{server.account_name}",
                       account_name=server.account_name, account_key=server.account_key, table=TABLE,
                       partition=partition, timeout_s=30)


async def writer_task(server, partition: str, per_s: float, stop: asyncio.Event) -> int:  # type: ignore[no-untyped-def]
    """Change ``per_s`` rows a second, straight to Azurite (not through the proxy)."""
    store = AzureTableStore(config(server, server.port, partition))
    await store.open()
    written = 0
    try:
        while not stop.is_set():
            await store.upsert_many([{"PartitionKey": partition, "RowKey": f"churn-{written % 50:03d}",
                                      "p1": str(written), "imageTag": f"churn-{written}", "service": "churn"}])
            written += 1
            try:
                await asyncio.wait_for(stop.wait(), 1 / per_s)
            except TimeoutError:
                pass
    finally:
        await store.close()
    return written


async def measure(name: str, proxy: CountingProxy, refreshers, seconds: float,  # type: ignore[no-untyped-def]
                  interval: float, server, partition: str, writes: float) -> None:
    """Run each refresher (an async callable: one refresh) every ``interval`` seconds,
    staggered, for ``seconds``; print what the proxy counted."""
    stop = asyncio.Event()
    times: list[float] = []
    failures = 0

    async def loop(refresh, offset: float) -> None:  # type: ignore[no-untyped-def]
        nonlocal failures
        await asyncio.sleep(offset)
        while not stop.is_set():
            started = time.perf_counter()
            ok = await refresh()
            times.append(time.perf_counter() - started)
            failures += not ok
            try:
                await asyncio.wait_for(stop.wait(), max(0.0, interval - (time.perf_counter() - started)))
            except TimeoutError:
                pass

    before = proxy.counts()
    started = time.perf_counter()
    writing = asyncio.ensure_future(writer_task(server, partition, writes, stop)) if writes else None
    tasks = [asyncio.ensure_future(loop(r, interval * i / len(refreshers))) for i, r in enumerate(refreshers)]
    await asyncio.sleep(seconds)
    stop.set()
    await asyncio.gather(*tasks)
    written = await writing if writing else 0
    took = time.perf_counter() - started
    after = proxy.counts()
    requests, up, down = (a - b for a, b in zip(after, before))
    times.sort()
    p95 = times[int(len(times) * 0.95) - 1] if times else 0.0
    print(f"{name:<28} {requests / took:8.1f} req/s {down / took / 1e6:8.2f} MB/s down {up / took / 1e3:7.1f} kB/s up"
          f"  refresh median {statistics.median(times) * 1000:7.1f} ms p95 {p95 * 1000:7.1f} ms"
          f"  ({len(times)} refreshes, {failures} failed, {written} rows written)")


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--monitors", type=int, default=50)
    parser.add_argument("--rows", type=int, default=2000)
    parser.add_argument("--interval", type=float, default=5.0)
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--writes", type=float, default=1.0, help="rows changed a second")
    args = parser.parse_args()

    server = start_azurite()
    proxy = CountingProxy(server.port)
    try:
        rows = bedrock_rows(args.rows, 1)
        partition = rows[0]["PartitionKey"]
        seed = AzureTableStore(config(server, server.port, None))
        await seed.open(create=True)
        await seed.upsert_many(rows)
        await seed.close()
        # (Rows written within the cursor's margin of a load are read again by the first
        # polls: a just-seeded table would count its own bulk write.)
        await asyncio.sleep(AzureTableStore.SERVER_MARGIN_S + AzureTableStore.OVERLAP_S)
        print(f"{args.monitors} monitors, {args.rows} rows in partition {partition!r}, every {args.interval:g}s "
              f"for {args.seconds:g}s, {args.writes:g} rows/s changed")

        # -- ours: a full load each, then incremental polls (a key listing now and then)
        monitors = [Monitor(AzureTableStore(config(server, proxy.port, partition)), interval_s=args.interval,
                            deadline_s=60) for _ in range(args.monitors)]
        before = proxy.counts()
        started = time.perf_counter()
        loads = await asyncio.gather(*(m.load() for m in monitors))
        took = time.perf_counter() - started
        requests, _, down = (a - b for a, b in zip(proxy.counts(), before))
        assert all(u.status.state == OK for u in loads)
        print(f"{'initial full loads':<28} {requests:8d} requests {down / 1e6:8.2f} MB in {took:.1f}s "
              f"({requests / len(monitors):.1f} requests a monitor)")

        async def poll_of(monitor: Monitor):  # type: ignore[no-untyped-def]
            return (await monitor.poll()).status.state == OK

        await measure("incremental polls (ours)", proxy, [lambda m=m: poll_of(m) for m in monitors],
                      args.seconds, args.interval, server, partition, args.writes)
        for m in monitors:
            await m.close()

        # -- a peer's full re-read per refresh
        peers = [AzureTableStore(config(server, proxy.port, partition)) for _ in range(args.monitors)]
        for p in peers:
            await p.open()

        async def reread(store: AzureTableStore) -> bool:
            rows_read, _ = await load_all(store)
            return len(rows_read) >= args.rows

        await measure("full re-read per refresh", proxy, [lambda p=p: reread(p) for p in peers],
                      args.seconds, args.interval, server, partition, args.writes)
        for p in peers:
            await p.close()
    finally:
        proxy.close()
        server.stop()


if __name__ == "__main__":
    asyncio.run(main())
