"""Reports group entries over an inclusive local-date range and render them identically."""

import csv
import io
import json
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest

from opstui.errors import UserError
from opstui.timelog.bars import bar, bar_lines
from opstui.timelog.report import ReportEntry, build_report, render_report

BERLIN = ZoneInfo("Europe/Berlin")
HOUR = 3600


def berlin(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=BERLIN).astimezone(UTC)


ENTRIES = [
    ReportEntry(1, "Upgrade Postgres", "alice", berlin(2024, 3, 30, 22, 0), berlin(2024, 3, 31, 4, 0), "Sandbox trial", 5),
    ReportEntry(1, "Upgrade Postgres", "bob", berlin(2024, 4, 1, 9, 0), berlin(2024, 4, 1, 10, 30)),
    ReportEntry(2, "Rotate certs", "alice", berlin(2024, 4, 1, 13, 0), berlin(2024, 4, 1, 14, 0), "Discovery notes", 4),
    ReportEntry(2, "Rotate certs", "bob", berlin(2024, 4, 8, 9, 0), berlin(2024, 4, 8, 9, 45)),
]


def rows_of(report):
    return [(row.key, row.label, row.seconds) for row in report.rows]


def test_report_by_day_splits_midnight_and_dst():
    report = build_report(ENTRIES, "day", BERLIN)

    # 22:00-04:00 across the spring-forward night is 5 real hours: 2 before midnight, 3 after.
    assert rows_of(report) == [
        ("2024-03-30", "2024-03-30", 2 * HOUR),
        ("2024-03-31", "2024-03-31", 3 * HOUR),
        ("2024-04-01", "2024-04-01", 2.5 * HOUR),
        ("2024-04-08", "2024-04-08", 0.75 * HOUR),
    ]
    assert report.total_seconds == 8.25 * HOUR


def test_report_by_task_user_and_week():
    by_task = build_report(ENTRIES, "task", BERLIN)
    by_user = build_report(ENTRIES, "user", BERLIN)
    by_week = build_report(ENTRIES, "week", BERLIN)

    assert rows_of(by_task) == [("1", "#1 Upgrade Postgres", 6.5 * HOUR), ("2", "#2 Rotate certs", 1.75 * HOUR)]
    assert rows_of(by_user) == [("alice", "alice", 6 * HOUR), ("bob", "bob", 2.25 * HOUR)]
    assert rows_of(by_week) == [
        ("2024-W13", "2024-W13", 5 * HOUR),
        ("2024-W14", "2024-W14", 2.5 * HOUR),
        ("2024-W15", "2024-W15", 0.75 * HOUR),
    ]


def test_report_by_step_orders_by_position():
    report = build_report(ENTRIES, "step", BERLIN)

    assert [row.label for row in report.rows] == [
        "#1 Sandbox trial",
        "#1 (no step)",
        "#2 Discovery notes",
        "#2 (no step)",
    ]


def test_report_range_is_inclusive_and_clips_entries():
    report = build_report(ENTRIES, "task", BERLIN, date(2024, 3, 31), date(2024, 4, 1))

    # Only the 3 hours after midnight of the first entry fall inside the range.
    assert rows_of(report) == [("1", "#1 Upgrade Postgres", 4.5 * HOUR), ("2", "#2 Rotate certs", 1 * HOUR)]


def test_report_rejects_bad_grouping_and_range():
    with pytest.raises(UserError, match="invalid grouping 'month'"):
        build_report(ENTRIES, "month", BERLIN)

    with pytest.raises(UserError, match="after --to"):
        build_report(ENTRIES, "day", BERLIN, date(2024, 4, 2), date(2024, 4, 1))


def test_report_formats_show_same_numbers():
    report = build_report(ENTRIES, "task", BERLIN)

    table = render_report(report, "table")
    rows = list(csv.DictReader(io.StringIO(render_report(report, "csv"))))
    document = json.loads(render_report(report, "json"))

    assert [(row["task"], row["hours"]) for row in rows] == [("1", "6.50"), ("2", "1.75")]
    assert [(row["key"], row["hours"]) for row in document["rows"]] == [("1", "6.50"), ("2", "1.75")]
    assert [row["seconds"] for row in document["rows"]] == [int(row["seconds"]) for row in rows]
    assert document["total_hours"] == "8.25"
    assert document["zone"] == "Europe/Berlin"
    table_rows = [line.rsplit(maxsplit=2) for line in table.splitlines()]
    assert table_rows == [
        ["TASK", "HOURS", "H:MM"],
        ["#1 Upgrade Postgres", "6.50", "6:30"],
        ["#2 Rotate certs", "1.75", "1:45"],
        ["TOTAL", "8.25", "8:15"],
    ]


def test_report_table_escapes_control_characters():
    entry = ReportEntry(9, "evil\x1b[31mred", "alice", berlin(2024, 4, 1, 9, 0), berlin(2024, 4, 1, 10, 0))

    table = render_report(build_report([entry], "task", BERLIN), "table")

    assert "\x1b" not in table
    assert "evil\\x1b[31mred" in table


def test_report_rejects_unknown_format():
    with pytest.raises(UserError, match="invalid format 'xml'"):
        render_report(build_report(ENTRIES, "day", BERLIN), "xml")


def test_bars_scale_to_maximum():
    assert bar(10, 10, 4) == "████"
    assert bar(5, 10, 4) == "██"
    assert bar(1, 10, 4) == "▍"
    assert bar(0.001, 10, 4) == "▏"
    assert bar(0, 10, 4) == ""

    lines = bar_lines([("a", 2, "2.00"), ("bb", 1, "1.00")], 4)
    assert lines == ["a   ████  2.00", "bb  ██    1.00"]
