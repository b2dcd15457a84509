"""User text printed by the CLI to a real terminal cannot drive that terminal."""

import os
import pty
import subprocess
import sys

import pytest

from opstui.services import comments, kb, tasks
from tests.helpers import team_session

HOSTILE = "Restart \x1b[31mRED\x1b[0m and copy \x1b]52;c;ZXZpbA==\x07 now\n"


def run_in_terminal(database, *arguments: str) -> str:
    """Run `opstui --db DATABASE ARGUMENTS` with a pseudo-terminal as its output; return what it wrote."""
    main, child = pty.openpty()
    environment = {**os.environ, "USER": "alice", "LOGNAME": "alice"}
    process = subprocess.Popen([sys.executable, "-m", "opstui", "--db", str(database), *arguments],
                               stdout=child, stderr=child, stdin=subprocess.DEVNULL, env=environment)
    os.close(child)
    chunks = []
    while True:
        try:
            data = os.read(main, 65536)
        except OSError:  # Linux raises EIO once the child has closed its side.
            break
        if not data:
            break
        chunks.append(data)
    os.close(main)
    assert process.wait(timeout=60) == 0, b"".join(chunks)
    return b"".join(chunks).decode()


@pytest.fixture
def database(tmp_path):
    path = tmp_path / "terminal.db"
    session = team_session(path)
    task_id = tasks.create_request(session, "Hostile texts")
    comments.add_comment(session, task_id, HOSTILE)
    instruction_id = kb.create_instruction(session, "Hostile", body="# Hostile\n\n" + HOSTILE)
    session.close()
    return path, task_id, instruction_id


@pytest.mark.parametrize("command", ["comment list {task}", "kb show {instruction}"])
def test_terminal_gets_visible_escapes(database, command):
    path, task_id, instruction_id = database

    output = run_in_terminal(path, *command.format(task=task_id, instruction=instruction_id).split())

    assert "\x1b]52" not in output
    assert "\x1b[31m" not in output
    assert "\x07" not in output
    assert "\\x1b]52;c;ZXZpbA==\\x07" in output


def test_pipe_gets_text_as_stored(database):
    path, _task_id, instruction_id = database

    output = subprocess.run([sys.executable, "-m", "opstui", "--db", str(path), "kb", "show", str(instruction_id)],
                            capture_output=True, text=True, env={**os.environ, "USER": "alice"}, check=True).stdout

    assert HOSTILE in output
