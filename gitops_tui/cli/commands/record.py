"""``gitops-tui record``: write one pipeline stage's telemetry (drop-in for ``bedrock deployment create``).

Every flag is declared once, in :data:`RECORD_FLAGS`: the parser, the help and the
mapping into :class:`~gitops_tui.writer.StageRecord` all read it. The table lives here,
not in the writer, because most of what it holds is command-line surface (bedrock's
short aliases, help groups, the store flags ``-k``/``-n``/``-t`` that are no record
field); the writer keeps what every caller needs, CLI or not: normalising ``status``
and ``pr_state``, checking times and the stage's required ids (so its messages, and
exit 2, are the same whichever way a record arrives).
"""

from __future__ import annotations

import argparse
import asyncio
from dataclasses import dataclass
from typing import Any

from gitops_tui.cli.commands import summary
from gitops_tui.cli.common import CliError, Command, open_store, with_store_overrides
from gitops_tui.config import Config
from gitops_tui.writer import NothingToUpdate, RecordError, StageRecord, record
from gitops_tui.writer.stage_record import STAGES

BEDROCK = "bedrock deployment create flags (same names, same meaning)"
OURS = "gitops-tui additions"


@dataclass(frozen=True, slots=True)
class RecordFlag:
    """One ``record`` flag: its spellings, help group and text, and what it fills."""

    names: tuple[str, ...]  # every accepted spelling, as argparse shows them
    help: str
    group: str = BEDROCK
    field: str | None = None  # the StageRecord field it fills (None: a store or output flag)
    choices: tuple[str, ...] | None = None
    switch: bool = False  # a flag without a value

    @property
    def dest(self) -> str:
        """The argparse attribute: the field, else the first long name."""
        return self.field or next(n for n in self.names if n.startswith("--"))[2:].replace("-", "_")


def _field(flag: str, help: str, group: str = BEDROCK, **kw: Any) -> RecordFlag:
    # Most flags are a StageRecord field spelt as a flag (`--image-tag` fills image_tag).
    return RecordFlag((flag,), help, group, field=flag[2:].replace("-", "_"), **kw)


RECORD_FLAGS: tuple[RecordFlag, ...] = (
    _field("--p1", "image build (CI) id: stage 1"),
    _field("--image-tag", "image tag"),
    _field("--commit-id", "source commit"),
    _field("--service", "service name"),
    _field("--p2", "metadata update (HLD) build/release id: stage 2"),
    _field("--hld-commit-id", "HLD commit"),
    _field("--env", "ring (HLD branch)"),
    _field("--p3", "manifest generation build id: stage 3"),
    _field("--pr", "approval PR id in the HLD repo"),
    _field("--manifest-commit-id", "manifest commit (after the push)"),
    _field("--repository", "repository URL of this stage (source, HLD or manifest repo)"),
    # Store flags: applied to the config by with_store_overrides, which checks --table-name.
    RecordFlag(("-k", "--access-key"), "storage account key (prefer ${env:} in the config)"),
    RecordFlag(("-n", "--name"), "storage account name (switches to the azure store)"),
    # Fills StageRecord.partition through the config, so store.partition is the default.
    RecordFlag(("-p", "--partition-key", "--partition"), "partition key", field="partition"),
    RecordFlag(("-t", "--table-name"), "table name"),
    _field("--stage", "the stage (inferred from the ids when omitted, as bedrock does)", OURS, choices=STAGES),
    _field("--status", "started, succeeded, failed or canceled (CI spellings accepted)", OURS),
    _field("--started-at", "ISO-8601 start time (default: now, on --status started)", OURS),
    _field("--finished-at", "ISO-8601 finish time (default: now, on a final status)", OURS),
    _field("--url", "link to this run", OURS),
    _field("--author", "commit author", OURS),
    _field("--author-email", "commit author e-mail", OURS),
    _field("--pr-state", "open, merged or closed", OURS),
    _field("--pr-title", "approval PR title", OURS),
    _field("--merged-by", "who merged the approval PR", OURS),
    _field("--cluster", "cluster name (cluster-sync stage)", OURS),
    _field("--synced-at", "ISO-8601 time the cluster applied the commit (default: now)", OURS),
    RecordFlag(("--quiet", "-q"), "print nothing on success", OURS, switch=True),
)


def _arguments(p: argparse.ArgumentParser) -> None:
    groups: dict[str, Any] = {}
    for flag in RECORD_FLAGS:
        if flag.group not in groups:
            groups[flag.group] = p.add_argument_group(flag.group)
        group = groups[flag.group]
        if flag.switch:
            group.add_argument(*flag.names, dest=flag.dest, action="store_true", help=flag.help)
        else:
            group.add_argument(*flag.names, dest=flag.dest, choices=flag.choices, help=flag.help)


def stage_record(args: argparse.Namespace, partition: str) -> StageRecord:
    """The StageRecord the parsed flags describe (``partition``: the store's, after
    ``-p`` was applied to the config)."""
    values = {flag.field: getattr(args, flag.dest) for flag in RECORD_FLAGS if flag.field}
    values["partition"] = partition
    return StageRecord(**values)


def run(args: argparse.Namespace, config: Config) -> int:
    config = with_store_overrides(config, args)
    rec = stage_record(args, config.store.partition or "")

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
    "record", summary("record"), _arguments, run
)
