"""Task services on a real database: requests, subtasks, assignments, moves, conflicts."""

import pytest

from opstui.errors import ConflictError, NotFoundError, UserError
from opstui.services import tasks, users
from opstui.services.live import EventFeed, audit_trail
from tests.helpers import team_session


@pytest.fixture
def session(tmp_path):
    session = team_session(tmp_path / "ops.db")
    yield session
    session.close()


def test_first_user_is_manager(session):
    assert users.get_user(session, "alice")["role"] == "manager"
    assert users.get_user(session, "bob")["role"] == "sysadmin"


def test_create_request_records_request_and_task(session):
    task_id = tasks.create_request(session, "  Upgrade   PostgreSQL ", source="customer", requester="ACME",
                                   external_ref="T-1", received_on="2026-11-30", assignees=["bob"])
    task = tasks.get_task(session, task_id)
    assert task["title"] == "Upgrade PostgreSQL"
    assert task["stage"] == "request"
    assert (task["source"], task["requester"], task["external_ref"], task["received_on"]) == (
        "customer", "ACME", "T-1", "2026-11-30")
    assert task["assignees"] == ["bob"]
    kinds = [event["kind"] for event in audit_trail(session, task_id)]
    assert kinds[:3] == ["request.recorded", "task.created", "task.assigned"]
    # Recording the request ticks process step 1 in the same transaction.
    steps = [event["data"]["step"] for event in audit_trail(session, task_id) if event["kind"] == "step.done"]
    assert steps == [1]


@pytest.mark.parametrize("title, message", [
    ("", "title is empty"),
    ("   ", "title is empty"),
    ("x" * 201, "shorten it to at most 200"),
])
def test_bad_titles_are_refused(session, title, message):
    with pytest.raises(UserError, match=message):
        tasks.create_request(session, title)
    assert tasks.list_tasks(session) == []


@pytest.mark.parametrize("field, value, message", [
    ("source", "ticket", "unknown request source 'ticket'"),
    ("priority", "asap", "unknown priority 'asap'"),
    ("due_on", "31/12/2026", "invalid due date '31/12/2026'"),
    ("received_on", "yesterday", "invalid date received 'yesterday'"),
])
def test_bad_request_fields_are_refused(session, field, value, message):
    with pytest.raises(UserError, match=message):
        tasks.create_request(session, "Valid title", **{field: value})


def test_unknown_assignee_is_refused(session):
    with pytest.raises(NotFoundError, match="unknown user 'mallory'"):
        tasks.create_request(session, "Valid title", assignees=["mallory"])
    assert tasks.list_tasks(session) == []


def test_subtasks_keep_order_and_can_be_reordered(session):
    master = tasks.create_request(session, "Master")
    first = tasks.add_subtask(session, master, "First", assignee="bob")
    second = tasks.add_subtask(session, master, "Second", assignee="carol")
    tasks.move_subtask(session, second, -1)
    titles = [row["title"] for row in tasks.task_detail(session, master)["subtasks"]]
    assert titles == ["Second", "First"]
    assert tasks.get_task(session, first)["assignees"] == ["bob"]


def test_subtask_of_subtask_is_refused(session):
    master = tasks.create_request(session, "Master")
    subtask = tasks.add_subtask(session, master, "Child")
    with pytest.raises(UserError, match="subtasks belong to a master task"):
        tasks.add_subtask(session, subtask, "Grandchild")


def test_board_card_counts_subtasks_and_assignees(session):
    master = tasks.create_request(session, "Master", assignees=["alice"])
    done = tasks.add_subtask(session, master, "Done one", assignee="bob")
    tasks.add_subtask(session, master, "Open one", assignee="carol")
    tasks.set_subtask_done(session, done, True)
    card = tasks.board_cards(session)[0]
    assert (card["subtasks_done"], card["subtasks_total"]) == (1, 2)
    assert card["assignees"] == ["alice", "bob", "carol"]


def test_move_records_event_with_reason(session):
    task_id = tasks.create_request(session, "Master")
    tasks.move_task(session, task_id, "Sandbox", reason="discovery done in the ticket")
    assert tasks.get_task(session, task_id)["stage"] == "sandbox"
    moved = [event for event in audit_trail(session, task_id) if event["kind"] == "task.moved"]
    assert moved[0]["data"] == {"from": "request", "to": "sandbox", "reason": "discovery done in the ticket"}


def test_move_to_unknown_stage_is_refused(session):
    task_id = tasks.create_request(session, "Master")
    with pytest.raises(UserError, match="unknown stage 'qa'; use one of: request, discovery"):
        tasks.move_task(session, task_id, "qa")


def test_stale_move_is_refused(session):
    task_id = tasks.create_request(session, "Master")
    version = tasks.get_task(session, task_id)["version"]
    tasks.move_task(session, task_id, "discovery", expected_version=version)
    with pytest.raises(ConflictError, match="changed by someone else"):
        tasks.move_task(session, task_id, "sandbox", expected_version=version)
    assert tasks.get_task(session, task_id)["stage"] == "discovery"


def test_stale_edit_is_refused_and_keeps_other_text(session, tmp_path):
    task_id = tasks.create_request(session, "Master", description="first")
    version = tasks.get_task(session, task_id)["version"]
    tasks.update_task(session, task_id, version, description="bob's text")
    with pytest.raises(ConflictError) as conflict:
        tasks.update_task(session, task_id, version, description="alice's text")
    assert conflict.value.current["description"] == "bob's text"
    assert tasks.get_task(session, task_id)["description"] == "bob's text"


def test_set_assignees_records_each_change(session):
    task_id = tasks.create_request(session, "Master", assignees=["bob"])
    tasks.set_assignees(session, task_id, ["carol"])
    kinds = [(event["kind"], event["data"]["login"]) for event in audit_trail(session, task_id)
             if event["kind"].startswith("task.") and "login" in event["data"]]
    assert kinds == [("task.assigned", "bob"), ("task.unassigned", "bob"), ("task.assigned", "carol")]


def test_event_feed_sees_other_connections(tmp_path):
    path = tmp_path / "ops.db"
    mine = team_session(path)
    feed = EventFeed(mine)
    assert feed.poll() == []
    other = team_session(path, login="bob")
    tasks.create_request(other, "From bob")
    events = feed.poll()
    assert [event["kind"] for event in events] == ["request.recorded", "task.created", "step.done"]
    assert all(event["actor"] == "bob" for event in events)
    assert feed.poll() == []
    tasks.create_request(mine, "From alice")
    assert [event["kind"] for event in feed.poll()] == ["request.recorded", "task.created", "step.done"]
    other.close()
    mine.close()


def test_stale_move_to_same_stage_is_refused(session):
    task_id = tasks.create_request(session, "Master")
    version = tasks.get_task(session, task_id)["version"]
    tasks.move_task(session, task_id, "discovery", expected_version=version)
    with pytest.raises(ConflictError, match="changed by someone else"):
        tasks.move_task(session, task_id, "discovery", expected_version=version)
