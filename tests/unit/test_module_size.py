"""No module under gitops_tui/ is over 400 lines (a house rule: split by concern)."""

from __future__ import annotations

from helpers import ROOT

MAX_LINES = 400
PACKAGE = ROOT / "gitops_tui"


def test_no_module_is_over_400_lines() -> None:
    sizes = {
        path.relative_to(PACKAGE).as_posix(): len(path.read_text(encoding="utf-8").splitlines())
        for path in sorted(PACKAGE.rglob("*.py"))
    }
    assert len(sizes) > 50  # (the package is where the test looks)
    too_long = {name: n for name, n in sizes.items() if n > MAX_LINES}
    assert not too_long, f"over {MAX_LINES} lines: {too_long}"
