"""Telemetry stores behind one small async interface (see :mod:`.base`)."""

from __future__ import annotations

from gitops_tui.config import StoreConfig
from gitops_tui.stores.base import ConflictError, Store, StoreError, TableMissingError, Versioned, load_all

__all__ = [
    "ConflictError",
    "Store",
    "StoreError",
    "TableMissingError",
    "Versioned",
    "load_all",
    "make_store",
]


def make_store(config: StoreConfig) -> Store:
    """The store a config names. The Azure SDK is imported only when it is needed."""
    if config.kind == "azure":
        from gitops_tui.stores.azure import AzureTableStore

        return AzureTableStore(config)
    from gitops_tui.stores.sqlite import SqliteStore

    return SqliteStore(config)
