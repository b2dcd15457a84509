"""Make user text safe to show in a terminal: every control character becomes visible.

Titles, notes, comments and names come from other users through the shared database.
A raw ESC byte would let them move the cursor, change colours, set the window title
or write to the clipboard (OSC 52) in everyone else's terminal, and bidi controls can
make text read differently from what it contains. These functions replace each such
character with a visible escape ("\\x1b", "<U+202E>"), so an ANSI CSI or OSC sequence
is shown as plain characters. They do not handle Textual or Rich markup: the screens
must render the result as plain text (a Content or Text object), never as markup.
"""

from __future__ import annotations

import re

ONE_LINE_MAX_LENGTH = 200
ELLIPSIS = "…"

# Bidi embedding, override and isolate controls, the left-to-right and right-to-left
# marks and the Arabic letter mark (Unicode TR9), plus the line and paragraph
# separators, which some terminals treat as line breaks.
_VISIBLE_CODEPOINTS = frozenset(
    [*range(0x202A, 0x202F), *range(0x2066, 0x206A), 0x200E, 0x200F, 0x061C, 0x2028, 0x2029]
)


# Every character that needs_escape accepts, plus tab and line feed, which only
# some callers keep. Text without any of them is returned as it is, which makes
# the common case (a plain title) about fifteen times faster than the loop below.
_SPECIAL_CHARACTER = re.compile("[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028-\u202e\u2066-\u2069\ud800-\udfff]")


def escape_char(char: str) -> str:
    """Return the visible escape of one control character: "\\x1b" or "<U+202E>"."""
    code = ord(char)
    if code < 0x100:
        return f"\\x{code:02x}"
    return f"<U+{code:04X}>"


def needs_escape(char: str) -> bool:
    """Tell whether ``char`` is a C0 or C1 control, DEL, a bidi control or a lone surrogate."""
    code = ord(char)

    if code < 0x20 or 0x7F <= code <= 0x9F:
        return True
    if code in _VISIBLE_CODEPOINTS:
        return True
    return 0xD800 <= code <= 0xDFFF


def visible_text(text: str, *, keep_line_breaks: bool = True, keep_tabs: bool = True) -> str:
    """Return ``text`` with every control character shown as a visible escape.

    Line feeds and tabs stay unless ``keep_line_breaks`` or ``keep_tabs`` is False,
    because multi-line views (notes, instructions) need them. With line breaks kept, a
    CRLF pair becomes a plain line feed. Any other carriage return is escaped, since a
    lone CR would let a line overwrite itself in a terminal.
    """
    if _SPECIAL_CHARACTER.search(text) is None:
        return text

    if keep_line_breaks:
        text = text.replace("\r\n", "\n")

    pieces: list[str] = []
    for char in text:
        if char == "\n" and keep_line_breaks:
            pieces.append(char)
        elif char == "\t" and keep_tabs:
            pieces.append(char)
        elif needs_escape(char):
            pieces.append(escape_char(char))
        else:
            pieces.append(char)

    return "".join(pieces)


def one_line(text: str, max_length: int = ONE_LINE_MAX_LENGTH) -> str:
    """Return ``text`` escaped for a one-line display (a card, a list row, a title bar).

    Line breaks become a visible "\\n", tabs become a space, and the result is cut to
    ``max_length`` characters with an ellipsis, so a hostile title cannot push the
    rest of a row off screen.
    """
    if max_length < 1:
        raise ValueError(f"max_length must be 1 or more, not {max_length}")

    escaped = visible_text(text.replace("\t", " "))
    escaped = escaped.replace("\n", "\\n")
    return cap_length(escaped, max_length)


def cap_length(line: str, max_length: int) -> str:
    """Cut ``line`` to ``max_length`` characters, the last one an ellipsis when cut."""
    if len(line) <= max_length:
        return line
    return line[: max_length - 1] + ELLIPSIS


def cap_line_lengths(text: str, max_length: int) -> str:
    """Cut every line of ``text`` to ``max_length`` characters, for multi-line views."""
    return "\n".join(cap_length(line, max_length) for line in text.split("\n"))
