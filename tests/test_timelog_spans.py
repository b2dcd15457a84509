"""Entries are split at local midnights with their real length, and overlaps are found."""

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from opstui.timelog.spans import find_overlaps, real_seconds, split_by_local_day

BERLIN = ZoneInfo("Europe/Berlin")
NEW_YORK = ZoneInfo("America/New_York")
HOUR = 3600


def local(zone: ZoneInfo, *parts: int) -> datetime:
    return datetime(*parts, tzinfo=zone)


def utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)


def test_real_length_across_spring_forward():
    # 01:00 to 04:00 local on the night Berlin skips 02:00-03:00 is two real hours.
    start = local(BERLIN, 2024, 3, 31, 1, 0)
    end = local(BERLIN, 2024, 3, 31, 4, 0)

    assert real_seconds(start, end) == 2 * HOUR


def test_real_length_across_fall_back():
    start = local(NEW_YORK, 2024, 11, 3, 0, 0)
    end = local(NEW_YORK, 2024, 11, 3, 3, 0)

    assert real_seconds(start, end) == 4 * HOUR


def test_split_across_midnight():
    start = local(BERLIN, 2024, 6, 14, 22, 0)
    end = local(BERLIN, 2024, 6, 15, 2, 30)

    parts = split_by_local_day(start, end, BERLIN)

    assert parts == [(date(2024, 6, 14), 2 * HOUR), (date(2024, 6, 15), 2.5 * HOUR)]


def test_split_within_one_day():
    parts = split_by_local_day(utc(2024, 6, 14, 8, 0), utc(2024, 6, 14, 9, 0), BERLIN)

    assert parts == [(date(2024, 6, 14), HOUR)]


def test_split_uses_local_not_utc_midnight():
    # 22:30-23:30 UTC is 00:30-01:30 the next day in Berlin and 18:30-19:30 in New York.
    start, end = utc(2024, 6, 14, 22, 30), utc(2024, 6, 14, 23, 30)

    assert split_by_local_day(start, end, BERLIN) == [(date(2024, 6, 15), HOUR)]
    assert split_by_local_day(start, end, NEW_YORK) == [(date(2024, 6, 14), HOUR)]


def test_split_short_day_berlin():
    start = local(BERLIN, 2024, 3, 30, 12, 0)
    end = local(BERLIN, 2024, 4, 1, 12, 0)

    parts = split_by_local_day(start, end, BERLIN)

    assert parts == [
        (date(2024, 3, 30), 12 * HOUR),
        (date(2024, 3, 31), 23 * HOUR),
        (date(2024, 4, 1), 12 * HOUR),
    ]


def test_split_long_day_berlin():
    start = local(BERLIN, 2024, 10, 26, 12, 0)
    end = local(BERLIN, 2024, 10, 28, 12, 0)

    parts = split_by_local_day(start, end, BERLIN)

    assert [seconds for _day, seconds in parts] == [12 * HOUR, 25 * HOUR, 12 * HOUR]


def test_split_new_york_transitions():
    spring = split_by_local_day(local(NEW_YORK, 2024, 3, 10, 0, 0), local(NEW_YORK, 2024, 3, 11, 0, 0), NEW_YORK)
    autumn = split_by_local_day(local(NEW_YORK, 2024, 11, 3, 0, 0), local(NEW_YORK, 2024, 11, 4, 0, 0), NEW_YORK)

    assert spring == [(date(2024, 3, 10), 23 * HOUR)]
    assert autumn == [(date(2024, 11, 3), 25 * HOUR)]


def test_split_empty_or_reversed_span():
    instant = utc(2024, 6, 14, 8, 0)

    assert split_by_local_day(instant, instant, BERLIN) == []
    assert split_by_local_day(instant, utc(2024, 6, 14, 7, 0), BERLIN) == []


def test_overlaps_found_in_start_order():
    entries = [
        (3, utc(2024, 6, 14, 12, 0), utc(2024, 6, 14, 13, 0)),
        (1, utc(2024, 6, 14, 9, 0), utc(2024, 6, 14, 11, 0)),
        (2, utc(2024, 6, 14, 10, 0), utc(2024, 6, 14, 12, 0)),
        (4, utc(2024, 6, 14, 9, 30), utc(2024, 6, 14, 9, 45)),
    ]

    overlaps = find_overlaps(entries)

    assert [(o.first_id, o.second_id) for o in overlaps] == [(1, 4), (1, 2)]
    assert overlaps[0].seconds == 15 * 60
    assert overlaps[1].start == utc(2024, 6, 14, 10, 0)
    assert overlaps[1].end == utc(2024, 6, 14, 11, 0)


def test_touching_entries_do_not_overlap():
    entries = [
        (1, utc(2024, 6, 14, 9, 0), utc(2024, 6, 14, 10, 0)),
        (2, utc(2024, 6, 14, 10, 0), utc(2024, 6, 14, 11, 0)),
    ]

    assert find_overlaps(entries) == []


def test_overlap_across_zones_compares_instants():
    # 10:00 Berlin summer time is 08:00 UTC, inside the other entry.
    entries = [
        (1, utc(2024, 6, 14, 7, 30), utc(2024, 6, 14, 8, 30)),
        (2, local(BERLIN, 2024, 6, 14, 10, 0), local(BERLIN, 2024, 6, 14, 11, 0)),
    ]

    overlaps = find_overlaps(entries)

    assert len(overlaps) == 1
    assert overlaps[0].seconds == 30 * 60
