"""Two real processes on one database file: a save conflict, and a draft saved on SIGHUP."""

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from opstui.services import note_drafts, notes
from tests.helpers import team_session

EDITOR_SCRIPT = Path(__file__).with_name("note_editor_process.py")
REPO_ROOT = Path(__file__).resolve().parent.parent


def start_editor(database: Path, login: str, note_id: int, mode: str, folder: Path) -> subprocess.Popen:
    environment = {**os.environ, "PYTHONPATH": str(REPO_ROOT)}
    return subprocess.Popen([sys.executable, str(EDITOR_SCRIPT), str(database), login, str(note_id), mode,
                             str(folder)], env=environment, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True)


def wait_for(path: Path, process: subprocess.Popen, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while not path.exists():
        if process.poll() is not None:
            raise AssertionError(f"editor process ended early: {process.stderr.read()}")
        if time.monotonic() > deadline:
            process.kill()
            raise AssertionError(f"{path.name} did not appear within {seconds} s")
        time.sleep(0.05)


@pytest.fixture
def shared(tmp_path):
    database = tmp_path / "shared.db"
    session = team_session(database)
    from opstui.services import tasks as task_service
    task_id = task_service.create_request(session, "Migrate DNS")
    note_id = notes.add_note(session, task_id, "Zones", "zone a\nzone b\nzone c\n")
    yield database, session, note_id
    session.close()


@pytest.mark.parametrize("signal_number", [signal.SIGHUP, signal.SIGTERM])
def test_draft_saved_when_editor_is_signalled(shared, tmp_path, signal_number):
    database, session, note_id = shared
    folder = tmp_path / "editor"
    folder.mkdir()
    process = start_editor(database, "bob", note_id, "wait", folder)

    wait_for(folder / "ready", process)
    process.send_signal(signal_number)
    process.wait(timeout=30)

    bob = team_session(database, login="bob")
    draft = note_drafts.get_draft(bob, note_id)
    bob.close()
    assert draft is not None
    assert draft["body"] == "typed by bob\nzone a\nzone b\nzone c\n"
    assert draft["base_version"] == 1
    assert notes.get_note(session, note_id)["body"] == "zone a\nzone b\nzone c\n"


def test_conflict_between_two_processes(shared, tmp_path):
    database, session, note_id = shared
    folder = tmp_path / "editor"
    folder.mkdir()
    editor = start_editor(database, "bob", note_id, "save-after-go", folder)
    wait_for(folder / "ready", editor)

    other = subprocess.run([sys.executable, "-m", "opstui", "--db", str(database), "note", "edit", str(note_id)],
                           input="zone a\nzone b\nzone c changed by alice\n", capture_output=True, text=True,
                           timeout=60, env={**os.environ, "USER": "alice"})
    assert other.returncode == 0, other.stderr
    (folder / "go").touch()
    wait_for(folder / "result.json", editor)
    editor.wait(timeout=30)

    result = json.loads((folder / "result.json").read_text())
    assert result["saw_conflict"] is True
    assert result["theirs"] == "zone a\nzone b\nzone c changed by alice\n"
    merged = "typed by bob\nzone a\nzone b\nzone c changed by alice\n"
    assert result["editor_text"] == merged
    note = notes.get_note(session, note_id)
    assert note["body"] == merged
    history = {row["version"]: (row["kind"], row["author"]) for row in notes.history(session, note_id)}
    assert history == {1: ("create", "alice"), 2: ("external", "alice"), 3: ("conflict", "bob"),
                       4: ("merge", "bob")}
    assert notes.revision(session, note_id, 3)["body"] == "typed by bob\nzone a\nzone b\nzone c\n"
