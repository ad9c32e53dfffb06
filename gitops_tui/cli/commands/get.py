"""``gitops-tui get``: print deployments, newest first, filtered as in the TUI; or, with
``--view rings|clusters``, the TUI's overviews computed from those deployments."""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from gitops_tui.cli import views
from gitops_tui.cli.common import CliError, Command, bad_rows, open_store, warn_bad_rows, with_store_overrides
from gitops_tui.cli.table import print_deployments
from gitops_tui.config import Config, parse_duration
from gitops_tui.domain.model import Deployment
from gitops_tui.domain.query import Query
from gitops_tui.domain.textsafe import clean
from gitops_tui.domain.timefmt import parse_iso, utcnow


VIEWS = ("deployments", "rings", "clusters")


def _arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--view", choices=VIEWS, default="deployments",
                   help="deployments (the default); rings: per service and ring, the image it runs "
                        "(its newest succeeded deployment) and whether it lags its upstream ring; "
                        "clusters: per cluster, the deployments live there and those not synced yet. "
                        "The filters below narrow the deployments a view is computed from")
    p.add_argument("--output", "-o", choices=("table", "wide", "json"), default="table",
                   help="table (default), wide (--view deployments only: every column) or json")
    p.add_argument("--service", help="only this service")
    p.add_argument("--ring", "--env", dest="ring", help="only this ring")
    p.add_argument("--author", help="only this author")
    p.add_argument("--status", help="only this status (succeeded, in_progress, waiting, failed, canceled, unknown)")
    p.add_argument("--since", help="updated within a duration (30m, 6h, 7d) or since an ISO-8601 time")
    p.add_argument("--filter", "-f", dest="filter", help="a filter in the TUI's language, e.g. '!status:succeeded'")
    p.add_argument("--top", type=int, default=None, metavar="N", help="at most N deployments (default: all)")
    p.add_argument("--partition", help="override store.partition")
    p.add_argument("--no-enrich", action="store_true",
                   help="do not ask the configured providers (show only what the table holds)")


def _since(value: str | None, now: datetime) -> datetime | None:
    if not value:
        return None
    text = value.strip()
    try:
        if text.endswith("d") and text[:-1].replace(".", "", 1).isdigit():
            return now - timedelta(days=float(text[:-1]))
        seconds = parse_duration(text)
        if seconds is not None:
            return now - timedelta(seconds=seconds)
    except (OverflowError, ValueError):
        raise CliError(f"--since {value!r}: too far back", 2) from None
    when = parse_iso(text)
    if when is None:
        raise CliError(f"--since {value!r}: use a duration (30m, 6h, 7d) or an ISO-8601 time", 2)
    return when


def select(deployments: Sequence[Deployment], args: argparse.Namespace, now: datetime) -> list[Deployment]:
    """The deployments `get` prints: filtered, newest first, at most --top."""
    query = Query.of(service=args.service, ring=args.ring, author=args.author, status=args.status)
    if args.filter:
        query = Query(query.terms + Query.parse(args.filter).terms)
    since = _since(args.since, now)
    chosen = []
    for d in deployments:
        if query and not query.matches(d):
            continue
        if since is not None and (d.updated_at is None or d.updated_at < since):
            continue
        chosen.append(d)
        if args.top is not None and len(chosen) >= args.top:
            break
    return chosen


def run(args: argparse.Namespace, config: Config) -> int:
    from gitops_tui.index.journey import JourneyIndex
    from gitops_tui.present import to_json
    from gitops_tui.stores.base import load_all

    if args.top is not None and args.top < 0:
        raise CliError("--top must be 0 or more", 2)
    if args.output == "wide" and args.view != "deployments":
        raise CliError(f"--output wide is for --view deployments; use table or json with --view {args.view}", 2)
    config = with_store_overrides(config, args)

    async def go() -> tuple[list[dict[str, Any]], int]:
        store = await open_store(config)
        try:
            rows, _ = await load_all(store)
            return rows, len(bad_rows(store))
        finally:
            await store.close()

    rows, bad = asyncio.run(go())
    if not args.no_enrich:
        rows = _enriched(rows, config)
    now = utcnow()
    index = JourneyIndex()
    index.load(rows)
    snapshot = index.snapshot()
    from gitops_tui.sync.settings import sync_settings
    from gitops_tui.sync.watcher import with_sync

    from gitops_tui.providers.argocd import sync_sources

    settings = sync_settings(config)
    synced_rows, sync_error = with_sync(rows, snapshot.deployments, settings, sources=sync_sources(settings, config.providers))
    if synced_rows is not rows:  # the clusters' own answer: rebuilt with it
        index = JourneyIndex()
        index.load(synced_rows)
        snapshot = index.snapshot()
    if sync_error:
        print(f"gitops-tui: cluster sync: {clean(sync_error, 300)} (shown as stored)", file=sys.stderr)
    chosen = select(snapshot.deployments, args, now)
    as_json = args.output == "json"
    if args.view == "rings":
        cells = views.ring_cells(chosen)
        if as_json:
            _dump(views.rings_json(cells))
        else:
            views.print_rings(cells, now, sys.stdout)
    elif args.view == "clusters":
        found = views.summaries(snapshot.clusters, chosen)
        if as_json:
            _dump(views.clusters_json(found))
        else:
            views.print_clusters(found, now, sys.stdout)
    elif as_json:
        _dump([to_json(d, now) for d in chosen])
    else:
        print_deployments(chosen, now, wide=args.output == "wide", out=sys.stdout)
    warn_bad_rows(bad)  # (a view of the rest: still a success)
    return 0


def _enriched(rows: list[dict[str, Any]], config: Config) -> list[dict[str, Any]]:
    """Rows with what the configured providers know filled in (their warnings on stderr)."""
    from gitops_tui.cli.main import report
    from gitops_tui.enrich.oneshot import enrich_rows, progress_stream

    if not config.providers.providers:
        return rows
    rows, warnings, _ = asyncio.run(enrich_rows(rows, config.providers, progress=progress_stream()))
    for warning in warnings:
        report("warning: " + warning, 0)
    return rows


def _dump(value: Any) -> None:
    json.dump(value, sys.stdout, indent=2)
    sys.stdout.write("\n")


COMMAND = Command("get", "print deployments, newest first (or --view rings|clusters)", _arguments, run)
