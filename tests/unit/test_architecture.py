"""The one-way flow: the core never imports Textual; the views sit on top."""

from __future__ import annotations

import shutil
import subprocess
import sys

from helpers import ROOT

CORE = [
    "gitops_tui.domain.model", "gitops_tui.domain.query", "gitops_tui.domain.overview",
    "gitops_tui.domain.textsafe", "gitops_tui.domain.timefmt", "gitops_tui.config",
    "gitops_tui.index.journey", "gitops_tui.index.table", "gitops_tui.writer", "gitops_tui.monitor",
    "gitops_tui.present", "gitops_tui.transfer", "gitops_tui.stores", "gitops_tui.stores.sqlite",
    "gitops_tui.stores.azure", "gitops_tui.demo", "gitops_tui.sync.watcher", "gitops_tui.cli",
]


def test_import_linter_contracts_hold():
    lint = shutil.which("lint-imports", path=str(ROOT / ".venv" / "bin")) or shutil.which("lint-imports")
    assert lint, "import-linter is a test dependency: pip install -e '.[test]'"
    result = subprocess.run([lint], cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "broken" not in result.stdout.lower().replace("0 broken", "")


def test_core_and_cli_import_with_textual_blocked():
    # A meta-path blocker makes any `import textual` fail, as on a machine without it.
    code = (
        "import sys\n"
        "class Block:\n"
        "    def find_spec(self, name, path=None, target=None):\n"
        "        if name == 'textual' or name.startswith('textual.'):\n"
        "            raise ImportError('textual is blocked')\n"
        "sys.meta_path.insert(0, Block())\n"
        f"for name in {CORE!r}:\n"
        "    __import__(name)\n"
        "from gitops_tui.cli import build_parser\n"
        "build_parser()\n"
        "assert not any(m == 'textual' or m.startswith('textual.') for m in sys.modules)\n"
        "print('ok')\n"
    )
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "ok"
