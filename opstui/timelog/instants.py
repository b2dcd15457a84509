"""Parse the start times people type and convert between UTC and the user's zone.

Time entries are stored as UTC instants; people type and read local wall-clock time.
A local time that does not exist (skipped by a daylight saving change) or exists
twice (repeated by one) is rejected with a hint to add an offset, never guessed.
"""

import os
import re
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from opstui.errors import UserError

START_FORMS = '"2024-03-31T14:30", "2024-03-31 14:30", "2024-03-31T14:30+02:00" or a time of day such as "14:30"'

_TIME_OF_DAY = re.compile(r"\d{1,2}:\d{2}(:\d{2})?")


def load_zone(name: str) -> ZoneInfo:
    """Return the IANA zone called name, or raise UserError naming it."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise UserError(f"unknown time zone {name!r}: use an IANA name such as Europe/Berlin") from None


def local_zone() -> ZoneInfo:
    """Return the zone of this login: $TZ, then /etc/timezone, then /etc/localtime, then UTC.

    Over SSH the server's zone applies unless the user sets TZ, which is what other
    command-line tools on the host do too.
    """
    name = os.environ.get("TZ", "").lstrip(":").strip()
    if name:
        return load_zone(name)

    timezone_file = Path("/etc/timezone")
    if timezone_file.is_file():
        name = timezone_file.read_text().strip()
        if name:
            return load_zone(name)

    localtime = Path("/etc/localtime")
    if localtime.is_symlink():
        target = str(localtime.resolve())
        marker = "/zoneinfo/"
        if marker in target:
            return load_zone(target.split(marker, 1)[1])
    return ZoneInfo("UTC")


def to_utc_checked(local: datetime, zone: ZoneInfo, text: str) -> datetime:
    """Attach zone to a naive local time and return the UTC instant.

    Raise UserError when the local time falls in a daylight saving gap or fold,
    because picking either instant would be a guess.
    """
    first = local.replace(tzinfo=zone, fold=0)
    second = local.replace(tzinfo=zone, fold=1)

    round_trip = first.astimezone(UTC).astimezone(zone).replace(tzinfo=None)
    if round_trip != local:
        raise UserError(
            f"invalid start {text!r}: {local:%Y-%m-%d %H:%M} does not exist in {zone.key} "
            "(daylight saving change); add an offset such as +01:00"
        )
    if first.utcoffset() != second.utcoffset():
        raise UserError(
            f"ambiguous start {text!r}: {local:%Y-%m-%d %H:%M} happens twice in {zone.key} "
            f"(daylight saving change); add an offset such as {_offset_text(first)} or {_offset_text(second)}"
        )
    return first.astimezone(UTC)


def parse_start(text: str, zone: ZoneInfo, now: datetime | None = None) -> datetime:
    """Parse START as typed on the command line or in the entry editor; return UTC.

    ISO 8601 date and time is read in zone unless it carries an offset or "Z".
    A time of day alone means that time today in zone. A date without a time is
    rejected, because midnight is rarely what the user meant.
    """
    value = text.strip()
    if not value:
        raise UserError(f"missing start time: use {START_FORMS}")

    if _TIME_OF_DAY.fullmatch(value):
        today = (now or datetime.now(UTC)).astimezone(zone).date()
        clock = _parse_clock(value, text)
        return to_utc_checked(datetime.combine(today, clock), zone, text)

    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise UserError(f"invalid start {text!r}: use {START_FORMS}") from None

    if not re.search(r"\d[T ]\d", value):
        raise UserError(f"invalid start {text!r}: add a time of day, for example {value}T09:00")

    if parsed.tzinfo is not None:
        return parsed.astimezone(UTC)
    return to_utc_checked(parsed, zone, text)


def parse_local_date(text: str) -> date:
    """Parse a report bound such as 2024-03-31; raise UserError naming the value."""
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise UserError(f"invalid date {text!r}: use YYYY-MM-DD, for example 2024-03-31") from None


def local_midnight(day: date, zone: ZoneInfo) -> datetime:
    """Return the UTC instant at which day begins in zone.

    Where a daylight saving change skips midnight, the day begins at the change,
    which is the instant fold=0 maps the missing midnight to.
    """
    return datetime.combine(day, time(0), tzinfo=zone).astimezone(UTC)


def format_local(instant: datetime, zone: tzinfo, seconds: bool = False) -> str:
    """Format a UTC instant as local wall-clock time, "2024-03-31 14:30"."""
    pattern = "%Y-%m-%d %H:%M:%S" if seconds else "%Y-%m-%d %H:%M"
    return instant.astimezone(zone).strftime(pattern)


def to_iso_utc(instant: datetime) -> str:
    """Format an aware instant as the ISO 8601 UTC text the store keeps, "2024-03-31T12:30:00Z"."""
    return instant.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def from_iso_utc(text: str) -> datetime:
    """Parse the store's UTC text back into an aware datetime."""
    parsed = datetime.fromisoformat(text)
    if parsed.tzinfo is None:
        return parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC)


def _parse_clock(value: str, text: str) -> time:
    try:
        return time.fromisoformat(value.zfill(5) if len(value) == 4 else value)
    except ValueError:
        raise UserError(f"invalid time of day {text!r}: use HH:MM between 00:00 and 23:59") from None


def _offset_text(moment: datetime) -> str:
    offset = moment.utcoffset() or timedelta(0)
    total_minutes = int(offset.total_seconds() // 60)
    sign = "+" if total_minutes >= 0 else "-"
    hours, minutes = divmod(abs(total_minutes), 60)
    return f"{sign}{hours:02d}:{minutes:02d}"
