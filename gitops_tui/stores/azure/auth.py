"""Where the table service is and how to sign in to it, from a store's configuration.

In order of preference: an account key, a SAS token (either given alone or inside a
connection string), else Azure AD (Entra ID) through ``azure-identity``'s
DefaultAzureCredential. The SDK is imported only when a client is being built.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from gitops_tui.config import StoreConfig
from gitops_tui.stores.base import StoreError


@dataclass(frozen=True, slots=True)
class ClientArgs:
    """What a TableClient is built from.

    ``owned``: the credential holds resources of its own (Azure AD) and must be closed
    with the store.
    """

    endpoint: str
    host: str  # the endpoint's host[:port], for messages (never its user info)
    credential: Any
    owned: bool = False


def parse_connection_string(conn: str) -> dict[str, str]:
    """A connection string's ``key=value`` parts, keys lowercased."""
    parts: dict[str, str] = {}
    for part in conn.split(";"):
        key, sep, value = part.partition("=")
        if sep:
            parts[key.strip().lower()] = value.strip()
    return parts


def secrets_of(config: StoreConfig) -> list[str | None]:
    """Every secret the configuration holds, in each form it may appear in a message."""
    conn_parts = parse_connection_string(config.connection_string or "")
    return [
        config.connection_string,
        config.account_key,
        config.sas_token,
        (config.sas_token or "").lstrip("?"),
        conn_parts.get("accountkey"),
        conn_parts.get("sharedaccesssignature"),
        (conn_parts.get("sharedaccesssignature") or "").lstrip("?"),
    ]


def client_args(config: StoreConfig, fail: Callable[[str], StoreError]) -> ClientArgs:
    """The account URL and the credential the configuration asks for.

    ``fail`` makes the (safe) error for a configuration that cannot work.
    """
    from azure.core.credentials import AzureNamedKeyCredential, AzureSasCredential

    account, key, sas, endpoint = config.account_name, config.account_key, config.sas_token, config.endpoint
    if config.connection_string:
        parts = parse_connection_string(config.connection_string)
        account = account or parts.get("accountname")
        key = key or parts.get("accountkey")
        sas = sas or parts.get("sharedaccesssignature")
        endpoint = endpoint or parts.get("tableendpoint")
        if not endpoint and account:
            protocol = parts.get("defaultendpointsprotocol", "https")
            suffix = parts.get("endpointsuffix", "core.windows.net")
            endpoint = f"{protocol}://{account}.table.{suffix}"
        if not endpoint:
            raise fail("the connection string names no AccountName or TableEndpoint")
        if not key and not sas:
            raise fail("the connection string has no AccountKey or SharedAccessSignature")
    if not endpoint:
        if not account:
            raise fail("set account_name (or endpoint) for the azure store")
        endpoint = f"https://{account}.table.core.windows.net"
    if "://" not in endpoint:
        endpoint = "https://" + endpoint
    # A SAS pasted into the endpoint URL is a secret: never keep it in the URL.
    endpoint = urlsplit(endpoint)._replace(query="", fragment="").geturl().rstrip("/")
    host = urlsplit(endpoint).netloc.rpartition("@")[2] or "the server"
    if key:
        if not account:
            raise fail("account_key needs account_name")
        return ClientArgs(endpoint, host, AzureNamedKeyCredential(account, key))
    if sas:
        return ClientArgs(endpoint, host, AzureSasCredential(sas.lstrip("?")))
    try:
        from azure.identity import DefaultAzureCredential
    except ImportError:
        raise fail(
            "no account_key, sas_token or connection_string, and azure-identity is not "
            "installed: pip install 'gitops-tui[identity]' to sign in with Entra ID"
        ) from None
    return ClientArgs(endpoint, host, DefaultAzureCredential(), owned=True)
