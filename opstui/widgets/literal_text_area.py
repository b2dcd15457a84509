"""A TextArea that never sends control characters from the text to the terminal.

TextArea draws the document as it is, so an ESC byte inside a note would reach the
terminal as the start of an escape sequence. Each control character is drawn as
one visible cell instead (ESC as "␛"), while the document itself keeps the
original character, so saving never changes what the user did not edit.
"""

from __future__ import annotations

from rich.segment import Segment
from textual.strip import Strip
from textual.widgets import TextArea

from opstui.sanitize import needs_escape

# C0 controls have "control pictures" at U+2400 + code; DEL has U+2421.
_DEL_PICTURE = "\u2421"
_OTHER_PICTURE = "\u00bf"


def control_picture(char: str) -> str:
    code = ord(char)
    if code < 0x20:
        return chr(0x2400 + code)
    if code == 0x7F:
        return _DEL_PICTURE
    return _OTHER_PICTURE


def picture_controls(text: str) -> str:
    """Replace each control character with a one-cell visible stand-in."""
    if not any(needs_escape(char) for char in text):
        return text
    return "".join(control_picture(char) if needs_escape(char) else char for char in text)


class LiteralTextArea(TextArea):
    """TextArea whose rendered lines show control characters as visible pictures.

    NOTE: bidi controls take no cell in the terminal but one cell once pictured, so
    on a line that contains them the cursor can sit one column off.
    """

    def render_line(self, y: int) -> Strip:
        strip = super().render_line(y)
        segments = [Segment(picture_controls(segment.text), segment.style, segment.control) for segment in strip]
        return Strip(segments)
