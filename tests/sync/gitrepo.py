"""Real git repositories for the sync tests: a manifest branch and Flux sync tags."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

ENV = {**os.environ, "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@x", "GIT_COMMITTER_NAME": "t",
       "GIT_COMMITTER_EMAIL": "t@x", "GIT_CONFIG_GLOBAL": os.devnull, "GIT_CONFIG_NOSYSTEM": "1"}


def git(repo: Path, *args: str, when: int | None = None) -> str:
    env = ENV if when is None else {**ENV, "GIT_AUTHOR_DATE": f"{when} +0000", "GIT_COMMITTER_DATE": f"{when} +0000"}
    return subprocess.run(["git", "-C", str(repo), *args], check=True, capture_output=True,
                          text=True, env=env).stdout.strip()


def manifest_repo(path: Path, commits: int, start: int = 1_700_000_000) -> list[str]:
    """A repository with ``commits`` commits on main (oldest first); their shas."""
    path.mkdir(parents=True)
    git(path, "init", "-q", "-b", "main")
    shas = []
    for n in range(commits):
        (path / "app.yaml").write_text(f"replicas: {n}\n")
        git(path, "add", "app.yaml")
        git(path, "commit", "-q", "-m", f"manifest {n}", when=start + 60 * n)
        shas.append(git(path, "rev-parse", "HEAD"))
    return shas


def tag(path: Path, name: str, sha: str, annotated: bool = False, when: int | None = None) -> None:
    """Point (or force-move) a tag at ``sha``."""
    if annotated:
        git(path, "tag", "-f", "-a", "-m", "sync", name, sha, when=when)
    else:
        git(path, "tag", "-f", name, sha)
