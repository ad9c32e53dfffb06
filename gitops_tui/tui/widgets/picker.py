"""A small completion prompt: type to narrow a list, ``enter`` picks, ``esc`` cancels.

Used by ``s`` ``r`` ``a`` (pick a service, ring or author from the values in the data)
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


class Picker(ModalScreen[str | None]):
    """Returns the picked value (or the typed text if nothing matches), None if cancelled."""

    AUTO_FOCUS = "Input"

    BINDINGS = bindings_for("picker")

    DEFAULT_CSS = """
    Picker { align: center top; background: $background 40%; }
    Picker > Vertical {
        width: 60; max-width: 100%; height: auto; max-height: 80%;
        margin-top: 2; border: round $accent; background: $surface; padding: 0 1;
    }
    Picker #picker-hint { color: $text-muted; }
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

    def on_mount(self) -> None:
        self._narrow(self.prompt)

    def _narrow(self, typed: str) -> None:
        lowered = typed.lower().strip()
        starts = [v for v in self.values if v.lower().startswith(lowered)]
        contains = [v for v in self.values if lowered in v.lower() and v not in starts]
        self.shown = (starts + contains)[:MAX_OPTIONS]
        options = self.query_one(OptionList)
        options.clear_options()
        options.add_options([Option(Text(clean(v, 120))) for v in self.shown])
        if self.shown:
            options.highlighted = 0

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
            self.app.bell()

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
