"""Comments, failures and logged time of run steps, on a real SQLite file.

Each test reproduces a bug a tester found: comments wiped by the tick, a failed step
logged twice, CLI ticks that logged no time.
"""

import json

import pytest

from opstui.services import kb, runs, timelog
from opstui.store import kb as kb_rows
from tests.kb_helpers import RUNBOOK, make_activity_task, open_team


@pytest.fixture
def team(tmp_path):
    alice, bob = open_team(tmp_path / "runs.db")
    yield alice, bob
    bob.close()
    alice.close()


@pytest.fixture
def run_ids(team):
    """(run_id, activity_id) of a fresh run of the three-step runbook, started by alice."""
    alice, _ = team
    master_id, activity_id = make_activity_task(alice)
    instruction_id = kb.create_instruction(alice, "Restart unbound", body=RUNBOOK, task_id=master_id)
    kb.publish(alice, instruction_id)
    return runs.start_run(alice, instruction_id, activity_id), activity_id


def backdate_start(session, run_id: int, number: int, started_at: str) -> None:
    """Move the start of a started step into the past, as if work had taken that long."""
    def write(transaction):
        transaction.execute("UPDATE instruction_run_steps SET started_at = ? WHERE run_id = ? AND number = ?"
                            " AND state = 'started'",
                            (started_at, run_id, number))

    session.store.write(session.login, write)


def step_entries(session, task_id: int, number: int) -> list[dict]:
    return [entry for entry in timelog.list_entries(session, all_users=True, task_id=task_id)
            if _extra(entry).get("run_step") == number]


def _extra(entry: dict) -> dict:
    extra = entry["extra"] or {}
    return json.loads(extra) if isinstance(extra, str) else extra


def run_events(session, kind: str) -> list[dict]:
    rows = session.store.query("SELECT data FROM events WHERE kind = ? ORDER BY id", (kind,))
    return [json.loads(row["data"]) for row in rows]


def test_tick_keeps_earlier_comment(team, run_ids):
    alice, _ = team
    run_id, _ = run_ids

    runs.comment_step(alice, run_id, 1, "checkconf printed one warning")
    runs.complete_step(alice, run_id, 1)

    step = kb_rows.get_run_step(alice.store, run_id, 1)
    assert step["comment"] == "checkconf printed one warning"
    assert run_events(alice, "run.step_commented")[-1] == {"step": 1, "comment": "checkconf printed one warning"}


def test_tick_with_comment_adds_to_earlier_comment(team, run_ids):
    alice, _ = team
    run_id, _ = run_ids

    runs.comment_step(alice, run_id, 1, "first look")
    runs.complete_step(alice, run_id, 1, comment="all good")

    assert kb_rows.get_run_step(alice.store, run_id, 1)["comment"] == "first look\nall good"
    assert run_events(alice, "run.step_done")[-1] == {"step": 1, "comment": "all good"}


def test_done_after_failure_keeps_failure_and_comment(team, run_ids):
    alice, _ = team
    run_id, _ = run_ids

    runs.fail_step(alice, run_id, 2, "unit failed to start", comment="journal says port in use")
    runs.complete_step(alice, run_id, 2)

    step = kb_rows.get_run_step(alice.store, run_id, 2)
    assert step["state"] == "done"
    assert step["failure"] == "unit failed to start"
    assert step["comment"] == "journal says port in use"
    assert run_events(alice, "run.step_failed")[-1] == {"step": 2, "failure": "unit failed to start",
                                                         "comment": "journal says port in use"}


def test_failed_then_done_step_has_one_entry(team, run_ids):
    alice, _ = team
    run_id, activity_id = run_ids
    runs.complete_step(alice, run_id, 1)
    backdate_start(alice, run_id, 2, "2020-01-01T10:00:00.000000Z")

    runs.fail_step(alice, run_id, 2, "unit failed to start")
    first = kb_rows.get_run_step(alice.store, run_id, 2)
    runs.complete_step(alice, run_id, 2)
    final = kb_rows.get_run_step(alice.store, run_id, 2)

    (entry,) = step_entries(alice, activity_id, 2)
    assert entry["id"] == first["time_entry_id"] == final["time_entry_id"]
    assert entry["started_at"] == "2020-01-01T10:00:00Z"
    assert entry["ended_at"] == final["finished_at"][:19] + "Z"
    assert timelog.user_overlaps(alice) == []


def test_finishing_a_step_starts_the_next(team, run_ids):
    alice, bob = team
    run_id, _ = run_ids

    runs.complete_step(bob, run_id, 1)

    first, second, third = kb_rows.run_steps(alice.store, run_id)
    assert second["state"] == "started"
    assert second["started_by"] == "bob"
    assert second["started_at"] == first["finished_at"]
    assert third["state"] == "pending"


def test_skipping_a_step_starts_the_next(team, run_ids):
    alice, _ = team
    run_id, _ = run_ids

    runs.skip_step(alice, run_id, 1, "config unchanged")

    assert kb_rows.get_run_step(alice.store, run_id, 2)["state"] == "started"


def test_failure_does_not_start_the_next(team, run_ids):
    alice, _ = team
    run_id, _ = run_ids

    runs.fail_step(alice, run_id, 1, "syntax error")

    assert kb_rows.get_run_step(alice.store, run_id, 2)["state"] == "pending"


def test_new_run_starts_its_first_step(team, run_ids):
    alice, _ = team
    run_id, _ = run_ids

    first = kb_rows.get_run_step(alice.store, run_id, 1)
    assert (first["state"], first["started_by"]) == ("started", "alice")


def test_every_service_tick_logs_its_step(team, run_ids):
    """Ticks without any screen (as `opstui kb step` does) log every step that took time."""
    alice, bob = team
    run_id, activity_id = run_ids

    for number, login in ((1, alice), (2, bob), (3, alice)):
        backdate_start(alice, run_id, number, f"2020-01-01T1{number}:00:00.000000Z")
        runs.complete_step(login, run_id, number)

    steps = kb_rows.run_steps(alice.store, run_id)
    assert all(step["time_entry_id"] for step in steps)
    assert [entry["login"] for number in (1, 2, 3) for entry in step_entries(alice, activity_id, number)] \
        == ["alice", "bob", "alice"]


def test_comment_starts_a_pending_step_for_the_commenter(team, run_ids):
    alice, bob = team
    run_id, _ = run_ids
    runs.complete_step(alice, run_id, 1)

    runs.comment_step(bob, run_id, 3, "prepared the dig command")

    third = kb_rows.get_run_step(alice.store, run_id, 3)
    assert (third["state"], third["started_by"]) == ("started", "bob")
