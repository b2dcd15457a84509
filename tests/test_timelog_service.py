"""Timers and time entries on a real SQLite file: one timer per user, audit events, reports."""

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from opstui.errors import ConflictError, NotFoundError, PermissionDenied, UserError
from opstui.services import tasks
from opstui.services import timelog
from opstui.services.session import open_session
from opstui.store.events import events_for_task

BERLIN = ZoneInfo("Europe/Berlin")


@pytest.fixture
def database(tmp_path):
    return tmp_path / "opstui.db"


@pytest.fixture
def alice(database):
    session = open_session(database, login="alice")
    yield session
    session.close()


@pytest.fixture
def bob(database, alice):
    session = open_session(database, login="bob")
    yield session
    session.close()


@pytest.fixture
def task_id(alice):
    return tasks.create_request(alice, "Upgrade PostgreSQL")


def test_timer_start_and_stop(alice, task_id):
    started = datetime(2024, 6, 14, 8, 0, tzinfo=UTC)

    change = timelog.start_timer(alice, task_id, step=7, comment="prod window", now=started)
    entry = timelog.stop_timer(alice, now=started + timedelta(minutes=50))

    assert change.stopped_entry is None
    assert change.timer["task_id"] == task_id
    assert entry["seconds"] == 50 * 60
    assert entry["step"] == 7
    assert entry["comment"] == "prod window"
    assert entry["source"] == "timer"
    assert timelog.running_timer(alice) is None


def test_second_timer_stops_first(alice, task_id):
    other_task = tasks.create_request(alice, "Rotate certificates")
    started = datetime(2024, 6, 14, 8, 0, tzinfo=UTC)

    timelog.start_timer(alice, task_id, now=started)
    change = timelog.start_timer(alice, other_task, now=started + timedelta(minutes=20))

    assert change.stopped_entry["task_id"] == task_id
    assert change.stopped_entry["seconds"] == 20 * 60
    assert timelog.running_timer(alice)["task_id"] == other_task
    assert alice.store.scalar("SELECT count(*) FROM running_timers") == 1


def test_timers_are_per_user(alice, bob, task_id):
    timelog.start_timer(alice, task_id)
    timelog.start_timer(bob, task_id)

    assert timelog.running_timer(alice)["login"] == "alice"
    assert timelog.running_timer(bob)["login"] == "bob"


def test_stop_without_timer_is_rejected(alice):
    with pytest.raises(UserError, match="no timer is running"):
        timelog.stop_timer(alice)


def test_add_entry_at_local_start(alice, task_id):
    result = timelog.add_entry(alice, task_id, "1h30m", at="2024-03-31T01:30", comment="prep", zone=BERLIN)

    assert result.entry["started_at"] == "2024-03-31T00:30:00Z"
    assert result.entry["ended_at"] == "2024-03-31T02:00:00Z"
    assert result.entry["seconds"] == 5400
    assert result.overlaps == []


def test_add_entry_defaults_to_ending_now(alice, task_id):
    now = datetime(2024, 6, 14, 12, 0, tzinfo=UTC)

    entry = timelog.add_entry(alice, task_id, "45", zone=BERLIN, now=now).entry

    assert entry["started_at"] == "2024-06-14T11:15:00Z"
    assert entry["ended_at"] == "2024-06-14T12:00:00Z"


def test_add_entry_rejects_bad_input(alice, task_id):
    with pytest.raises(UserError, match="invalid duration"):
        timelog.add_entry(alice, task_id, "1.5", zone=BERLIN)
    with pytest.raises(UserError, match="does not exist"):
        timelog.add_entry(alice, task_id, "1h", at="2024-03-31T02:30", zone=BERLIN)
    with pytest.raises(UserError, match="invalid step"):
        timelog.add_entry(alice, task_id, "1h", step=13, zone=BERLIN)
    with pytest.raises(NotFoundError):
        timelog.add_entry(alice, 999, "1h", zone=BERLIN)

    assert timelog.list_entries(alice, zone=BERLIN) == []


def test_add_entry_reports_overlap(alice, task_id):
    first = timelog.add_entry(alice, task_id, "2h", at="2024-06-14T09:00", zone=BERLIN).entry
    second = timelog.add_entry(alice, task_id, "1h", at="2024-06-14T10:30", zone=BERLIN)

    assert len(second.overlaps) == 1
    assert second.overlaps[0].first_id == first["id"]
    assert second.overlaps[0].seconds == 30 * 60


def test_edit_entry_records_audit_and_checks_version(alice, task_id):
    entry = timelog.add_entry(alice, task_id, "1h", at="2024-06-14T09:00", zone=BERLIN).entry

    edited = timelog.edit_entry(alice, entry["id"], expected_version=entry["version"], duration="2h",
                                comment="longer", zone=BERLIN).entry

    assert edited["ended_at"] == "2024-06-14T09:00:00Z"
    assert edited["comment"] == "longer"
    kinds = [event["kind"] for event in events_for_task(alice.store, task_id)]
    assert "time.entry_edited" in kinds
    with pytest.raises(ConflictError):
        timelog.edit_entry(alice, entry["id"], expected_version=entry["version"], comment="stale", zone=BERLIN)


def test_delete_entry_hides_it_and_keeps_audit(alice, task_id):
    entry = timelog.add_entry(alice, task_id, "1h", at="2024-06-14T09:00", zone=BERLIN).entry

    timelog.delete_entry(alice, entry["id"])

    assert timelog.list_entries(alice, zone=BERLIN) == []
    with pytest.raises(NotFoundError):
        timelog.get_entry(alice, entry["id"])
    deleted = [event for event in events_for_task(alice.store, task_id) if event["kind"] == "time.entry_deleted"]
    assert deleted[0]["data"]["comment"] == ""
    assert alice.store.scalar("SELECT count(*) FROM time_entries") == 1


def test_only_owner_or_manager_edits(alice, bob, task_id):
    alices = timelog.add_entry(alice, task_id, "1h", at="2024-06-14T09:00", zone=BERLIN).entry
    bobs = timelog.add_entry(bob, task_id, "1h", at="2024-06-14T09:00", zone=BERLIN).entry

    with pytest.raises(PermissionDenied):
        timelog.delete_entry(bob, alices["id"])
    timelog.edit_entry(alice, bobs["id"], comment="fixed by the manager", zone=BERLIN)

    assert timelog.get_entry(bob, bobs["id"])["comment"] == "fixed by the manager"


def test_report_across_users_and_midnight(alice, bob, task_id):
    timelog.add_entry(alice, task_id, "4h", at="2024-06-14T22:00", zone=BERLIN)
    timelog.add_entry(bob, task_id, "30m", at="2024-06-15T09:00", zone=BERLIN)
    timelog.start_timer(alice, task_id)

    by_day = timelog.time_report(alice, by="day", zone=BERLIN)
    by_user = timelog.time_report(alice, by="user", zone=BERLIN, date_from=date(2024, 6, 15), date_to=date(2024, 6, 15))

    assert [(row.key, row.seconds) for row in by_day.rows] == [("2024-06-14", 7200), ("2024-06-15", 9000)]
    assert [(row.key, row.seconds) for row in by_user.rows] == [("alice", 7200), ("bob", 1800)]


def test_list_entries_filters_by_user(alice, bob, task_id):
    timelog.add_entry(alice, task_id, "1h", at="2024-06-14T09:00", zone=BERLIN)
    timelog.add_entry(bob, task_id, "1h", at="2024-06-16T09:00", zone=BERLIN)

    assert len(timelog.list_entries(alice, zone=BERLIN)) == 1
    assert len(timelog.list_entries(alice, all_users=True, zone=BERLIN)) == 2
    assert len(timelog.list_entries(alice, all_users=True, zone=BERLIN, date_from=date(2024, 6, 15))) == 1
