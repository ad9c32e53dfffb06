"""The ``/`` filter line: live filtering in the query language, with completion.

Typing filters the table on every keystroke; ``enter`` keeps the filter and returns
to the table, ``esc`` clears it. The suggester completes the word being typed: field
prefixes (``ser`` → ``service:``) and, after a prefix, the values present in the data
(``service:fr`` → ``service:frontend``); ``→`` (right arrow) accepts a suggestion.

A value is suggested as it is shown (:func:`~gitops_tui.domain.textsafe.clean`: no
escapes, controls or bidi overrides), which is also what accepting it types; a field
term matches a value by its shown text too (``domain.query.value_matches``), so the
accepted suggestion still finds its deployment.
"""

from __future__ import annotations

from collections.abc import Callable

from textual.geometry import Size
from textual.reactive import Reactive
from textual.message import Message
from textual.suggester import Suggester

from gitops_tui.domain.textsafe import clean
from gitops_tui.domain.vocab import STATUSES
from gitops_tui.tui.bindings import bindings_for
from gitops_tui.tui.widgets.clean_input import CleanInput

PREFIXES = ("service:", "ring:", "author:", "status:")
STATUS_VALUES = STATUSES


class QuerySuggester(Suggester):
    """Completes the last word of a filter from field names and the data's values."""

    def __init__(self, values: Callable[[str], list[str]]) -> None:
        super().__init__(use_cache=False, case_sensitive=True)
        self._values = values

    async def get_suggestion(self, value: str) -> str | None:
        if not value or value.endswith(" "):
            return None
        head, _, word = value.rpartition(" ")
        lead = head + " " if head else ""
        negate = "!" if word.startswith("!") else ""
        word = word[len(negate):]
        lowered = word.lower()
        if ":" not in word:
            for prefix in PREFIXES:
                if prefix.startswith(lowered) and prefix != lowered:
                    return lead + negate + prefix
            return None
        field, _, typed = word.partition(":")
        field = field.lower()
        if field == "status":
            candidates = list(STATUS_VALUES)
        elif field in ("service", "ring", "author"):
            candidates = self._values(field)
        else:
            return None
        typed_lower = typed.lower()
        for candidate in (clean(c, None) for c in candidates):
            if candidate.lower().startswith(typed_lower) and candidate.lower() != typed_lower:
                if " " in candidate:
                    return None  # a value with spaces needs quotes: use the picker
                return lead + negate + field + ":" + candidate.lower()
        return None


class FilterBar(CleanInput):
    """See the module docstring."""

    # Input's value watcher sets the virtual size (the text's width) on every key, and
    # Widget's reactive lays out and repaints the whole screen for it: 10-60 ms a key
    # at 100k rows. This bar's size never depends on its text (width 100%, height 1).
    virtual_size: Reactive[Size] = Reactive(Size(0, 0), layout=False)

    BINDINGS = bindings_for("filter")

    DEFAULT_CSS = """
    FilterBar {
        height: 1;
        border: none;
        padding: 0 1;
        display: none;
        background: $boost;
    }
    FilterBar:focus { border: none; }
    FilterBar.-active { display: block; }
    """

    class Cleared(Message):
        """``esc`` in the filter line."""

    def __init__(
        self,
        values: Callable[[str], list[str]],
        *,
        on_edit: Callable[[str], None] | None = None,
        id: str | None = None,
    ) -> None:
        self._on_edit = on_edit
        self._showing = False
        super().__init__(
            placeholder="filter: text  service:x ring:x author:x status:failed  !negate   enter keep · esc clear",
            suggester=QuerySuggester(values),
            select_on_focus=False,
            id=id,
        )
        # A blinking cursor redraws twice a second: wasteful over a slow ssh link.
        self.cursor_blink = False

    def watch_value(self, value: str) -> None:
        # ``on_edit`` runs in the key's own handler rather than on the Changed message,
        # which reaches the app a hop later: by then the line has had a frame of its
        # own and the table waited for the next one (two frames a key, not one).
        if self._on_edit is not None and not self._showing:
            self._on_edit(value)

    def show_text(self, text: str) -> None:
        """Show ``text`` without calling ``on_edit`` (the app has that filter already)."""
        self._showing = True
        try:
            self.value = text
        finally:
            self._showing = False

    def action_clear_filter(self) -> None:
        self.post_message(self.Cleared())
