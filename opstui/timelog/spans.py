"""Split time entries across local days and find overlapping entries of one user."""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from opstui.timelog.instants import local_midnight


@dataclass(frozen=True)
class Overlap:
    """Two entries of the same user that cover the same time."""

    first_id: int
    second_id: int
    start: datetime
    end: datetime

    @property
    def seconds(self) -> float:
        return (self.end - self.start).total_seconds()


def real_seconds(start: datetime, end: datetime) -> float:
    """Return the elapsed seconds between two aware instants.

    Python subtracts wall-clock times when both datetimes share one tzinfo object,
    so both are converted to UTC first. That gives the real length across a
    daylight saving change.
    """
    return (end.astimezone(UTC) - start.astimezone(UTC)).total_seconds()


def split_by_local_day(start: datetime, end: datetime, zone: ZoneInfo) -> list[tuple[date, float]]:
    """Split the span [start, end) into (local date, seconds) parts at each local midnight.

    Each part has its real length, so a day with a daylight saving change can hold
    23 or 25 hours. An empty or reversed span returns no parts.
    """
    start_utc = start.astimezone(UTC)
    end_utc = end.astimezone(UTC)
    parts: list[tuple[date, float]] = []

    day = start_utc.astimezone(zone).date()
    cursor = start_utc
    while cursor < end_utc:
        next_midnight = local_midnight(day + timedelta(days=1), zone)
        part_end = min(next_midnight, end_utc)
        if part_end > cursor:
            parts.append((day, (part_end - cursor).total_seconds()))
        cursor = part_end
        day += timedelta(days=1)
    return parts


def find_overlaps(entries: Iterable[tuple[int, datetime, datetime]]) -> list[Overlap]:
    """Return every pair of (id, start, end) spans that share time, in start order.

    The entries should all belong to one user; spans that only touch (one ends when
    the next starts) do not overlap. Runs in O(n log n + pairs found).
    """
    ordered: Sequence[tuple[int, datetime, datetime]] = sorted(
        ((entry_id, start.astimezone(UTC), end.astimezone(UTC)) for entry_id, start, end in entries),
        key=lambda entry: (entry[1], entry[2], entry[0]),
    )
    overlaps: list[Overlap] = []
    active: list[tuple[int, datetime, datetime]] = []

    for entry_id, start, end in ordered:
        active = [earlier for earlier in active if earlier[2] > start]
        for earlier_id, _earlier_start, earlier_end in active:
            overlaps.append(Overlap(earlier_id, entry_id, start, min(earlier_end, end)))
        if end > start:
            active.append((entry_id, start, end))
    return overlaps
