"""What never changes (finished stages, closed or merged PRs, commit authors), kept on
disk in the user cache dir so a restart or a second ``get`` does not ask again.

Only facts are stored (no token, no URL with one). A corrupt or unwritable cache is a
warning; enrichment then simply asks the providers.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Any

import orjson
import platformdirs

VERSION = 1


def default_path() -> Path:
    """``$XDG_CACHE_HOME/gitops-tui/enrich.json`` on Linux (platformdirs honours it)."""
    return Path(platformdirs.user_cache_dir("gitops-tui")) / "enrich.json"


class Cache:
    def __init__(self, path: Path | None = None) -> None:
        self.path = path or default_path()
        self.warnings: list[str] = []
        self._data: dict[str, Any] = {}
        self._dirty = False
        try:
            raw = orjson.loads(self.path.read_bytes())
            if not isinstance(raw, dict) or raw.get("version") != VERSION or not isinstance(raw.get("entries"), dict):
                raise ValueError
            self._data = raw["entries"]
        except FileNotFoundError:
            pass
        except (OSError, ValueError):
            self.warnings.append(f"enrichment cache {self.path} is unreadable; starting afresh")

    def get(self, key: str) -> Any:
        return self._data.get(key)

    def put(self, key: str, value: Any) -> None:
        self._data[key] = value
        self._dirty = True

    def __len__(self) -> int:
        return len(self._data)

    def save(self) -> None:
        """Write atomically (a crash leaves the old file); failure is a warning."""
        if not self._dirty:
            return
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=self.path.parent, prefix=".enrich-")
            with os.fdopen(fd, "wb") as out:
                out.write(orjson.dumps({"version": VERSION, "entries": self._data}))
            os.replace(tmp, self.path)
            self._dirty = False
        except OSError as exc:
            self.warnings.append(f"enrichment cache {self.path} not written ({exc.strerror or type(exc).__name__})")
