"""The e-mail outbox against a real aiosmtpd server on loopback."""

import logging
from datetime import timedelta

import pytest

from notify_helpers import make_master, open_team
from opstui.mail.backoff import FIRST_RETRY_DELAY, GIVE_UP_AFTER
from opstui.services import notify, tasks
from opstui.services.notify_events import DIGEST_INTERVAL
from opstui.store.clock import utc_now
from smtp_server import free_port, smtp_server  # noqa: F401  (pytest fixture)

pytestmark = pytest.mark.smtp


@pytest.fixture
def team(tmp_path):
    sessions = open_team(tmp_path / "team.db")
    yield sessions
    for session in sessions.values():
        session.close()


def outbox_states(session):
    return [row["state"] for row in session.store.query("SELECT state FROM mail_outbox ORDER BY id")]


def send(session, server, **options):
    return notify.send_pending(session.store, session.login, server.settings(), **options)


def test_assignment_mail_is_delivered_once(team, smtp_server):
    task_id = make_master(team["alice"], "Mise à jour du pare-feu")
    tasks.add_subtask(team["alice"], task_id, "Open port 5432 on fw-2", assignee="carol")

    report = send(team["bob"], smtp_server)
    again = send(team["alice"], smtp_server)

    assert report.sent == 1
    assert again.sent == 0
    received = smtp_server.handler.wait_for(1)
    assert len(received) == 1
    message = received[0].message
    assert received[0].rcpt_tos == ["zoe@example.org"]
    assert message["Subject"].startswith("[opstui] Assigned to you: #")
    assert "Open port 5432 on fw-2" in message["Subject"]
    assert message["To"].addresses[0].display_name == "Zoë Ångström"
    body = message.get_content()
    assert "Alice Martin assigned you" in body
    assert f"Part of:   #{task_id} Mise à jour du pare-feu" in body
    assert "opstui task show" in body
    assert outbox_states(team["alice"]) == ["sent"]


def test_4xx_then_accept_delivers_once(team, smtp_server):
    task_id = make_master(team["alice"])
    tasks.assign(team["alice"], task_id, "bob")
    smtp_server.handler.rcpt_replies.append("451 4.3.0 Try again later")

    first = send(team["alice"], smtp_server)
    assert first.retried == 1
    assert first.sent == 0
    row = team["alice"].store.query_one("SELECT * FROM mail_outbox")
    assert row["state"] == "pending"
    assert row["attempts"] == 1
    assert "451" in row["last_error"]

    too_early = send(team["alice"], smtp_server)
    assert too_early.sent == 0

    later = send(team["alice"], smtp_server, now=utc_now() + FIRST_RETRY_DELAY + timedelta(seconds=1))
    assert later.sent == 1
    assert len(smtp_server.handler.wait_for(1)) == 1
    assert outbox_states(team["alice"]) == ["sent"]


def test_server_down_then_up_loses_nothing(team, smtp_server):
    task_id = make_master(team["alice"])
    tasks.set_assignees(team["alice"], task_id, ["bob", "carol"])
    smtp_server.stop()

    down = send(team["alice"], smtp_server)
    assert down.retried == 2
    assert down.sent == 0
    assert outbox_states(team["alice"]) == ["pending", "pending"]

    smtp_server.start()
    up = send(team["alice"], smtp_server, now=utc_now() + FIRST_RETRY_DELAY + timedelta(seconds=1))
    assert up.sent == 2
    received = smtp_server.handler.wait_for(2)
    assert sorted(mail.rcpt_tos[0] for mail in received) == ["bob@example.org", "zoe@example.org"]
    assert outbox_states(team["alice"]) == ["sent", "sent"]


def test_5xx_fails_and_tells_managers(team, smtp_server, caplog):
    task_id = make_master(team["alice"])
    tasks.assign(team["alice"], task_id, "bob")
    smtp_server.handler.always_rcpt_reply = "550 5.1.1 No such user"

    with caplog.at_level(logging.ERROR, logger="opstui.services.notify_outbox"):
        report = send(team["carol"], smtp_server)

    assert report.failed == 1
    row = team["alice"].store.query_one("SELECT * FROM mail_outbox")
    assert row["state"] == "failed"
    assert "550" in row["last_error"]
    assert "bob@example.org" in caplog.text
    assert "550" in caplog.text

    alice_rows = notify.list_notifications(team["alice"])
    assert [r["kind"] for r in alice_rows] == ["mail_failed"]
    assert "bob@example.org" in alice_rows[0]["text"]
    assert [r["kind"] for r in notify.list_notifications(team["bob"])] == ["assigned"]
    failed = notify.list_outbox(team["alice"], states=("failed",))
    assert len(failed) == 1

    retry = send(team["carol"], smtp_server, now=utc_now() + timedelta(hours=3))
    assert retry.sent == 0
    assert retry.failed == 0


def test_temporary_failures_give_up_eventually(team, smtp_server):
    task_id = make_master(team["alice"])
    tasks.assign(team["alice"], task_id, "bob")
    notify.catch_up(team["alice"])
    smtp_server.handler.always_rcpt_reply = "421 4.4.2 Overloaded"

    report = send(team["alice"], smtp_server, now=utc_now() + GIVE_UP_AFTER - timedelta(seconds=10))
    assert report.failed == 1
    row = team["alice"].store.query_one("SELECT * FROM mail_outbox")
    assert row["state"] == "failed"
    assert "gave up" in row["last_error"]


def test_digest_sends_one_mail_later(team, smtp_server):
    notify.set_prefs(team["bob"], digest=True)
    first = make_master(team["alice"], "First change")
    second = make_master(team["alice"], "Second change")
    tasks.assign(team["alice"], first, "bob")
    tasks.assign(team["alice"], second, "bob")

    now = send(team["alice"], smtp_server)
    assert now.sent == 0

    later = send(team["alice"], smtp_server, now=utc_now() + DIGEST_INTERVAL + timedelta(minutes=1))
    assert later.sent == 1
    received = smtp_server.handler.wait_for(1)
    assert len(received) == 1
    message = received[0].message
    assert message["Subject"] == "[opstui] 2 notifications about 2 tasks"
    body = message.get_content()
    assert "First change" in body
    assert "Second change" in body
    assert outbox_states(team["alice"]) == ["sent", "sent"]


def test_invalid_address_fails_without_sending(team, smtp_server):
    from opstui.services import users

    users.add_user(team["alice"], "dave", display_name="Dave", email="dave@")
    task_id = make_master(team["alice"])
    tasks.assign(team["alice"], task_id, "dave")

    report = send(team["alice"], smtp_server)
    assert report.failed == 1
    assert smtp_server.handler.received == []
    row = team["alice"].store.query_one("SELECT * FROM mail_outbox")
    assert row["state"] == "failed"
    assert "'dave@'" in row["last_error"]
