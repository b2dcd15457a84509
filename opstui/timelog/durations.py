"""Parse the durations people type for a time entry, and format durations back."""

import re
from datetime import timedelta

from opstui.errors import UserError

MAX_ENTRY_DURATION = timedelta(hours=24)
"""A longer manual entry is almost always a typo; split real marathons into days."""

ACCEPTED_FORMS = '"1h30m", "90m", "1.5h", "2:15" (hours:minutes), "45" (minutes) or "30s" (seconds)'

_HOURS_MINUTES = re.compile(r"(?:(?P<hours>\d+)\s*h)?\s*(?:(?P<minutes>\d+)\s*m)?")
_DECIMAL_HOURS = re.compile(r"(?P<hours>\d+\.\d+|\.\d+)\s*h")
_CLOCK = re.compile(r"(?P<hours>\d+):(?P<minutes>\d{2})")
_PLAIN_MINUTES = re.compile(r"\d+")
_SECONDS = re.compile(r"(?P<seconds>\d+)\s*s")


def parse_duration(text: str) -> timedelta:
    """Parse one duration; raise UserError naming the value and the accepted forms.

    A bare number is minutes. Decimal hours need the "h" unit, because "1.5" alone
    could mean hours or minutes. Minutes after hours ("1h90m", "2:75") must be below 60.
    """
    value = text.strip().lower()
    if not value:
        raise UserError(f"missing duration: use {ACCEPTED_FORMS}")

    duration = _match_duration(value)
    if duration is None:
        raise UserError(f"invalid duration {text!r}: use {ACCEPTED_FORMS}")

    if duration <= timedelta(0):
        raise UserError(f"invalid duration {text!r}: it must be longer than zero")
    if duration > MAX_ENTRY_DURATION:
        raise UserError(
            f"invalid duration {text!r}: one entry can be at most 24h; split longer work into several entries"
        )
    return duration


def _match_duration(value: str) -> timedelta | None:
    if _PLAIN_MINUTES.fullmatch(value):
        return timedelta(minutes=int(value))

    seconds = _SECONDS.fullmatch(value)
    if seconds:
        return timedelta(seconds=int(seconds["seconds"]))

    clock = _CLOCK.fullmatch(value)
    if clock:
        return _hours_and_minutes(value, clock["hours"], clock["minutes"])

    decimal = _DECIMAL_HOURS.fullmatch(value)
    if decimal:
        return timedelta(seconds=round(float(decimal["hours"]) * 3600))

    units = _HOURS_MINUTES.fullmatch(value)
    if units and (units["hours"] or units["minutes"]):
        if not units["hours"]:
            return timedelta(minutes=int(units["minutes"]))
        return _hours_and_minutes(value, units["hours"], units["minutes"] or "0")
    return None


def _hours_and_minutes(value: str, hours: str, minutes: str) -> timedelta:
    if int(minutes) >= 60:
        raise UserError(f"invalid duration {value!r}: minutes after hours must be below 60")
    return timedelta(hours=int(hours), minutes=int(minutes))


def format_duration(duration: timedelta | float | int) -> str:
    """Format a duration (a timedelta or seconds) as "2h05m", "45m", "25s" or "0m".

    Seconds are rounded to the nearest minute, so the text reads back through
    parse_duration to the same whole minutes. A duration that would round to 0m
    shows its seconds instead, so a short timer or step is not reported as nothing.
    """
    seconds = duration.total_seconds() if isinstance(duration, timedelta) else float(duration)
    sign = "-" if seconds < 0 else ""
    minutes_total = round(abs(seconds) / 60)
    if minutes_total == 0 and round(abs(seconds)) > 0:
        return f"{sign}{round(abs(seconds))}s"
    hours, minutes = divmod(minutes_total, 60)
    if hours:
        return f"{sign}{hours}h{minutes:02d}m"
    return f"{sign}{minutes}m"


def format_clock(seconds: float) -> str:
    """Format seconds as "H:MM", the form reports and the timer indicator show."""
    minutes_total = round(seconds / 60)
    hours, minutes = divmod(minutes_total, 60)
    return f"{hours}:{minutes:02d}"


def format_hours(seconds: float) -> str:
    """Format seconds as decimal hours with two places, as exports and charts show them."""
    return f"{seconds / 3600:.2f}"
