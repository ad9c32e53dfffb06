"""An ``Input`` whose text is always clean: what it draws never carries data's escapes.

Textual draws an input's value and its suggestion as they are (Rich's ``Text`` drops only
a few controls: ESC and what follows it reach the terminal), and both can come from the
data: a suggestion, a picked value, a tab completion, a paste. Every value and every
suggestion set on this input goes through :func:`gitops_tui.domain.textsafe.clean`
first, however it was set, so escapes, controls and bidi overrides never get in.
"""

from __future__ import annotations

from textual.widgets import Input

from gitops_tui.domain.textsafe import clean


class CleanInput(Input):
    """See the module docstring."""

    def validate_value(self, value: str) -> str:
        return clean(value, None)

    def validate__suggestion(self, suggestion: str) -> str:
        return clean(suggestion, None)

    def replace(self, text: str, start: int, end: int) -> None:
        # Cleaned here too (not only by validate_value), so the cursor lands after the
        # text that was put in rather than after the length of what was pasted.
        super().replace(clean(text, None), start, end)
