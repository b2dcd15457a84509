"""The duration parser accepts the forms people type and rejects everything else."""

from datetime import timedelta

import pytest

from opstui.errors import UserError
from opstui.timelog.durations import format_clock, format_duration, format_hours, parse_duration

VALID_CASES = [
    ("1h30m", timedelta(hours=1, minutes=30)),
    ("1h 30m", timedelta(hours=1, minutes=30)),
    ("1H30M", timedelta(hours=1, minutes=30)),
    ("2h", timedelta(hours=2)),
    ("2h0m", timedelta(hours=2)),
    ("90m", timedelta(minutes=90)),
    ("5m", timedelta(minutes=5)),
    ("1.5h", timedelta(hours=1, minutes=30)),
    ("0.25h", timedelta(minutes=15)),
    (".5h", timedelta(minutes=30)),
    ("2:15", timedelta(hours=2, minutes=15)),
    ("0:45", timedelta(minutes=45)),
    ("10:05", timedelta(hours=10, minutes=5)),
    ("45", timedelta(minutes=45)),
    ("  45  ", timedelta(minutes=45)),
    ("1440", timedelta(hours=24)),
    ("24h", timedelta(hours=24)),
    ("30s", timedelta(seconds=30)),
    ("40 s", timedelta(seconds=40)),
]

INVALID_CASES = [
    ("", "missing duration"),
    ("   ", "missing duration"),
    ("0", "longer than zero"),
    ("0h0m", "longer than zero"),
    ("0:00", "longer than zero"),
    ("-30m", "invalid duration"),
    ("1.5", "invalid duration"),
    ("1,5h", "invalid duration"),
    ("1h90m", "below 60"),
    ("2:75", "below 60"),
    ("2:5", "invalid duration"),
    ("1d", "invalid duration"),
    ("0s", "longer than zero"),
    ("1.5s", "invalid duration"),
    ("90000s", "at most 24h"),
    ("1h30", "invalid duration"),
    ("1.5h30m", "invalid duration"),
    ("abc", "invalid duration"),
    ("h", "invalid duration"),
    ("m", "invalid duration"),
    ("1441", "at most 24h"),
    ("25h", "at most 24h"),
    ("24:01", "at most 24h"),
]


@pytest.mark.parametrize(("text", "expected"), VALID_CASES)
def test_parse_duration_accepts(text, expected):
    assert parse_duration(text) == expected


@pytest.mark.parametrize(("text", "message"), INVALID_CASES)
def test_parse_duration_rejects(text, message):
    with pytest.raises(UserError) as raised:
        parse_duration(text)

    assert message in str(raised.value)


def test_parse_duration_error_names_value_and_forms():
    with pytest.raises(UserError) as raised:
        parse_duration("3 hours")

    assert "'3 hours'" in str(raised.value)
    assert "1h30m" in str(raised.value)


FORMAT_CASES = [
    (timedelta(minutes=45), "45m"),
    (timedelta(hours=2, minutes=5), "2h05m"),
    (timedelta(hours=26), "26h00m"),
    (timedelta(seconds=29), "29s"),
    (timedelta(seconds=30), "30s"),
    (timedelta(seconds=31), "1m"),
    (timedelta(seconds=0), "0m"),
    (-20, "-20s"),
    (timedelta(seconds=90), "2m"),
    (5400, "1h30m"),
]


@pytest.mark.parametrize(("duration", "expected"), FORMAT_CASES)
def test_format_duration(duration, expected):
    assert format_duration(duration) == expected


@pytest.mark.parametrize("text", ["1h30m", "45m", "2h05m", "24h00m", "25s"])
def test_format_duration_round_trips(text):
    assert format_duration(parse_duration(text)) == text


def test_format_clock_and_hours():
    assert format_clock(5400) == "1:30"
    assert format_clock(36000 + 59) == "10:01"
    assert format_hours(5400) == "1.50"
    assert format_hours(1200) == "0.33"
