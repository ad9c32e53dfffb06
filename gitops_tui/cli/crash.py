"""An exception no command expected: one line for the user, the traceback in a log file.

The log goes to the user log dir (``platformdirs.user_log_dir``: ``$XDG_STATE_HOME/
gitops-tui/log`` on Linux), one file a crash, the newest :data:`KEEP` kept. Both the
line and the file are redacted as the stores redact their messages
(:meth:`gitops_tui.stores.azure.errors.ErrorMapper.sanitize`): the configured secrets,
``--access-key``, secret-looking environment variables, URL query strings and
``AccountKey=``/``sig=`` pairs become ``***``. The command line is not logged (it may
hold a key). Each line of the log goes through ``textsafe.clean``, so ``cat`` is safe.
"""

from __future__ import annotations

import argparse
import os
import platform
import re
import time
import traceback
from collections.abc import Callable
from pathlib import Path

from gitops_tui import __version__
from gitops_tui.config import Config
from gitops_tui.domain.textsafe import clean

APP_NAME = "gitops-tui"
KEEP = 20
# Environment variables whose values are redacted wherever they appear.
_SECRET_NAME = re.compile(r"(?i)key|sas|secret|token|passw|connection|credential")


def log_dir() -> Path:
    """Where crash logs go."""
    from platformdirs import user_log_dir

    return Path(user_log_dir(APP_NAME))


def describe(exc: BaseException, config: Config | None, args: argparse.Namespace | None) -> str:
    """``internal error: <type>: <message>; details in <log>``, redacted, after writing
    the log (or saying why it could not be written)."""
    redact = redactor(config, args)
    text = str(exc).strip()
    summary = f"{type(exc).__name__}: {redact(text)}" if text else type(exc).__name__
    command = getattr(args, "command", None) or "-"
    try:
        lines = redact("".join(traceback.format_exception(exc))).splitlines()
        path = write_log("".join(clean(line, None) + "\n" for line in lines), str(command))
    except Exception as log_exc:  # noqa: BLE001 (a crash report must not crash)
        return f"internal error: {summary}; no log written ({type(log_exc).__name__}: {log_exc})"
    return f"internal error: {summary}; details in {path}"


def redactor(config: Config | None, args: argparse.Namespace | None) -> Callable[[str], str]:
    """A function that removes every secret this process may know of from a text."""
    secrets: list[str | None] = [getattr(args, "access_key", None)]
    secrets += [v for k, v in os.environ.items() if _SECRET_NAME.search(k) and len(v) >= 6]
    try:
        from gitops_tui.stores.azure.auth import secrets_of
        from gitops_tui.stores.azure.errors import ErrorMapper
    except Exception:  # noqa: BLE001 (the crash may be in that very import)
        return _plain_redactor(secrets + _store_secrets(config))
    if config is not None:
        secrets += secrets_of(config.store)
    return ErrorMapper("", "", secrets).sanitize


def _store_secrets(config: Config | None) -> list[str | None]:
    if config is None:
        return []
    store = config.store
    return [store.connection_string, store.account_key, store.sas_token]


def _plain_redactor(secrets: list[str | None]) -> Callable[[str], str]:
    ordered = sorted({s for s in secrets if s}, key=len, reverse=True)

    def redact(text: str) -> str:
        for secret in ordered:
            text = text.replace(secret, "***")
        return text

    return redact


def write_log(text: str, command: str) -> Path:
    """Write one crash log (owner-only) and prune the oldest; returns its path."""
    directory = log_dir()
    directory.mkdir(parents=True, exist_ok=True, mode=0o700)
    stamp = time.strftime("%Y%m%dT%H%M%S")
    path = directory / f"crash-{stamp}-{os.getpid()}.log"
    header = (f"gitops-tui {__version__} {command}, Python {platform.python_version()} "
              f"on {platform.platform()}, {time.strftime('%Y-%m-%d %H:%M:%S %z')}\n")
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8", errors="replace") as file:
        file.write(header + text)
    for old in sorted(directory.glob("crash-*.log"))[:-KEEP]:
        old.unlink(missing_ok=True)
    return path
