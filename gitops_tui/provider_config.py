"""The ``providers:`` and ``pipelines:`` sections: which CI/git provider to ask, and how.

Validated by :mod:`gitops_tui.config` (this module holds the provider keys so that it
stays small); every problem is one line naming the key, exit 2.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol
from urllib.parse import urlsplit

PROVIDER_NAMES = ("azure_devops", "github", "gitlab")
PIPELINE_STAGES = ("image", "hld", "manifest")  # p1, p2, p3
DEFAULT_URLS = {
    "azure_devops": "https://dev.azure.com", "github": "https://api.github.com", "gitlab": "https://gitlab.com",
}
DEFAULT_RELEASE_URL = "https://vsrm.dev.azure.com"
DEFAULT_MAX_CONCURRENCY = 8


@dataclass(frozen=True)
class ProviderConfig:
    """One provider's connection. ``token`` is a secret: never printed, logged or cached."""

    name: str
    url: str
    token: str | None = field(default=None, repr=False)
    organization: str | None = None
    project: str | None = None
    release_url: str | None = None

    @property
    def host(self) -> str:
        return (urlsplit(self.url).hostname or "").lower()


@dataclass(frozen=True)
class ProvidersConfig:
    """The configured providers, and which one ran each stage (absent: inferred from
    the row's repository URLs)."""

    providers: dict[str, ProviderConfig] = field(default_factory=dict)
    pipelines: dict[str, str] = field(default_factory=dict)  # stage name -> provider name
    max_concurrency: int = DEFAULT_MAX_CONCURRENCY


class _Validating(Protocol):
    def fail(self, key: str, message: str) -> Exception: ...
    def string(self, data: dict[Any, Any], name: str, key: str) -> str | None: ...
    def url(self, value: str, key: str, what: str = "") -> None: ...
    def _unknown(self, data: dict[Any, Any], allowed: set[str], prefix: str) -> None: ...


_KEYS = {
    "azure_devops": {"organization", "project", "token", "url", "release_url"},
    "github": {"token", "url"},
    "gitlab": {"token", "url"},
}


def _mapping(v: _Validating, value: Any, key: str) -> dict[Any, Any]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise v.fail(key, f"must be a mapping, not {type(value).__name__}")
    return value


def _base(v: _Validating, data: dict[Any, Any], name: str, key: str, default: str) -> str:
    value = v.string(data, name, key) or default
    v.url(value, key)
    return (value if "://" in value else "https://" + value).rstrip("/")


def provider_settings(v: _Validating, data: dict[Any, Any]) -> ProvidersConfig:
    """The ``providers`` and ``pipelines`` sections of the top-level mapping ``data``."""
    section = _mapping(v, data.get("providers"), "providers")
    v._unknown(section, set(PROVIDER_NAMES) | {"max_concurrency"}, "providers.")
    limit = section.get("max_concurrency", DEFAULT_MAX_CONCURRENCY)
    if isinstance(limit, bool) or not isinstance(limit, int) or not 1 <= limit <= 64:
        raise v.fail("providers.max_concurrency", "must be a whole number from 1 to 64")
    providers: dict[str, ProviderConfig] = {}
    for name in PROVIDER_NAMES:
        if name not in section:
            continue
        prefix = f"providers.{name}"
        one = _mapping(v, section[name], prefix)
        v._unknown(one, _KEYS[name], prefix + ".")
        extra: dict[str, Any] = {}
        if name == "azure_devops":
            for part in ("organization", "project"):
                extra[part] = v.string(one, part, f"{prefix}.{part}")
                if not extra[part]:
                    raise v.fail(f"{prefix}.{part}", "is required for Azure DevOps")
                if "/" in extra[part] or "?" in extra[part] or "#" in extra[part]:
                    raise v.fail(f"{prefix}.{part}", "must be a name, not a path")
            extra["release_url"] = _base(v, one, "release_url", f"{prefix}.release_url", DEFAULT_RELEASE_URL)
        providers[name] = ProviderConfig(
            name=name, url=_base(v, one, "url", f"{prefix}.url", DEFAULT_URLS[name]),
            token=v.string(one, "token", f"{prefix}.token"), **extra,
        )
    pipelines_data = _mapping(v, data.get("pipelines"), "pipelines")
    v._unknown(pipelines_data, set(PIPELINE_STAGES), "pipelines.")
    pipelines: dict[str, str] = {}
    for stage in PIPELINE_STAGES:
        chosen = v.string(pipelines_data, stage, f"pipelines.{stage}")
        if chosen is None:
            continue
        if chosen not in PROVIDER_NAMES:
            raise v.fail(f"pipelines.{stage}", f"unknown provider (expected one of {', '.join(PROVIDER_NAMES)})")
        if chosen not in providers:
            raise v.fail(f"pipelines.{stage}", f"names {chosen}, which is not under providers:")
        pipelines[stage] = chosen
    return ProvidersConfig(providers=providers, pipelines=pipelines, max_concurrency=limit)
