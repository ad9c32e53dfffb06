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
from sys import intern

import orjson

from gitops_tui.domain import rules
from gitops_tui.domain.model import ClusterSync, Deployment, Snapshot
from gitops_tui.domain.rows import CLUSTER_PARTITION_SUFFIX, CLUSTER_SYNC_KIND, Row, is_cluster_row, row_key
from gitops_tui.domain.timefmt import to_iso
from gitops_tui.domain.vocab import PR_CLOSED, PR_STATE_ALIASES, RECORDED_TO_STATUS, UNKNOWN
from gitops_tui.index.blocks import RowBlock, blocks_for, encode, seal_all
from gitops_tui.stores.base import BLOCK_ROWS
from gitops_tui.index.records import (
    _HAYSTACK_SLOT, HAYSTACK_FIELDS, SEP, Deployments, Record, RowRecord, haystack, manifest_of,
)
from gitops_tui.runtime.gcpause import gc_paused
from gitops_tui.stores.projection import PROJECTED_COLUMNS, PROJECTION_VERSION

Key = tuple[str, str]
Group = str
assert HAYSTACK_FIELDS[0] == "manifestCommitId" and HAYSTACK_FIELDS[-1] == "clusters"


def _status_for(key: tuple[object, object, object, bool]) -> str:
    """Overall status from (stage1, stage2, stage3, pr closed); a stage is its recorded
    status, 1 when only its id is there, 0 when absent."""
    statuses = [
        RECORDED_TO_STATUS.get(value, UNKNOWN) if isinstance(value, str) else UNKNOWN
        for value in key[:3]
        if value
    ]
    return rules.overall_status(statuses, bool(key[2]), PR_CLOSED if key[3] else None)


# The overall status of each stage-status combination seen (there are few).
_STATUS_MEMO: dict[tuple[object, object, object, bool], str] = {}

# PROJECTED_COLUMNS behind a version slot, read from a row dict in one C-level call.
_BLANK: dict[str, str] = {"": PROJECTION_VERSION, **dict.fromkeys(PROJECTED_COLUMNS, "")}
_pick = itemgetter("", *PROJECTED_COLUMNS)


def to_record(row: Row, src: object = None, i: int = 0) -> Record:
    """One record from one row (no duplicate collapse, no cluster sync).

    ``src``/``i``: where the row is kept (a :class:`~gitops_tui.index.blocks.RowBlock` and
    its index); by default the record keeps ``row`` itself.
    """
    try:
        values = _pick({**_BLANK, **row})
        # Every value text? Rows built by hand may hold numbers, times or None. (A
        # plain row's haystack is built later, so nothing else here would notice.)
        SEP.join(values)
        return from_projection(values, row if src is None else src, i)
    except (TypeError, AttributeError):  # a value that is not text
        text = {k: rules.text(v) or "" for k, v in row.items() if v is not None}
        return from_projection(_pick({**_BLANK, **text}), row if src is None else src, i)


def from_projection(values: Sequence[str], src: object, i: int = 0) -> Record:
    """One record from a row's projection (``stores.projection``, split): the version,
    then ``PROJECTED_COLUMNS`` ("" where absent). ``src``/``i``: the row.

    The hot path of every full load, so it is straight-line code: the overall status is
    memoised on the few stage-status combinations there are, and times are compared as
    canonical ISO strings (they sort as times do) and parsed only when asked for.
    """
    (
        _, p1, p2, p3, s1, s2, s3, pr_state, original, stamp, b1, b2, b3, e1, e2, e3,
        service, env, partition, key, tag, hld, author, commit, pr, merged, manifest, title, _,
    ) = values
    state = PR_STATE_ALIASES.get(pr_state)
    combo = (s1 or (1 if p1 else 0), s2 or (1 if p2 else 0), s3 or (1 if p3 else 0), state == PR_CLOSED)
    status = _STATUS_MEMO.get(combo)
    if status is None:
        status = _STATUS_MEMO[combo] = _status_for(combo)

    updated = original or stamp or ""
    if s1 or s2 or s3:
        # The latest event is the last stage's.
        latest = e3 or b3 or e2 or b2 or e1 or b1
        if latest and (not updated or latest > updated):
            updated = latest
    manual = not p1 and not p2 and not tag and bool(p3)
    if service:
        service = _SERVICES.get(service) or _shared(_SERVICES, service, service.rsplit("/", 1)[-1])
    ring = (_RINGS.get(env) or _shared(_RINGS, env, env.lower())) if env else ""
    if author:
        author = _AUTHORS.get(author) or _shared(_AUTHORS, author, author)
    partition = _PARTITIONS.get(partition) or _shared(_PARTITIONS, partition, partition)
    # Duplicate group: as rules.duplicate_group, as one string.
    if p1 or tag:
        group: str | None = SEP.join(("i", partition, p1, tag, env, hld))
    elif p3 and hld:
        group = SEP.join(("m", partition, hld, p3))
    else:
        group = None
    pushed = (updated if e3 == updated else e3) or None  # (one string object when equal)
    if src.__class__ is dict:  # a plain row: its haystack is built when first searched
        return RowRecord(
            src, i, (partition, key), service or None, ring or None, status, state, manual,
            updated, pushed, author or None, None, (), (), group,
        )
    hay = haystack(
        manifest, p1, tag, pr, merged, p3, key, partition, service, ring,
        status, author, commit, state or "", hld, title, "manual" if manual else "", p2,
        "",  # clusters: set by the sync
    )
    return Record(
        src, i, (partition, key), service or None, ring or None, status, state, manual,
        updated,  # never None: it is the sort key
        pushed, author or None, hay, (), (), group,
    )


# Services, rings, authors and partitions repeat across 100k rows: each is derived once
# and the records share one string object per value (a memo lookup is also 5x cheaper
# than deriving it again).
_SERVICES: dict[str, str] = {}
_RINGS: dict[str, str] = {}
_AUTHORS: dict[str, str] = {}
_PARTITIONS: dict[str, str] = {}  # (each record's key holds one: 5 MB at 100k rows)


def _shared(memo: dict[str, str], value: str, derived: str) -> str:
    derived = intern(derived)
    if len(memo) < 50_000:  # unbounded distinct values (a bad writer): stop remembering
        memo[value] = derived
    return derived


def duplicate_key(row: Row) -> Group | None:
    """Rows with equal keys are one deployment written more than once (retried stages)."""
    return to_record(row).group


CommitKey = tuple[str, str]  # (partition, first seven characters of a manifest commit)
Horizon = tuple[ClusterSync, "str | None"]


def commit_key(partition: str, commit: str) -> CommitKey:
    """Short and full shas of one commit share a key (their first seven characters)."""
    return (partition, commit[:7].lower())


def synced_clusters(record: Record, synced: list[Horizon]) -> tuple[str, ...]:
    """``rules.synced_clusters`` on a record, with horizons as canonical ISO strings."""
    commit = manifest_of(record)
    if not commit:
        return ()
    partition = record.partition
    pushed = _manifest_time(record)
    short = commit[:7]
    names = [
        sync.cluster
        for sync, horizon in synced
        if sync.partition == partition
        and (
            (pushed is not None and horizon is not None and pushed <= horizon)
            or sync.manifest_commit[:7] == short
        )
    ]
    return tuple(sorted(names)) if len(names) > 1 else tuple(names)


def _manifest_time(record: Record) -> str | None:
    return record.pushed_iso or record.updated_iso


# Ascending key for *oldest*-first order; the index keeps it and reverses for views.
# A C-level attrgetter of one string: a Python key function or a tuple key made sorting
# 100k deployments a fifth of a full merge. Ties are resolved by identity in ``_locate``.
order_key = attrgetter("updated_iso")
_key_of = attrgetter("key")
_is_cluster_line = methodcaller("endswith", SEP + CLUSTER_SYNC_KIND)  # kind is the last column
_group_of = attrgetter("group")



class JourneyIndex:
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
        self._first: dict[Group, Key] = {}
        self._multi: dict[Group, list[Key]] = {}
        self._member_rows: dict[Key, Row] = {}
        self.deployments: dict[Key, Record] = {}
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

    def row(self, key: Key) -> Row | None:
        """The stored row with this key (not the merged row of a collapsed group)."""
        found = self._member_rows.get(key)
        if found is not None:
            return found
        deployment = self.deployments.get(key)
        return deployment.row if deployment is not None else None

    # -- duplicate groups ------------------------------------------------------------

    def _members(self, group: Group) -> list[Key]:
        multi = self._multi.get(group)
        if multi is not None:
            return multi
        first = self._first.get(group)
        return [first] if first is not None else []

    def _join(self, group: Group, key: Key, row: Row, pending: dict[Key, Row] | None = None) -> None:
        """Add ``key`` (whose row is ``row``) to a group; ``pending`` holds rows whose
        deployments are about to be rebuilt, so a first member's row is found there."""
        multi = self._multi.get(group)
        if multi is None:
            first = self._first.setdefault(group, key)
            if first == key:
                return
            first_row = (pending or {}).get(first) or self.row(first)
            self._member_rows[first] = first_row if first_row is not None else {}
            multi = self._multi[group] = [first]
        if key not in multi:
            multi.append(key)
        self._member_rows[key] = row

    def _leave(self, group: Group, key: Key) -> tuple[Key, Row] | None:
        """Take ``key`` out of a group. When one member is left it is no longer a
        duplicate: its key and row are returned so its own deployment can be rebuilt."""
        multi = self._multi.get(group)
        if multi is None:
            if self._first.get(group) == key:
                del self._first[group]
            return None
        multi.remove(key)
        self._member_rows.pop(key, None)
        self._first[group] = multi[0]
        if len(multi) > 1:
            return None
        del self._multi[group]
        last = multi[0]
        return last, self._member_rows.pop(last)

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
        with gc_paused():
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
        with gc_paused():
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
        first: dict[Group, Key] = {}
        self._first = first
        duplicates = [
            d for d in values if d.group is not None and first.setdefault(d.group, d.key) is not d.key
        ]
        for deployment in duplicates:
            self._join(deployment.group, deployment.key, deployment.row)  # type: ignore[arg-type]
        deployments = self.deployments
        for members in self._multi.values():
            for key in members:
                deployments.pop(key, None)
            collapsed = self._collapsed(members)
            deployments[collapsed.key] = collapsed

    def _collapsed(self, members: list[Key]) -> Record:
        merged, others = rules.collapse([self._member_rows[k] for k in members])
        deployment = to_record(merged)
        deployment.duplicates = others
        return deployment

    # -- incremental ---------------------------------------------------------------

    def apply(self, rows: Iterable[Row]) -> set[Key]:
        """Take new or changed rows; return the keys of deployments that changed.
        (A compact index keeps them from the page's ``docs`` when it has them.)

        Invariant: a row lives in its own deployment, or — while its duplicate group has
        more than one member — in ``_member_rows`` behind the group's collapsed one.
        """
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
        for row in rows:
            key = row_key(row)
            if is_cluster_row(row):
                # (A key holds one row: what it held before, deployment or sync, is gone.)
                sync = rules.cluster_sync_of(row)
                if self.clusters.get(key) != sync:
                    if sync is None:
                        del self.clusters[key]
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
        if changed:
            self.generation += 1
        return changed

    def _group_of(self, key: Key, pending: dict[Key, Row]) -> Group | None:
        """The duplicate group the row with ``key`` is in now, if any."""
        row = pending.get(key) or self._member_rows.get(key)
        if row is not None:
            return duplicate_key(row)
        deployment = self.deployments.get(key)
        return deployment.group if deployment is not None else None

    def _horizons(self) -> list[Horizon]:
        """Each cluster sync with its horizon (see :func:`synced_clusters`)."""
        out = []
        for sync in self.clusters.values():
            carriers = self._carriers.get(commit_key(sync.partition, sync.manifest_commit))
            if carriers:
                horizon: str | None = min(carriers.values())
            else:
                horizon = to_iso(sync.synced_at) if sync.synced_at is not None else None
            out.append((sync, horizon))
        return out

    def _find_carriers(self, deployments: Iterable[Record]) -> None:
        """Which deployments carry the commits the clusters synced (one pass)."""
        carriers = self._carriers = {
            commit_key(c.partition, c.manifest_commit): {} for c in self.clusters.values()
        }
        wanted = {short for _, short in carriers}
        for d in deployments:
            if manifest_of(d)[:7] in wanted:
                self._carry(d)

    def _carry(self, d: Record) -> None:
        commit = manifest_of(d)
        if commit:
            carriers = self._carriers.get((d.partition, commit[:7]))
            when = _manifest_time(d)
            if carriers is not None and when:
                carriers[d.key] = when

    def _uncarry(self, d: Record) -> None:
        commit = manifest_of(d)
        if commit:
            carriers = self._carriers.get((d.partition, commit[:7]))
            if carriers is not None:
                carriers.pop(d.key, None)

    def _sync_all(self, built: list[Record]) -> None:
        """``synced_clusters`` of freshly built (not yet shared) deployments, in bulk:
        per partition the horizons are computed once and, when all are known, the test
        is one string comparison per cluster."""
        groups: dict[str, list[Horizon]] = {}
        for sync, horizon in self._horizons():
            groups.setdefault(sync.partition, []).append((sync, horizon))
        # Per partition: (cluster, horizon, synced short sha), the earliest horizon, and
        # every cluster: pushed before the earliest horizon, a deployment is live
        # everywhere (the common case, one comparison).
        plans = {}
        for partition, synced in groups.items():
            known = all(h for _, h in synced)
            fast = [(h, s.cluster, s.manifest_commit[:7]) for s, h in synced] if known else None
            everywhere = tuple(sorted(s.cluster for s, _ in synced))
            plans[partition] = (fast, min(f[0] for f in fast) if fast else "", everywhere, synced)
        texts: dict[tuple[str, ...], str] = {}
        for d in built:
            plan = plans.get(d.key[0])
            if plan is None:
                continue
            commit = manifest_of(d)
            if not commit:
                continue
            pushed = d.pushed_iso or d.updated_iso
            fast, earliest, everywhere, synced = plan
            if fast is not None and pushed:
                if pushed <= earliest:
                    names = everywhere
                else:
                    short = commit[:7]
                    found = [c for horizon, c, synced_short in fast if pushed <= horizon or synced_short == short]
                    names = tuple(sorted(found)) if len(found) > 1 else tuple(found)
            else:
                names = synced_clusters(d, synced)
            if names:
                # Not yet shared with any snapshot: set in place. Fresh deployments end
                # their hay with an empty clusters field (an unbuilt one will hold them).
                d.synced_clusters = names
                hay = _HAYSTACK_SLOT.__get__(d)
                if hay is not None:
                    text = texts.get(names)
                    if text is None:
                        text = texts[names] = " ".join(names).lower()
                    d.haystack = hay + text

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
        i = bisect.bisect_left(ordered, deployment.updated_iso, key=order_key)
        while i < len(ordered) and ordered[i].updated_iso == deployment.updated_iso:
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
        i = bisect.bisect_right(self._ordered, deployment.updated_iso, key=order_key)
        self._ordered.insert(i, deployment)

    def _resync(self, deployments: list[Record]) -> set[Key]:
        synced = self._horizons()
        changed = set()
        for deployment in deployments:
            names = synced_clusters(deployment, synced)
            if names != deployment.synced_clusters:
                # Deployments are shared with earlier snapshots: replace, never mutate.
                fresh = deployment.with_clusters(names)
                self.deployments[deployment.key] = fresh
                i = self._locate(deployment)
                if i is not None:
                    self._ordered[i] = fresh
                changed.add(deployment.key)
        return changed

    def snapshot(
        self, total_rows: int | None = None, loaded: bool = True, changed: Iterable[Key] = ()
    ) -> Snapshot:
        """The current picture, newest first."""
        return Snapshot(
            deployments=Deployments(tuple(reversed(self._ordered))),
            clusters=tuple(sorted(self.clusters.values(), key=lambda c: (c.partition, c.cluster))),
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
