"""Acceptance: two processes as two users on one database file.

bob has the board open in a real terminal (tmux). alice, in another process,
adds a subtask to a master task and assigns it to bob from the command line.
bob's board must show it, and a toast must tell him, without a key press.

Both processes run as the same Unix user with different USER and LOGNAME, because
the test's Python may be unreadable for other Unix users (a pyenv under /root).
tests/test_shared_setup.py covers real Unix users sharing the file.
"""

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from opstui.services import tasks
from tests.helpers import team_session
from tests.tmux_terminal import TmuxTerminal

pytestmark = pytest.mark.tmux

OPSTUI = str(Path(sys.executable).parent / "opstui")
# The app polls every 0.25 s; about a second is the promise, and a loaded CI
# machine gets some slack on top.
MAX_SECONDS_TO_APPEAR = 3.0


def _environment(isolated_home: Path, login: str) -> dict[str, str]:
    return {
        "XDG_CONFIG_HOME": str(isolated_home / login / "config"),
        "XDG_DATA_HOME": str(isolated_home / login / "data"),
        "XDG_STATE_HOME": str(isolated_home / login / "state"),
        "USER": login,
        "LOGNAME": login,
        "TERM": "xterm-256color",
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
    }


def test_assignment_appears_on_other_users_board(tmp_path, isolated_home):
    path = tmp_path / "team.db"
    alice = team_session(path)
    master_id = tasks.create_request(alice, "Migrate the DNS zones")
    alice.close()

    terminal = TmuxTerminal([OPSTUI, "--db", str(path)], width=120, height=30,
                            environment=_environment(isolated_home, "bob"))
    try:
        before = terminal.wait_for("Migrate the DNS zones")
        assert "(bob, sysadmin)" in before
        assert "no subtasks" in before

        started = time.monotonic()
        result = subprocess.run(
            [OPSTUI, "--db", str(path), "subtask", "add", str(master_id), "Update the zone files",
             "--assign", "bob"],
            env=_environment(isolated_home, "alice"), capture_output=True, text=True, timeout=60,
        )
        assert result.returncode == 0, result.stderr

        # No key is sent to bob's terminal from here on.
        progress = terminal.wait_for("0/1 done", timeout=MAX_SECONDS_TO_APPEAR + 5)
        elapsed = time.monotonic() - started
        toast = terminal.wait_for("assigned you to", timeout=5)

        terminal.send("q")
        terminal.wait_for("[exited with status 0 ]")
    finally:
        terminal.close()

    assert elapsed <= MAX_SECONDS_TO_APPEAR, f"the board took {elapsed:.1f} s to show the assignment"
    card_lines = [line for line in progress.splitlines() if "│bob" in line]
    assert card_lines, f"no card shows bob as assignee:\n{progress}"
    assert "unassigned" not in progress
    assert "Alice" in toast or "alice" in toast

    session = team_session(path)
    subtasks = tasks.task_detail(session, master_id)["subtasks"]
    session.close()
    assert [(row["title"], row["assignees"]) for row in subtasks] == [("Update the zone files", ["bob"])]
