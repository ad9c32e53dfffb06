"""The monitor shows the rows at once and the enrichment service fills them in the
background; steady polls ask only for what is in flight; a finished stage replaces
the running one it reported before."""

from __future__ import annotations

from pathlib import Path

import pytest

from azdo_fixtures import API, config, load, serve_spektate
from helpers import spektate_rows
from provider_server import ProviderServer

from gitops_tui.config import StoreConfig, parse_config
from gitops_tui.enrich.cache import Cache
from gitops_tui.enrich.service import EnrichmentService
from gitops_tui.monitor import Monitor
from gitops_tui.stores.sqlite import SqliteStore


@pytest.fixture
async def store(tmp_path):
    store = SqliteStore(StoreConfig(kind="sqlite", path=tmp_path / "m.db"))
    await store.open(create=True)
    await store.upsert_many(spektate_rows())
    yield store
    await store.close()


async def test_background_enrichment_and_steady_polls(store, tmp_path):
    rows = spektate_rows()
    builds, _ = load()
    running = next(r["p1"] for r in rows if r.get("p1") in builds and r.get("p1") != r.get("p2"))
    live = {**builds, running: {**builds[running], "status": "inProgress", "result": None}}
    with ProviderServer() as server:
        serve_spektate(server, live)
        settings = parse_config(config(server.url()), Path("t.yaml"), env={}).providers
        monitor = Monitor(store)
        service = EnrichmentService(monitor, settings, Cache(tmp_path / "c.json"))
        await monitor.load()
        assert all(s.source is None for d in monitor.snapshot.deployments for s in d.stages)  # shown at once
        await service.idle()
        stages = [s for d in monitor.snapshot.deployments for s in d.stages]
        assert {s.source for s in stages} == {"azure_devops"}
        by_run = {s.run_id: s for s in stages if s.name == "image"}
        assert by_run[running].status == "in_progress"
        cold = len(server.requests)
        # Steady polls: only the running build is asked (one request per poll).
        for _ in range(3):
            server.requests.clear()
            await monitor.poll()
            await service.idle()
            asked = [p for p, _ in server.requests]
            assert len(asked) == 1 and f"buildIds={running}&" in asked[0], asked
        # It finishes: the next poll's answer replaces the running one.
        live[running] = builds[running]
        await monitor.poll()
        await service.idle()
        by_run = {s.run_id: s for d in monitor.snapshot.deployments for s in d.stages if s.name == "image"}
        assert by_run[running].status != "in_progress"
        server.requests.clear()
        await monitor.poll()
        await service.idle()
        assert server.requests == []  # nothing in flight: nothing asked
        assert cold > 3 and service.progress() is None
        await service.close()
