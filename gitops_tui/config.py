"""Configuration: discovery, YAML, ``${env:NAME}`` interpolation, validation.

Every problem raises :class:`ConfigError` whose message is one line naming the file and
the key (or line); the CLI prints it and exits with status 2.
"""

from __future__ import annotations

import math
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import yaml

from gitops_tui.domain.timefmt import format_setting, parse_duration  # noqa: F401 (used by callers)
from gitops_tui.provider_config import ProvidersConfig, provider_settings

CONFIG_ENV = "GITOPS_TUI_CONFIG"
LOCAL_NAME = "gitops-tui.yaml"
APP_NAME = "gitops-tui"
STORE_KINDS = ("sqlite", "azure")
THEMES = ("dark", "light", "ansi")

_ENV_REF = re.compile(r"\$\{env:([A-Za-z_][A-Za-z0-9_]*)\}")
# A storage account name is one DNS label (Azure's own rule is 3-24 lowercase letters
# and digits; emulators and sovereign clouds are laxer, a host name is not).
_HOST_LABEL = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?")
# Polls more often than this only burn a core (a 0.1 µs interval took 84 % of one).
POLL_FLOOR_S = 0.25
# Past a day a duration is a typo, and huge ones overflow the clocks they are handed to.
MAX_DURATION_S = 24 * 3600.0
MAX_CONFIG_BYTES = 1 << 20


class _Loader(yaml.SafeLoader):
    """``yaml.safe_load``, but a scalar Python cannot convert (an integer of over 4,300
    digits, a 30th of February, ``!!float x``) is read as its text, so the key it is
    under reports it (``store.timeout: ... is above the 24h ceiling``) rather than a
    ValueError escaping."""

    def construct_object(self, node: yaml.Node, deep: bool = False) -> Any:
        try:
            return super().construct_object(node, deep)
        except (ValueError, OverflowError):
            if not isinstance(node, yaml.ScalarNode):
                raise
            self.recursive_objects.pop(node, None)
            self.constructed_objects[node] = node.value
            return node.value


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
        account = self.account_name or _connection_parts(self.connection_string).get("accountname")
        return f"azure:{account or '?'}/{self.table}"


@dataclass(frozen=True)
class Config:
    """The whole validated configuration."""

    store: StoreConfig = field(default_factory=StoreConfig)
    poll_interval: float = 5.0
    keymap: Mapping[str, str] = field(default_factory=dict)
    theme: str = "dark"
    ring_lag_grace_s: float = 3600.0  # a ring lags only once behind its upstream this long
    source: Path | None = None  # the file it came from, if any
    providers: ProvidersConfig = field(default_factory=ProvidersConfig)
    sync: Any = None  # the raw ``sync:`` mapping, checked by gitops_tui.sync.settings
    rings: Any = None  # the raw ``rings:`` list, checked by gitops_tui.insights.settings
    insights: Any = None  # the raw ``insights:`` mapping, checked there too


def _connection_parts(conn: str | None) -> dict[str, str]:
    """A connection string's ``key=value`` parts, keys lowercased (as the store reads it)."""
    parts: dict[str, str] = {}
    for name, sep, value in (part.partition("=") for part in (conn or "").split(";")):
        if sep:
            parts[name.strip().lower()] = value.strip()
    return parts


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
        with open(path, "rb") as file:  # (a directory fails here: IsADirectoryError)
            raw = file.read(MAX_CONFIG_BYTES + 1)
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read config file: {exc.strerror or exc}") from None
    if len(raw) > MAX_CONFIG_BYTES:
        raise ConfigError(f"{path}: config file is larger than {MAX_CONFIG_BYTES >> 20} MiB")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{path}: config file is not UTF-8 text (byte {exc.start})") from None
    return parse_config(text, path, env)


def parse_config(text: str, path: Path, env: Mapping[str, str] | None = None) -> Config:
    """Validate YAML ``text`` read from ``path`` (used to name errors and resolve paths)."""
    env = os.environ if env is None else env
    try:
        data = yaml.load(text, Loader=_Loader)  # noqa: S506 (a SafeLoader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f":{mark.line + 1}" if mark is not None else ""
        problem = getattr(exc, "problem", None) or "invalid YAML"
        raise ConfigError(f"{path}{where}: bad YAML: {problem}") from None
    except RecursionError:
        raise ConfigError(f"{path}: bad YAML: nested too deeply") from None
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: top level must be a mapping of keys, not {_kind(data)}")
    return _Validator(path, env).config(data)


def _kind(value: Any) -> str:
    return {dict: "a mapping", list: "a list", str: "a string", bool: "a boolean"}.get(
        type(value), type(value).__name__
    )


def _show(value: Any) -> str:
    """A short repr of a value from the file, for a message (never a huge one: a
    10,000-digit integer cannot even be printed)."""
    if isinstance(value, int) and value.bit_length() > 64:
        return "a huge number"
    text = repr(value) if isinstance(value, (str, int, float)) else _kind(value)
    return text if len(text) <= 60 else text[:59] + "…"


class _Validator:
    """Walks the parsed YAML, naming ``file: key.path`` in every error.

    Values are echoed only where they are not secret, and the CLI strips control
    characters from every message it prints.
    """

    _STORE_KEYS = {
        "kind", "path", "connection_string", "account_name", "account_key", "sas_token",
        "endpoint", "table", "partition", "timeout",
    }
    _TOP_KEYS = {"store", "poll_interval", "keymap", "theme", "ring_lag_grace", "providers", "pipelines", "sync",
                  "rings", "insights"}

    def __init__(self, path: Path, env: Mapping[str, str]) -> None:
        self.path = path
        self.env = env

    def fail(self, key: str, message: str) -> ConfigError:
        return ConfigError(f"{self.path}: {key}: {message}")

    def config(self, data: dict[Any, Any]) -> Config:
        self._unknown(data, self._TOP_KEYS, "")
        store_data = data.get("store", {})
        if store_data is None:
            store_data = {}
        if not isinstance(store_data, dict):
            raise self.fail("store", f"must be a mapping, not {_kind(store_data)}")
        store = self.store(store_data)
        interval = self.duration(data.get("poll_interval", 5.0), "poll_interval", floor=POLL_FLOOR_S)
        theme = self.string(data, "theme", "theme") or "dark"
        if theme not in THEMES:
            raise self.fail("theme", f"unknown theme {_show(theme)} (expected one of {', '.join(THEMES)})")
        grace = self.duration(data.get("ring_lag_grace", 3600.0), "ring_lag_grace")
        return Config(
            store=store, poll_interval=interval, keymap=self.keymap(data.get("keymap")), theme=theme,
            ring_lag_grace_s=grace, source=self.path, providers=provider_settings(self, data),
            sync=data.get("sync"), rings=data.get("rings"), insights=data.get("insights"),
        )

    def store(self, data: dict[Any, Any]) -> StoreConfig:
        self._unknown(data, self._STORE_KEYS, "store.")
        kind = self.string(data, "kind", "store.kind") or "sqlite"
        if kind not in STORE_KINDS:
            raise self.fail("store.kind", f"unknown store {_show(kind)} (expected sqlite or azure)")
        timeout = self.duration(data.get("timeout", 10), "store.timeout")
        partition = self.string(data, "partition", "store.partition")
        table = self.string(data, "table", "store.table")
        if table is not None and not valid_table_name(table):
            raise self.fail("store.table", f"{_show(table)} is not a valid table name (3-63 letters/digits)")
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
        if account is not None:
            self.account(account, "store.account_name", _show(account))
        if endpoint is not None:
            self.url(endpoint, "store.endpoint")
        if conn is not None:
            self.connection_string(conn)
        return StoreConfig(
            kind=kind, connection_string=conn, account_name=account, account_key=key,
            sas_token=sas, endpoint=endpoint, table=table, partition=partition, timeout_s=timeout,
        )

    def duration(self, raw: Any, key: str, floor: float = 0.0) -> float:
        """Seconds, finite, positive, at least ``floor`` and at most a day."""
        if isinstance(raw, str):
            raw = self.interpolate(raw, key)
        seconds = parse_duration(raw)
        if seconds is None or math.isnan(seconds) or seconds <= 0:
            shown = "NaN" if seconds is not None and math.isnan(seconds) else _show(raw)
            raise self.fail(key, f"must be a positive duration like 5s or 500ms, not {shown}")
        if seconds > MAX_DURATION_S:
            raise self.fail(key, f"{_show(raw)} is above the 24h ceiling")
        if seconds < floor:
            raise self.fail(key, f"{format_setting(seconds)} is below the {format_setting(floor)} floor")
        return seconds

    def keymap(self, keymap: Any) -> dict[str, str]:
        if keymap is None:
            return {}
        if not isinstance(keymap, dict):
            raise self.fail("keymap", f"must map binding ids to keys, e.g. {{filter: slash}}, not {_kind(keymap)}")
        for binding_id, keys in keymap.items():
            if not isinstance(binding_id, str):
                raise self.fail("keymap", f"binding ids are names, not {_show(binding_id)}")
            self.printable(binding_id, "keymap")
            name = f"keymap.{binding_id}"
            if not isinstance(keys, str):  # (what the keys are: tui.bindings.check_keymap)
                raise self.fail(name, f"must be keys as text, e.g. slash or q,ctrl+q, not {_show(keys)}")
            self.printable(keys, name)
        return dict(keymap)

    def string(self, data: dict[Any, Any], name: str, key: str) -> str | None:
        value = data.get(name)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, (str, int, float)):
            raise self.fail(key, f"must be a string, not {_kind(value)}")
        if (isinstance(value, float) and not math.isfinite(value)) or (
            isinstance(value, int) and value.bit_length() > 64
        ):
            raise self.fail(key, f"must be a string, not {_show(value)}")
        text = self.interpolate(str(value), key)
        self.printable(text, key)
        return text or None

    def printable(self, text: str, key: str) -> None:
        """No control, line-separator or bidi character in a value (not even from the
        environment): none is valid in a path, a partition key or a URL."""
        if not text.isprintable():
            bad = next(c for c in text if not c.isprintable())
            raise self.fail(key, f"contains an unprintable character (U+{ord(bad):04X})")

    def account(self, name: str, key: str, shown: str) -> None:
        if not _HOST_LABEL.fullmatch(name):
            raise self.fail(key, f"{shown} is not a storage account name (letters, digits and hyphens)")

    def url(self, value: str, key: str, what: str = "") -> None:
        """An http(s) URL with a host (a bare host gets https://, as the store does).
        ``what`` names a part of a secret value, which is never echoed."""
        invalid = f"{what}is not a valid URL" if what else "not a valid URL"
        try:
            parts = urlsplit(value if "://" in value else "https://" + value)
            parts.port  # noqa: B018 (raises ValueError for a bad port)
        except ValueError as exc:
            reason = "bad port" if "port" in str(exc).lower() else "bad host (an IPv6 address needs [ ])"
            raise self.fail(key, f"{invalid}: {reason}") from None
        if parts.scheme.lower() not in ("http", "https"):
            raise self.fail(key, f"{what}must be an http:// or https:// URL, not {parts.scheme}://")
        if not parts.hostname:
            raise self.fail(key, f"{invalid}: it names no host")

    def connection_string(self, conn: str) -> None:
        """The parts the store builds a URL from (a connection string is never echoed)."""
        key, parts = "store.connection_string", _connection_parts(conn)
        if parts.get("tableendpoint"):
            self.url(parts["tableendpoint"], key, "TableEndpoint ")
        protocol = parts.get("defaultendpointsprotocol")
        if protocol is not None and protocol.lower() not in ("http", "https"):
            raise self.fail(key, "DefaultEndpointsProtocol must be http or https")
        if parts.get("accountname") is not None:
            self.account(parts["accountname"], key, "its AccountName")
        if parts.get("endpointsuffix") is not None:
            self.url(parts["endpointsuffix"], key, "EndpointSuffix ")

    def interpolate(self, value: str, key: str) -> str:
        def sub(match: re.Match[str]) -> str:
            name = match.group(1)
            if name not in self.env:
                raise self.fail(key, f"environment variable {name} is not set")
            return self.env[name]

        return _ENV_REF.sub(sub, value)

    def _unknown(self, data: dict[Any, Any], allowed: set[str], prefix: str) -> None:
        for name in data:
            if name not in allowed:
                shown = name if isinstance(name, str) and len(name) <= 60 else _show(name)
                raise self.fail(f"{prefix}{shown}", "unknown key")
