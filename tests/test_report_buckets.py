"""Reports over a closed date range, totalled in SQL, equal the entry-by-entry totals.

opstui.services.timelog.time_report totals most entries in SQL when both ends of
the range are given. This compares it with build_report fed every entry, on
random entries that cross local midnights, daylight saving changes and UTC
midnight, in zones with whole, half and quarter hour offsets.
"""

import random
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from opstui.services import tasks, timelog, users
from opstui.services.session import open_session
from opstui.store import timelog as time_rows
from opstui.timelog.instants import from_iso_utc, local_midnight, to_iso_utc
from opstui.timelog.report import ReportEntry, build_report

ZONES = ["Europe/Paris", "America/New_York", "Asia/Kolkata", "Europe/London", "Australia/Lord_Howe",
         "Asia/Kathmandu", "UTC"]
RANGES = [(date(2025, 1, 1), date(2025, 12, 31)), (date(2025, 3, 29), date(2025, 4, 1)),
          (date(2025, 10, 25), date(2025, 10, 27)), (date(2025, 6, 15), date(2025, 6, 15))]


@pytest.fixture(scope="module")
def session(tmp_path_factory):
    session = open_session(tmp_path_factory.mktemp("report") / "report.db", login="alice")
    users.add_user(session, "bob", display_name="Bob Okafor")
    task_ids = [tasks.create_request(session, f"Change {number}") for number in range(3)]
    rng = random.Random(11)
    first = datetime(2024, 12, 25, tzinfo=UTC)
    for number in range(400):
        start = first + timedelta(seconds=rng.randint(0, 375 * 86400))
        # Mostly short entries, some over a day long, as forgotten timers are.
        length = rng.randint(60, 4 * 3600) if number % 10 else rng.randint(4 * 3600, 50 * 3600)
        entry = timelog.add_entry(session, rng.choice(task_ids), timedelta(seconds=length),
                                  at=start.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"), zone=ZoneInfo("UTC"),
                                  step=rng.choice([None, 4, 5]))
        assert entry.entry["id"]
    yield session
    session.close()


def entry_by_entry(session, by, date_from, date_to, zone):
    starts_before = to_iso_utc(local_midnight(date_to + timedelta(days=1), zone))
    ends_after = to_iso_utc(local_midnight(date_from, zone))
    rows = time_rows.list_entries(session.store, starts_before=starts_before, ends_after=ends_after,
                                  include_open=False)
    entries = [ReportEntry(task_id=row["task_id"], task_title=row["task_title"], user=row["login"],
                           start=from_iso_utc(row["started_at"]), end=from_iso_utc(row["ended_at"]),
                           step=timelog.step_title(row["step"]), step_position=row["step"]) for row in rows]
    return build_report(entries, by, zone, date_from, date_to)


@pytest.mark.parametrize("zone_name", ZONES)
@pytest.mark.parametrize("by", ["task", "step", "user", "day", "week"])
def test_sql_totals_match_entries(session, zone_name, by):
    zone = ZoneInfo(zone_name)
    for date_from, date_to in RANGES:
        expected = entry_by_entry(session, by, date_from, date_to, zone)
        actual = timelog.time_report(session, by=by, date_from=date_from, date_to=date_to, zone=zone)
        assert [(row.key, row.label) for row in actual.rows] == [(row.key, row.label) for row in expected.rows]
        assert [row.seconds for row in actual.rows] == pytest.approx([row.seconds for row in expected.rows])
        if (date_from, date_to) == RANGES[0]:
            assert actual.total_seconds > 0


def test_reversed_range_rejected(session):
    from opstui.errors import UserError

    with pytest.raises(UserError, match="after"):
        timelog.time_report(session, by="week", date_from=date(2025, 2, 1), date_to=date(2025, 1, 1))
