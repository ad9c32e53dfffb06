"""``gitops-tui get``: print deployments, newest first, filtered as in the TUI; or, with
``--view rings|clusters``, the TUI's overviews computed from those deployments."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Iterable, Iterator
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from gitops_tui.cli.commands import summary
from gitops_tui.cli.common import CliError, Command, warn_bad_rows, with_store_overrides
from gitops_tui.config import Config, parse_duration
from gitops_tui.domain.timefmt import parse_iso, utcnow
from gitops_tui.domain.vocab import STATUS_SYNONYMS, STATUSES

if TYPE_CHECKING:  # (imported when get runs: `record` and the others load none of it)
    from gitops_tui.domain.model import Deployment
    from gitops_tui.domain.query import Query


VIEWS = ("deployments", "rings", "clusters")


def _arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--view", choices=VIEWS, default="deployments",
                   help="deployments (the default); rings: per service and ring, the image it runs "
                        "(its newest succeeded deployment) and whether it lags its upstream ring; "
                        "clusters: per cluster, the deployments live there and those not synced yet. "
                        "The filters below narrow the deployments a view is computed from")
    p.add_argument("--output", "-o", choices=("table", "wide", "json", "jsonl"), default="table",
                   help="table (default: the columns that fit $COLUMNS or the terminal), wide "
                        "(--view deployments only: every column), json (an array) or jsonl (an object a line)")
    p.add_argument("--service", help="only this service")
    p.add_argument("--ring", "--env", dest="ring", help="only this ring")
    p.add_argument("--author", help="only this author")
    p.add_argument("--status", help=f"only this status ({', '.join(STATUSES)}), or stuck (what the insights call stuck)")
    p.add_argument("--since", help="updated within a duration (30m, 6h, 7d) or since an ISO-8601 time")
    p.add_argument("--filter", "-f", dest="filter", help="a filter in the TUI's language, e.g. '!status:succeeded'")
    p.add_argument("--top", type=int, default=None, metavar="N", help="at most N deployments (default: all; 0 prints nothing)")
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


def query_of(args: argparse.Namespace) -> Query:
    """The filter ``--service``/``--ring``/``--author``/``--status``/``--filter`` make;
    a status no deployment can have is a usage error (exit 2) naming the valid ones."""
    from gitops_tui.domain.query import STUCK, Query, value_matches

    status = args.status.strip().lower() if args.status else None
    if status is not None and status not in STATUSES and status not in STATUS_SYNONYMS and status != STUCK:
        raise CliError(f"--status {args.status!r}: not a status; use one of {', '.join(STATUSES)}, {STUCK}", 2)
    query = Query.of(service=args.service, ring=args.ring, author=args.author, status=status)
    if args.filter:
        query = Query(query.terms + Query.parse(args.filter).terms)
    for term in query.terms:
        if term.field == "status" and term.value != STUCK \
                and not any(value_matches(s, term.value, term.exact) for s in STATUSES) \
                and not value_matches(None, term.value, term.exact):
            raise CliError(f"--filter status:{term.value!r}: not a status; use one of {', '.join(STATUSES)}, {STUCK}", 2)
    return query


def selected(deployments: Iterable[Deployment], args: argparse.Namespace, now: datetime,
             query: Query | None = None) -> Iterator[Deployment]:
    """The deployments `get` prints, one at a time: filtered, newest first, at most --top."""
    from gitops_tui.domain.query import selection

    query = query_of(args) if query is None else query
    yield from selection(deployments, query, _since(args.since, now), args.top)


def _filters(args: argparse.Namespace) -> bool:
    """Whether any flag of :func:`query_of` was given."""
    return any(getattr(args, name) for name in ("service", "ring", "author", "status", "filter"))


def select(deployments: Iterable[Deployment], args: argparse.Namespace, now: datetime) -> list[Deployment]:
    """:func:`selected` as a list."""
    return list(selected(deployments, args, now))


def run(args: argparse.Namespace, config: Config) -> int:
    from gitops_tui.cli.load import load_snapshot

    if args.top is not None and args.top < 0:
        raise CliError("--top must be 0 or more", 2)
    if args.output == "wide" and args.view != "deployments":
        raise CliError(f"--output wide is for --view deployments; use table or json with --view {args.view}", 2)
    # Without a filter the query's code loads while the store is read (selected below).
    query = query_of(args) if _filters(args) else None
    now = utcnow()
    _since(args.since, now)  # (a bad --since is a usage error before the store is read)
    order = _ring_order(config) if args.view == "rings" else ()
    config = with_store_overrides(config, args)
    snapshot, bad = load_snapshot(config, enrich=not args.no_enrich, meanwhile=_output_modules(args))
    if query is not None and query.asks_stuck:
        from gitops_tui.cli.stuck import with_stuck

        query = with_stuck(query, snapshot, config, now)

    def chosen() -> Iterator[Deployment]:
        return selected(snapshot.deployments, args, now, query)

    as_json = args.output in ("json", "jsonl")
    if args.view != "deployments":  # (the overviews, imported only when asked for)
        from gitops_tui.cli import views
    if args.view == "rings":
        cells = views.ring_cells(chosen(), order)
        if as_json:
            _dump(views.rings_json(cells, now, config.ring_lag_grace_s), args.output)
        else:
            views.print_rings(cells, now, sys.stdout)
    elif args.view == "clusters":
        found = views.summaries(snapshot.clusters, list(chosen()))
        if as_json:
            _dump(views.clusters_json(found), args.output)
        else:
            views.print_clusters(found, now, sys.stdout)
    elif as_json:
        from gitops_tui.index.jsonout import selected_json  # (to_json's objects, read off the rows)
        from gitops_tui.present import to_json

        _dump(selected_json(snapshot.deployments, now, to_json, query, _since(args.since, now), args.top),
              args.output)
    elif args.top != 0:  # (--top 0: nothing, not even the header)
        from gitops_tui.cli.table import print_deployments, table_width

        width = None if args.output == "wide" else table_width()
        print_deployments(chosen(), now, wide=args.output == "wide", out=sys.stdout, width=width)
    warn_bad_rows(bad)  # (a view of the rest: still a success)
    return 0


def _output_modules(args: argparse.Namespace) -> Callable[[], None]:
    """Imports the output of ``args`` needs, to run while the store is read."""

    def load() -> None:
        if args.view != "deployments":
            import gitops_tui.cli.views  # noqa: F401
        elif args.output in ("json", "jsonl"):
            import gitops_tui.cli.stream  # noqa: F401
            import gitops_tui.index.jsonout  # noqa: F401
            import gitops_tui.present  # noqa: F401
        else:
            import gitops_tui.cli.table  # noqa: F401

    return load


def _dump(values: Iterable[Any], output: str) -> None:
    from gitops_tui.cli.stream import binary_stdout, write_json_array, write_json_lines

    out = binary_stdout()
    (write_json_lines if output == "jsonl" else write_json_array)(values, out)
    out.flush()


COMMAND = Command("get", summary("get"), _arguments, run)


def _ring_order(config: Config) -> tuple[str, ...]:
    """The configured ``rings:`` order (exit 2 naming the key when it is malformed)."""
    from gitops_tui.insights.settings import SettingsError, insight_settings

    try:
        return insight_settings(config).rings
    except SettingsError as e:
        raise CliError(str(e), 2) from None
