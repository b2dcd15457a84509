"""Notifications from events: inbox, preferences, reassignment and mentions."""

from datetime import timedelta

import pytest

from notify_helpers import make_master, open_team
from opstui.errors import PermissionDenied, UserError
from opstui.services import notify, tasks
from opstui.store import notify as notify_rows
from opstui.store.clock import from_iso, utc_now


@pytest.fixture
def team(tmp_path):
    sessions = open_team(tmp_path / "team.db")
    yield sessions
    for session in sessions.values():
        session.close()


def outbox(session):
    return session.store.query("SELECT * FROM mail_outbox ORDER BY id")


def test_assignment_notifies_assignee(team):
    task_id = make_master(team["alice"])
    tasks.assign(team["alice"], task_id, "bob")

    rows = notify.list_notifications(team["bob"])
    assert len(rows) == 1
    assert rows[0]["kind"] == "assigned"
    assert rows[0]["task_id"] == task_id
    assert rows[0]["actor"] == "alice"
    assert rows[0]["text"] == f"Alice Martin assigned you to #{task_id} Upgrade PostgreSQL on db-3"
    assert notify.unread_count(team["bob"]) == 1
    assert notify.list_notifications(team["carol"]) == []


def test_assignment_queues_one_mail(team):
    task_id = make_master(team["alice"])
    tasks.assign(team["alice"], task_id, "bob")
    notify.catch_up(team["carol"])
    notify.catch_up(team["bob"])

    rows = outbox(team["alice"])
    assert len(rows) == 1
    assert rows[0]["recipient"] == "bob@example.org"
    assert rows[0]["state"] == "pending"
    assert rows[0]["digest"] == 0


def test_self_assignment_is_silent(team):
    task_id = make_master(team["alice"])
    tasks.assign(team["alice"], task_id, "alice")
    assert notify.list_notifications(team["alice"]) == []
    assert outbox(team["alice"]) == []


def test_processing_twice_creates_nothing_new(team):
    task_id = make_master(team["alice"])
    tasks.assign(team["alice"], task_id, "bob")
    assert notify.catch_up(team["alice"]) == 1
    assert notify.catch_up(team["bob"]) == 0
    assert notify.catch_up(team["carol"]) == 0
    assert len(notify.list_notifications(team["bob"])) == 1


def test_reassignment_and_unassignment(team):
    task_id = make_master(team["alice"])
    tasks.assign(team["alice"], task_id, "bob")
    notify.catch_up(team["alice"])
    tasks.set_assignees(team["alice"], task_id, ["carol"])

    bob_rows = notify.list_notifications(team["bob"])
    assert [row["kind"] for row in bob_rows] == ["unassigned", "assigned"]
    carol_rows = notify.list_notifications(team["carol"])
    assert len(carol_rows) == 1
    assert carol_rows[0]["kind"] == "reassigned"
    assert carol_rows[0]["detail"] == "bob"
    assert "reassigned" in carol_rows[0]["text"]

    recipients = [row["recipient"] for row in outbox(team["alice"])]
    assert recipients == ["bob@example.org", "bob@example.org", "zoe@example.org"]


def test_mark_read_one_and_all(team):
    task_id = make_master(team["alice"])
    tasks.assign(team["alice"], task_id, "bob")
    tasks.unassign(team["alice"], task_id, "bob")
    rows = notify.list_notifications(team["bob"])
    assert notify.unread_count(team["bob"]) == 2

    assert notify.mark_read(team["bob"], [rows[0]["id"]]) == 1
    assert notify.unread_count(team["bob"]) == 1
    assert [row["kind"] for row in notify.list_notifications(team["bob"], unread_only=True)] == ["assigned"]

    assert notify.mark_read(team["bob"]) == 1
    assert notify.unread_count(team["bob"]) == 0


def test_mark_read_ignores_other_users_ids(team):
    task_id = make_master(team["alice"])
    tasks.assign(team["alice"], task_id, "bob")
    bob_row = notify.list_notifications(team["bob"])[0]
    assert notify.mark_read(team["carol"], [bob_row["id"]]) == 0
    assert notify.unread_count(team["bob"]) == 1


def test_email_off_queues_no_mail(team):
    assert notify.set_prefs(team["bob"], email=False) == {"email": False, "digest": False}
    task_id = make_master(team["alice"])
    tasks.assign(team["alice"], task_id, "bob")

    assert len(notify.list_notifications(team["bob"])) == 1
    assert outbox(team["alice"]) == []


def test_digest_delays_and_aligns_mail(team):
    notify.set_prefs(team["bob"], digest=True)
    first = make_master(team["alice"], "First change")
    second = make_master(team["alice"], "Second change")
    tasks.assign(team["alice"], first, "bob")
    notify.catch_up(team["alice"])
    tasks.assign(team["alice"], second, "bob")
    notify.catch_up(team["alice"])

    rows = outbox(team["alice"])
    assert [row["digest"] for row in rows] == [1, 1]
    assert rows[0]["next_attempt_at"] == rows[1]["next_attempt_at"]
    assert from_iso(rows[0]["next_attempt_at"]) > utc_now() + timedelta(minutes=50)


def test_prefs_need_a_change(team):
    with pytest.raises(UserError, match="--email"):
        notify.set_prefs(team["bob"])


def test_prefs_keep_the_other_value(team):
    notify.set_prefs(team["bob"], digest=True)
    assert notify.set_prefs(team["bob"], email=False) == {"email": False, "digest": True}
    assert notify.get_prefs(team["bob"]) == {"email": False, "digest": True}
    assert notify.get_prefs(team["carol"]) == {"email": True, "digest": False}


def test_user_without_address_gets_inbox_only(team):
    from opstui.services import users

    users.add_user(team["alice"], "dave", display_name="Dave", email="")
    task_id = make_master(team["alice"])
    tasks.assign(team["alice"], task_id, "dave")
    notify.catch_up(team["alice"])

    assert notify_rows.unread_count(team["alice"].store, "dave") == 1
    assert outbox(team["alice"]) == []


def test_comment_event_notifies_assignees_and_mentions(team):
    task_id = make_master(team["alice"])
    tasks.assign(team["alice"], task_id, "bob")
    notify.catch_up(team["alice"])

    def comment(transaction):
        transaction.event("comment.added", task_id=task_id, entity="comment", entity_id=1,
                          data={"body": "Ready for review, @carol? Mail bob@example.org if not."})

    team["alice"].store.write("alice", comment)

    bob_kinds = [row["kind"] for row in notify.list_notifications(team["bob"])]
    assert bob_kinds == ["commented", "assigned"]
    carol_rows = notify.list_notifications(team["carol"])
    assert [row["kind"] for row in carol_rows] == ["mentioned"]
    assert "@carol" in carol_rows[0]["detail"]


def test_mentions_in_event_data(team):
    task_id = make_master(team["alice"])

    def instruction_saved(transaction):
        transaction.event("instruction.saved", task_id=task_id, entity="instruction", entity_id=3,
                          data={"mentions": ["bob", "alice", "nobody"], "excerpt": "see @bob"})

    team["alice"].store.write("alice", instruction_saved)
    notify.catch_up(team["alice"])

    rows = notify.list_notifications(team["bob"])
    assert [row["kind"] for row in rows] == ["mentioned"]
    assert rows[0]["detail"] == "see @bob"
    assert notify.list_notifications(team["alice"]) == []


def test_find_mentions_skips_email_addresses():
    text = "ping @bob and @carol.smith, not bob@example.org; @bob twice (@dave)."
    assert notify.find_mentions(text) == ["bob", "carol.smith", "dave"]


def test_outbox_listing_is_for_managers(team):
    assert notify.list_outbox(team["alice"]) == []
    with pytest.raises(PermissionDenied):
        notify.list_outbox(team["bob"])


def test_toast_for_assignment_by_someone_else():
    event = {"kind": "task.assigned", "actor": "alice", "task_id": 7, "entity_id": "bob",
             "data": {"login": "bob", "title": "Rotate keys"}}
    assert notify.toast_text(event, "bob") == "alice assigned you to #7 Rotate keys"
    assert notify.toast_text(event, "bob", actor_name="Alice Martin") == "Alice Martin assigned you to #7 Rotate keys"
    assert notify.toast_text(event, "carol") is None
    assert notify.toast_text({**event, "actor": "bob"}, "bob") is None


def test_toast_for_failed_mail_only_for_managers():
    event = {"kind": "mail.failed", "actor": "alice", "task_id": 7, "entity_id": "1",
             "data": {"recipient": "bob@example.org", "error": "550 no such user"}}
    assert notify.toast_text(event, "alice", manager=True) == "E-mail to bob@example.org failed: 550 no such user"
    assert notify.toast_text(event, "bob") is None


def test_comment_service_notifies(team):
    from opstui.services import comments

    task_id = make_master(team["alice"])
    tasks.assign(team["alice"], task_id, "bob")
    long_text = "x" * 300 + " and @carol please check"
    comments.add_comment(team["alice"], task_id, long_text)
    comments.add_comment(team["bob"], task_id, "done, my own comment")

    assert [row["kind"] for row in notify.list_notifications(team["bob"])] == ["commented", "assigned"]
    carol_rows = notify.list_notifications(team["carol"])
    assert [row["kind"] for row in carol_rows] == ["mentioned"]
    assert carol_rows[0]["detail"].endswith("@carol please check")


def test_note_mentions_notify_once(team):
    from opstui.services import notes

    task_id = make_master(team["alice"])
    note_id = notes.add_note(team["alice"], task_id, "Discovery", "Ask @bob about the VIP.")
    notify.catch_up(team["alice"])
    note = notes.get_note(team["alice"], note_id)
    notes.save_note(team["alice"], note_id, note["version"], title="Discovery",
                    body="Ask @bob about the VIP.\nAnd @carol for the firewall.")

    bob_rows = notify.list_notifications(team["bob"])
    carol_rows = notify.list_notifications(team["carol"])
    assert [row["kind"] for row in bob_rows] == ["mentioned"]
    assert [row["kind"] for row in carol_rows] == ["mentioned"]
    assert "And @carol for the firewall." in carol_rows[0]["detail"]
    assert "Discovery" in carol_rows[0]["detail"]
