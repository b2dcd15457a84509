"""Read the JSON that Taskwarrior and Timewarrior write, item by item, with line numbers.

`task export` writes a JSON array with one object per line, and `timew export`
writes an array too. A Taskwarrior hook receives objects one after another with no
array around them. Each item is decoded on its own, so an error can name the line
where the item begins.
"""

import json
import re
from collections.abc import Iterator
from datetime import UTC, datetime

from opstui.errors import UserError

_DECODER = json.JSONDecoder()
_WHITESPACE = re.compile(r"\s*")
_COMPACT_TIMESTAMP = re.compile(r"(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z")


def iter_json_items(text: str, source: str, first_line: int = 1) -> Iterator[tuple[int, object]]:
    """Yield (line number, value) for each item of a JSON array or of concatenated JSON values.

    first_line is the file line where text begins, for input that follows a header.
    Raise UserError naming source and line on invalid JSON.
    """
    lines = _LineCounter(text, first_line)
    position = _skip_whitespace(text, 0)
    if position < len(text) and text[position] == "[":
        yield from _iter_array(text, position + 1, source, lines)
        return

    while position < len(text):
        value, end = _decode_at(text, position, source, lines)
        yield lines.at(position), value
        position = _skip_whitespace(text, end)


def parse_timestamp(value: object, field: str, where: str) -> datetime:
    """Parse a Taskwarrior or Timewarrior timestamp such as 20240630T102128Z into UTC.

    ISO 8601 with an offset is accepted too. where names the line or item in errors.
    """
    if not isinstance(value, str):
        raise UserError(f"{where}: {field} must be a timestamp such as 20240630T102128Z, not {value!r}")

    compact = _COMPACT_TIMESTAMP.fullmatch(value)
    try:
        if compact:
            return datetime(*(int(part) for part in compact.groups()), tzinfo=UTC)
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise UserError(f"{where}: invalid {field} {value!r}; expected a timestamp such as 20240630T102128Z") from None

    if parsed.tzinfo is None:
        raise UserError(f"{where}: {field} {value!r} has no time zone; expected UTC such as 20240630T102128Z")
    return parsed.astimezone(UTC)


class _LineCounter:
    """Line numbers of increasing positions, counted once instead of from the start each time."""

    def __init__(self, text: str, first_line: int):
        self.text = text
        self.position = 0
        self.first_line = first_line
        self.line = first_line

    def at(self, position: int) -> int:
        self.line += self.text.count("\n", self.position, position)
        self.position = position
        return self.line


def _iter_array(text: str, position: int, source: str, lines: _LineCounter) -> Iterator[tuple[int, object]]:
    position = _skip_whitespace(text, position)
    if position < len(text) and text[position] == "]":
        _expect_end(text, position + 1, source, lines)
        return

    while True:
        value, end = _decode_at(text, position, source, lines)
        yield lines.at(position), value

        position = _skip_whitespace(text, end)
        if position >= len(text):
            raise UserError(f"{source} line {lines.at(position)}: invalid JSON: the array is not closed with ']'")
        if text[position] == "]":
            _expect_end(text, position + 1, source, lines)
            return
        if text[position] != ",":
            raise UserError(f"{source} line {lines.at(position)}: invalid JSON: expected ',' or ']' between items")
        position = _skip_whitespace(text, position + 1)


def _decode_at(text: str, position: int, source: str, lines: _LineCounter) -> tuple[object, int]:
    try:
        return _DECODER.raw_decode(text, position)
    except json.JSONDecodeError as error:
        error_line = error.lineno + lines.first_line - 1
        item_line = lines.at(position)
        if item_line == error_line:
            raise UserError(f"{source} line {error_line}: invalid JSON: {error.msg}") from None
        raise UserError(
            f"{source} line {error_line}: invalid JSON in the item that starts on line {item_line}: {error.msg}"
        ) from None


def _expect_end(text: str, position: int, source: str, lines: _LineCounter) -> None:
    position = _skip_whitespace(text, position)
    if position < len(text):
        raise UserError(f"{source} line {lines.at(position)}: invalid JSON: unexpected text after the closing ']'")


def _skip_whitespace(text: str, position: int) -> int:
    return _WHITESPACE.match(text, position).end()
