"""Start and stop a throwaway Azurite table service for tests and benchmarks.

Azurite comes from the npm registry (``npm ci`` at the repo root installs the version
pinned in ``package-lock.json``). We run the ``azurite-table`` binary directly, never
through ``npx`` (whose process chain survives killing the PID it reports), in its own
process group, in memory, on a free loopback port.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
AZURITE_BIN = REPO_ROOT / "node_modules" / ".bin" / "azurite-table"

# The well-known development account of the storage emulators (published in Azurite's
# README); it only ever opens a local emulator.
DEV_ACCOUNT_NAME = "devstoreaccount1"
DEV_ACCOUNT_KEY = (
    "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=="
)


class AzuriteMissing(RuntimeError):
    """node_modules/.bin/azurite-table is not installed."""


@dataclass
class Azurite:
    """A running Azurite table service."""

    port: int
    process: subprocess.Popen[bytes] = field(repr=False)
    log_path: Path = field(repr=False)
    account_name: str = DEV_ACCOUNT_NAME
    account_key: str = field(default=DEV_ACCOUNT_KEY, repr=False)

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self.port}/{self.account_name}"

    @property
    def connection_string(self) -> str:
        return (
            f"DefaultEndpointsProtocol=http;AccountName={self.account_name};"
            f"AccountKey={self.account_key};TableEndpoint={self.endpoint};"
        )

    def alive(self) -> bool:
        return self.process.poll() is None

    def stop(self) -> None:
        """Stop the whole process group Azurite runs in (it was started as its leader)."""
        proc = self.process
        if proc.poll() is None:
            try:
                os.killpg(proc.pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
            try:
                proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                try:
                    os.killpg(proc.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
                proc.wait(timeout=5)
        else:
            # The leader is gone; make sure no child of its group lingers.
            try:
                os.killpg(proc.pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass
        try:
            self.log_path.unlink()
        except OSError:
            pass

    def __enter__(self) -> Azurite:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _accepts(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.2):
            return True
    except OSError:
        return False


def start_azurite(
    binary: Path = AZURITE_BIN,
    timeout_s: float = 30.0,
    attempts: int = 3,
    port: int | None = None,
    location: Path | None = None,
) -> Azurite:
    """Start ``azurite-table`` on a free loopback port (or ``port``), in memory (or kept
    in the directory ``location``, so a restart finds its tables); wait until it listens."""
    if not binary.exists():
        raise AzuriteMissing(
            f"{binary.relative_to(REPO_ROOT) if binary.is_relative_to(REPO_ROOT) else binary} "
            "is missing: run `npm ci --no-audit --no-fund` at the repo root to install Azurite"
        )
    last_log = ""
    chosen = port
    for _ in range(attempts):
        port = chosen or free_port()
        fd, log_name = tempfile.mkstemp(prefix="azurite-", suffix=".log")
        log_path = Path(log_name)
        with os.fdopen(fd, "wb") as log:
            process = subprocess.Popen(
                [
                    str(binary),
                    "--tableHost", "127.0.0.1",
                    "--tablePort", str(port),
                    *(["--location", str(location)] if location else ["--inMemoryPersistence"]),
                    "--skipApiVersionCheck",
                    "--loose",
                    "--disableTelemetry",
                    "--silent",
                ],
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                cwd=REPO_ROOT,
                start_new_session=True,  # its own process group, so stop() gets every child
            )
        azurite = Azurite(port=port, process=process, log_path=log_path)
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline and azurite.alive():
            if _accepts(port):
                return azurite
            time.sleep(0.05)
        last_log = log_path.read_text(errors="replace")[-2000:]
        azurite.stop()  # died (port taken?) or too slow: try again (another port if free)
    raise RuntimeError(f"Azurite did not start after {attempts} attempts; last output:\n{last_log}")
