"""Start times are read in the user's zone, stored as UTC, and DST gaps or folds are rejected."""

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from opstui.errors import UserError
from opstui.timelog.instants import (
    format_local,
    from_iso_utc,
    local_zone,
    parse_local_date,
    parse_start,
    to_iso_utc,
)

BERLIN = ZoneInfo("Europe/Berlin")
NEW_YORK = ZoneInfo("America/New_York")
NOW = datetime(2024, 6, 30, 23, 30, tzinfo=UTC)


def utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)


VALID_STARTS = [
    ("2024-06-15T09:00", BERLIN, utc(2024, 6, 15, 7, 0)),
    ("2024-06-15 09:00", BERLIN, utc(2024, 6, 15, 7, 0)),
    ("2024-01-15T09:00", BERLIN, utc(2024, 1, 15, 8, 0)),
    ("2024-06-15T09:00:30", NEW_YORK, utc(2024, 6, 15, 13, 0, 30)),
    ("2024-06-15T09:00+05:30", BERLIN, utc(2024, 6, 15, 3, 30)),
    ("2024-06-15T09:00Z", NEW_YORK, utc(2024, 6, 15, 9, 0)),
    ("2024-03-31T01:59", BERLIN, utc(2024, 3, 31, 0, 59)),
    ("2024-03-31T03:00", BERLIN, utc(2024, 3, 31, 1, 0)),
    ("2024-10-27T02:30+02:00", BERLIN, utc(2024, 10, 27, 0, 30)),
    ("2024-10-27T02:30+01:00", BERLIN, utc(2024, 10, 27, 1, 30)),
    ("2024-10-27T03:30", BERLIN, utc(2024, 10, 27, 2, 30)),
    ("2024-03-10T03:30", NEW_YORK, utc(2024, 3, 10, 7, 30)),
    ("2024-11-03T01:30-04:00", NEW_YORK, utc(2024, 11, 3, 5, 30)),
    ("2024-11-03T01:30-05:00", NEW_YORK, utc(2024, 11, 3, 6, 30)),
]


@pytest.mark.parametrize(("text", "zone", "expected"), VALID_STARTS)
def test_parse_start_iso(text, zone, expected):
    parsed = parse_start(text, zone, now=NOW)

    assert parsed == expected
    assert parsed.tzinfo == UTC


def test_parse_start_time_of_day_uses_local_today():
    # 23:30 UTC on 30 June is already 1 July in Berlin, but still 30 June in New York.
    assert parse_start("14:30", BERLIN, now=NOW) == utc(2024, 7, 1, 12, 30)
    assert parse_start("14:30", NEW_YORK, now=NOW) == utc(2024, 6, 30, 18, 30)
    assert parse_start("9:05", BERLIN, now=NOW) == utc(2024, 7, 1, 7, 5)


INVALID_STARTS = [
    ("2024-03-31T02:30", BERLIN, "does not exist"),
    ("2024-03-10T02:30", NEW_YORK, "does not exist"),
    ("2024-10-27T02:30", BERLIN, "happens twice"),
    ("2024-11-03T01:30", NEW_YORK, "happens twice"),
    ("2024-06-15", BERLIN, "add a time of day"),
    ("yesterday", BERLIN, "invalid start"),
    ("25:00", BERLIN, "invalid time of day"),
    ("2024-02-30T10:00", BERLIN, "invalid start"),
    ("", BERLIN, "missing start"),
]


@pytest.mark.parametrize(("text", "zone", "message"), INVALID_STARTS)
def test_parse_start_rejects(text, zone, message):
    with pytest.raises(UserError) as raised:
        parse_start(text, zone, now=NOW)

    assert message in str(raised.value)


def test_ambiguous_start_suggests_both_offsets():
    with pytest.raises(UserError) as raised:
        parse_start("2024-10-27T02:30", BERLIN, now=NOW)

    assert "+02:00" in str(raised.value)
    assert "+01:00" in str(raised.value)


def test_local_zone_reads_tz_variable(monkeypatch):
    monkeypatch.setenv("TZ", "America/New_York")
    assert local_zone().key == "America/New_York"

    monkeypatch.setenv("TZ", ":Europe/Berlin")
    assert local_zone().key == "Europe/Berlin"

    monkeypatch.setenv("TZ", "Mars/Olympus")
    with pytest.raises(UserError, match="unknown time zone"):
        local_zone()


def test_utc_text_round_trip():
    instant = utc(2024, 3, 31, 1, 30, 5)

    assert to_iso_utc(instant) == "2024-03-31T01:30:05Z"
    assert from_iso_utc(to_iso_utc(instant)) == instant
    assert format_local(instant, BERLIN) == "2024-03-31 03:30"


def test_parse_local_date():
    assert parse_local_date("2024-03-31").isoformat() == "2024-03-31"

    with pytest.raises(UserError, match="invalid date '31.03.2024'"):
        parse_local_date("31.03.2024")
