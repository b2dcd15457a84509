"""The installed opstui program in a real terminal under tmux: keys in, screen text out."""

import sys
import time
from pathlib import Path

import pytest

from opstui.services import tasks, users
from tests.helpers import team_session
from tests.tmux_terminal import TmuxTerminal

pytestmark = pytest.mark.tmux

OPSTUI = str(Path(sys.executable).parent / "opstui")


@pytest.fixture
def environment(isolated_home):
    return {
        "XDG_CONFIG_HOME": str(isolated_home / "config"),
        "XDG_DATA_HOME": str(isolated_home / "data"),
        "XDG_STATE_HOME": str(isolated_home / "state"),
        "USER": "alice",
        "LOGNAME": "alice",
        "TERM": "xterm-256color",
    }


def known_team(path):
    """A team whose manager alice has already answered the first-use prompt."""
    session = team_session(path)
    users.update_profile(session, "alice", display_name="Alice Martin", email="alice@example.org")
    return session


def test_request_to_discovery_by_keyboard(tmp_path, environment):
    path = tmp_path / "ops.db"
    known_team(path).close()
    terminal = TmuxTerminal([OPSTUI, "--db", str(path)], width=100, height=30, environment=environment)
    try:
        terminal.wait_for("Request (0)")
        terminal.send("n")
        terminal.wait_for("New request and master task")
        terminal.type("Patch OpenSSL on bastions")
        terminal.send("C-s")
        terminal.wait_for("Request (1)")
        terminal.send("enter")
        terminal.wait_for("Master task")
        terminal.send("]")
        terminal.wait_for("Tick step")
        terminal.send("]")
        terminal.wait_for("Add subtask")
        terminal.send("a")
        terminal.wait_for("New subtask of")
        terminal.type("Build the package")
        terminal.send("C-s")
        terminal.wait_for("Build the package")
        terminal.send("A")
        terminal.wait_for("Bob Okafor (bob")
        for key in ("down", "space", "enter"):
            # One key at a time, as a person types: keys sent while a dialog is
            # still mounting would reach the screen underneath.
            terminal.send(key)
            time.sleep(0.3)
        terminal.wait_for_line("Build the package", "bob")
        terminal.send("escape")
        terminal.wait_for("Request (1)")
        terminal.send("L")
        # Step 3 (assignment notified) may still be open, so the move can ask why.
        if "Discovery (1)" not in terminal.wait_for_any("Discovery (1)", "with step(s)"):
            terminal.type("notified bob in person")
            terminal.send("enter")
        screen = terminal.wait_for("Discovery (1)")
        assert "Patch OpenSSL" in screen
        terminal.send("q")
        terminal.wait_for("[exited with status 0 ]")
    finally:
        terminal.close()

    session = team_session(path)
    master = tasks.list_tasks(session, kind="master")[0]
    assert master["stage"] == "discovery"
    subtasks = tasks.task_detail(session, master["id"])["subtasks"]
    assert [(row["title"], row["assignees"]) for row in subtasks] == [("Build the package", ["bob"])]
    session.close()


def test_board_fits_80_by_24(tmp_path, environment):
    path = tmp_path / "ops.db"
    session = known_team(path)
    for stage in ("request", "discovery", "sandbox", "production", "monitoring", "done"):
        task_id = tasks.create_request(session, f"Change in {stage}")
        tasks.move_task(session, task_id, stage)
    session.close()
    terminal = TmuxTerminal([OPSTUI, "--db", str(path)], width=80, height=24, environment=environment)
    try:
        screen = terminal.wait_for("Request (1)")
        assert "Discovery (1)" in screen
        assert "Monitoring" not in screen
        terminal.send("l", "l", "l", "l")
        screen = terminal.wait_for("Monitoring (1)")
        assert "Request (1)" not in screen
        assert all(len(line) <= 80 for line in screen.splitlines())
        terminal.send("?")
        terminal.wait_for("Keys: board")
        terminal.send("escape")
        terminal.wait_until_gone("Keys: board")
        terminal.send("q")
        terminal.wait_for("[exited with status 0 ]")
    finally:
        terminal.close()


def test_cli_refuses_board_without_terminal(tmp_path):
    import subprocess

    result = subprocess.run([OPSTUI, "--db", str(tmp_path / "ops.db")], capture_output=True, text=True,
                            stdin=subprocess.DEVNULL)
    assert result.returncode == 1
    assert "the board needs a terminal" in result.stderr
