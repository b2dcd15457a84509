"""Process steps: automatic ticks, ticking out of order, skipping, reopening, conflicts."""

import pytest

from opstui.errors import ConflictError, UserError
from opstui.services import notify, process, tasks
from tests.helpers import team_session
from tests.process_helpers import change_with_subtask, events_of, states


def test_request_ticks_step_one(tmp_path):
    session = team_session(tmp_path / "t.db")
    task_id = tasks.create_request(session, "Rotate keys")
    steps = process.checklist(session, task_id)
    assert steps[0]["state"] == "done"
    assert steps[0]["by_login"] == "alice"
    assert steps[0]["at"].endswith("Z")
    assert steps[1]["state"] == "open"
    assert steps[1]["is_next"]


def test_assigned_subtask_ticks_step_two(tmp_path):
    session = team_session(tmp_path / "t.db")
    task_id = tasks.create_request(session, "Rotate keys")
    subtask_id = tasks.add_subtask(session, task_id, "Unassigned work")
    assert states(process.checklist(session, task_id))[2] == "open"
    tasks.assign(session, subtask_id, "carol")
    assert states(process.checklist(session, task_id))[2] == "done"


def test_step_three_waits_for_notifications(tmp_path):
    session = team_session(tmp_path / "t.db")
    task_id = change_with_subtask(session)
    assert states(process.checklist(session, task_id))[3] == "open"
    ticked = process.sync_automatic_steps(session, task_id)
    assert ticked == [3]
    assert "bob" in process.checklist(session, task_id)[2]["reason"]
    assert notify.list_notifications(team_session(tmp_path / "t.db", login="bob"))


def test_self_assignment_needs_no_notification(tmp_path):
    session = team_session(tmp_path / "t.db")
    task_id = change_with_subtask(session, assignee="alice")
    step = process.checklist(session, task_id)[2]
    assert step["state"] == "done"
    assert "alice" in step["reason"]


def test_tick_before_open_step_needs_reason(tmp_path):
    session = team_session(tmp_path / "t.db")
    task_id = change_with_subtask(session)
    with pytest.raises(UserError, match="--reason"):
        process.tick_step(session, task_id, 5)
    assert states(process.checklist(session, task_id))[5] == "open"
    item = process.tick_step(session, task_id, 5, reason="sandbox done before notes")
    assert item["state"] == "done"
    assert item["reason"] == "sandbox done before notes"
    event = events_of(session, task_id, "step.done")[-1]
    assert event["data"]["step"] == 5
    assert event["data"]["reason"] == "sandbox done before notes"
    assert event["data"]["before_open_steps"] == [3, 4]


def test_tick_in_order_needs_no_reason(tmp_path):
    session = team_session(tmp_path / "t.db")
    task_id = change_with_subtask(session)
    process.sync_automatic_steps(session, task_id)
    assert process.tick_step(session, task_id, 4)["state"] == "done"
    assert process.next_open_step(session, task_id) == 5


def test_skip_needs_reason(tmp_path):
    session = team_session(tmp_path / "t.db")
    task_id = change_with_subtask(session)
    with pytest.raises(UserError, match="--reason"):
        process.skip_step(session, task_id, 4, "  ")
    item = process.skip_step(session, task_id, 4, "no research needed")
    assert item["state"] == "skipped"
    assert events_of(session, task_id, "step.skipped")[0]["data"]["reason"] == "no research needed"


def test_reopened_step_is_not_ticked_again(tmp_path):
    session = team_session(tmp_path / "t.db")
    task_id = change_with_subtask(session)
    process.reopen_step(session, task_id, 2, reason="assignee is wrong")
    assert states(process.checklist(session, task_id))[2] == "open"
    tasks.add_subtask(session, task_id, "More work", assignee="carol")
    process.sync_automatic_steps(session, task_id)
    current = states(process.checklist(session, task_id))
    assert current[2] == "open"
    assert current[3] == "open"
    assert events_of(session, task_id, "step.reopened")[0]["data"]["reason"] == "assignee is wrong"


def test_action_steps_refuse_manual_tick(tmp_path):
    session = team_session(tmp_path / "t.db")
    task_id = change_with_subtask(session)
    for step in (7, 11, 12):
        with pytest.raises(UserError, match="done by the action"):
            process.tick_step(session, task_id, step, reason="x")
    with pytest.raises(UserError, match="cannot be skipped"):
        process.skip_step(session, task_id, 11, "x")


def test_stale_state_is_a_conflict(tmp_path):
    session = team_session(tmp_path / "t.db")
    task_id = change_with_subtask(session)
    other = team_session(tmp_path / "t.db", login="bob")
    process.skip_step(other, task_id, 4, "done on paper")
    with pytest.raises(ConflictError, match="bob"):
        process.tick_step(session, task_id, 4, expected_state="open")


def test_invalid_step_number(tmp_path):
    session = team_session(tmp_path / "t.db")
    task_id = change_with_subtask(session)
    with pytest.raises(UserError, match="1 to 12"):
        process.tick_step(session, task_id, 13)


def test_steps_belong_to_master_task(tmp_path):
    session = team_session(tmp_path / "t.db")
    task_id = change_with_subtask(session)
    subtask_id = tasks.task_detail(session, task_id)["subtasks"][0]["id"]
    with pytest.raises(UserError, match="master task"):
        process.checklist(session, subtask_id)


def test_close_checks_name_missing_work(tmp_path):
    from opstui.services import notes

    session = team_session(tmp_path / "t.db")
    task_id = change_with_subtask(session)
    notes.add_note(session, task_id, "Findings", "pg_upgrade works")
    checks = {check.name: check for check in process.close_checks(session, task_id)}
    assert checks["official instruction"].ok is False
    assert checks["notes retired"].ok is False
    assert checks["monitoring documented"].ok is False
    missing = process.missing_for_close(session, task_id)
    assert "no official instruction" in missing
    assert "1 note(s) not retired" in missing
    assert any(text.startswith("open step(s) 3, 4") for text in missing)


def test_official_instruction_satisfies_check(tmp_path):
    from opstui.services import kb

    session = team_session(tmp_path / "t.db")
    task_id = change_with_subtask(session)
    instruction_id = kb.create_instruction(session, "Upgrade procedure", body="# Upgrade procedure\n\n1. Stop\n",
                                           task_id=task_id)
    kb.publish(session, instruction_id)
    checks = {check.name: check for check in process.close_checks(session, task_id)}
    assert checks["official instruction"].ok is True
