"""A small completion prompt: type to narrow a list, ``enter`` picks, ``esc`` cancels.

Used by ``s`` ``r`` ``a`` ``m`` (pick a service, ring, author or merger from the values
in the data: only those; typed text that matches none says so)
and by ``:`` (jump to a view). Values from the data are shown as ``Text`` objects, so
a service called ``[bold]x`` is shown as typed, never interpreted. The picker offers,
completes and returns each value as it is shown (:func:`~gitops_tui.domain.textsafe.clean`):
no escape, control or bidi override reaches its line or its list, and a field term
matches a value by that text too (``domain.query.value_matches``).
"""

from __future__ import annotations

from rich.text import Text
from textual import events
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Label, OptionList
from textual.widgets.option_list import Option

from gitops_tui.domain.textsafe import clean
from gitops_tui.tui.bindings import bindings_for
from gitops_tui.tui.widgets.clean_input import CleanInput

MAX_OPTIONS = 200


def _subsequence(typed: str, value: str) -> bool:
    it = iter(value)
    return all(ch in it for ch in typed)


def narrow(values: list[str], typed: str) -> list[str]:
    """The values ``typed`` matches, best first: those it starts, then contains, then
    fuzzy ones (its letters in order: ``adl`` finds ``ada lovelace``); case-insensitive."""
    lowered = typed.lower().strip()
    starts, contains, fuzzy = [], [], []
    for v in values:
        low = v.lower()
        if low.startswith(lowered):
            starts.append(v)
        elif lowered in low:
            contains.append(v)
        elif _subsequence(lowered.replace(" ", ""), low):
            fuzzy.append(v)
    return starts + contains + fuzzy


class Picker(ModalScreen[str | None]):
    """Returns the picked value, None if cancelled; with ``allow_free`` the typed text
    when nothing matches, else (the data pickers) only a listed value."""

    AUTO_FOCUS = "Input"

    BINDINGS = bindings_for("picker")

    DEFAULT_CSS = """
    Picker { align: center top; background: $background 40%; }
    Picker > Vertical {
        width: 60; max-width: 100%; height: auto; max-height: 80%;
        margin-top: 2; border: round $accent; background: $surface; padding: 0 1;
    }
    Picker #picker-hint { color: $text-muted; }
    Picker #picker-none { color: $text-warning; }
    Picker Input { border: none; height: 1; padding: 0; background: $boost; }
    Picker Input:focus { border: none; }
    Picker OptionList { height: auto; max-height: 14; border: none; padding: 0; }
    """

    def __init__(self, title: str, values: list[str], *, prompt: str = "", allow_free: bool = True) -> None:
        super().__init__()
        self.title_text = clean(title, 200)
        # As shown, once each (two raw values may look the same once cleaned).
        self.values = list(dict.fromkeys(shown for shown in (clean(v, None) for v in values) if shown))
        self.prompt = clean(prompt, None)
        self.allow_free = allow_free
        self.shown: list[str] = []

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(Text(self.title_text, style="bold"))
            yield Label(Text("type to narrow · ↑↓ · tab completes · enter picks · esc"), id="picker-hint")
            field = CleanInput(value=self.prompt, placeholder="type to narrow…", id="picker-input")
            field.cursor_blink = False  # no redraws twice a second over ssh
            yield field
            yield OptionList(id="picker-options")
            yield Label("", id="picker-none")

    def on_mount(self) -> None:
        self._narrow(self.prompt)

    def _narrow(self, typed: str) -> None:
        self.shown = narrow(self.values, typed)[:MAX_OPTIONS]
        options = self.query_one(OptionList)
        options.clear_options()
        options.add_options([Option(Text(clean(v, 120))) for v in self.shown])
        if self.shown:
            options.highlighted = 0
        none = self.query_one("#picker-none", Label)
        none.display = not self.shown
        if not self.shown:
            what = "no value" if not self.allow_free else "nothing listed"
            none.update(Text(f"{what} matches {clean(typed.strip(), 60)!r}", style="italic"))

    def on_key(self, event: events.Key) -> None:
        """Keys typed right after the one that opened the picker reach the screen
        before its input has focus: put them in the input, in order."""
        field = self.query_one(CleanInput)
        if event.character and event.character.isprintable() and self.focused is not field:
            event.stop()
            event.prevent_default()
            field.insert_text_at_cursor(event.character)

    def on_input_changed(self, event: CleanInput.Changed) -> None:
        self._narrow(event.value)

    def on_input_submitted(self, event: CleanInput.Submitted) -> None:
        event.stop()
        self._pick(event.value)

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.dismiss(self.shown[event.option_index])

    def _pick(self, typed: str) -> None:
        options = self.query_one(OptionList)
        if self.shown and options.highlighted is not None:
            self.dismiss(self.shown[options.highlighted])
        elif self.allow_free and typed.strip():
            self.dismiss(typed.strip())
        else:
            self.app.bell()  # the line under the input already says nothing matches

    def action_move(self, step: int) -> None:
        options = self.query_one(OptionList)
        if self.shown:
            current = options.highlighted or 0
            options.highlighted = max(0, min(len(self.shown) - 1, current + step))

    def action_complete(self) -> None:
        options = self.query_one(OptionList)
        if self.shown and options.highlighted is not None:
            field = self.query_one(CleanInput)
            field.value = self.shown[options.highlighted]
            field.cursor_position = len(field.value)

    def action_cancel(self) -> None:
        self.dismiss(None)
