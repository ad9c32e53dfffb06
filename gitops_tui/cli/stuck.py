"""``status:stuck`` for ``get``: the insights' stuck deployments, computed only when a
filter asks for them (plain ``get`` pays nothing), in one pass before the output
streams (the pass keeps the hop model and the in-flight deployments, not the rest)."""

from __future__ import annotations

from datetime import datetime

from gitops_tui.cli.common import CliError
from gitops_tui.config import Config
from gitops_tui.domain.model import Snapshot
from gitops_tui.domain.query import Query


def with_stuck(query: Query, snapshot: Snapshot, config: Config, now: datetime) -> Query:
    """``query`` with the keys ``status:stuck`` matches (itself when it asks nothing of it)."""
    if not query.asks_stuck:
        return query
    from gitops_tui.insights.settings import SettingsError, insight_settings
    from gitops_tui.insights.stuck import stuck_now

    try:
        settings = insight_settings(config)
    except SettingsError as e:
        raise CliError(str(e), 2) from None
    return Query(query.terms, frozenset(stuck_now(snapshot.deployments, snapshot.clusters, now, settings)))
