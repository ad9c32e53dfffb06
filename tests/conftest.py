"""Shared fixtures. Azurite: one in-memory table service per test session."""

from __future__ import annotations

import gc
import itertools
import os
from collections.abc import Callable, Iterator

import pytest
from hypothesis import settings as hypothesis_settings

from gitops_tui.config import StoreConfig

from azurite import Azurite, AzuriteMissing, start_azurite


_GC_AT_START = gc.isenabled()

# The suite's generated cases are the same on every run (a CI run that passes today passes
# tomorrow); `HYPOTHESIS_PROFILE=explore` draws new ones, to look for what they miss.
hypothesis_settings.register_profile("repeatable", derandomize=True, print_blob=True)
hypothesis_settings.register_profile("explore", print_blob=True)
hypothesis_settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "repeatable"))


@pytest.fixture(autouse=True)
def _cyclic_gc_restored() -> Iterator[None]:
    """A test that runs ``main()`` in this process gets a one-shot command's runtime
    (``runtime.settings.batch`` turns the cyclic GC off for good): give it back."""
    yield
    if _GC_AT_START:
        gc.enable()

_table_numbers = itertools.count(1)


@pytest.fixture(scope="session")
def azurite() -> Iterator[Azurite]:
    """A running Azurite table service: ``endpoint``, ``connection_string``,
    ``account_name``, ``account_key``. Fails (never skips) when Azurite is not installed."""
    missing = None
    try:
        server = start_azurite()
    except AzuriteMissing as exc:
        missing = str(exc)
    if missing is not None:
        pytest.fail(missing, pytrace=False)
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def azure_config(azurite: Azurite) -> Callable[..., StoreConfig]:
    """Factory of fresh azure StoreConfigs, each on a table of its own (not created)."""

    def make(**overrides: object) -> StoreConfig:
        values: dict[str, object] = {
            "kind": "azure",
            "endpoint": azurite.endpoint,
            "account_name": azurite.account_name,
            "account_key": azurite.account_key,
            "table": f"t{os.getpid()}x{next(_table_numbers)}",
            "timeout_s": 10.0,
        }
        values.update(overrides)
        return StoreConfig(**values)  # type: ignore[arg-type]

    return make
