"""The writer: Bedrock's write sequence replayed through `record`, on SQLite and Azurite."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
import time
from dataclasses import asdict

import pytest

from gitops_tui.config import StoreConfig
from gitops_tui.index.journey import merge
from gitops_tui.domain.rows import BEDROCK_COLUMNS
from gitops_tui.writer import RecordError, StageRecord, record
from gitops_tui.writer.stage_record import infer_stage, normalize_status
from gitops_tui.stores import make_store
from gitops_tui.stores.base import load_all
from helpers import ROOT, run_cli, sqlite_config

P = "hello-bedrock"


@pytest.fixture(params=["sqlite", "azure"])
def store_config(request, tmp_path) -> StoreConfig:
    if request.param == "sqlite":
        return StoreConfig(kind="sqlite", path=tmp_path / "record.db", partition=P)
    return request.getfixturevalue("azure_config")(partition=P)


@pytest.fixture
async def store(store_config):
    s = make_store(store_config)
    await s.open(create=True)
    yield s
    await s.close()


def R(**kw) -> StageRecord:
    return StageRecord(partition=P, **kw)


async def bedrock_sequence(store) -> None:
    """The four Bedrock calls for one image, a second ring, a manual edit, and re-runs."""
    # 1: image build (started, then finished)
    await record(store, R(p1="6872", image_tag="hello-bedrock-master-6872", commit_id="5B54EB4",
                          service="microsoft/hello-bedrock", repository="https://github.com/microsoft/hello-bedrock",
                          status="started", author="Jane Doe"))
    await record(store, R(p1="6872", image_tag="hello-bedrock-master-6872", commit_id="5b54eb4",
                          service="microsoft/hello-bedrock", status="succeeded"))
    # 2: metadata update into ring DEV with an approval PR
    await record(store, R(p2="246", image_tag="hello-bedrock-master-6872", hld_commit_id="d7c9e6a",
                          env="DEV", pr="12", status="succeeded", pr_state="open", pr_title="Update dev"))
    # 3a: manifest generation after the PR merged
    await record(store, R(p3="6876", hld_commit_id="d7c9e6a", status="started", pr_state="merged",
                          merged_by="Bob"))
    # 3b: manifests pushed
    await record(store, R(p3="6876", manifest_commit_id="49bcd78", status="succeeded",
                          repository="https://github.com/microsoft/hello-manifests"))
    # The same image into a second ring.
    await record(store, R(p2="247", image_tag="hello-bedrock-master-6872", hld_commit_id="aaaa111",
                          env="prod", pr="13", status="succeeded"))
    await record(store, R(p3="6880", hld_commit_id="aaaa111", status="succeeded"))
    await record(store, R(p3="6880", manifest_commit_id="5555555"))
    # A manual HLD edit: manifest build with no image behind it.
    await record(store, R(p3="7000", hld_commit_id="9999999", status="succeeded"))
    await record(store, R(p3="7000", manifest_commit_id="7777777"))
    # Retried stages with the same ids: updates, never new rows.
    await record(store, R(p1="6872", image_tag="hello-bedrock-master-6872", commit_id="5b54eb4",
                          service="microsoft/hello-bedrock", status="succeeded"))
    await record(store, R(p2="246", image_tag="hello-bedrock-master-6872", hld_commit_id="d7c9e6a",
                          env="dev", pr="12", status="succeeded"))
    await record(store, R(p3="6876", hld_commit_id="d7c9e6a", status="succeeded"))


async def test_bedrock_sequence_builds_three_deployments(store):
    await bedrock_sequence(store)
    rows, _ = await load_all(store)
    assert len(rows) == 3, [r["RowKey"] for r in rows]
    by_ring = {d.ring: d for d in merge(rows)}
    assert set(by_ring) == {"dev", "prod", None}

    dev = by_ring["dev"]
    assert dev.status == "succeeded"
    assert (dev.service, dev.commit, dev.image_tag) == ("hello-bedrock", "5b54eb4", "hello-bedrock-master-6872")
    assert (dev.pr, dev.pr_state, dev.merged_by, dev.pr_title) == ("12", "merged", "Bob", "Update dev")
    assert (dev.hld_commit, dev.manifest_commit) == ("d7c9e6a", "49bcd78")
    assert dev.author == "Jane Doe"
    assert [(s.name, s.run_id, s.status) for s in dev.stages] == [
        ("image", "6872", "succeeded"), ("hld", "246", "succeeded"), ("manifest", "6876", "succeeded")]
    assert all(s.started_at and s.finished_at for s in dev.stages)
    assert dev.manifest_repo == "https://github.com/microsoft/hello-manifests"

    prod = by_ring["prod"]
    # The second ring's row carries the image build over from the first, as bedrock does.
    assert (prod.commit, prod.service, prod.author) == ("5b54eb4", "hello-bedrock", "Jane Doe")
    assert [s.run_id for s in prod.stages] == ["6872", "247", "6880"]
    assert prod.manifest_commit == "5555555"

    manual = by_ring[None]
    assert manual.manual_hld_edit and manual.status == "succeeded"
    assert (manual.hld_commit, manual.manifest_commit) == ("9999999", "7777777")


async def test_rows_keep_bedrock_columns_and_meanings(store):
    await bedrock_sequence(store)
    rows, _ = await load_all(store)
    dev = next(r for r in rows if r.get("env") == "dev")
    assert {k: dev[k] for k in BEDROCK_COLUMNS if dev.get(k)} == {
        "p1": "6872", "imageTag": "hello-bedrock-master-6872", "commitId": "5b54eb4",
        "service": "microsoft/hello-bedrock", "sourceRepo": "https://github.com/microsoft/hello-bedrock",
        "p2": "246", "hldCommitId": "d7c9e6a", "env": "dev", "pr": "12",
        "p3": "6876", "manifestCommitId": "49bcd78", "manifestRepo": "https://github.com/microsoft/hello-manifests",
    }
    assert len(dev["RowKey"]) == 12 and int(dev["RowKey"], 16) >= 0


async def test_stage_three_falls_back_to_the_pr(store):
    await record(store, R(p1="1", image_tag="t-1", commit_id="abc1234", service="svc", status="succeeded"))
    await record(store, R(p2="2", image_tag="t-1", hld_commit_id="1111111", env="dev", pr="42", status="succeeded"))
    # The merge commit differs from the commit stage 2 wrote: found by PR, HLD commit updated.
    await record(store, R(p3="3", hld_commit_id="2222222", pr="42", status="succeeded"))
    rows, _ = await load_all(store)
    assert len(rows) == 1
    assert (rows[0]["p3"], rows[0]["hldCommitId"]) == ("3", "2222222")


async def test_cluster_sync_records_and_never_rolls_back(store):
    await record(store, R(cluster="east-us", manifest_commit_id="bbbbbbb", synced_at="2026-11-23T02:00:00Z"))
    await record(store, R(cluster="east-us", manifest_commit_id="aaaaaaa", synced_at="2026-11-23T01:00:00Z"))
    rows, _ = await load_all(store)
    assert len(rows) == 1
    assert rows[0]["PartitionKey"] == P + ".clusters"
    assert (rows[0]["manifestCommitId"], rows[0]["syncedAt"]) == ("bbbbbbb", "2026-11-23T02:00:00.000000Z")


async def test_manifest_push_without_generation_is_an_error(store):
    with pytest.raises(RecordError, match="--p3 99"):
        await record(store, R(p3="99", manifest_commit_id="1234567"))


def test_stage_inference_follows_bedrock():
    assert infer_stage(R(p1="1", p2="1")) == "image"
    assert infer_stage(R(p2="1")) == "hld"
    assert infer_stage(R(p3="1", hld_commit_id="a", manifest_commit_id="b")) == "manifest"
    assert infer_stage(R(p3="1", manifest_commit_id="b")) == "manifest-push"
    assert infer_stage(R(cluster="east")) == "cluster-sync"
    with pytest.raises(RecordError):
        infer_stage(R(p3="1"))


@pytest.mark.parametrize("given, stored", [("success", "succeeded"), ("Succeeded", "succeeded"),
                                           ("failure", "failed"), ("cancelled", "canceled"),
                                           ("running", "started")])
def test_ci_status_spellings(given, stored):
    assert normalize_status(given) == stored
    with pytest.raises(RecordError):
        normalize_status("exploded")


def test_cli_accepts_bedrock_flags_as_a_drop_in(tmp_path):
    cfg = sqlite_config(tmp_path, partition=None)
    calls = [
        ["--p1", "6872", "--image-tag", "hello-bedrock-master-6872", "--commit-id", "5b54eb4",
         "--service", "hello-bedrock", "--repository", "https://github.com/org/hello-bedrock"],
        ["--p2", "246", "--hld-commit-id", "d7c9e6a", "--env", "dev", "--image-tag",
         "hello-bedrock-master-6872", "--pr", "12"],
        ["--p3", "6876", "--hld-commit-id", "d7c9e6a", "--pr", "12"],
        ["--p3", "6876", "--manifest-commit-id", "49bcd78"],
    ]
    for flags in calls:
        result = run_cli("--config", str(cfg), "record", "-p", P, *flags)
        assert result.returncode == 0, result.stderr
        assert result.stdout.startswith(f"recorded {P}/")
    out = run_cli("--config", str(cfg), "get", "--output", "json")
    (d,) = json.loads(out.stdout)
    assert (d["commit"], d["ring"], d["pr"], d["hld_commit"], d["manifest_commit"]) == (
        "5b54eb4", "dev", "12", "d7c9e6a", "49bcd78")
    # Bedrock calls carry no result: the stages are unknown, not guessed.
    assert [s["status"] for s in d["stages"]] == ["unknown", "unknown", "unknown"]
    assert d["status"] == "unknown"


def test_cli_record_without_a_stage_is_a_usage_error(tmp_path):
    cfg = sqlite_config(tmp_path)
    result = run_cli("--config", str(cfg), "record", "--service", "x")
    assert result.returncode == 2
    assert "no stage could be inferred" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_cli_record_names_missing_flags(tmp_path):
    cfg = sqlite_config(tmp_path)
    result = run_cli("--config", str(cfg), "record", "--p1", "1", "--image-tag", "t")
    assert result.returncode == 2
    assert "the image stage needs --commit-id, --service" in result.stderr


RACER = textwrap.dedent("""
    import asyncio, sys, time
    from gitops_tui.config import StoreConfig
    from gitops_tui.writer import StageRecord, record
    from gitops_tui.stores import make_store

    async def main(config, who, start, seconds):
        store = make_store(config)
        await store.open(create=True)
        while time.time() < start:
            await asyncio.sleep(0.001)
        i = -1
        # Both writers run until the same deadline so their last writes interleave, and
        # each makes 20 writes at least (on a loaded machine a writer may start late or
        # lose many ETag races in a row: then it goes on alone after the deadline).
        while i < 19 or time.time() < start + seconds:
            i += 1
            if who == "image":
                rec = StageRecord(partition=config.partition, p1="1", image_tag="t-1", commit_id="abc1234",
                                  service="svc", status="succeeded", url=f"https://ci/{i}")
            else:
                rec = StageRecord(partition=config.partition, p2="2", image_tag="t-1", env="dev",
                                  hld_commit_id="def5678", pr=str(i), status="succeeded")
            await record(store, rec)
        await store.close()
        print(i)

    kwargs = eval(sys.argv[1])
    asyncio.run(main(StoreConfig(**kwargs), sys.argv[2], float(sys.argv[3]), float(sys.argv[4])))
""")


async def test_two_record_processes_racing_on_one_row_lose_nothing(store, store_config, tmp_path):
    script = tmp_path / "racer.py"
    script.write_text(RACER)
    # Both processes act on the same deployment row: it must exist before they start.
    await record(store, StageRecord(partition=P, p1="1", image_tag="t-1", commit_id="abc1234", service="svc"))
    fields = {k: (str(v) if k == "path" else v) for k, v in asdict(store_config).items()}
    start = time.time() + 2.0
    procs = [
        subprocess.Popen([sys.executable, str(script), repr(fields), who, str(start), "2.0"],
                         cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        for who in ("image", "hld")
    ]
    last = []
    for proc in procs:
        out, err = proc.communicate(timeout=120)
        assert proc.returncode == 0, err
        last.append(int(out.strip()))
    assert min(last) >= 19, "a writer stopped early"
    rows = await _all(store)
    assert len(rows) == 1, "a racing writer inserted a duplicate row"
    (row,) = rows
    # Each writer's last value survives the other's concurrent replaces.
    assert row["p1Url"] == f"https://ci/{last[0]}"
    assert row["pr"] == str(last[1])
    assert (row["p1Status"], row["p2Status"], row["env"], row["hldCommitId"]) == (
        "succeeded", "succeeded", "dev", "def5678")


async def _all(store):
    rows = []
    async for page in store.scan():
        rows.extend(page)
    return rows


async def test_two_rings_released_at_once_make_two_deployments(store):
    import asyncio

    await record(store, R(p1="100", image_tag="app-100", commit_id="abc1234", service="app", status="succeeded"))
    await asyncio.gather(
        record(store, R(p2="200", image_tag="app-100", env="dev", hld_commit_id="1111111", status="succeeded")),
        record(store, R(p2="201", image_tag="app-100", env="prod", hld_commit_id="2222222", status="succeeded")),
    )
    rows, _ = await load_all(store)
    assert sorted((r["env"], r["p2"], r["hldCommitId"]) for r in rows) == [
        ("dev", "200", "1111111"), ("prod", "201", "2222222")]
    assert all(r["p1"] == "100" and r["commitId"] == "abc1234" for r in rows)


async def test_a_bedrock_tag_in_mixed_case_is_joined_not_orphaned(store):
    # bedrock's stage 1 stores the tag as given; our stage 2 must find it.
    await store.insert({"PartitionKey": P, "RowKey": "0123456789ab", "p1": "12",
                        "imageTag": "hello-bedrock-Feature-X-12", "commitId": "abc1234", "service": "hello-bedrock"})
    await record(store, R(p2="7", image_tag="hello-bedrock-Feature-X-12", env="dev", hld_commit_id="1234567"))
    rows, _ = await load_all(store)
    assert len(rows) == 1
    assert (rows[0]["RowKey"], rows[0]["p2"], rows[0]["imageTag"]) == ("0123456789ab", "7", "hello-bedrock-Feature-X-12")


async def test_rerun_release_with_a_new_hld_commit_voids_the_old_manifest_stage(store):
    await record(store, R(p1="1", image_tag="t-1", commit_id="abc1234", service="svc", status="succeeded"))
    await record(store, R(p2="2", image_tag="t-1", env="dev", hld_commit_id="1111111", status="succeeded"))
    await record(store, R(p3="3", hld_commit_id="1111111", status="succeeded"))
    await record(store, R(p3="3", manifest_commit_id="aaaaaaa"))
    await record(store, R(p2="2", image_tag="t-1", env="dev", hld_commit_id="2222222", status="succeeded"))
    rows, _ = await load_all(store)
    assert len(rows) == 1
    assert rows[0]["hldCommitId"] == "2222222"
    assert not rows[0].get("p3") and not rows[0].get("manifestCommitId") and not rows[0].get("p3Status")
    (d,) = merge(rows)
    assert d.status == "waiting"  # the new HLD commit awaits its manifest build


def test_cli_manifest_push_for_an_unknown_build_is_a_data_error(tmp_path):
    cfg = sqlite_config(tmp_path)
    result = run_cli("--config", str(cfg), "record", "--p3", "404", "--manifest-commit-id", "abc1234")
    assert result.returncode == 1
    assert "no deployment has manifest build --p3 404" in result.stderr
