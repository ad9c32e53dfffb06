"""``gitops-tui stats``: DORA figures, ring drift, stuck deployments and ETAs per
service and ring, from the history in the store (the figures of the Insights view)."""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from typing import Any

from gitops_tui.cli.commands import summary
from gitops_tui.cli.common import CliError, Command, bad_rows, open_store, warn_bad_rows, with_store_overrides
from gitops_tui.config import Config
from gitops_tui.domain.textsafe import clean
from gitops_tui.domain.timefmt import utcnow


def _arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--service", help="only this service")
    p.add_argument("--ring", "--env", dest="ring", help="only this ring")
    p.add_argument("--window", default=None, help="the history the figures rest on (default 30d; e.g. 7d, 12h)")
    p.add_argument("--output", "-o", choices=("table", "json"), default="table", help="table (default) or json")
    p.add_argument("--partition", help="override store.partition")


def run(args: argparse.Namespace, config: Config) -> int:
    from gitops_tui.index.journey import JourneyIndex
    from gitops_tui.insights.engine import InsightsEngine
    from gitops_tui.insights.settings import SettingsError, insight_settings

    try:
        settings = insight_settings(config, args.window)
    except SettingsError as e:
        raise CliError(("--" if str(e).startswith("window") else "") + str(e), 2) from None
    config = with_store_overrides(config, args)

    async def go() -> tuple[list[dict[str, Any]], int]:
        store = await open_store(config)
        try:
            from gitops_tui.stores.base import load_all

            rows, _ = await load_all(store)
            return rows, len(bad_rows(store))
        finally:
            await store.close()

    rows, bad = asyncio.run(go())
    index = JourneyIndex()
    index.load(rows)
    now = utcnow()
    engine = InsightsEngine(settings)
    snapshot = index.snapshot()
    engine.load(snapshot.deployments, now, snapshot.clusters)
    figures = engine.stats(now, args.service, args.ring)
    if args.output == "json":
        json.dump(figures, sys.stdout, indent=2)
        sys.stdout.write("\n")
    else:
        print_figures(figures, sys.stdout)
    warn_bad_rows(bad)
    return 0


def print_figures(figures: list[dict[str, Any]], out: Any) -> None:
    """The table of ``stats``: one line per service × ring."""
    from gitops_tui.cli.table import print_rows  # (here: ``record`` imports every command module)
    from gitops_tui.insights.figures import short_duration as d

    table = [["SERVICE", "RING", "DEPLOYS", "PER DAY", "LEAD p50", "LEAD p90", "SYNC", "FAIL %", "RESTORE",
              "BEHIND", "STUCK", "IN FLIGHT"]]
    for f in figures:
        cfr = f["change_failure_rate"]
        behind = f["drift_behind"]
        table.append([
            clean(f["service"], 40), clean(f["ring"], 24), str(f["deployments"]), f"{f['deploys_per_day']:.2f}",
            d(f["lead_time_median_s"]), d(f["lead_time_p90_s"]), d(f["lead_time_to_sync_median_s"]),
            "-" if cfr is None else f"{cfr * 100:.0f}%",
            d(f["time_to_restore_median_s"]),
            "-" if behind is None else f"{behind} ({d(f['drift_behind_s'])})",
            str(len(f["stuck"])), str(len(f["eta"])),
        ])
    if len(table) == 1:
        out.write("no deployments with a service and a ring\n")
        return
    print_rows(table, out)


COMMAND = Command("stats", summary("stats"),
                  _arguments, run)
