"""The 92 Spektate rows enriched from a local Azure DevOps serving their builds and
releases in raw REST form: each deployment's status from the rules, every row kept, and
the cache proving that finished things are never asked for again."""

from __future__ import annotations

import asyncio
from collections import Counter

import yaml

from azdo_fixtures import config, load, serve_spektate
from helpers import spektate_rows
from provider_server import ProviderServer

from gitops_tui.config import Config, parse_config
from gitops_tui.domain import rules
from gitops_tui.domain.vocab import RECORDED_TO_STATUS, UNKNOWN
from gitops_tui.enrich.cache import Cache
from gitops_tui.enrich.oneshot import enrich_rows
from gitops_tui.providers.facts import recorded


def settings(url: str) -> Config:
    from pathlib import Path
    return parse_config(config(url), Path("t.yaml"), env={})


def expected_stage(word: str | None) -> str:
    word = recorded(word)
    return RECORDED_TO_STATUS[word] if word else UNKNOWN


def expected_statuses(rows: list[dict]) -> dict[str, tuple[str, ...]]:
    """Per row, each stage's status as the fixtures say (read independently of the
    enricher): p1 from the builds, p2 from the releases or, for a multi-stage build
    (p1 = p2), from its timeline (stage 1 succeeded, stage 2 failed), p3 from the builds."""
    builds, releases = load()
    out = {}
    for row in rows:
        got = []
        p1, p2, p3 = row.get("p1"), row.get("p2"), row.get("p3")
        if p1:
            got.append("succeeded" if p1 == p2 and p1 in builds else
                       expected_stage(builds[p1]["result"]) if p1 in builds else UNKNOWN)
        if p2:
            got.append(("failed" if p2 in builds else UNKNOWN) if p1 == p2 else
                       expected_stage(releases[p2]["status"]) if p2 in releases else UNKNOWN)
        if p3:
            got.append(expected_stage(builds[p3]["result"]) if p3 in builds else UNKNOWN)
        out[row["RowKey"]] = tuple(got)
    return out


def run(rows, cfg, cache):
    return asyncio.run(enrich_rows(rows, cfg.providers, cache))


def test_each_spektate_row_gets_its_stages_statuses(tmp_path):
    rows = spektate_rows()
    with ProviderServer() as server:
        serve_spektate(server)
        enriched, warnings, requests = run(rows, settings(server.url()), Cache(tmp_path / "c.json"))
    assert warnings == []
    expected = expected_statuses(rows)
    deployments, _ = rules.build(enriched)
    assert sum(1 + len(d.duplicates) for d in deployments) == 92  # every row kept
    for d in deployments:
        assert tuple(s.status for s in d.stages) == expected[d.id], d.id
        for s in d.stages:
            assert s.source == "azure_devops"
            assert (s.error is not None) == (s.status == UNKNOWN), (d.id, s)
    # What the table of statuses comes to, and the reasons for the unknown ones.
    counts = Counter(d.status for d in deployments)
    assert counts["unknown"] < len(deployments) and counts["succeeded"] > 0 and counts["failed"] > 0
    reasons = {s.error for d in deployments for s in d.stages if s.error}
    assert reasons <= {"not found (expired or deleted)"}, reasons
    # Builds batched: one request per 50 ids, one per release batch, one per timeline.
    multi = {r["p1"] for r in rows if r.get("p1") and r.get("p1") == r.get("p2")}
    assert requests <= 4 + 2 + len(multi)


def test_a_second_run_asks_for_nothing_finished(tmp_path):
    rows = spektate_rows()
    builds, _ = load()
    in_flight = next(r["p1"] for r in rows if r.get("p1") in builds and r.get("p1") != r.get("p2"))
    live = {**builds, in_flight: {**builds[in_flight], "status": "inProgress", "result": None}}
    with ProviderServer() as server:
        serve_spektate(server, live)
        cfg = settings(server.url())
        first, _, cold = run(rows, cfg, Cache(tmp_path / "c.json"))
        server.requests.clear()
        second, warnings, warm = run(rows, cfg, Cache(tmp_path / "c.json"))
    assert warnings == [] and cold > 5
    # Only the in-flight build is asked again, with the ids that had no answer (expired:
    # asked once per run); no finished build, release or timeline.
    builds, releases = load()
    asked = {}
    for path, _ in server.requests:
        assert "timeline" not in path
        for name in ("buildIds", "releaseIdFilter"):
            if name + "=" in path:
                asked.setdefault(name, set()).update(path.split(name + "=")[1].split("&")[0].split(","))
    assert in_flight in asked["buildIds"]
    assert asked["buildIds"] - {in_flight} == {r for r in asked["buildIds"] if r not in builds}
    assert all(r not in releases for r in asked.get("releaseIdFilter", ()))
    batches = -(-len(asked["buildIds"]) // 50) + (1 if asked.get("releaseIdFilter") else 0)
    assert warm == len(server.requests) == batches
    assert first == second


def test_the_token_never_reaches_the_cache_or_facts(tmp_path):
    rows = spektate_rows()
    with ProviderServer() as server:
        serve_spektate(server)
        enriched, _, _ = run(rows, settings(server.url()), Cache(tmp_path / "c.json"))
        auth = {h.get("authorization") for _, h in server.requests}
    assert len(auth) == 1 and None not in auth  # the token was sent, to its own host
    blob = (tmp_path / "c.json").read_text() + yaml.safe_dump(enriched)
    assert "CANARY-T0KEN-9f3b" not in blob and auth.pop().split()[-1] not in blob
