"""The Spektate fixtures served as Azure DevOps answers them (raw REST shapes).

``ci-builds.json``/``hld-builds.json`` (Spektate's parsed builds for p1 and p3) become raw
``_apis/build/builds`` objects, ``cd-releases.json`` raw release deployments, and every
multi-stage build's timeline is ``raw-build-stages.json`` (build succeeded, hld_update
failed).
"""

from __future__ import annotations

import json
from typing import Any

from helpers import SPEKTATE

from provider_server import ProviderServer

API = "/epicstuff/hellobedrock/_apis"


def raw_build(b: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": b["id"], "buildNumber": b.get("buildNumber"), "status": b.get("status"), "result": b.get("result"),
        "startTime": b.get("startTime"), "finishTime": b.get("finishTime"),
        "_links": {"web": {"href": b.get("URL")}},
    }


def raw_release(rid: str, r: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": 1000 + int(rid), "release": {"id": int(rid), "_links": {"web": {"href": r.get("URL")}}},
        "deploymentStatus": r.get("status"), "startedOn": r.get("startTime"), "completedOn": r.get("finishTime"),
    }


def load() -> tuple[dict[str, dict], dict[str, dict]]:
    builds = {**json.loads((SPEKTATE / "ci-builds.json").read_text()),
              **json.loads((SPEKTATE / "hld-builds.json").read_text())}
    releases = json.loads((SPEKTATE / "cd-releases.json").read_text())
    return builds, releases


def serve_spektate(server: ProviderServer, builds: dict[str, dict] | None = None) -> None:
    """Routes for the 92 rows' builds, releases and timelines on ``server``."""
    loaded, releases = load()
    builds = loaded if builds is None else builds
    stages = json.loads((SPEKTATE / "raw-build-stages.json").read_text())

    def batch(q: dict, h: dict) -> tuple[int, dict, Any]:
        ids = q.get("buildIds", [""])[0].split(",")
        return 200, {}, {"count": 0, "value": [raw_build(builds[i]) for i in ids if i in builds]}

    def deployments(q: dict, h: dict) -> tuple[int, dict, Any]:
        ids = q.get("releaseIdFilter", [""])[0].split(",")
        return 200, {}, {"value": [raw_release(i, releases[i]) for i in ids if i in releases]}

    server.routes[f"{API}/build/builds"] = batch
    server.routes[f"{API}/release/deployments"] = deployments
    for bid in builds:
        server.json(f"{API}/build/builds/{bid}/timeline", stages)


def config(url: str, token: str = "CANARY-T0KEN-9f3b") -> str:
    return (
        "providers:\n  azure_devops:\n    organization: epicstuff\n    project: hellobedrock\n"
        f"    token: {token}\n    url: {url}\n    release_url: {url}\n"
        "pipelines:\n  image: azure_devops\n  hld: azure_devops\n  manifest: azure_devops\n"
    )
