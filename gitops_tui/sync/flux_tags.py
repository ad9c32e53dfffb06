"""Flux v1 sync tags read with plain git from a bare, blob-less mirror in the user cache.

One fetch per poll (tags and branches, no blobs); ancestry is then local: one
``git rev-list`` per cluster revision and one for the branches, whatever the number of
deployments, so "is commit X in cluster Y" is a set lookup.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from gitops_tui.domain.timefmt import parse_iso


class SyncError(Exception):
    """The manifest repository could not be read (one line, no credentials)."""


def cache_root() -> Path:
    """The user cache dir of gitops-tui (platformdirs honours XDG_CACHE_HOME)."""
    import platformdirs

    return Path(platformdirs.user_cache_dir("gitops-tui", appauthor=False))


def mirror_path(url: str, root: Path | None = None) -> Path:
    """Where the mirror of ``url`` lives: named by a hash, so no URL (nor a token in
    one) becomes a file name."""
    digest = hashlib.sha256(url.encode()).hexdigest()[:16]
    return (root or cache_root()) / "sync" / f"{digest}.git"


def _git(repo: Path, *args: str) -> str:
    env = {**os.environ, "GIT_TERMINAL_PROMPT": "0", "GIT_ASKPASS": "true"}
    try:
        done = subprocess.run(["git", "-C", str(repo), *args], capture_output=True, text=True,
                              env=env, timeout=120, check=False)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise SyncError(f"git {args[0]}: {type(exc).__name__}") from None
    if done.returncode != 0:
        first = (done.stderr.strip().splitlines() or ["failed"])[-1]
        raise SyncError(f"git {args[0]}: {_redact(first)}"[:300])
    return done.stdout


def _redact(text: str) -> str:
    """Drop ``user:token@`` from any URL git echoes back."""
    import re

    return re.sub(r"//[^/@\s]+@", "//***@", text)


def refresh(url: str, root: Path | None = None) -> Path:
    """Create or update the mirror of ``url`` (tags and branches, forced: a moved or
    force-moved tag is seen at once; refs gone upstream are pruned)."""
    path = mirror_path(url, root)
    if not (path / "HEAD").exists():
        path.mkdir(parents=True, exist_ok=True)
        _git(path, "init", "--bare", "--quiet")
    source = str(Path(url).resolve()) if Path(url).exists() else url
    _git(path, "-c", "protocol.version=2", "fetch", "--quiet", "--prune", "--no-tags",
         "--filter=blob:none", source, "+refs/heads/*:refs/heads/*", "+refs/tags/*:refs/tags/*")
    return path


@dataclass(frozen=True, slots=True)
class ClusterTag:
    """Where a cluster's sync tag points, and when the tag (or its commit) was made."""

    cluster: str
    commit: str  # full sha, lower-case
    at: datetime | None


def cluster_tags(mirror: Path, prefix: str) -> dict[str, ClusterTag]:
    """Every ``<prefix><cluster>`` tag, annotated (peeled to its commit, tagger time) or
    lightweight (commit time)."""
    out = _git(mirror, "for-each-ref", "--format=%(refname:strip=2)\t%(objectname)\t%(*objectname)\t"
               "%(taggerdate:iso-strict)\t%(committerdate:iso-strict)", f"refs/tags/{prefix}*")
    tags = {}
    for line in out.splitlines():
        name, obj, peeled, tagged, committed = (line.split("\t") + [""] * 5)[:5]
        cluster = name[len(prefix):]
        if not cluster or not name.startswith(prefix):
            continue
        tags[cluster] = ClusterTag(cluster, (peeled or obj).lower(), parse_iso(tagged or committed))
    return tags


@dataclass(slots=True)
class Ancestry:
    """The commits each cluster revision contains, and the branches' commits (newest
    first, with commit times), from one pass per revision."""

    contained: dict[str, frozenset[str]] = field(default_factory=dict)  # revision -> shas
    short: dict[str, frozenset[str]] = field(default_factory=dict)  # revision -> 7-char prefixes
    branch: list[tuple[str, int]] = field(default_factory=list)  # (sha, commit time)
    checks: int = 0

    def contains(self, revision: str, commit: str) -> bool:
        """Whether ``commit`` (short or full) is ``revision`` or one of its ancestors."""
        self.checks += 1
        shas = self.contained.get(revision, frozenset())
        commit = commit.lower()
        if len(commit) >= 40:
            return commit in shas
        # Short and full shas of one commit match on their first seven characters.
        return len(commit) >= 7 and commit[:7] in self.short.get(revision, frozenset())

    def behind(self, revision: str) -> tuple[int, int | None]:
        """Branch commits the revision lacks, and the time of the oldest of them."""
        shas = self.contained.get(revision, frozenset())
        missing = [t for s, t in self.branch if s not in shas]
        return len(missing), (min(missing) if missing else None)


def ancestry(mirror: Path, revisions: set[str]) -> Ancestry:
    """:class:`Ancestry` of ``revisions`` (each read once) and the branches."""
    found = Ancestry()
    for revision in revisions:
        try:
            shas = _git(mirror, "rev-list", revision).split()
        except SyncError:  # a tag on a commit the mirror lacks: it contains nothing known
            shas = []
        found.contained[revision] = frozenset(shas)
        found.short[revision] = frozenset(s[:7] for s in shas)
    log = _git(mirror, "log", "--format=%H %ct", "--branches") if _has_branches(mirror) else ""
    found.branch = [(sha, int(t)) for sha, t in (line.split() for line in log.splitlines())]
    return found


def _has_branches(mirror: Path) -> bool:
    return bool(_git(mirror, "for-each-ref", "--count=1", "refs/heads/").strip())
