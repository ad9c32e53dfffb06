"""The README's keys-per-view table, generated from the binding registry.

``python -m gitops_tui.tui.keys_doc`` prints it; ``--write README.md`` replaces the
table between the ``<!-- keys:begin -->`` and ``<!-- keys:end -->`` markers, and a test
checks the README holds what the registry generates.
"""

from __future__ import annotations

import sys
from pathlib import Path

from gitops_tui.tui.bindings import VIEWS, in_help_order

BEGIN, END = "<!-- keys:begin -->", "<!-- keys:end -->"
_NAMES = {
    "question_mark": "?", "slash": "/", "colon": ":", "escape": "esc", "up": "↑", "down": "↓",
    "left": "←", "right": "→", "pageup": "pgup", "pagedown": "pgdn",
}


def key_text(keys: str) -> str:
    """``up,k`` -> ```↑` `k```: the default keys as a reader types them."""
    return " ".join(f"`{_NAMES.get(k.strip(), k.strip())}`" for k in keys.split(","))


def keys_markdown() -> str:
    """One table per view, in the help screen's order: key, binding id, what it does."""
    out: list[str] = []
    last = None
    for heading, spec in in_help_order():
        if heading != last:
            out += ["", f"**{heading}**", "", "| key | id | action |", "|---|---|---|"]
            last = heading
        out.append(f"| {key_text(spec.keys)} | `{spec.id}` | {spec.tooltip or spec.description} |")
    assert last is None or last in VIEWS.values()
    return "\n".join(out[1:]) + "\n"


def replace_table(readme: str) -> str:
    """``readme`` with the generated table between the markers."""
    head, _, rest = readme.partition(BEGIN)
    _, _, tail = rest.partition(END)
    return f"{head}{BEGIN}\n{keys_markdown()}{END}{tail}"


if __name__ == "__main__":
    if sys.argv[1:2] == ["--write"]:
        path = Path(sys.argv[2] if len(sys.argv) > 2 else "README.md")
        path.write_text(replace_table(path.read_text(encoding="utf-8")), encoding="utf-8")
    else:
        sys.stdout.write(keys_markdown())
