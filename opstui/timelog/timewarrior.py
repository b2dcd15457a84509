"""Parse Timewarrior intervals: bare `timew export` JSON or extension input.

Timewarrior feeds an extension its settings as "name: value" lines, then a blank
line, then the same JSON array that `timew export` prints. Both forms are read
here. The whole file is validated before any interval is returned, so an import
never starts on a file it cannot finish.
"""

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from opstui.errors import UserError
from opstui.timelog.warrior_json import iter_json_items, parse_timestamp

_KNOWN_FIELDS = {"id", "start", "end", "tags", "annotation"}
_SETTING_LINE = re.compile(r"(?P<name>[^:\s][^:]*?)\s*:\s?(?P<value>.*)")


@dataclass(frozen=True)
class Interval:
    """One Timewarrior interval; end is None while it is still running.

    extra keeps every field opstui has no column for, so nothing is dropped.
    """

    start: datetime
    end: datetime | None
    tags: tuple[str, ...] = ()
    annotation: str = ""
    timew_id: int | None = None
    line: int = 0
    extra: dict = field(default_factory=dict)


@dataclass(frozen=True)
class TimewarriorFile:
    """A validated Timewarrior file: the settings header (if any) and its intervals."""

    settings: dict[str, str]
    intervals: list[Interval]


def read_timewarrior(path: Path) -> TimewarriorFile:
    """Read and validate a Timewarrior file; raise UserError naming the line at fault."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise UserError(f"cannot read Timewarrior file {path}: {error}") from None
    return parse_timewarrior(text, source=str(path))


def parse_timewarrior(text: str, source: str = "input") -> TimewarriorFile:
    """Validate the whole text and return its settings and intervals in file order."""
    settings, body, first_line = split_settings(text, source)
    intervals = list(iter_intervals(body, source, first_line))
    return TimewarriorFile(settings=settings, intervals=intervals)


def split_settings(text: str, source: str) -> tuple[dict[str, str], str, int]:
    """Split extension input into (settings, JSON text, line where the JSON begins).

    Text that starts with "[" is bare `timew export` output and has no settings.
    """
    if not text.strip():
        raise UserError(f"{source}: the file is empty; expected `timew export` JSON or extension input")
    if text.lstrip().startswith("["):
        return {}, text, 1

    settings: dict[str, str] = {}
    lines = text.split("\n")
    for index, line in enumerate(lines):
        if not line.strip():
            body = "\n".join(lines[index + 1 :])
            return settings, body, index + 2

        if line.lstrip().startswith("["):
            raise UserError(f"{source} line {index + 1}: no blank line between the settings and the JSON array; add one")
        match = _SETTING_LINE.fullmatch(line.rstrip("\r"))
        if not match:
            raise UserError(
                f"{source} line {index + 1}: invalid setting {line.strip()!r}; "
                "expected 'name: value' lines, a blank line, then the JSON array"
            )
        settings[match["name"]] = match["value"]

    raise UserError(f"{source}: no blank line after the settings, so there is no JSON to import")


def iter_intervals(text: str, source: str, first_line: int = 1) -> Iterator[Interval]:
    """Yield each interval of a JSON array after checking its fields."""
    for number, (line, item) in enumerate(iter_json_items(text, source, first_line), start=1):
        yield _interval_from_item(item, f"{source} line {line} (interval {number})", line)


def _interval_from_item(item: object, where: str, line: int) -> Interval:
    if not isinstance(item, dict):
        raise UserError(f"{where}: expected an object with start, end and tags, not {type(item).__name__}")
    if "start" not in item:
        raise UserError(f"{where}: missing start")

    start = parse_timestamp(item["start"], "start", where)
    end = parse_timestamp(item["end"], "end", where) if item.get("end") is not None else None
    if end is not None and end < start:
        raise UserError(f"{where}: end {item['end']} is before start {item['start']}")

    tags = item.get("tags", [])
    if not isinstance(tags, list) or not all(isinstance(tag, str) for tag in tags):
        raise UserError(f"{where}: tags must be a list of strings, not {tags!r}")

    annotation = item.get("annotation", "")
    if not isinstance(annotation, str):
        raise UserError(f"{where}: annotation must be a string, not {annotation!r}")

    timew_id = item.get("id")
    if isinstance(timew_id, str) and timew_id.isdigit():
        timew_id = int(timew_id)
    if timew_id is not None and (isinstance(timew_id, bool) or not isinstance(timew_id, int)):
        raise UserError(f"{where}: id must be a whole number, not {timew_id!r}")

    extra = {name: value for name, value in item.items() if name not in _KNOWN_FIELDS}
    return Interval(
        start=start,
        end=end,
        tags=tuple(tags),
        annotation=annotation,
        timew_id=timew_id,
        line=line,
        extra=extra,
    )
