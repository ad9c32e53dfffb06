"""Rows → records, kept up to date one change at a time: the monitor's fast path.

The rules are :mod:`gitops_tui.domain.rules`; this is the same result built for 100k
rows in well under a second and kept current in O(changed rows · log n) per poll.
:class:`JourneyIndex` holds compact :class:`~gitops_tui.index.records.Record` objects
and publishes snapshots whose deployments are plain values read from them
(``tests/unit/test_fast_path.py`` proves both give equal deployments).
"""

from __future__ import annotations

import bisect
from collections.abc import Iterable, Sequence
from itertools import repeat
from operator import attrgetter, itemgetter, methodcaller

import orjson

from gitops_tui.domain import rules
from gitops_tui.domain.model import ClusterSync, Deployment, Snapshot
from gitops_tui.domain.rows import CLUSTER_PARTITION_SUFFIX, CLUSTER_SYNC_KIND, Key, Row, is_cluster_row, row_key
from gitops_tui.index.blocks import RowBlock, blocks_for, encode, seal_all
from gitops_tui.stores.base import BLOCK_ROWS
from gitops_tui.index.building import Group, duplicate_key, from_projection, to_record
from gitops_tui.index.groups import DuplicateGroups
from gitops_tui.index.records import SEP, Deployments, Record
from gitops_tui.index.syncing import ClusterSyncing, CommitKey
from gitops_tui.stores.projection import PROJECTION_VERSION



# Ascending key for *oldest*-first order; the index keeps it and reverses for views.
# A C-level attrgetter of one int: a Python key function or a tuple key made sorting
# 100k deployments a fifth of a full merge. Ties are resolved by identity in ``_locate``.
order_key = attrgetter("updated_us")
_key_of = attrgetter("key")
_is_cluster_line = methodcaller("endswith", SEP + CLUSTER_SYNC_KIND)  # kind is the last column
_group_of = attrgetter("group")


class JourneyIndex(DuplicateGroups, ClusterSyncing):
    """Rows in, deployments out, kept up to date one change at a time.

    ``load(rows)`` takes a whole table; ``apply(rows)`` takes new or changed rows (an
    incremental poll) and recomputes only the deployments those rows touch, in
    O(changed rows · log n); ``snapshot()`` gives the immutable picture views draw.
    A deployment keeps its row; only rows of duplicate groups are kept beside them.
    """

    def __init__(self, compact: bool = False) -> None:
        # compact: keep rows compressed in RowBlocks (see rowblocks); else as dicts.
        self.compact = compact
        self._open_blocks: list[RowBlock] = []
        # A load's deployments and the keys of its cluster-sync rows, until finish_load.
        self._built: list[Record] = []
        self._cluster_kind: list[int] = []  # where in _built
        # Duplicate groups: the first row's key per group, and the member list and rows
        # only for the rare groups with more than one row (saves a list per row).
        self._first: dict[int, Key] = {}  # (by group hash; see DuplicateGroups)
        self._first_exact: dict[Group, Key] = {}
        self._multi: dict[Group, list[Key]] = {}
        self._member_rows: dict[Key, Row] = {}
        self.deployments: dict[Key, Record] = {}
        # The last snapshot holds ``deployments`` as its by_key: the next apply copies
        # it before changing it (13 ms at 1M; a second dict kept by the table was 40 MB).
        self._published = False
        self.clusters: dict[Key, ClusterSync] = {}
        # For each commit a cluster has synced: the deployments carrying it and their
        # push times (its horizon is the earliest). Only these few commits are tracked.
        self._carriers: dict[CommitKey, dict[Key, str]] = {}
        # Oldest first (bisect with key=order_key); snapshots reverse it.
        self._ordered: list[Record] = []
        self.generation = 0

    def __len__(self) -> int:
        return len(self.deployments)

    @property
    def row_count(self) -> int:
        """Rows behind the index: deployments, collapsed duplicates and cluster syncs."""
        collapsed = sum(len(members) - 1 for members in self._multi.values())
        return len(self.deployments) + collapsed + len(self.clusters)

    # -- bulk ----------------------------------------------------------------------

    def load(self, rows: Iterable[Row]) -> None:
        """Take a whole table (one sort, no bisect: much faster than ``apply``)."""
        self.add_page(rows if isinstance(rows, Sequence) else list(rows))
        seal_all(self.take_open_blocks())
        self.finish_load()

    def add_page(self, rows: Sequence[Row]) -> None:
        """Take one page of a full load into a fresh index; :meth:`finish_load` ends it.

        A compact index keeps the rows in open blocks for :meth:`take_open_blocks`,
        using the store's JSON documents when the page has them (``Page.doc_blocks`` or
        ``Page.docs``), and builds deployments from the page's ``projections`` when it
        has those: then the page is never decoded.
        """
        if self.generation:
            raise RuntimeError("a full load goes into a fresh JourneyIndex")
        projections = getattr(rows, "projections", None)
        joined = getattr(rows, "doc_blocks", None)
        width = BLOCK_ROWS
        blocks: list[RowBlock] = []
        if not self.compact or not len(rows):
            projections = None
        elif joined and all(count == width for _, count in joined[:-1]):
            blocks = [RowBlock(blob) for blob, _ in joined]  # the store's own blocks
        else:
            blocks = blocks_for(encode(rows, getattr(rows, "docs", None)))
        self._open_blocks.extend(blocks)
        built = self._built
        kind = CLUSTER_SYNC_KIND
        if projections is None and not blocks:  # plain rows (get, import): one pass in C
            start = len(built)
            built.extend(map(to_record, rows))
            if kind in map(dict.get, rows, repeat("kind")):
                self._cluster_kind.extend(start + j for j, row in enumerate(rows) if row.get("kind") == kind)
            return
        version = PROJECTION_VERSION + SEP
        none = ("",) * width
        append = built.append
        starts = methodcaller("startswith", version)
        for b, block in enumerate(blocks):
            start = b * width
            lines = projections[start:start + width] if projections is not None else none[: len(block)]
            if all(map(starts, lines)):  # the common case: the whole block in C-level maps
                count = len(built)
                built.extend(map(from_projection, map(str.split, lines, repeat(SEP)),
                                 repeat(block), range(len(lines))))
                if any(map(_is_cluster_line, lines)):
                    self._cluster_kind.extend(
                        count + k for k, line in enumerate(lines) if _is_cluster_line(line)
                    )
                continue
            for k, line in enumerate(lines):
                if line.startswith(version):
                    values = line.split(SEP)
                    deployment = from_projection(values, block, k)
                    cluster = values[-1] == kind
                else:  # a row written before projections existed, or a store without them
                    row = rows[start + k] if projections is None else orjson.loads(block.doc(k))
                    deployment = to_record(row, block, k)
                    cluster = row.get("kind") == kind
                append(deployment)
                if cluster:
                    self._cluster_kind.append(len(built) - 1)

    def take_open_blocks(self) -> list[RowBlock]:
        """Blocks filled since the last call, for the caller to seal (e.g. in a thread)."""
        blocks, self._open_blocks = self._open_blocks, []
        return blocks

    def finish_load(self) -> None:
        """Index what the pages brought: collapse duplicates, sync clusters, order.

        The per-row work is in C (``dict(zip(...))``, ``map``): a Python loop over the
        100k keys and groups took a sixth of the load.
        """
        built, self._built = self._built, []
        keys = list(map(_key_of, built))
        deployments = self.deployments = dict(zip(keys, built))
        self._take_cluster_rows(built, keys)
        del built, keys
        values = list(deployments.values())
        groups = list(map(_group_of, values))
        # The first member of each group (reversed: a dict keeps the last value).
        first = self._first = dict(zip(reversed(groups), reversed(deployments)))
        first.pop(None, None)  # type: ignore[call-overload]
        if len(first) < len(groups) - groups.count(None):  # rare: retried stages
            self._collapse_loaded(values)
        del groups
        if self.clusters:
            # Nothing is published before the first generation: set in place.
            self._find_carriers(deployments.values())
            self._sync_all(list(deployments.values()))
        self._ordered = sorted(deployments.values(), key=order_key)
        self.generation += 1

    def _take_cluster_rows(self, built: list[Record], keys: list[Key]) -> None:
        """Cluster syncs from the cluster-sync rows of a load that are the last row
        written under their key (as ``apply`` and ``rules.build`` take them), out of
        the deployments."""
        deployments = self.deployments
        positions = set(self._cluster_kind)  # rows with kind=clusterSync
        self._cluster_kind = []
        suffix = CLUSTER_PARTITION_SUFFIX
        synced = [p for p in set(map(itemgetter(0), deployments)) if p.endswith(suffix)]
        if synced:  # and every row of a cluster-sync partition, found in C
            partitions = list(map(itemgetter(0), keys))
            for partition in synced:
                i = partitions.index(partition)
                while True:
                    positions.add(i)
                    try:
                        i = partitions.index(partition, i + 1)
                    except ValueError:
                        break
        for row in map(built.__getitem__, sorted(positions)):
            key = row.key
            if deployments.get(key) is not row:
                continue  # a later row under its key replaced it (a key holds one row)
            del deployments[key]
            sync = rules.cluster_sync_of(row.row)
            if sync is not None:
                self.clusters[key] = sync

    def _collapse_loaded(self, values: list[Record]) -> None:
        """Collapse the duplicate groups of a load (as ``apply`` would, row by row)."""
        first: dict[int, Key] = {}
        self._first = first
        # Records whose group hash an earlier one has: the same group (a retried stage)
        # or, rarely, another one with the same hash; _join tells them apart.
        duplicates = [
            d for d in values if d.group is not None and first.setdefault(d.group, d.key) is not d.key
        ]
        for deployment in duplicates:
            row = deployment.row
            self._join(duplicate_key(row), deployment.key, row)  # type: ignore[arg-type]
        deployments = self.deployments
        for members in self._multi.values():
            for key in members:
                deployments.pop(key, None)
            collapsed = self._collapsed(members)
            deployments[collapsed.key] = collapsed

    # -- incremental ---------------------------------------------------------------

    def keys(self) -> set[Key]:
        """The key of every row behind the index (deployments, collapsed duplicates and
        cluster syncs)."""
        return {*self.deployments, *self._member_rows, *self.clusters}

    def apply(self, rows: Iterable[Row], deleted: Iterable[Key] = ()) -> set[Key]:
        """Take new or changed rows, and the keys of rows deleted from the store; return
        the keys of deployments that changed. (A compact index keeps rows from the
        page's ``docs`` when it has them.)

        Invariant: a row lives in its own deployment, or — while its duplicate group has
        more than one member — in ``_member_rows`` behind the group's collapsed one.
        """
        if self._published:
            self.deployments = dict(self.deployments)
            self._published = False
        docs = getattr(rows, "docs", None)
        rows = list(rows)
        where: dict[int, tuple[RowBlock, int]] = {}
        if self.compact and rows:
            # A poll brings few rows: compressed at once, one block per BLOCK_ROWS.
            blocks = blocks_for(encode(rows, docs))
            seal_all(blocks)
            width = BLOCK_ROWS
            where = {id(row): (blocks[j // width], j % width) for j, row in enumerate(rows)}
        horizons_before = self._horizons() if self.clusters else []
        touched_groups: set[Group] = set()
        pending: dict[Key, Row] = {}  # rows to rebuild as deployments of their own
        changed: set[Key] = set()
        clusters_changed = False
        gone = [(key, None) for key in deleted]
        for key, row in gone + [(row_key(row), row) for row in rows]:
            if row is None or is_cluster_row(row):
                # (A key holds one row: what it held before, deployment or sync, is gone.)
                sync = None if row is None else rules.cluster_sync_of(row)
                if self.clusters.get(key) != sync:
                    if sync is None:
                        self.clusters.pop(key, None)
                    else:
                        self.clusters[key] = sync
                    clusters_changed = True
                old_group = self._group_of(key, pending)
                pending.pop(key, None)
                self._drop(key, changed)
                if old_group is not None:
                    touched_groups.add(old_group)
                    released = self._leave(old_group, key)
                    if released is not None:
                        pending.setdefault(*released)
                continue
            elif self.clusters.pop(key, None) is not None:
                clusters_changed = True
            old_group = self._group_of(key, pending)
            new_group = duplicate_key(row)
            self._drop(key, changed)
            if old_group is not None and old_group != new_group:
                touched_groups.add(old_group)
                released = self._leave(old_group, key)
                if released is not None:
                    pending.setdefault(*released)
            pending[key] = row
            if new_group is not None:
                self._join(new_group, key, row, pending)
                touched_groups.add(new_group)

        for group in touched_groups:
            members = self._multi.get(group)
            if members:
                for key in members:
                    self._drop(key, changed)
                self._put(self._collapsed(members), changed)
        for key, row in pending.items():
            if key in self._member_rows:  # part of a collapsed group, built above
                continue
            self._drop(key, changed)
            self._put(to_record(row, *where.get(id(row), (None, 0))), changed)

        if clusters_changed:
            self._find_carriers(self.deployments.values())
            changed |= self._resync(list(self.deployments.values()))
        elif self.clusters and changed:
            before = horizons_before
            if self._horizons() != before:  # a synced commit's push time moved
                changed |= self._resync(list(self.deployments.values()))
            else:
                changed |= self._resync([self.deployments[k] for k in changed if k in self.deployments])
        if changed or clusters_changed:  # (a sync that moves no deployment still redraws)
            self.generation += 1
        return changed

    def _drop(self, key: Key, changed: set[Key]) -> None:
        old = self.deployments.pop(key, None)
        if old is None:
            return
        changed.add(key)
        if self._carriers:
            self._uncarry(old)
        i = self._locate(old)
        if i is not None:
            del self._ordered[i]

    def _locate(self, deployment: Record) -> int | None:
        """Where ``deployment`` (this very object) sits in the order, if it does."""
        ordered = self._ordered
        i = bisect.bisect_left(ordered, deployment.updated_us, key=order_key)
        while i < len(ordered) and ordered[i].updated_us == deployment.updated_us:
            if ordered[i] is deployment:
                return i
            i += 1
        return None

    def _put(self, deployment: Record, changed: set[Key]) -> None:
        key = deployment.key
        self.deployments[key] = deployment
        changed.add(key)
        if self._carriers:
            self._carry(deployment)
        i = bisect.bisect_right(self._ordered, deployment.updated_us, key=order_key)
        self._ordered.insert(i, deployment)

    def snapshot(
        self, total_rows: int | None = None, loaded: bool = True, changed: Iterable[Key] = ()
    ) -> Snapshot:
        """The current picture, newest first."""
        self._published = True
        return Snapshot(
            deployments=Deployments(tuple(reversed(self._ordered)), self.deployments),
            clusters=tuple(sorted(self.clusters.values(), key=rules.sync_order)),
            total_rows=self.row_count if total_rows is None else total_rows,
            loaded=loaded,
            generation=self.generation,
            changed_ids=frozenset(changed),
        )


def merge(rows: Iterable[Row]) -> list[Deployment]:
    """Every deployment in ``rows``, newest first, duplicates collapsed, clusters synced
    (as ``rules.build``, by the fast path)."""
    index = JourneyIndex()
    index.load(rows)
    return list(index.snapshot().deployments)
