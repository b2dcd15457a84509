"""``opstui notify`` commands, run as real processes, including two senders racing."""

import json
import os
import subprocess
import sys
from collections import Counter

import pytest

from notify_helpers import make_master, open_team
from opstui.services import tasks
from smtp_server import smtp_server  # noqa: F401  (pytest fixture)


def run_opstui(database, *arguments, login="bob", extra_env=None, check=True):
    env = {**os.environ, "USER": login, "LOGNAME": login, **(extra_env or {})}
    result = subprocess.run(
        [sys.executable, "-m", "opstui", "--db", str(database), *arguments],
        capture_output=True, text=True, env=env, timeout=60,
    )
    if check and result.returncode != 0:
        raise AssertionError(f"opstui {arguments} failed: {result.stderr}")
    return result


def smtp_env(server):
    return {
        "OPSTUI_SMTP_HOST": "127.0.0.1",
        "OPSTUI_SMTP_PORT": str(server.port),
        "OPSTUI_SMTP_SECURITY": "none",
        "OPSTUI_SMTP_FROM": "opstui <opstui@example.org>",
    }


@pytest.fixture
def database(tmp_path):
    path = tmp_path / "team.db"
    sessions = open_team(path)
    task_id = make_master(sessions["alice"], "Renew TLS certificates")
    tasks.assign(sessions["alice"], task_id, "bob")
    for session in sessions.values():
        session.close()
    return path


def test_list_json(database):
    result = run_opstui(database, "notify", "list", "--json")
    rows = json.loads(result.stdout)
    assert len(rows) == 1
    assert rows[0]["kind"] == "assigned"
    assert rows[0]["actor"] == "alice"
    assert rows[0]["read_at"] is None
    assert "Renew TLS certificates" in rows[0]["text"]


def test_read_marks_notification(database):
    notification_id = json.loads(run_opstui(database, "notify", "list", "--json").stdout)[0]["id"]
    result = run_opstui(database, "notify", "read", str(notification_id))
    assert "Marked 1 notification read." in result.stdout
    assert json.loads(run_opstui(database, "notify", "list", "--unread", "--json").stdout) == []


def test_prefs_round_trip(database):
    result = run_opstui(database, "notify", "prefs", "--email", "off", "--digest", "on", "--json")
    assert json.loads(result.stdout) == {"email": False, "digest": True}
    shown = run_opstui(database, "notify", "prefs")
    assert shown.stdout.splitlines() == ["email: off", "digest: on"]


def test_prefs_rejects_bad_value(database):
    result = run_opstui(database, "notify", "prefs", "--email", "maybe", check=False)
    assert result.returncode != 0
    assert "maybe" in result.stderr


def test_send_without_smtp_fails(database):
    result = run_opstui(database, "notify", "send", check=False)
    assert result.returncode == 1
    assert "SMTP is not configured" in result.stderr
    assert "OPSTUI_SMTP_HOST" in result.stderr


def test_send_with_bad_port_names_it(database):
    env = {"OPSTUI_SMTP_HOST": "127.0.0.1", "OPSTUI_SMTP_PORT": "smtp", "OPSTUI_SMTP_FROM": "a@example.org"}
    result = run_opstui(database, "notify", "send", extra_env=env, check=False)
    assert result.returncode == 1
    assert "'smtp'" in result.stderr


@pytest.mark.smtp
def test_send_delivers_and_stays_quiet_after(database, smtp_server):
    first = run_opstui(database, "notify", "send", extra_env=smtp_env(smtp_server))
    assert first.stdout.strip() == "sent 1, will retry 0, failed 0"
    second = run_opstui(database, "notify", "send", extra_env=smtp_env(smtp_server))
    assert second.stdout == ""
    assert second.stderr == ""
    received = smtp_server.handler.wait_for(1)
    assert [mail.rcpt_tos for mail in received] == [["bob@example.org"]]


def test_outbox_is_manager_only(database):
    assert "pending" in run_opstui(database, "notify", "outbox", login="alice").stdout
    denied = run_opstui(database, "notify", "outbox", login="bob", check=False)
    assert denied.returncode == 1
    assert "managers" in denied.stderr


@pytest.mark.smtp
def test_two_senders_race_exactly_once(tmp_path, smtp_server):
    database = tmp_path / "race.db"
    sessions = open_team(database)
    for number in range(12):
        task_id = make_master(sessions["alice"], f"Patch host db-{number}")
        tasks.set_assignees(sessions["alice"], task_id, ["bob", "carol"])
    for session in sessions.values():
        session.close()
    smtp_server.handler.data_delay = 0.02

    command = [sys.executable, "-m", "opstui", "--db", str(database), "notify", "send", "--json"]
    env = {**os.environ, **smtp_env(smtp_server)}
    senders = [
        subprocess.Popen(command, env={**env, "USER": login, "LOGNAME": login},
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        for login in ("bob", "carol")
    ]
    outputs = [sender.communicate(timeout=60) for sender in senders]

    for sender, (_, stderr) in zip(senders, outputs):
        assert sender.returncode == 0, stderr
    reports = [json.loads(stdout) for stdout, _ in outputs]
    assert sum(report["sent"] for report in reports) == 24
    assert all(report["failed"] == 0 for report in reports)

    received = smtp_server.handler.wait_for(24)
    assert len(received) == 24
    pairs = Counter((mail.rcpt_tos[0], mail.message["X-Opstui-Task"]) for mail in received)
    assert len(pairs) == 24
    assert set(pairs.values()) == {1}
