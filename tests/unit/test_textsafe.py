"""``textsafe.clean``: what a terminal must never receive from data, and its fast path."""

from __future__ import annotations

import pytest

from gitops_tui.domain.textsafe import clean

# Every character the sanitiser must take out (each replaced by a space, or with its
# escape sequence removed): C0, DEL, C1, the zero-width and bidi controls, the line and
# paragraph separators, lone surrogates.
FORBIDDEN = (
    [chr(c) for c in range(0x00, 0x20)] + [chr(c) for c in range(0x7F, 0xA0)]
    + ["\u061c", "\u200b", "\u200c", "\u200d", "\u200e", "\u200f", "\u2028", "\u2029"]
    + [chr(c) for c in range(0x202A, 0x202F)] + [chr(c) for c in range(0x2066, 0x206A)]
    + ["\ud800", "\udfff"]
)


@pytest.mark.parametrize("char", FORBIDDEN, ids=lambda c: f"U+{ord(c):04X}")
def test_every_forbidden_character_is_taken_out(char: str) -> None:
    cleaned = clean(f"ab{char}日cd")  # (日: no escape sequence can take it as its own)
    assert char not in cleaned
    assert cleaned.startswith("ab") and cleaned.endswith("日cd")


@pytest.mark.parametrize("char", ["\u2028", "\u2029", "\u202e", "\u2066", "\u200e", "\u061c"])
def test_the_fast_path_never_lets_them_through(char: str) -> None:
    # The fast path is one isprintable() scan: it must be false for each of them, or the
    # text would be returned as it is.
    assert not char.isprintable()
    assert clean(char * 3) == ""


def test_line_and_paragraph_separators_make_one_line() -> None:
    assert clean("one\u2028two\u2029three") == "one two three"


def test_bidi_override_cannot_reverse_the_text() -> None:
    assert clean("invoice\u202egnp.exe") == "invoice gnp.exe"
    assert clean("\u2067admin\u2069") == "admin"


@pytest.mark.parametrize(
    ("raw", "shown"),
    [
        ("a\x1b]0;pwned\x07", "a"),
        ("a\x1b]52;c;cHduZWQ=\x07b", "ab"),
        ("\x1b[31mred\x1b[0m", "red"),
        ("x\x1bP1$r\x1b\\y", "xy"),
        ("\x9b31mred", "red"),
    ],
)
def test_escape_sequences_go_with_their_parameters(raw: str, shown: str) -> None:
    assert clean(raw) == shown


def test_printable_text_is_returned_as_it_is() -> None:
    text = "[link=http://evil]x[/] [/] frontend → dev ✔ ünïcode 日本"
    assert clean(text) is text  # no copy: the fast path
    assert clean(None) == "" and clean(42) == "42"
    assert clean("x" * 600) == "x" * 499 + "…" and len(clean("x" * 600, None)) == 600
