"""Activity task, closing order, board moves, reject/cancel/reopen, delete/restore, comments, templates."""

import pytest

from opstui.errors import NotFoundError, PermissionDenied, UserError
from opstui.services import activity, comments, process, task_lifecycle, tasks, templates
from tests.helpers import team_session
from tests.process_helpers import change_with_subtask, events_of, states


def ready_change(session) -> int:
    """A change whose steps 1 to 6 are done, so step 7 comes next."""
    task_id = change_with_subtask(session)
    process.sync_automatic_steps(session, task_id)
    for step in (4, 5, 6):
        process.tick_step(session, task_id, step)
    return task_id


# -- activity task -------------------------------------------------------------

def test_activity_create_ticks_step_seven(tmp_path):
    session = team_session(tmp_path / "t.db")
    task_id = ready_change(session)
    activity_id = activity.create_activity(session, task_id)
    row = tasks.get_task(session, activity_id)
    assert row["kind"] == "activity"
    assert row["parent_id"] == task_id
    assert row["assignees"] == ["bob"]
    assert states(process.checklist(session, task_id))[7] == "done"
    assert activity.activity_of(session, task_id)["id"] == activity_id


def test_activity_create_early_needs_reason(tmp_path):
    session = team_session(tmp_path / "t.db")
    task_id = change_with_subtask(session)
    with pytest.raises(UserError, match="--reason"):
        activity.create_activity(session, task_id)
    activity.create_activity(session, task_id, reason="urgent fix")
    assert process.checklist(session, task_id)[6]["reason"] == "urgent fix"


def test_second_activity_refused(tmp_path):
    session = team_session(tmp_path / "t.db")
    task_id = ready_change(session)
    first = activity.create_activity(session, task_id)
    with pytest.raises(UserError, match=f"#{first}"):
        activity.create_activity(session, task_id)


def test_activity_links_official_instructions(tmp_path):
    from opstui.services import kb, notes

    session = team_session(tmp_path / "t.db")
    task_id = ready_change(session)
    notes.add_note(session, task_id, "Findings", "text")
    instruction_id = kb.create_instruction(session, "Procedure", body="# Procedure\n\n1. Do it\n", task_id=task_id)
    kb.publish(session, instruction_id)
    activity_id = activity.create_activity(session, task_id)
    assert [row["id"] for row in kb.instructions_of_task(session, activity_id)] == [instruction_id]
    links = activity.activity_links(session, activity_id)
    assert [row["title"] for row in links["notes"]] == ["Findings"]
    assert [row["id"] for row in links["instructions"]] == [instruction_id]


def test_activity_close_needs_summary(tmp_path):
    session = team_session(tmp_path / "t.db")
    task_id = ready_change(session)
    activity_id = activity.create_activity(session, task_id)
    task_lifecycle.complete_master_task(session, task_id, reason="checks not relevant")
    with pytest.raises(UserError, match="summary set"):
        activity.close_activity(session, activity_id)
    comments.set_summary(session, activity_id, "Done in one window.")
    activity.close_activity(session, activity_id)
    assert tasks.get_task(session, activity_id)["status"] == "done"
    assert states(process.checklist(session, task_id))[12] == "done"


def test_activity_close_before_master_needs_reason(tmp_path):
    session = team_session(tmp_path / "t.db")
    task_id = ready_change(session)
    activity_id = activity.create_activity(session, task_id)
    comments.set_summary(session, activity_id, "Done.")
    with pytest.raises(UserError, match="step 11 comes first"):
        activity.close_activity(session, activity_id)
    activity.close_activity(session, activity_id, reason="master waits for diagrams")
    assert process.checklist(session, task_id)[11]["reason"] == "master waits for diagrams"


# -- completing the master task and board moves --------------------------------

def test_complete_master_is_manager_action(tmp_path):
    team_session(tmp_path / "t.db")
    bob = team_session(tmp_path / "t.db", login="bob")
    task_id = tasks.create_request(team_session(tmp_path / "t.db"), "Rotate keys")
    with pytest.raises(PermissionDenied, match="manager"):
        task_lifecycle.complete_master_task(bob, task_id, reason="x")


def test_complete_with_missing_work_needs_reason(tmp_path):
    session = team_session(tmp_path / "t.db")
    task_id = ready_change(session)
    with pytest.raises(UserError, match="no official instruction.*--reason"):
        task_lifecycle.complete_master_task(session, task_id)
    task = task_lifecycle.complete_master_task(session, task_id, reason="documented in the wiki")
    assert task["stage"] == "done"
    assert task["status"] == "done"
    step = process.checklist(session, task_id)[10]
    assert step["state"] == "done"
    assert step["reason"] == "documented in the wiki"
    done_event = events_of(session, task_id, "task.done")[-1]
    assert "no official instruction" in done_event["data"]["missing"]


def test_move_past_open_steps_needs_reason(tmp_path):
    session = team_session(tmp_path / "t.db")
    task_id = tasks.create_request(session, "Rotate keys")
    assert task_lifecycle.steps_passed_open(session, task_id, "sandbox") == [2, 3, 4]
    with pytest.raises(UserError, match="2, 3, 4.*--reason"):
        task_lifecycle.move_master_task(session, task_id, "sandbox")
    task_lifecycle.move_master_task(session, task_id, "sandbox", reason="research done offline")
    moved = events_of(session, task_id, "task.moved")[-1]
    assert moved["data"] == {"from": "request", "to": "sandbox", "reason": "research done offline"}
    assert task_lifecycle.move_master_task(session, task_id, "request")["stage"] == "request"


def test_move_with_steps_done_needs_no_reason(tmp_path):
    session = team_session(tmp_path / "t.db")
    task_id = change_with_subtask(session)
    process.sync_automatic_steps(session, task_id)
    assert task_lifecycle.move_master_task(session, task_id, "discovery")["stage"] == "discovery"


def test_move_to_done_completes_and_back_reopens(tmp_path):
    session = team_session(tmp_path / "t.db")
    task_id = ready_change(session)
    task_lifecycle.move_master_task(session, task_id, "done", reason="checks do not apply")
    assert states(process.checklist(session, task_id))[11] == "done"
    assert tasks.board_cards(session)[0]["status"] == "done"
    task = task_lifecycle.move_master_task(session, task_id, "monitoring")
    assert task["status"] == "open"
    assert states(process.checklist(session, task_id))[11] == "open"


def test_board_card_shows_open_activity_only(tmp_path):
    from datetime import date

    from opstui.widgets.card import Card

    session = team_session(tmp_path / "t.db")
    task_id = ready_change(session)
    activity_id = activity.create_activity(session, task_id)
    assert Card.from_row(tasks.board_cards(session)[0], date.today()).activity == "activity open"
    comments.set_summary(session, activity_id, "Done.")
    task_lifecycle.complete_master_task(session, task_id, reason="r")
    activity.close_activity(session, activity_id)
    assert Card.from_row(tasks.board_cards(session)[0], date.today()).activity == ""


# -- reject, cancel, reopen, delete, restore -----------------------------------

@pytest.mark.parametrize("end, status", [(task_lifecycle.reject_request, "rejected"),
                                         (task_lifecycle.cancel_request, "cancelled")])
def test_ended_request_leaves_board(tmp_path, end, status):
    session = team_session(tmp_path / "t.db")
    task_id = tasks.create_request(session, "Open port 8443")
    with pytest.raises(UserError, match="--reason"):
        end(session, task_id, "")
    end(session, task_id, "duplicate of CHG-1")
    assert tasks.board_cards(session) == []
    assert [row["id"] for row in tasks.list_tasks(session, status=status)] == [task_id]
    assert events_of(session, task_id, f"task.{status}")[0]["data"]["reason"] == "duplicate of CHG-1"
    task_lifecycle.reopen_task(session, task_id, reason="customer asked again")
    assert [card["id"] for card in tasks.board_cards(session)] == [task_id]


def test_delete_is_manager_action_and_recoverable(tmp_path):
    session = team_session(tmp_path / "t.db")
    bob = team_session(tmp_path / "t.db", login="bob")
    task_id = tasks.create_request(session, "Old request")
    with pytest.raises(PermissionDenied):
        task_lifecycle.delete_task(bob, task_id, "cleanup")
    with pytest.raises(UserError, match="--reason"):
        task_lifecycle.delete_task(session, task_id, "")
    task_lifecycle.delete_task(session, task_id, "entered twice")
    assert tasks.board_cards(session) == []
    with pytest.raises(NotFoundError):
        tasks.get_task(bob, task_id)
    assert [row["id"] for row in task_lifecycle.deleted_tasks(session)] == [task_id]
    task_lifecycle.restore_task(session, task_id)
    assert [card["id"] for card in tasks.board_cards(session)] == [task_id]


def test_deleting_activity_reopens_step_seven(tmp_path):
    session = team_session(tmp_path / "t.db")
    task_id = ready_change(session)
    activity_id = activity.create_activity(session, task_id)
    task_lifecycle.delete_task(session, activity_id, "created by mistake")
    assert states(process.checklist(session, task_id))[7] == "open"
    task_lifecycle.restore_task(session, activity_id)
    assert states(process.checklist(session, task_id))[7] == "done"


# -- comments ------------------------------------------------------------------

def test_comments_record_author_and_time(tmp_path):
    session = team_session(tmp_path / "t.db")
    task_id = tasks.create_request(session, "Rotate keys")
    bob = team_session(tmp_path / "t.db", login="bob")
    comments.add_comment(session, task_id, "First **note**")
    comments.add_comment(bob, task_id, "Second")
    rows = comments.list_comments(session, task_id)
    assert [(row["author"], row["body"]) for row in rows] == [("alice", "First **note**"), ("bob", "Second")]
    assert all(row["created_at"].endswith("Z") for row in rows)
    with pytest.raises(UserError, match="empty"):
        comments.add_comment(session, task_id, "  \n ")


def test_summary_only_on_activity(tmp_path):
    session = team_session(tmp_path / "t.db")
    task_id = ready_change(session)
    with pytest.raises(UserError, match="activity task"):
        comments.set_summary(session, task_id, "text")
    activity_id = activity.create_activity(session, task_id)
    comments.set_summary(session, activity_id, "first")
    comments.set_summary(session, activity_id, "second")
    assert comments.get_summary(session, activity_id)["body"] == "second"
    assert len(comments.list_comments(session, activity_id, kind="summary")) == 2


# -- templates -----------------------------------------------------------------

def test_template_starts_empty(tmp_path):
    session = team_session(tmp_path / "t.db")
    assert templates.get_template(session, "customer")["subtasks"] == []
    task_id = tasks.create_request(session, "Open port", source="customer")
    assert tasks.task_detail(session, task_id)["subtasks"] == []


def test_template_needs_manager(tmp_path):
    team_session(tmp_path / "t.db")
    bob = team_session(tmp_path / "t.db", login="bob")
    with pytest.raises(PermissionDenied):
        templates.set_template(bob, "customer", {"subtasks": ["Check firewall"]})


def test_template_applied_to_new_master(tmp_path):
    from datetime import date, timedelta

    session = team_session(tmp_path / "t.db")
    templates.set_template(session, "customer", {
        "assignees": ["carol"], "due_days": 10,
        "subtasks": [{"title": "Check firewall policy", "assignee": "bob", "due_days": 2},
                     "Answer the customer"],
    })
    task_id = tasks.create_request(session, "Open port 8443", source="customer")
    detail = tasks.task_detail(session, task_id)
    today = date.today()
    assert detail["assignees"] == ["carol"]
    assert detail["due_on"] == (today + timedelta(days=10)).isoformat()
    assert [(row["title"], row["assignees"], row["due_on"]) for row in detail["subtasks"]] == [
        ("Check firewall policy", ["bob"], (today + timedelta(days=2)).isoformat()),
        ("Answer the customer", [], (today + timedelta(days=10)).isoformat()),
    ]
    assert states(process.checklist(session, task_id))[2] == "done"
    other = tasks.create_request(session, "Other source", source="deployment")
    assert tasks.task_detail(session, other)["subtasks"] == []
    plain = tasks.create_request(session, "Without template", source="customer", use_template=False)
    assert tasks.task_detail(session, plain)["subtasks"] == []


@pytest.mark.parametrize("template, message", [
    ({"subtasks": [{"title": ""}]}, "title is empty"),
    ({"subtasks": [{"title": "x", "due_days": "soon"}]}, "whole number of days"),
    ({"subtasks": [{"title": "x", "priority": "asap"}]}, "unknown priority"),
    ({"assignees": ["nobody"]}, "not an active user"),
    ({"colour": "red"}, "unknown template field"),
])
def test_template_rejects_invalid(tmp_path, template, message):
    session = team_session(tmp_path / "t.db")
    with pytest.raises(UserError, match=message):
        templates.set_template(session, "infrastructure", template)


def test_subtask_spec_parsing():
    assert templates.parse_subtask_spec("Check the firewall @dave +3") == {
        "title": "Check the firewall", "assignee": "dave", "due_days": 3, "description": "", "priority": "normal"}
    assert templates.parse_subtask_spec("Plain title")["assignee"] is None
