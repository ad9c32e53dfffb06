"""One filter language: `get --filter`, the `get` flags and the TUI's table give the same ids."""

from __future__ import annotations

import asyncio
import json

import pytest

from gitops_tui.config import load_config
from gitops_tui.index.journey import JourneyIndex
from gitops_tui.index.table import TableModel
from gitops_tui.stores import make_store
from gitops_tui.stores.base import load_all

from helpers import SPEKTATE, run_cli, sqlite_config

EXPRESSIONS = [
    "hello", "service:spektate", "service:=hello-spektate", "ring:dev !service:bedrock",
    "ring:multi", 'ring:="multi-stage"', "image:*master-6*", "manual", "pr:-", "hld:d7c",
    "status:unknown", "id:=01514bd376d3", "5b54eb4", "!ring:-", "author:-", "service:=nothing",
]


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("filters")
    cfg = sqlite_config(tmp, partition=None)
    result = run_cli("--config", str(cfg), "import", str(SPEKTATE / "deployments.json"))
    assert result.returncode == 0, result.stderr
    return cfg


@pytest.fixture(scope="module")
def table(store) -> TableModel:
    """The TUI's table model over the same store, loaded as the monitor loads it."""

    async def rows():
        s = make_store(load_config(str(store)).store)
        await s.open()
        try:
            return (await load_all(s))[0]
        finally:
            await s.close()

    index = JourneyIndex(compact=True)
    index.load(asyncio.run(rows()))
    model = TableModel()
    model.load(index.snapshot())
    return model


def get_ids(cfg, *args: str) -> list[str]:
    result = run_cli("--config", str(cfg), "get", "--output", "json", *args)
    assert result.returncode == 0, result.stderr
    return sorted(d["id"] for d in json.loads(result.stdout))


def tui_ids(table: TableModel, text: str) -> list[str]:
    table.set_query(text)
    return sorted(d.id for d in table.deployments())


@pytest.mark.parametrize("text", EXPRESSIONS)
def test_get_filter_and_the_tui_show_the_same_deployments(store, table, text):
    got = get_ids(store, "--filter", text)
    assert got == tui_ids(table, text)


def test_the_get_flags_are_terms_of_the_same_language(store, table):
    flags = get_ids(store, "--service", "spektate", "--ring", "dev", "--status", "unknown")
    assert flags == tui_ids(table, "service:spektate ring:dev status:unknown")
    assert flags  # (the fixture has such deployments: the comparison means something)


def test_a_prefix_term_matches_a_substring_and_equals_matches_the_whole_field(store):
    substring = get_ids(store, "--filter", "service:spektate")
    exact = get_ids(store, "--filter", "service:=spektate")
    assert substring and not exact
    assert set(get_ids(store, "--filter", "service:=hello-spektate")) <= set(substring)


def test_most_expressions_find_something(table):
    # (So the comparisons above compare deployments, not empty lists.)
    found = [text for text in EXPRESSIONS if tui_ids(table, text)]
    assert set(EXPRESSIONS) - set(found) == {"service:=nothing"}
