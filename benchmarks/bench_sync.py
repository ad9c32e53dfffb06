"""Cluster sync cost: a manifest repo with 10,000 commits, 1,000 deployments, 3 clusters.

Prints the time of one poll (fetch + tags + ancestry + facts), with and without a new
commit to fetch, and the ancestry checks per second. Run:
    PYTHONPATH=. python benchmarks/bench_sync.py [commits] [deployments]
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
import time
from pathlib import Path

from gitops_tui.domain import rules
from gitops_tui.sync.facts import sync_facts
from gitops_tui.providers.argocd import parse_applications
from gitops_tui.sync.flux_tags import ancestry, cluster_tags, refresh
from gitops_tui.sync.settings import SyncSettings
from gitops_tui.sync.watcher import FluxTagSync
from tests.sync.gitrepo import ENV, git


def build_repo(path: Path, commits: int) -> list[str]:
    """``commits`` commits by fast-import (one process, a few seconds)."""
    path.mkdir(parents=True)
    git(path, "init", "-q", "-b", "main")
    lines = []
    for n in range(commits):
        data = f"replicas: {n}\n"
        lines += [f"commit refs/heads/main", f"mark :{n + 1}",
                  f"committer t <t@x> {1_700_000_000 + 60 * n} +0000", "data 2", "m"]
        if n:
            lines.append(f"from :{n}")
        lines += [f"M 644 inline app.yaml", f"data {len(data)}", data.rstrip("\n"), ""]
    subprocess.run(["git", "-C", str(path), "fast-import", "--quiet"], input="\n".join(lines) + "\n",
                   text=True, check=True, env=ENV)
    return git(path, "rev-list", "--reverse", "main").split()


def main() -> None:
    commits = int(sys.argv[1]) if len(sys.argv) > 1 else 10_000
    count = int(sys.argv[2]) if len(sys.argv) > 2 else 1_000
    with tempfile.TemporaryDirectory() as tmp:
        repo, cache = Path(tmp) / "manifests", Path(tmp) / "cache"
        t = time.perf_counter()
        shas = build_repo(repo, commits)
        print(f"repo: {len(shas)} commits built in {time.perf_counter() - t:.1f}s")
        for i, cluster in enumerate(("east", "west", "north")):
            git(repo, "tag", "-f", f"flux-{cluster}", shas[-1 - 300 * i])
        step = max(1, commits // count)
        rows = [{"PartitionKey": "p", "RowKey": f"{n:05d}", "service": "svc", "env": "prod", "p1": str(n),
                 "p3": str(n), "p3Status": "succeeded", "manifestCommitId": shas[n * step % commits][: 7 + n % 2 * 33],
                 "p3FinishedAt": f"2026-01-01T00:00:{n % 60:02d}.000000Z"} for n in range(count)]
        deployments = rules.build(rows)[0]
        for label in ("first poll (clone)", "poll, nothing new", "poll, nothing new"):
            t0 = time.perf_counter()
            mirror = refresh(str(repo), cache)
            t1 = time.perf_counter()
            tags = cluster_tags(mirror, "flux-")
            found = ancestry(mirror, {tg.commit for tg in tags.values()})
            t2 = time.perf_counter()
            facts = sync_facts(deployments, tags, found, {}, {})
            t3 = time.perf_counter()
            print(f"{label}: {t3 - t0:.3f}s (fetch {t1 - t0:.3f}s, tags+ancestry {t2 - t1:.3f}s, "
                  f"facts {t3 - t2:.4f}s for {len(facts)} deployments)")
        print(f"ancestry checks: {found.checks} in {t3 - t2:.4f}s = {found.checks / (t3 - t2):,.0f}/s")
        # The whole component as the monitor runs it: + behind per cluster, cluster rows.
        sync = FluxTagSync(SyncSettings(manifest_repo=str(repo)), cache)
        for label in ("component poll", "component poll"):
            t0 = time.perf_counter()
            out = sync.facts(deployments)
            print(f"{label}: {time.perf_counter() - t0:.3f}s, {len(out)} facts, behind "
                  f"{ {c: b[0] for c, b in sync.state.behind.items()} }")
        apps = {"items": [{"metadata": {"name": f"app-{n}"}, "spec": {"destination": {"name": f"c{n}"}},
                           "status": {"sync": {"revision": shas[-1], "status": "Synced"}}} for n in range(1000)]}
        t0 = time.perf_counter()
        parsed = parse_applications(apps, tuple(f"app-{n}" for n in range(1000)))
        print(f"argocd: {len(parsed)} Applications parsed in {time.perf_counter() - t0:.4f}s (one GET per poll)")


if __name__ == "__main__":
    main()
