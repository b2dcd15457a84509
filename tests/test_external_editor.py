"""The external editor helper runs a real program on a private temporary file."""

import os

import pytest

from opstui.errors import UserError
from opstui.external_editor import edit_text, editor_command


def write_script(tmp_path, name: str, body: str) -> str:
    script = tmp_path / name
    script.write_text("#!/bin/sh\n" + body)
    script.chmod(0o755)
    return str(script)


def test_editor_command_order():
    assert editor_command({"VISUAL": "nano -w", "EDITOR": "ed"}) == ["nano", "-w"]
    assert editor_command({"EDITOR": "emacs -nw"}) == ["emacs", "-nw"]
    assert editor_command({"VISUAL": "  "}) == ["vi"]
    assert editor_command({}) == ["vi"]


def test_editor_command_bad_quoting():
    with pytest.raises(UserError, match="VISUAL"):
        editor_command({"VISUAL": "vim '"})


def test_edit_text_returns_saved_text(tmp_path):
    log = tmp_path / "seen.txt"
    script = write_script(tmp_path, "append.sh", f'cat "$1" > {log}\nstat -c %a "$1" >> {log}\nprintf "added [b]line[/b]\\n" >> "$1"\n')
    environ = {**os.environ, "VISUAL": script}

    result = edit_text("first line\n", environ=environ)

    assert result == "first line\nadded [b]line[/b]\n"
    seen = log.read_text().splitlines()
    assert seen[0] == "first line"
    assert seen[1] == "600"


def test_edit_text_removes_temporary_file(tmp_path):
    record = tmp_path / "path.txt"
    script = write_script(tmp_path, "record.sh", f'echo "$1" > {record}\n')

    edit_text("x", environ={**os.environ, "EDITOR": script})

    edited_path = record.read_text().strip()
    assert edited_path.endswith(".md")
    assert not os.path.exists(edited_path)


def test_edit_text_cancelled_by_exit_status(tmp_path):
    script = write_script(tmp_path, "fail.sh", 'echo changed > "$1"\nexit 1\n')

    assert edit_text("keep", environ={**os.environ, "EDITOR": script}) is None


def test_edit_text_missing_editor():
    with pytest.raises(UserError, match="not found"):
        edit_text("x", environ={**os.environ, "VISUAL": "/nonexistent/editor"})
