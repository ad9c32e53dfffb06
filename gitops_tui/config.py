"""Configuration: discovery, YAML, ``${env:NAME}`` interpolation, validation.

Every problem raises :class:`ConfigError` whose message is one line naming the file and
the key (or line); the CLI prints it and exits with status 2.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

CONFIG_ENV = "GITOPS_TUI_CONFIG"
LOCAL_NAME = "gitops-tui.yaml"
APP_NAME = "gitops-tui"
STORE_KINDS = ("sqlite", "azure")
THEMES = ("dark", "light", "ansi")

_ENV_REF = re.compile(r"\$\{env:([A-Za-z_][A-Za-z0-9_]*)\}")
_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h)?\s*$")


class ConfigError(Exception):
    """A bad configuration; ``str()`` is a one-line message naming file and key."""


@dataclass(frozen=True)
class StoreConfig:
    """Where the telemetry lives. Secrets are kept out of ``repr``."""

    kind: str = "sqlite"
    path: Path = Path("telemetry.db")
    connection_string: str | None = field(default=None, repr=False)
    account_name: str | None = None
    account_key: str | None = field(default=None, repr=False)
    sas_token: str | None = field(default=None, repr=False)
    endpoint: str | None = None
    table: str = "deployments"
    partition: str | None = None
    timeout_s: float = 10.0

    @property
    def description(self) -> str:
        """A human label for the store that never contains a secret."""
        if self.kind == "sqlite":
            return f"sqlite:{self.path}"
        account = self.account_name or _account_from_connection_string(self.connection_string)
        return f"azure:{account or '?'}/{self.table}"


@dataclass(frozen=True)
class Config:
    """The whole validated configuration."""

    store: StoreConfig = field(default_factory=StoreConfig)
    poll_interval: float = 5.0
    keymap: Mapping[str, str] = field(default_factory=dict)
    theme: str = "dark"
    source: Path | None = None  # the file it came from, if any


def _account_from_connection_string(conn: str | None) -> str | None:
    if not conn:
        return None
    for part in conn.split(";"):
        key, _, value = part.partition("=")
        if key.strip().lower() == "accountname":
            return value.strip()
    return None


def valid_table_name(name: str) -> bool:
    """Azure's rule for table names (3-63 letters and digits, a letter first)."""
    return re.fullmatch(r"[A-Za-z][A-Za-z0-9]{2,62}", name) is not None


def user_config_path() -> Path:
    """The per-user config file (``~/.config/gitops-tui/config.yaml`` on Linux)."""
    from platformdirs import user_config_dir

    return Path(user_config_dir(APP_NAME)) / "config.yaml"


def find_config(
    explicit: str | os.PathLike[str] | None,
    env: Mapping[str, str] | None = None,
    cwd: Path | None = None,
    user_path: Path | None = None,
) -> Path | None:
    """The config file to use: ``--config``, ``$GITOPS_TUI_CONFIG``, ``./gitops-tui.yaml``,
    then the user config dir. An explicit or env path is returned even if missing, so
    the load reports it; the implicit ones only when they exist."""
    env = os.environ if env is None else env
    if explicit:
        return Path(explicit)
    if env.get(CONFIG_ENV):
        return Path(env[CONFIG_ENV])
    local = (cwd or Path.cwd()) / LOCAL_NAME
    if local.is_file():
        return local
    user = user_path or user_config_path()
    if user.is_file():
        return user
    return None


def load_config(
    explicit: str | os.PathLike[str] | None = None,
    env: Mapping[str, str] | None = None,
    cwd: Path | None = None,
    user_path: Path | None = None,
) -> Config:
    """Find, read and validate the configuration (defaults when there is no file)."""
    env = os.environ if env is None else env
    path = find_config(explicit, env, cwd, user_path)
    if path is None:
        return Config(store=StoreConfig(path=(cwd or Path.cwd()) / "telemetry.db"))
    try:
        text = path.read_text(encoding="utf-8-sig")
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read config file: {exc.strerror or exc}") from None
    except UnicodeDecodeError:
        raise ConfigError(f"{path}: config file is not UTF-8 text") from None
    return parse_config(text, path, env)


def parse_config(text: str, path: Path, env: Mapping[str, str] | None = None) -> Config:
    """Validate YAML ``text`` read from ``path`` (used to name errors and resolve paths)."""
    env = os.environ if env is None else env
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f":{mark.line + 1}" if mark is not None else ""
        problem = getattr(exc, "problem", None) or "invalid YAML"
        raise ConfigError(f"{path}{where}: bad YAML: {problem}") from None
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: top level must be a mapping of keys, not {_kind(data)}")
    return _Validator(path, env).config(data)


def parse_duration(value: Any) -> float | None:
    """Seconds from ``5``, ``2.5``, ``"5s"``, ``"500ms"``, ``"1m"``, ``"1h"``; None if bad."""
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return float(value)
    if isinstance(value, str):
        match = _DURATION.match(value)
        if match:
            number, unit = float(match.group(1)), match.group(2) or "s"
            return number * {"ms": 0.001, "s": 1.0, "m": 60.0, "h": 3600.0}[unit]
    return None


def _kind(value: Any) -> str:
    return {dict: "a mapping", list: "a list", str: "a string", bool: "a boolean"}.get(
        type(value), type(value).__name__
    )


class _Validator:
    """Walks the parsed YAML, naming ``file: key.path`` in every error."""

    _STORE_KEYS = {
        "kind", "path", "connection_string", "account_name", "account_key", "sas_token",
        "endpoint", "table", "partition", "timeout",
    }
    _TOP_KEYS = {"store", "poll_interval", "keymap", "theme"}

    def __init__(self, path: Path, env: Mapping[str, str]) -> None:
        self.path = path
        self.env = env

    def fail(self, key: str, message: str) -> ConfigError:
        return ConfigError(f"{self.path}: {key}: {message}")

    def config(self, data: dict[str, Any]) -> Config:
        self._unknown(data, self._TOP_KEYS, "")
        store_data = data.get("store", {})
        if store_data is None:
            store_data = {}
        if not isinstance(store_data, dict):
            raise self.fail("store", f"must be a mapping, not {_kind(store_data)}")
        store = self.store(store_data)
        poll = data.get("poll_interval", 5.0)
        interval = parse_duration(poll)
        if interval is None or interval <= 0:
            raise self.fail("poll_interval", f"must be a positive duration like 5s, not {poll!r}")
        keymap = data.get("keymap") or {}
        if not isinstance(keymap, dict) or not all(
            isinstance(k, str) and isinstance(v, str) for k, v in keymap.items()
        ):
            raise self.fail("keymap", "must map binding ids to keys, e.g. {filter: slash}")
        theme = self.string(data, "theme", "theme") or "dark"
        if theme not in THEMES:
            raise self.fail("theme", f"unknown theme {theme!r} (expected one of {', '.join(THEMES)})")
        return Config(
            store=store, poll_interval=interval, keymap=dict(keymap), theme=theme, source=self.path
        )

    def store(self, data: dict[str, Any]) -> StoreConfig:
        self._unknown(data, self._STORE_KEYS, "store.")
        kind = self.string(data, "kind", "store.kind") or "sqlite"
        if kind not in STORE_KINDS:
            raise self.fail("store.kind", f"unknown store {kind!r} (expected sqlite or azure)")
        timeout = parse_duration(data.get("timeout", 10))
        if timeout is None or timeout <= 0:
            raise self.fail("store.timeout", f"must be a positive duration, not {data.get('timeout')!r}")
        partition = self.string(data, "partition", "store.partition")
        table = self.string(data, "table", "store.table")
        if table is not None and not valid_table_name(table):
            raise self.fail("store.table", f"{table!r} is not a valid table name (3-63 letters/digits)")
        if kind == "sqlite":
            raw_path = self.string(data, "path", "store.path") or "telemetry.db"
            path = Path(os.path.expanduser(raw_path))
            if not path.is_absolute():
                path = self.path.parent / path
            return StoreConfig(
                kind=kind, path=path, table=table or "deployments", partition=partition, timeout_s=timeout
            )
        conn = self.string(data, "connection_string", "store.connection_string")
        account = self.string(data, "account_name", "store.account_name")
        key = self.string(data, "account_key", "store.account_key")
        sas = self.string(data, "sas_token", "store.sas_token")
        endpoint = self.string(data, "endpoint", "store.endpoint")
        if not table:
            raise self.fail("store.table", "missing: the azure store needs a table name")
        if not conn and not account and not endpoint:
            raise self.fail(
                "store.account_name",
                "missing: the azure store needs connection_string, or account_name (or endpoint)",
            )
        if key and sas:
            raise self.fail("store.sas_token", "set account_key or sas_token, not both")
        return StoreConfig(
            kind=kind, connection_string=conn, account_name=account, account_key=key,
            sas_token=sas, endpoint=endpoint, table=table, partition=partition, timeout_s=timeout,
        )

    def string(self, data: dict[str, Any], name: str, key: str) -> str | None:
        value = data.get(name)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, (str, int, float)):
            raise self.fail(key, f"must be a string, not {_kind(value)}")
        return self.interpolate(str(value), key) or None

    def interpolate(self, value: str, key: str) -> str:
        def sub(match: re.Match[str]) -> str:
            name = match.group(1)
            if name not in self.env:
                raise self.fail(key, f"environment variable {name} is not set")
            return self.env[name]

        return _ENV_REF.sub(sub, value)

    def _unknown(self, data: dict[str, Any], allowed: set[str], prefix: str) -> None:
        for name in data:
            if name not in allowed:
                raise self.fail(f"{prefix}{name}", "unknown key")
