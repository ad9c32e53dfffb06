"""Racing writers (issue 12): 20 `gitops-tui record` processes at once on the same four
deployments, each writing other fields or another stage, on SQLite and on Azurite.
Afterwards every field is there and no deployment has a duplicate row."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest

from gitops_tui.config import StoreConfig
from gitops_tui.stores import make_store
from gitops_tui.stores.base import load_all
from gitops_tui.writer.stages import identity_key
from helpers import ROOT, run_cli

P = "race"
IMAGES = range(1, 5)


def image(n: int, *more: str) -> list[str]:
    return ["--p1", str(n), "--image-tag", f"img-{n}", "--commit-id", f"c0ffee{n}", "--service", "svc", *more]


def writers(n: int) -> list[list[str]]:
    """Five processes on image ``n``: three re-runs of its build adding a field each,
    and releases into two rings (they race for the row no ring has yet)."""
    return [
        image(n, "--author", f"Author {n}"),
        image(n, "--author-email", f"a{n}@example.com"),
        image(n, "--status", "succeeded", "--url", f"https://ci.example/{n}"),
        ["--p2", f"2{n}", "--image-tag", f"img-{n}", "--env", "dev", "--hld-commit-id", f"d{n}"],
        ["--p2", f"3{n}", "--image-tag", f"img-{n}", "--env", "prod", "--hld-commit-id", f"e{n}"],
    ]


def config_file(tmp_path: Path, config: StoreConfig) -> Path:
    cfg = tmp_path / "race.yaml"
    if config.kind == "sqlite":
        body = f"  kind: sqlite\n  path: {config.path}\n"
    else:
        body = (f"  kind: azure\n  endpoint: {config.endpoint}\n  account_name: {config.account_name}\n"
                f"  account_key: ${{env:RACE_KEY}}\n  table: {config.table}\n  timeout: 20s\n")
    cfg.write_text(f"store:\n{body}  partition: {P}\n")
    return cfg


@pytest.fixture(params=["sqlite", "azure"])
def store_config(request, tmp_path) -> StoreConfig:  # type: ignore[no-untyped-def]
    if request.param == "sqlite":
        return StoreConfig(kind="sqlite", path=tmp_path / "race.db", partition=P, timeout_s=20)
    return request.getfixturevalue("azure_config")(partition=P)


async def test_twenty_concurrent_records_lose_no_field_and_make_no_duplicate(tmp_path, store_config) -> None:
    store = make_store(store_config)
    await store.open(create=True)
    cfg = config_file(tmp_path, store_config)
    env = {k: v for k, v in os.environ.items() if not k.startswith("GITOPS_TUI_")}
    env.update(RACE_KEY=store_config.account_key or "", PYTHONPATH=str(ROOT))
    for n in IMAGES:  # the builds exist; what follows races on their rows
        first = run_cli("record", "--config", str(cfg), *image(n, "--status", "started"), env=env)
        assert first.returncode == 0, first.stderr
    procs = [
        subprocess.Popen([sys.executable, "-m", "gitops_tui", "record", "--config", str(cfg), *argv],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
        for n in IMAGES for argv in writers(n)
    ]
    assert len(procs) == 20
    results = [(p.wait(timeout=120), p.stderr.read()) for p in procs]
    for p in procs:
        p.stdout.close()
        p.stderr.close()
    assert [rc for rc, _ in results] == [0] * 20, results

    rows, _ = await load_all(store)
    await store.close()
    assert len({(r["PartitionKey"], r["RowKey"]) for r in rows}) == len(rows)
    # one row per image and ring, nothing else
    assert Counter((r["imageTag"], r.get("env")) for r in rows) == Counter(
        {(f"img-{n}", ring): 1 for n in IMAGES for ring in ("dev", "prod")})
    for n in IMAGES:
        build = next(r for r in rows if r["RowKey"] == identity_key(P, "image", str(n), f"img-{n}"))
        # (the build's row went to one of the rings; every re-run's field is on it)
        assert build["author"] == f"Author {n}"
        assert build["authorEmail"] == f"a{n}@example.com"
        assert build["p1Status"] == "succeeded" and build["p1Url"] == f"https://ci.example/{n}"
        assert build["commitId"] == f"c0ffee{n}" and build["service"] == "svc"
        for ring, p2, hld in (("dev", f"2{n}", f"d{n}"), ("prod", f"3{n}", f"e{n}")):
            row = next(r for r in rows if r["imageTag"] == f"img-{n}" and r.get("env") == ring)
            assert (row["p2"], row["hldCommitId"], row["p1"]) == (p2, hld, str(n))
