"""Command line: argument parsing and wiring only; the work happens in the core modules.

Exit statuses: 0 success, 1 a store or data problem, 2 a usage or configuration problem.
Errors are one line on stderr, never a traceback, never a secret.
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import json
import sys
from collections.abc import Sequence
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, NoReturn, TextIO

from gitops_tui import __version__
from gitops_tui.config import Config, ConfigError, load_config, parse_duration, valid_table_name
from gitops_tui.domain.model import Deployment
from gitops_tui.domain.query import Query
from gitops_tui.stores.base import StoreError

DEFAULT_COMMAND = "watch"
COMMANDS = ("watch", "demo", "record", "get", "import", "export", "check")


class CliError(Exception):
    """A failure to report as one line with an exit status."""

    def __init__(self, message: str, status: int = 1) -> None:
        super().__init__(message)
        self.status = status


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        self.print_usage(sys.stderr)
        self.exit(2, f"{self.prog}: error: {message}\n")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="gitops-tui",
        description="A terminal live monitor for GitOps deployments.",
        allow_abbrev=False,
    )
    parser.add_argument("--version", action="version", version=f"gitops-tui {__version__}")
    parser.add_argument("--config", "-c", metavar="FILE", help="config file (see config.example.yaml)")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    def command(name: str, help: str) -> argparse.ArgumentParser:
        p = sub.add_parser(name, help=help, description=help, allow_abbrev=False)
        # Accept --config after the command too (`gitops-tui get --config x.yaml`).
        p.add_argument("--config", "-c", metavar="FILE", default=argparse.SUPPRESS,
                       help="config file")
        return p

    command("watch", "open the live monitor on the configured store (the default command)")

    demo = command("demo", "open the monitor on a fresh embedded store filled live by a simulator")
    demo.add_argument("--db", metavar="PATH", help="keep the demo store in this file (default: a temp dir)")
    demo.add_argument("--seed", type=int, default=None, help="simulator random seed")
    demo.add_argument("--speed", type=float, default=1.0, help="simulation speed factor (default 1)")

    record = command("record", "write one pipeline stage's telemetry (drop-in for `bedrock deployment create`)")
    _record_arguments(record)

    get = command("get", "print deployments, newest first")
    get.add_argument("--output", "-o", choices=("table", "wide", "json"), default="table")
    get.add_argument("--service", help="only this service")
    get.add_argument("--ring", "--env", dest="ring", help="only this ring")
    get.add_argument("--author", help="only this author")
    get.add_argument("--status", help="only this status (succeeded, in_progress, waiting, failed, canceled, unknown)")
    get.add_argument("--since", help="updated within a duration (30m, 6h, 7d) or since an ISO-8601 time")
    get.add_argument("--filter", "-f", dest="filter", help="a filter in the TUI's language, e.g. '!status:succeeded'")
    get.add_argument("--top", type=int, default=None, metavar="N", help="at most N deployments (default: all)")
    get.add_argument("--partition", help="override store.partition")

    imp = command("import", "import JSON Lines entities (or a Spektate {entries: [...]} file) into the store")
    imp.add_argument("file", metavar="FILE", help="a file, or - for standard input")
    imp.add_argument("--partition", help="PartitionKey for entities that have none")

    exp = command("export", "export every entity in scope as JSON Lines")
    exp.add_argument("file", metavar="FILE", help="a file, or - for standard output")
    exp.add_argument("--partition", help="override store.partition")

    command("check", "check the config, the store, the table and what the rows look like")
    return parser


def _record_arguments(p: argparse.ArgumentParser) -> None:
    bedrock = p.add_argument_group("bedrock deployment create flags (same names, same meaning)")
    for flag, help in (
        ("--p1", "image build (CI) id: stage 1"),
        ("--image-tag", "image tag"),
        ("--commit-id", "source commit"),
        ("--service", "service name"),
        ("--p2", "metadata update (HLD) build/release id: stage 2"),
        ("--hld-commit-id", "HLD commit"),
        ("--env", "ring (HLD branch)"),
        ("--p3", "manifest generation build id: stage 3"),
        ("--pr", "approval PR id in the HLD repo"),
        ("--manifest-commit-id", "manifest commit (after the push)"),
        ("--repository", "repository URL of this stage (source, HLD or manifest repo)"),
    ):
        bedrock.add_argument(flag, help=help)
    bedrock.add_argument("-k", "--access-key", help="storage account key (prefer ${env:} in the config)")
    bedrock.add_argument("-n", "--name", help="storage account name (switches to the azure store)")
    bedrock.add_argument("-p", "--partition-key", "--partition", dest="partition", help="partition key")
    bedrock.add_argument("-t", "--table-name", help="table name")
    ours = p.add_argument_group("gitops-tui additions")
    ours.add_argument("--stage", choices=("image", "hld", "manifest", "manifest-push", "cluster-sync"),
                      help="the stage (inferred from the ids when omitted, as bedrock does)")
    ours.add_argument("--status", help="started, succeeded, failed or canceled (CI spellings accepted)")
    ours.add_argument("--started-at", help="ISO-8601 start time (default: now, on --status started)")
    ours.add_argument("--finished-at", help="ISO-8601 finish time (default: now, on a final status)")
    ours.add_argument("--url", help="link to this run")
    ours.add_argument("--author", help="commit author")
    ours.add_argument("--author-email", help="commit author e-mail")
    ours.add_argument("--pr-state", help="open, merged or closed")
    ours.add_argument("--pr-title", help="approval PR title")
    ours.add_argument("--merged-by", help="who merged the approval PR")
    ours.add_argument("--cluster", help="cluster name (cluster-sync stage)")
    ours.add_argument("--synced-at", help="ISO-8601 time the cluster applied the commit (default: now)")
    ours.add_argument("--quiet", "-q", action="store_true", help="print nothing on success")


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``gitops-tui`` console script."""
    args = build_parser().parse_args(argv)
    command = args.command or DEFAULT_COMMAND
    try:
        config = load_config(getattr(args, "config", None))
        return _COMMANDS[command](args, config)
    except ConfigError as exc:
        print(f"gitops-tui: config error: {exc}", file=sys.stderr)
        return 2
    except CliError as exc:
        print(f"gitops-tui: {exc}", file=sys.stderr)
        return exc.status
    except StoreError as exc:
        print(f"gitops-tui: store error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:  # `gitops-tui get | head`
        return 0


# -- store plumbing ------------------------------------------------------------------


def _with_store_overrides(config: Config, args: argparse.Namespace) -> Config:
    store = config.store
    changes: dict[str, Any] = {}
    if getattr(args, "partition", None):
        changes["partition"] = args.partition
    if getattr(args, "name", None):
        changes.update(kind="azure", account_name=args.name, connection_string=None)
    if getattr(args, "access_key", None):
        changes["account_key"] = args.access_key
    if getattr(args, "table_name", None):
        if not valid_table_name(args.table_name):
            raise CliError(f"--table-name {args.table_name!r}: 3-63 letters and digits, a letter first", 2)
        changes["table"] = args.table_name
    if not changes:
        return config
    return dataclasses.replace(config, store=dataclasses.replace(store, **changes))


def _run(coro: Any) -> Any:
    return asyncio.run(coro)


async def _open(config: Config, create: bool = False):  # type: ignore[no-untyped-def]
    from gitops_tui.stores import make_store

    store = make_store(config.store)
    await store.open(create=create)
    return store


# -- commands --------------------------------------------------------------------------


def cmd_watch(args: argparse.Namespace, config: Config) -> int:
    from gitops_tui.monitor import Monitor
    from gitops_tui.stores import make_store
    from gitops_tui.tui.app import run_app

    monitor = Monitor(make_store(config.store), interval_s=config.poll_interval)
    run_app(config, monitor)
    return 0


def cmd_demo(args: argparse.Namespace, config: Config) -> int:
    import tempfile

    from gitops_tui.config import StoreConfig
    from gitops_tui.demo import start_in_thread
    from gitops_tui.monitor import Monitor
    from gitops_tui.stores.sqlite import SqliteStore
    from gitops_tui.tui.app import run_app

    with tempfile.TemporaryDirectory(prefix="gitops-tui-demo-") as tmp:
        path = Path(args.db) if args.db else Path(tmp) / "demo.db"
        store_config = StoreConfig(kind="sqlite", path=path, partition="trivia")
        demo_config = dataclasses.replace(config, store=store_config, poll_interval=1.0)
        handle = start_in_thread(store_config, seed=args.seed, speed=args.speed)
        try:
            handle.ready.wait(timeout=30)
            if handle.error is not None:
                raise CliError(f"demo simulator failed: {handle.error}")
            monitor = Monitor(SqliteStore(store_config), interval_s=demo_config.poll_interval)
            run_app(demo_config, monitor)
        finally:
            handle.stop()
    return 0


def cmd_record(args: argparse.Namespace, config: Config) -> int:
    from gitops_tui.writer import NothingToUpdate, RecordError, StageRecord, record

    config = _with_store_overrides(config, args)
    rec = StageRecord(
        partition=config.store.partition or "",
        stage=args.stage,
        p1=args.p1,
        image_tag=args.image_tag,
        commit_id=args.commit_id,
        service=args.service,
        p2=args.p2,
        hld_commit_id=args.hld_commit_id,
        env=args.env,
        pr=args.pr,
        p3=args.p3,
        manifest_commit_id=args.manifest_commit_id,
        repository=args.repository,
        cluster=args.cluster,
        status=args.status,
        started_at=args.started_at,
        finished_at=args.finished_at,
        url=args.url,
        author=args.author,
        author_email=args.author_email,
        pr_state=args.pr_state,
        pr_title=args.pr_title,
        merged_by=args.merged_by,
        synced_at=args.synced_at,
    )

    async def go() -> list[dict[str, Any]]:
        store = await _open(config, create=True)
        try:
            return await record(store, rec)
        finally:
            await store.close()

    try:
        rows = _run(go())
    except NothingToUpdate as exc:  # the flags are fine; the table lacks the row
        raise CliError(str(exc), 1) from None
    except RecordError as exc:
        raise CliError(str(exc), 2) from None
    if not args.quiet:
        for row in rows:
            print(f"recorded {row['PartitionKey']}/{row['RowKey']}")
    return 0


def _since(value: str | None, now: datetime) -> datetime | None:
    if not value:
        return None
    from gitops_tui.domain.timefmt import parse_iso

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


def select(
    deployments: Sequence[Deployment], args: argparse.Namespace, now: datetime
) -> list[Deployment]:
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


def cmd_get(args: argparse.Namespace, config: Config) -> int:
    from gitops_tui.index.journey import JourneyIndex
    from gitops_tui.present import to_json
    from gitops_tui.stores.base import load_all
    from gitops_tui.domain.timefmt import utcnow

    if args.top is not None and args.top < 0:
        raise CliError("--top must be 0 or more", 2)
    config = _with_store_overrides(config, args)

    async def go() -> list[dict[str, Any]]:
        store = await _open(config)
        try:
            rows, _ = await load_all(store)
            return rows
        finally:
            await store.close()

    rows = _run(go())
    now = utcnow()
    index = JourneyIndex()
    index.load(rows)
    chosen = select(index.snapshot().deployments, args, now)
    if args.output == "json":
        json.dump([to_json(d, now) for d in chosen], sys.stdout, indent=2)
        sys.stdout.write("\n")
    else:
        print_table(chosen, now, wide=args.output == "wide", out=sys.stdout)
    return 0


def print_table(deployments: Sequence[Deployment], now: datetime, wide: bool, out: TextIO) -> None:
    """Aligned plain-text columns (no colour, no escapes: safe to pipe)."""
    from gitops_tui.present import COLUMNS, cells
    from gitops_tui.domain.textsafe import clean

    keys = [k for _, k in COLUMNS] if wide else [
        "state", "service", "ring", "author", "image", "metadata", "pr", "manifest", "updated", "clusters"
    ]
    headers = dict((k, h) for h, k in COLUMNS)
    table = [[headers[k] for k in keys] + (["ID"] if wide else [])]
    for d in deployments:
        row = cells(d, now)
        table.append([row[k] for k in keys] + ([clean(d.id, 64)] if wide else []))
    widths = [max(len(r[i]) for r in table) for i in range(len(table[0]))]
    for r in table:
        out.write("  ".join(v.ljust(w) for v, w in zip(r, widths)).rstrip() + "\n")


def cmd_import(args: argparse.Namespace, config: Config) -> int:
    from gitops_tui.transfer import read_entities

    config = _with_store_overrides(config, args)
    default_partition = args.partition or config.store.partition
    if args.file == "-":
        text = sys.stdin.read().lstrip("\ufeff")
        name = "<stdin>"
    else:
        try:
            text = Path(args.file).read_text(encoding="utf-8-sig")  # tolerate a BOM
        except (OSError, UnicodeDecodeError) as exc:
            raise CliError(f"{args.file}: cannot read: {getattr(exc, 'strerror', None) or exc}", 2) from None
        name = args.file
    entities, problems = read_entities(text, default_partition)
    for line, problem in problems:
        print(f"{name}:{line}: skipped: {problem}", file=sys.stderr)

    async def go() -> int:
        store = await _open(config, create=True)
        try:
            return await store.upsert_many(entities)
        finally:
            await store.close()

    written = _run(go())
    print(f"imported {written} entities into {config.store.description}"
          + (f", skipped {len(problems)} bad lines" if problems else ""))
    return 1 if problems and not written else 0


def cmd_export(args: argparse.Namespace, config: Config) -> int:
    from gitops_tui.transfer import entity_line

    config = _with_store_overrides(config, args)

    async def go(out: TextIO) -> int:
        store = await _open(config)
        count = 0
        try:
            async for page in store.scan(5000):
                for row in page:
                    out.write(entity_line(row) + "\n")
                    count += 1
        finally:
            await store.close()
        return count

    if args.file == "-":
        count = _run(go(sys.stdout))
    else:
        try:
            with open(args.file, "w", encoding="utf-8") as out:
                count = _run(go(out))
        except OSError as exc:
            raise CliError(f"{args.file}: cannot write: {exc.strerror or exc}", 2) from None
        print(f"exported {count} entities from {config.store.description} to {args.file}")
    return 0


def cmd_check(args: argparse.Namespace, config: Config) -> int:
    from gitops_tui.stores.base import TableMissingError
    from gitops_tui.transfer import looks_like_bedrock

    source = config.source or "(defaults: no config file found)"
    print(f"config:    {source}: ok")
    print(f"store:     {config.store.description}"
          + (f" (partition {config.store.partition})" if config.store.partition else " (every partition)"))

    async def go() -> tuple[int, int]:
        store = await _open(config)
        try:
            total = bedrock = 0
            async for page in store.scan(5000):
                total += len(page)
                bedrock += sum(1 for row in page if looks_like_bedrock(row))
            return total, bedrock
        finally:
            await store.close()

    try:
        total, bedrock = _run(go())
    except TableMissingError as exc:
        print(f"table:     MISSING: {exc}")
        return 1
    except StoreError as exc:
        print(f"reachable: NO: {exc}")
        return 1
    print("reachable: yes")
    print("table:     present")
    print(f"rows:      {total}")
    share = (bedrock / total * 100) if total else 0.0
    print(f"bedrock:   {bedrock} of {total} rows look like Bedrock deployment rows ({share:.0f}%)")
    return 0


_COMMANDS = {
    "watch": cmd_watch,
    "demo": cmd_demo,
    "record": cmd_record,
    "get": cmd_get,
    "import": cmd_import,
    "export": cmd_export,
    "check": cmd_check,
}


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
