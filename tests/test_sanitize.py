"""Sanitizer: control characters, escape sequences and bidi controls become visible."""

import pytest

from opstui.sanitize import (
    ELLIPSIS,
    cap_line_lengths,
    needs_escape,
    one_line,
    visible_text,
)

ESCAPE_CASES = [
    # (raw text, expected visible text)
    ("\x1b[31mred\x1b[0m", "\\x1b[31mred\\x1b[0m"),  # ANSI CSI colour
    ("\x1b[2J\x1b[H", "\\x1b[2J\\x1b[H"),  # clear screen, cursor home
    ("\x1b]0;pwned\x07", "\\x1b]0;pwned\\x07"),  # OSC window title, BEL end
    ("\x1b]52;c;Y3VybCBldmls\x1b\\", "\\x1b]52;c;Y3VybCBldmls\\x1b\\"),  # OSC 52 clipboard, ST end
    ("\x9b31m", "\\x9b31m"),  # C1 CSI
    ("a\x00b\x7fc", "a\\x00b\\x7fc"),  # NUL and DEL
    ("bell\x07", "bell\\x07"),
    ("over\rwrite", "over\\x0dwrite"),  # lone carriage return
    ("abc\u202eexe.txt", "abc<U+202E>exe.txt"),  # right-to-left override
    ("\u2066isolate\u2069", "<U+2066>isolate<U+2069>"),
    ("\u200emark\u200f", "<U+200E>mark<U+200F>"),
    ("arabic\u061cmark", "arabic<U+061C>mark"),
    ("line\u2028sep", "line<U+2028>sep"),
    ("bad\udc80byte", "bad<U+DC80>byte"),  # lone surrogate from surrogateescape
    ("[bold]x[/bold] [@click=app.quit]q[/]", "[bold]x[/bold] [@click=app.quit]q[/]"),  # markup is left to the renderer
    ("café ✓ 日本語 👩‍👩‍👧", "café ✓ 日本語 👩‍👩‍👧"),  # printable Unicode, joiners kept
]


@pytest.mark.parametrize("raw, expected", ESCAPE_CASES)
def test_visible_text_escapes(raw, expected):
    assert visible_text(raw) == expected


@pytest.mark.parametrize("raw, expected", ESCAPE_CASES)
def test_visible_text_leaves_no_control(raw, expected):
    result = visible_text(raw)

    assert not any(needs_escape(c) for c in result if c not in "\n\t")


def test_visible_text_every_c0_c1_char():
    controls = [chr(c) for c in [*range(0x00, 0x20), *range(0x7F, 0xA0)] if chr(c) not in "\n\t"]

    result = visible_text("".join(controls))

    assert all(ord(c) >= 0x20 and not 0x7F <= ord(c) <= 0x9F for c in result)
    assert result.count("\\x") == len(controls)


def test_visible_text_keeps_line_breaks_and_tabs():
    assert visible_text("a\n\tb\r\nc") == "a\n\tb\nc"


def test_visible_text_escapes_line_breaks_on_request():
    assert visible_text("a\nb\tc", keep_line_breaks=False, keep_tabs=False) == "a\\x0ab\\x09c"


def test_one_line_escapes_breaks():
    assert one_line("first\r\nsecond\tthird") == "first\\nsecond third"


def test_one_line_caps_length():
    result = one_line("x" * 10_000, max_length=50)

    assert len(result) == 50
    assert result.endswith(ELLIPSIS)


def test_one_line_short_text_unchanged():
    assert one_line("restart nginx", max_length=13) == "restart nginx"


def test_one_line_caps_after_escaping():
    result = one_line("\x1b" * 100, max_length=10)

    assert result == "\\x1b\\x1b\\" + ELLIPSIS


def test_one_line_rejects_zero_length():
    with pytest.raises(ValueError, match="max_length"):
        one_line("x", max_length=0)


def test_cap_line_lengths_each_line():
    text = "short\n" + "y" * 30 + "\nend"

    assert cap_line_lengths(text, 10) == "short\n" + "y" * 9 + ELLIPSIS + "\nend"
