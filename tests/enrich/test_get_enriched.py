"""`get` through the real entry point: enriched JSON, --no-enrich, the cache under
XDG_CACHE_HOME (a second get asks nothing finished), a corrupt cache is a warning, the
token never printed; bad provider config is one line, exit 2."""

from __future__ import annotations

import json

import pytest

from azdo_fixtures import config, serve_spektate
from helpers import SPEKTATE, run_cli, sqlite_config
from provider_server import ProviderServer

TOKEN = "CANARY-T0KEN-9f3b"


@pytest.fixture()
def setup(tmp_path):
    cfg = sqlite_config(tmp_path, partition=None)
    assert run_cli("--config", str(cfg), "import", str(SPEKTATE / "deployments.json")).returncode == 0
    return cfg, {"XDG_CACHE_HOME": str(tmp_path / "cache"), "AZDO_TOKEN": TOKEN}


def test_get_enriches_and_a_second_get_asks_nothing_finished(setup, tmp_path):
    cfg, env = setup
    with ProviderServer() as server:
        serve_spektate(server)
        cfg.write_text(cfg.read_text() + config(server.url(), "${env:AZDO_TOKEN}"))
        first = run_cli("--config", str(cfg), "get", "-o", "json", env=env)
        cold = len(server.requests)
        server.requests.clear()
        second = run_cli("--config", str(cfg), "get", "-o", "json", env=env)
        warm = [p for p, _ in server.requests]
        plain = run_cli("--config", str(cfg), "get", "-o", "json", "--no-enrich", env=env)
    assert first.returncode == second.returncode == plain.returncode == 0, first.stderr
    data = json.loads(first.stdout)
    timeless = lambda out: [{k: v for k, v in d.items() if k != "duration_s"} for d in json.loads(out)]  # noqa: E731
    assert timeless(second.stdout) == timeless(first.stdout) and len(data) == len(json.loads(plain.stdout))
    stages = [s for d in data for s in d["stages"]]
    assert {s["source"] for s in stages} == {"azure_devops"}
    assert sum(s["status"] != "unknown" for s in stages) > 100
    assert all((s["error"] is None) == (s["status"] != "unknown") for s in stages)
    assert {s["source"] for d in json.loads(plain.stdout) for s in d["stages"]} == {None}
    assert "duplicates" in data[0]
    # Warm: no timeline, no known build or release again; only the expired ids' batches.
    assert cold > len(warm) and all("timeline" not in p for p in warm)
    assert (tmp_path / "cache" / "gitops-tui" / "enrich.json").is_file()
    for out in (first.stdout, first.stderr, second.stderr, (tmp_path / "cache" / "gitops-tui" / "enrich.json").read_text()):
        assert TOKEN not in out
    assert first.stderr == ""  # stderr is no terminal here: no progress line


def test_a_corrupt_cache_is_a_warning(setup, tmp_path):
    cfg, env = setup
    (tmp_path / "cache" / "gitops-tui").mkdir(parents=True)
    (tmp_path / "cache" / "gitops-tui" / "enrich.json").write_bytes(b"\x00{not json")
    with ProviderServer() as server:
        serve_spektate(server)
        cfg.write_text(cfg.read_text() + config(server.url()))
        result = run_cli("--config", str(cfg), "get", "-o", "json", env=env)
    assert result.returncode == 0
    assert "warning: enrichment cache" in result.stderr and "unreadable" in result.stderr
    assert json.loads((tmp_path / "cache" / "gitops-tui" / "enrich.json").read_text())["version"] == 1


@pytest.mark.parametrize(("text", "message"), [
    ("providers: [1]\n", "providers: must be a mapping"),
    ("providers:\n  jenkins: {}\n", "providers.jenkins: unknown key"),
    ("providers:\n  azure_devops:\n    project: p\n", "providers.azure_devops.organization: is required"),
    ("providers:\n  github:\n    url: ftp://x\n", "providers.github.url: must be an http:// or https:// URL"),
    ("providers:\n  github:\n    token: ${env:NOPE_TOKEN}\n", "providers.github.token: environment variable NOPE_TOKEN is not set"),
    ("providers:\n  max_concurrency: 0\n", "providers.max_concurrency: must be a whole number"),
    ("pipelines:\n  image: jenkins\n", "pipelines.image: unknown provider"),
    ("providers:\n  github: {}\npipelines:\n  hld: gitlab\n", "pipelines.hld: names gitlab, which is not under providers:"),
    ("pipelines:\n  p1: github\n", "pipelines.p1: unknown key"),
])
def test_bad_provider_config_is_one_line_exit_2(tmp_path, text, message):
    cfg = tmp_path / "c.yaml"
    cfg.write_text(text)
    result = run_cli("--config", str(cfg), "get")
    assert result.returncode == 2 and message in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1 and "Traceback" not in result.stderr
