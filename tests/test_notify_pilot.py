"""Notifications in the running app under Pilot: toast, unread count and inbox."""

import asyncio
import time
from datetime import timedelta

import pytest

from opstui.app import build_app
from opstui.mail import backoff
from opstui.screens import notify_live
from opstui.screens.inbox import InboxScreen
from opstui.screens.task import TaskScreen
from opstui.services import notify, tasks, users
from opstui.services.session import open_session
from tests.helpers import team_session
from tests.smtp_server import smtp_server  # noqa: F401  (pytest fixture)


def toast_messages(app) -> list[str]:
    return [notification.message for notification in app._notifications]


async def wait_until(pilot, condition, timeout: float = 3.0) -> float:
    """Let the app run until ``condition()`` holds; return the seconds it took."""
    start = time.monotonic()
    while time.monotonic() - start < timeout:
        if condition():
            return time.monotonic() - start
        await pilot.pause(0.05)
    raise AssertionError(f"condition not met within {timeout} s")


async def test_toast_when_someone_else_assigns(tmp_path):
    database = tmp_path / "board.db"
    alice = team_session(database)
    users.update_profile(alice, "alice", display_name="Alice Martin", email="alice@example.org")
    task_id = tasks.create_request(alice, "Renew TLS certificates on the VPN")
    bob = open_session(database, login="bob")

    app = build_app(bob)
    async with app.run_test(size=(100, 30), notifications=True) as pilot:
        await pilot.pause()
        assert app.status_segments.get("inbox") is None

        await asyncio.to_thread(tasks.assign, alice, task_id, "bob")
        expected = f"Alice Martin assigned you to #{task_id} Renew TLS certificates on the VPN"
        waited = await wait_until(pilot, lambda: any(expected in text for text in toast_messages(app)))
        assert waited < 1.5

        await wait_until(pilot, lambda: app.status_segments.get("inbox") == "✉ 1 unread")
    alice.close()
    bob.close()


async def test_no_toast_for_self_assignment(tmp_path):
    database = tmp_path / "board.db"
    alice = team_session(database)
    task_id = tasks.create_request(alice, "Rotate keys")

    app = build_app(alice)
    async with app.run_test(size=(100, 30), notifications=True) as pilot:
        await pilot.pause()
        await asyncio.to_thread(tasks.assign, alice, task_id, "alice")
        await pilot.pause(0.8)
        assert not any("assigned you" in text for text in toast_messages(app))
        assert app.status_segments.get("inbox") is None
    alice.close()


async def test_inbox_opens_task_and_marks_read(tmp_path):
    database = tmp_path / "board.db"
    alice = team_session(database)
    first = tasks.create_request(alice, "Upgrade PostgreSQL")
    second = tasks.create_request(alice, "Patch [bold]OpenSSL[/bold]")
    tasks.assign(alice, first, "bob")
    tasks.assign(alice, second, "bob")
    bob = open_session(database, login="bob")

    app = build_app(bob)
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_until(pilot, lambda: app.status_segments.get("inbox") == "✉ 2 unread")
        await pilot.press("i")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, InboxScreen)
        assert [row["task_id"] for row in screen.rows] == [second, first]
        assert "[bold]OpenSSL[/bold]" in screen.rows[0]["text"]

        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, TaskScreen)
        assert app.screen.task_id == second
        assert notify.unread_count(bob) == 1
        assert app.status_segments.get("inbox") == "✉ 1 unread"

        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, InboxScreen)
        await pilot.press("R")
        await pilot.pause()
        assert notify.unread_count(bob) == 0
        assert app.status_segments.get("inbox") is None
    alice.close()
    bob.close()


@pytest.mark.smtp
async def test_app_sends_mail_after_server_returns(tmp_path, monkeypatch, smtp_server):
    monkeypatch.setattr(notify_live, "SEND_INTERVAL_S", 0.2)
    monkeypatch.setattr(backoff, "FIRST_RETRY_DELAY", timedelta(milliseconds=200))
    monkeypatch.setenv("OPSTUI_SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("OPSTUI_SMTP_PORT", str(smtp_server.port))
    monkeypatch.setenv("OPSTUI_SMTP_SECURITY", "none")
    monkeypatch.setenv("OPSTUI_SMTP_FROM", "opstui@example.org")
    database = tmp_path / "board.db"
    alice = team_session(database)
    master_id = tasks.create_request(alice, "Move DNS to the new resolvers")
    bob = open_session(database, login="bob")
    smtp_server.stop()

    app = build_app(bob)
    async with app.run_test(size=(100, 30), notifications=True) as pilot:
        await pilot.pause()
        subtask_id = await asyncio.to_thread(
            tasks.add_subtask, alice, master_id, "Switch resolv.conf on web hosts", assignee="bob"
        )
        await wait_until(pilot, lambda: any(f"#{subtask_id}" in text for text in toast_messages(app)))
        await wait_until(pilot, lambda: bob.store.scalar("SELECT max(attempts) FROM mail_outbox") or 0)
        assert smtp_server.handler.received == []

        smtp_server.start()
        await wait_until(pilot, lambda: len(smtp_server.handler.received) == 1, timeout=5)
        await pilot.pause(1.0)

    received = smtp_server.handler.received
    assert len(received) == 1
    assert received[0].rcpt_tos == ["bob@example.org"]
    assert "Switch resolv.conf on web hosts" in received[0].message["Subject"]
    assert bob.store.scalar("SELECT state FROM mail_outbox") == "sent"
    alice.close()
    bob.close()
