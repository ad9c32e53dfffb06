"""``gitops-tui record``: write one pipeline stage's telemetry (drop-in for ``bedrock deployment create``)."""

from __future__ import annotations

import argparse
import asyncio
from typing import Any

from gitops_tui.cli.common import CliError, Command, open_store, with_store_overrides
from gitops_tui.config import Config


def _arguments(p: argparse.ArgumentParser) -> None:
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


def run(args: argparse.Namespace, config: Config) -> int:
    from gitops_tui.writer import NothingToUpdate, RecordError, StageRecord, record

    config = with_store_overrides(config, args)
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
        store = await open_store(config, create=True)
        try:
            return await record(store, rec)
        finally:
            await store.close()

    try:
        rows = asyncio.run(go())
    except NothingToUpdate as exc:  # the flags are fine; the table lacks the row
        raise CliError(str(exc), 1) from None
    except RecordError as exc:
        raise CliError(str(exc), 2) from None
    if not args.quiet:
        for row in rows:
            print(f"recorded {row['PartitionKey']}/{row['RowKey']}")
    return 0


COMMAND = Command(
    "record", "write one pipeline stage's telemetry (drop-in for `bedrock deployment create`)", _arguments, run
)
