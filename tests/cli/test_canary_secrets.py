"""Canary secrets (issue 12): an account key, a SAS token, a connection string and the
AZDO/GitHub/GitLab tokens, all given through ${env:…}, against Azurite (which refuses
them) and a provider server that echoes whatever it is sent back in its errors. No byte
of any canary reaches stdout, stderr, the export, a log, a cache file or a crash report,
whatever the command (get, export, check, record, import, the live monitor)."""

from __future__ import annotations

import base64
import http.server
import json
import os
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from helpers import ROOT, SPEKTATE, run_cli, sqlite_config

sys.path.insert(0, str(Path(__file__).parents[1] / "enrich"))  # (the recorded provider server)
from azdo_fixtures import config, serve_spektate  # noqa: E402
from provider_server import ProviderServer  # noqa: E402

ACCOUNT_KEY = base64.b64encode(b"CANARY-ACCOUNT-KEY-a1b2c3d4e5f6-0123456789abcdef").decode()
SAS_SIG = "CANARYSASSIGNATUREq7w8e9r0t1y2u3"
SAS = f"sv=2019-02-02&ss=t&srt=sco&sp=rl&se=2099-01-01T00%3A00%3A00Z&sig={SAS_SIG}"
TOKENS = {"AZDO_TOKEN": "CANARY-AZDO-PAT-5f4e3d2c1b", "GH_TOKEN": "ghp_CANARYgithubTOKEN0987654321",
          "GL_TOKEN": "glpat-CANARYgitlabTOKEN-zz99"}
CANARIES = [ACCOUNT_KEY, SAS_SIG, *TOKENS.values()]


def pieces(canary: str) -> list[str]:
    """The canary and every 12-character run of it: a part of a secret is a leak too."""
    return [canary] + [canary[i:i + 12] for i in range(0, max(1, len(canary) - 11), 4)]


def assert_no_canary(where: str, data: bytes | str) -> None:
    text = data if isinstance(data, str) else data.decode("utf-8", "replace")
    for canary in CANARIES:
        for piece in pieces(canary):
            assert piece not in text, f"{piece!r} of a canary in {where}"
        # (in the forms a request or a URL would carry it too: Basic auth, URL-quoted)
        for form in (base64.b64encode(f":{canary}".encode()).decode(), base64.b64encode(canary.encode()).decode(),
                     canary.replace("=", "%3D"), canary.replace("+", "%2B")):
            assert form not in text, where


def assert_tree_clean(root: Path) -> int:
    files = [p for p in root.rglob("*") if p.is_file()]
    for path in files:
        assert_no_canary(str(path), path.read_bytes())
    return len(files)


class EchoServer:
    """A hostile provider: every answer echoes the request's headers, path and query
    back, as a 401, a 500, or a redirect to another host carrying them."""

    def __init__(self) -> None:
        seen = self.seen = []

        class H(http.server.BaseHTTPRequestHandler):
            def log_message(self, *args):  # type: ignore[no-untyped-def]
                pass

            def do_GET(self) -> None:  # noqa: N802
                seen.append((self.path, dict(self.headers)))
                echoed = json.dumps({"message": f"bad credentials {dict(self.headers)} at {self.path}"})
                status = (401, 500, 302)[len(seen) % 3]
                self.send_response(status)
                if status == 302:
                    self.send_header("Location", f"http://127.0.0.2:9/{self.headers.get('Authorization')}")
                self.send_header("WWW-Authenticate", str(self.headers.get("Authorization")))
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(echoed)))
                self.end_headers()
                self.wfile.write(echoed.encode())

        self._httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), H)
        self.url = f"http://127.0.0.1:{self._httpd.server_address[1]}"
        threading.Thread(target=self._httpd.serve_forever, daemon=True).start()

    def close(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()


@pytest.fixture
def echo() -> Iterator[EchoServer]:
    server = EchoServer()
    yield server
    server.close()


def providers(url: str) -> str:
    return (
        "providers:\n"
        f"  azure_devops:\n    organization: o\n    project: p\n    token: ${{env:AZDO_TOKEN}}\n"
        f"    url: {url}\n    release_url: {url}\n"
        f"  github:\n    token: ${{env:GH_TOKEN}}\n    url: {url}\n"
        f"  gitlab:\n    token: ${{env:GL_TOKEN}}\n    url: {url}\n"
        "pipelines:\n  image: azure_devops\n  hld: github\n  manifest: gitlab\n"
    )


def environment(tmp_path: Path) -> dict[str, str]:
    return {"XDG_CACHE_HOME": str(tmp_path / "cache"), "XDG_STATE_HOME": str(tmp_path / "state"),
            "XDG_CONFIG_HOME": str(tmp_path / "xdgconfig"), "HOME": str(tmp_path / "home"),
            "THE_KEY": ACCOUNT_KEY, "THE_SAS": SAS,
            "THE_CONN": f"DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey={ACCOUNT_KEY}",
            **TOKENS}


def watch(argv: list[str], env: dict[str, str], cwd: Path, seconds: float = 6.0) -> tuple[str, str]:
    """The live monitor for a few seconds (no terminal: Textual draws on stderr)."""
    full = {k: v for k, v in os.environ.items() if not k.startswith("GITOPS_TUI_")}
    full.update(env, PYTHONPATH=str(ROOT))
    proc = subprocess.Popen([sys.executable, "-m", "gitops_tui", *argv, "watch"], stdin=subprocess.DEVNULL,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=full, cwd=cwd)
    try:
        out, err = proc.communicate(timeout=seconds)
    except subprocess.TimeoutExpired:
        proc.send_signal(signal.SIGTERM)
        try:
            out, err = proc.communicate(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            out, err = proc.communicate()
    return out.decode("utf-8", "replace"), err.decode("utf-8", "replace")


def commands(tmp_path: Path) -> list[list[str]]:
    (tmp_path / "one.jsonl").write_text('{"PartitionKey": "hello", "RowKey": "k", "p1": "1"}\n')
    return [
        ["get"], ["get", "-o", "json"], ["get", "--view", "rings"], ["export", str(tmp_path / "out.jsonl")],
        ["check"], ["import", str(tmp_path / "one.jsonl")],
        ["record", "--p1", "7", "--image-tag", "img-7", "--commit-id", "abc1234", "--service", "svc"],
    ]


@pytest.mark.parametrize("credential", ["account_key: ${env:THE_KEY}", "sas_token: ${env:THE_SAS}",
                                        "connection_string: ${env:THE_CONN}"])
def test_store_canaries_never_come_out(tmp_path: Path, azurite, echo: EchoServer, credential: str) -> None:
    cfg = tmp_path / "c.yaml"
    where = "" if credential.startswith("connection") else (
        f"  endpoint: {azurite.endpoint}\n  account_name: {azurite.account_name}\n")
    if credential.startswith("connection"):  # (the emulator's endpoint, in the string)
        environment_conn = f"TableEndpoint={azurite.endpoint};"
    else:
        environment_conn = ""
    cfg.write_text(f"store:\n  kind: azure\n{where}  {credential}\n  table: canaries\n  partition: hello\n"
                   + providers(echo.url))
    env = environment(tmp_path)
    env["THE_CONN"] += ";" + environment_conn
    for argv in commands(tmp_path):
        result = run_cli("--config", str(cfg), *argv, env=env, cwd=tmp_path)
        assert result.returncode in (1, 2), (argv, result)
        assert len(result.stderr.splitlines()) <= 1 and "Traceback" not in result.stderr, (argv, result.stderr)
        assert_no_canary(f"{argv[0]} stdout", result.stdout)
        assert_no_canary(f"{argv[0]} stderr", result.stderr)
    out, err = watch(["--config", str(cfg)], env, tmp_path)
    assert_no_canary("watch stdout", out)
    assert_no_canary("watch screen", err)
    assert "denied" in err or "ERROR" in err  # (it did draw the failure)
    assert_tree_clean(tmp_path)


def test_provider_canaries_never_come_out(tmp_path: Path, echo: EchoServer) -> None:
    cfg = sqlite_config(tmp_path, partition=None)
    env = environment(tmp_path)
    assert run_cli("--config", str(cfg), "import", str(SPEKTATE / "deployments.json"), env=env).returncode == 0
    plain = cfg.read_text()
    with ProviderServer() as server:  # an honest provider first: the cache fills
        serve_spektate(server)
        cfg.write_text(plain + config(server.url(), "${env:AZDO_TOKEN}"))
        honest = run_cli("--config", str(cfg), "get", "-o", "json", env=env, cwd=tmp_path)
    assert honest.returncode == 0 and (tmp_path / "cache" / "gitops-tui" / "enrich.json").is_file()
    assert_no_canary("honest get", honest.stdout + honest.stderr)
    cfg.write_text(plain + providers(echo.url))
    results = [run_cli("--config", str(cfg), *argv, env=env, cwd=tmp_path) for argv in commands(tmp_path)]
    results.append(run_cli("--config", str(cfg), "record", "--stage", "manifest-push", "--p3", "404",
                           "--manifest-commit-id", "abc", env=env, cwd=tmp_path))
    for result in results:
        assert "Traceback" not in result.stderr
        assert_no_canary(f"{result.args[3:5]} stdout", result.stdout)
        assert_no_canary(f"{result.args[3:5]} stderr", result.stderr)
    assert len(echo.seen) > 10  # the providers were asked, with the tokens
    assert all(headers.get("Authorization") for _, headers in echo.seen)
    # the redirect to another host: no request followed it there with a token
    assert all(headers.get("Host", "").startswith("127.0.0.1") for _, headers in echo.seen)
    out, err = watch(["--config", str(cfg)], env, tmp_path)
    assert_no_canary("watch stdout", out)
    assert_no_canary("watch screen", err)
    assert (tmp_path / "cache" / "gitops-tui").is_dir()
    assert assert_tree_clean(tmp_path) >= 3  # the db, the export, the enrichment cache
