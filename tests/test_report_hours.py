"""The per-hour sums kept by triggers stay exact, and reports built from them equal the entry-by-entry totals.

time_report computes day, week and user reports from time_report_hours when every
local midnight of the range is on a whole UTC hour. These tests change entries
in every way the services can (add, edit, delete, timers, imports, failed
imports) and check the sums against a recount from time_entries and the reports
against build_report fed every entry, in zones with whole, half and quarter hour
offsets and with midnights that daylight saving skips.
"""

import json
import random
from collections import defaultdict
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from opstui.services import imports_time, tasks, timelog, users
from opstui.services.session import open_session
from opstui.store import migrations
from opstui.store import timelog as time_rows
from opstui.timelog.instants import from_iso_utc, local_midnight, to_iso_utc
from opstui.timelog.report import ReportEntry, build_report

ZONES = ["Europe/Paris", "America/New_York", "America/Santiago", "America/Havana", "Europe/Dublin",
         "Asia/Kolkata", "Australia/Lord_Howe", "Pacific/Chatham", "America/St_Johns", "UTC"]
RANGES = [(date(2025, 1, 1), date(2025, 12, 31)), (date(2025, 3, 29), date(2025, 4, 8)),
          (date(2025, 9, 5), date(2025, 9, 8)), (date(2025, 10, 25), date(2025, 11, 3)),
          (date(2025, 6, 15), date(2025, 6, 15))]
GROUPINGS = ["day", "week", "user"]
UTC_ZONE = ZoneInfo("UTC")


def iso(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def recounted_sums(session) -> dict[tuple[int, str], tuple[int, int, int, int]]:
    """Recount time_report_hours from the counted entries, the slow way."""
    sums: dict[tuple[int, str], list[int]] = defaultdict(lambda: [0, 0, 0, 0])
    for row in time_rows.list_entries(session.store, include_open=False):
        for slot, instant in ((0, row["started_at"]), (2, row["ended_at"])):
            seconds = int(from_iso_utc(instant).timestamp())
            hour = seconds - seconds % 3600
            sums[(hour, row["login"])][slot] += 1
            sums[(hour, row["login"])][slot + 1] += seconds - hour
    return {key: tuple(value) for key, value in sums.items()}


def stored_sums(session) -> dict[tuple[int, str], tuple[int, int, int, int]]:
    rows = session.store.query("SELECT * FROM time_report_hours")
    return {(row["hour"], row["login"]): (row["starts"], row["start_offsets"], row["ends"], row["end_offsets"])
            for row in rows if (row["starts"], row["start_offsets"], row["ends"], row["end_offsets"]) != (0, 0, 0, 0)}


def entry_by_entry(session, by, date_from, date_to, zone, login=None):
    starts_before = to_iso_utc(local_midnight(date_to + timedelta(days=1), zone))
    ends_after = to_iso_utc(local_midnight(date_from, zone))
    rows = time_rows.list_entries(session.store, login=login, starts_before=starts_before, ends_after=ends_after,
                                  include_open=False)
    entries = [ReportEntry(task_id=row["task_id"], task_title=row["task_title"], user=row["login"],
                           start=from_iso_utc(row["started_at"]), end=from_iso_utc(row["ended_at"]),
                           step=timelog.step_title(row["step"]), step_position=row["step"]) for row in rows]
    return build_report(entries, by, zone, date_from, date_to)


def assert_reports_match(session, zones=ZONES, ranges=RANGES, logins=(None, "bob")):
    for zone_name in zones:
        zone = ZoneInfo(zone_name)
        for by in GROUPINGS:
            for date_from, date_to in ranges:
                for login in logins:
                    expected = entry_by_entry(session, by, date_from, date_to, zone, login)
                    actual = timelog.time_report(session, by=by, date_from=date_from, date_to=date_to, zone=zone,
                                                 login=login)
                    case = (zone_name, by, date_from, login)
                    assert [(row.key, row.label) for row in actual.rows] == \
                        [(row.key, row.label) for row in expected.rows], case
                    assert [row.seconds for row in actual.rows] == [row.seconds for row in expected.rows], case


def add_random_entries(session, task_ids, count, seed):
    """Add entries as alice and bob: mostly short, some a day or two, a few over a week."""
    bob = open_session(session.store.path, login="bob")
    rng = random.Random(seed)
    first = datetime(2024, 12, 20, tzinfo=UTC)
    entry_ids = []
    for number in range(count):
        start = first + timedelta(seconds=rng.randint(0, 380 * 86400))
        if number % 25 == 0:
            length = rng.randint(7 * 86400, 20 * 86400)
        elif number % 10 == 0:
            length = rng.randint(4 * 3600, 50 * 3600)
        else:
            length = rng.randint(60, 4 * 3600)
        writer = bob if number % 3 == 0 else session
        result = timelog.add_entry(writer, rng.choice(task_ids), timedelta(seconds=length), at=iso(start),
                                   zone=UTC_ZONE, step=rng.choice([None, 4, 5]))
        entry_ids.append(result.entry["id"])
    bob.close()
    return entry_ids


@pytest.fixture
def session(tmp_path):
    session = open_session(tmp_path / "report.db", login="alice")
    users.add_user(session, "bob", display_name="Bob Okafor")
    yield session
    session.close()


def test_sums_follow_adds_edits_and_deletes(session):
    task_ids = [tasks.create_request(session, f"Change {number}") for number in range(3)]
    entry_ids = add_random_entries(session, task_ids, 300, seed=5)
    assert stored_sums(session) == recounted_sums(session)

    rng = random.Random(9)
    for entry_id in rng.sample(entry_ids, 60):
        shift = timedelta(seconds=rng.randint(-3 * 86400, 3 * 86400))
        entry = timelog.get_entry(session, entry_id)
        timelog.edit_entry(session, entry_id, at=iso(from_iso_utc(entry["started_at"]) + shift), zone=UTC_ZONE,
                           duration=timedelta(seconds=rng.randint(60, 30 * 3600)))
    for entry_id in rng.sample(entry_ids, 40):
        entry = timelog.get_entry(session, entry_id) if entry_id else None
        if entry is not None:
            timelog.edit_entry(session, entry_id, task_id=rng.choice(task_ids), comment="moved")
    deleted = set()
    for entry_id in rng.sample(entry_ids, 50):
        timelog.delete_entry(session, entry_id)
        deleted.add(entry_id)

    assert stored_sums(session) == recounted_sums(session)
    assert_reports_match(session)


def test_edit_moves_time_between_weeks(session):
    task_id = tasks.create_request(session, "Patch")
    entry = timelog.add_entry(session, task_id, "2h", at="2025-03-03T09:00:00Z", zone=UTC_ZONE).entry
    paris = ZoneInfo("Europe/Paris")
    before = timelog.time_report(session, by="week", date_from=date(2025, 3, 1), date_to=date(2025, 3, 31),
                                 zone=paris)
    assert [(row.key, row.seconds) for row in before.rows] == [("2025-W10", 7200.0)]

    timelog.edit_entry(session, entry["id"], at="2025-03-10T23:30:00Z", duration="3h", zone=UTC_ZONE)
    after = timelog.time_report(session, by="day", date_from=date(2025, 3, 1), date_to=date(2025, 3, 31), zone=paris)
    assert [(row.key, row.seconds) for row in after.rows] == [("2025-03-11", 10800.0)]

    timelog.delete_entry(session, entry["id"])
    emptied = timelog.time_report(session, by="day", date_from=date(2025, 3, 1), date_to=date(2025, 3, 31),
                                  zone=paris)
    assert emptied.rows == []
    assert stored_sums(session) == {}


def test_entry_over_many_days_split_per_day(session):
    task_id = tasks.create_request(session, "Long restore")
    timelog.add_entry(session, task_id, timedelta(days=40, hours=5), at="2025-02-20T13:00:00Z", zone=UTC_ZONE)
    zone = ZoneInfo("America/New_York")

    report = timelog.time_report(session, by="day", date_from=date(2025, 3, 1), date_to=date(2025, 3, 31), zone=zone)

    by_day = {row.key: row.seconds for row in report.rows}
    assert by_day["2025-03-01"] == 86400
    assert by_day["2025-03-09"] == 23 * 3600
    assert len(by_day) == 31
    assert_reports_match(session, zones=["America/New_York", "Europe/Paris", "Asia/Kolkata"],
                         ranges=[(date(2025, 2, 1), date(2025, 4, 30)), (date(2025, 3, 5), date(2025, 3, 5))],
                         logins=(None,))


def test_timer_and_open_entries(session):
    task_id = tasks.create_request(session, "Failover")
    timelog.start_timer(session, task_id, now=datetime(2025, 5, 2, 22, 10, tzinfo=UTC))
    assert stored_sums(session) == {}

    timelog.stop_timer(session, now=datetime(2025, 5, 3, 1, 25, tzinfo=UTC))
    timelog.start_timer(session, task_id, now=datetime(2025, 5, 3, 8, 0, tzinfo=UTC))

    assert stored_sums(session) == recounted_sums(session)
    report = timelog.time_report(session, by="day", date_from=date(2025, 5, 1), date_to=date(2025, 5, 31),
                                 zone=ZoneInfo("Europe/Paris"))
    assert [(row.key, row.seconds) for row in report.rows] == [("2025-05-03", 11700.0)]


def test_import_counts_once_done(session, tmp_path, monkeypatch):
    intervals = [{"start": f"2025040{day}T2{hour}1500Z", "end": f"2025040{day + 1}T0{hour}4500Z", "tags": ["ops"]}
                 for day in range(1, 6) for hour in range(3)]
    intervals.append({"start": "20250410T080000Z", "tags": ["ops"]})
    path = tmp_path / "export.json"
    path.write_text(json.dumps(intervals), encoding="utf-8")
    real_insert = time_rows.insert_entry
    calls = []

    def failing_insert(transaction, **fields):
        calls.append(fields)
        if len(calls) == 7:
            raise RuntimeError("disk full")
        return real_insert(transaction, **fields)

    monkeypatch.setattr(time_rows, "insert_entry", failing_insert)
    with pytest.raises(RuntimeError, match="disk full"):
        imports_time.import_timewarrior(session, path, batch_size=3)
    assert stored_sums(session) == {}

    monkeypatch.setattr(time_rows, "insert_entry", real_insert)
    imports_time.import_timewarrior(session, path, batch_size=4)

    assert len(recounted_sums(session)) > 0
    assert stored_sums(session) == recounted_sums(session)
    assert_reports_match(session, ranges=[(date(2025, 4, 1), date(2025, 4, 30))], logins=(None, "alice"))


def test_reports_read_hour_sums_in_whole_hour_zones(session):
    task_id = tasks.create_request(session, "Upgrade")
    timelog.add_entry(session, task_id, "3h", at="2025-07-01T10:00:00Z", zone=UTC_ZONE)
    whole = ZoneInfo("Europe/Paris")
    half = ZoneInfo("Asia/Kolkata")
    july = (date(2025, 7, 1), date(2025, 7, 31))

    session.store.write("alice", lambda transaction: transaction.execute("DELETE FROM time_report_hours"))

    assert timelog.time_report(session, by="week", date_from=july[0], date_to=july[1], zone=whole).rows == []
    assert timelog.time_report(session, by="week", date_from=july[0], date_to=july[1], zone=half).total_seconds == 10800
    assert timelog.time_report(session, by="task", date_from=july[0], date_to=july[1], zone=whole).total_seconds == 10800


def test_migration_fills_sums_from_existing_entries(tmp_path, monkeypatch):
    path = tmp_path / "old.db"
    with monkeypatch.context() as patch:
        patch.setattr(migrations, "MIGRATIONS", {})
        patch.setattr(migrations, "SCHEMA_VERSION", 1)
        old = open_session(path, login="alice")
        users.add_user(old, "bob", display_name="Bob Okafor")
        task_ids = [tasks.create_request(old, f"Change {number}") for number in range(2)]
        entry_ids = add_random_entries(old, task_ids, 120, seed=21)
        timelog.delete_entry(old, entry_ids[0])
        timelog.start_timer(old, task_ids[0], now=datetime(2025, 8, 1, 9, 0, tzinfo=UTC))
        assert old.store.scalar("PRAGMA user_version") == 1
        assert old.store.scalar("SELECT count(*) FROM sqlite_master WHERE name = 'time_report_hours'") == 0
        old.close()

    migrated = open_session(path, login="alice")
    try:
        assert migrated.store.scalar("PRAGMA user_version") == migrations.SCHEMA_VERSION
        assert len(stored_sums(migrated)) > 0
        assert stored_sums(migrated) == recounted_sums(migrated)
        assert_reports_match(migrated, zones=["Europe/Paris", "America/Santiago", "Asia/Kolkata"])

        timelog.add_entry(migrated, task_ids[1], "90m", at="2025-08-02T23:00:00Z", zone=UTC_ZONE)
        assert stored_sums(migrated) == recounted_sums(migrated)
    finally:
        migrated.close()
    assert list(tmp_path.glob("old.db.v1-*.bak"))


def test_list_entries_closed_range(session):
    """A listing with both ends of a range returns the entries, not a report."""
    task_id = tasks.create_request(session, "Rotate keys")
    timelog.add_entry(session, task_id, "1h", at="2025-01-02T10:00:00Z", zone=UTC_ZONE)
    timelog.add_entry(session, task_id, "1h", at="2025-01-09T10:00:00Z", zone=UTC_ZONE)

    entries = timelog.list_entries(session, date_from=date(2025, 1, 1), date_to=date(2025, 1, 5), zone=UTC_ZONE)

    assert [entry["started_at"] for entry in entries] == ["2025-01-02T10:00:00Z"]
