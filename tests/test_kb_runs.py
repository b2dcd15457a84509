"""Guided runs on a real SQLite file: steps, resume, failures, time log, two operators."""

import pytest

from opstui.errors import UserError
from opstui.kb.steps import NoStepsError
from opstui.services import kb, runs
from opstui.store import kb as kb_rows
from opstui.store.clock import now_iso
from tests.kb_helpers import RUNBOOK, make_activity_task, open_team


@pytest.fixture
def team(tmp_path):
    alice, bob = open_team(tmp_path / "runs.db")
    yield alice, bob
    bob.close()
    alice.close()


@pytest.fixture
def published(team):
    alice, _ = team
    master_id, activity_id = make_activity_task(alice)
    instruction_id = kb.create_instruction(alice, "Restart unbound", body=RUNBOOK, task_id=master_id)
    kb.publish(alice, instruction_id)
    return instruction_id, master_id, activity_id


def backdate_start(session, run_id: int, number: int, started_at: str) -> None:
    def write(transaction):
        transaction.execute("UPDATE instruction_run_steps SET started_at = ? WHERE run_id = ? AND number = ?",
                            (started_at, run_id, number))

    session.store.write(session.login, write)


def test_run_lists_steps_with_commands(team, published):
    alice, _ = team
    instruction_id, _, activity_id = published

    run = runs.get_run(alice, runs.start_run(alice, instruction_id, activity_id))

    assert [s["text"] for s in run["steps"]] == ["Check the configuration:", "Restart the service:", "Query a name."]
    assert run["steps"][0]["commands"][0].code == "unbound-checkconf\n"
    assert run["current_step"] == 1
    assert run["status"] == "running"


def test_run_needs_official_and_activity_task(team, published):
    alice, _ = team
    instruction_id, master_id, activity_id = published
    draft_only = kb.create_instruction(alice, "Draft only", body=RUNBOOK)

    with pytest.raises(UserError, match="no official revision"):
        runs.start_run(alice, draft_only, activity_id)
    with pytest.raises(UserError, match="activity task"):
        runs.start_run(alice, instruction_id, master_id)


def test_run_without_steps_is_clear_error(team):
    alice, _ = team
    _, activity_id = make_activity_task(alice)
    instruction_id = kb.create_instruction(alice, "Prose", body="# Prose\n\n## Steps\n\nJust think.\n")
    kb.publish(alice, instruction_id)

    with pytest.raises(NoStepsError, match="no steps found"):
        runs.start_run(alice, instruction_id, activity_id)
    assert runs.runs_of_task(alice, activity_id) == []


def test_start_again_resumes_open_run(team, published):
    alice, bob = team
    instruction_id, _, activity_id = published
    run_id = runs.start_run(alice, instruction_id, activity_id)
    runs.complete_step(alice, run_id, 1)

    assert runs.start_run(bob, instruction_id, activity_id) == run_id
    assert runs.get_run(bob, run_id)["current_step"] == 2


def test_ticks_record_who_and_when(team, published):
    alice, bob = team
    instruction_id, _, activity_id = published
    run_id = runs.start_run(alice, instruction_id, activity_id)

    runs.complete_step(alice, run_id, 1, comment="config ok")
    run = runs.get_run(bob, run_id)
    first = run["steps"][0]

    assert first["state"] == "done"
    assert first["finished_by"] == "alice"
    assert first["finished_at"]
    assert first["comment"] == "config ok"
    assert run["done_count"] == 1


def test_failure_keeps_run_open_on_that_step(team, published):
    alice, _ = team
    instruction_id, _, activity_id = published
    run_id = runs.start_run(alice, instruction_id, activity_id)

    run = runs.fail_step(alice, run_id, 2, "unit failed to start")

    assert run["steps"][1]["state"] == "failed"
    assert run["steps"][1]["failure"] == "unit failed to start"
    assert run["current_step"] == 2
    assert run["status"] == "running"

    with pytest.raises(UserError, match="failure is empty"):
        runs.fail_step(alice, run_id, 2, "  ")

    run = runs.complete_step(alice, run_id, 2, comment="second try worked")
    assert run["steps"][1]["state"] == "done"


def test_all_steps_finished_completes_run(team, published):
    alice, _ = team
    instruction_id, _, activity_id = published
    run_id = runs.start_run(alice, instruction_id, activity_id)

    runs.complete_step(alice, run_id, 1)
    runs.skip_step(alice, run_id, 2, "restarted by the package upgrade")
    run = runs.complete_step(alice, run_id, 3)

    assert run["status"] == "completed"
    assert run["finished_at"]
    with pytest.raises(UserError, match="completed"):
        runs.complete_step(alice, run_id, 3)
    with pytest.raises(UserError, match="needs a reason"):
        runs.skip_step(alice, runs.start_run(alice, instruction_id, activity_id), 1, "")


def test_unknown_step_number_names_range(team, published):
    alice, _ = team
    instruction_id, _, activity_id = published
    run_id = runs.start_run(alice, instruction_id, activity_id)

    with pytest.raises(UserError, match="steps are 1 to 3"):
        runs.complete_step(alice, run_id, 9)


def test_step_time_goes_to_time_log(team, published):
    from opstui.services import timelog

    alice, _ = team
    instruction_id, _, activity_id = published
    run_id = runs.start_run(alice, instruction_id, activity_id)
    runs.begin_step(alice, run_id, 1)
    backdate_start(alice, run_id, 1, "2020-01-01T10:00:00.000000Z")

    runs.complete_step(alice, run_id, 1)
    step = kb_rows.get_run_step(alice.store, run_id, 1)
    entry = timelog.get_entry(alice, step["time_entry_id"])

    assert entry["task_id"] == activity_id
    assert entry["started_at"] == "2020-01-01T10:00:00Z"
    assert "step 1: Check the configuration:" in entry["comment"]

    (row,) = runs.step_time_report(alice, activity_id)
    assert row["step"] == 1
    assert row["seconds"] > 3600


def test_step_finished_at_once_writes_no_entry(team, published):
    alice, _ = team
    instruction_id, _, activity_id = published
    run_id = runs.start_run(alice, instruction_id, activity_id)

    runs.complete_step(alice, run_id, 1)

    assert kb_rows.get_run_step(alice.store, run_id, 1)["time_entry_id"] is None


def test_later_publish_does_not_change_open_run(team, published):
    alice, _ = team
    instruction_id, _, activity_id = published
    run_id = runs.start_run(alice, instruction_id, activity_id)

    draft = kb.start_draft(alice, instruction_id)
    kb.save_draft(alice, instruction_id, RUNBOOK.replace("3. Query a name.", "3. Query a name.\n4. Extra."),
                  expected_version=draft["version"])
    kb.publish(alice, instruction_id)

    run = runs.get_run(alice, run_id)
    assert run["revision_number"] == 1
    assert len(run["steps"]) == 3


def test_abandon_closes_run(team, published):
    alice, _ = team
    instruction_id, _, activity_id = published
    run_id = runs.start_run(alice, instruction_id, activity_id)

    runs.abandon_run(alice, run_id)

    assert runs.get_run(alice, run_id)["status"] == "abandoned"
    assert runs.start_run(alice, instruction_id, activity_id) != run_id
    assert now_iso() >= runs.get_run(alice, run_id)["finished_at"]
