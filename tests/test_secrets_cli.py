"""note add/edit, comment add and summary set: a suspected secret needs --mask-secrets or --keep-secrets."""

import json
import os
import subprocess
import sys

import pytest
from click.testing import CliRunner

from opstui.secret_scan import MASK
from opstui.services import activity, tasks
from tests.helpers import team_session

PASSWORD = "Tr0ub4dor"
SECRET_TEXT = f"Log in to the switch:\npassword={PASSWORD}\n"
MASKED_TEXT = SECRET_TEXT.replace(PASSWORD, MASK)


class Result:
    def __init__(self, returncode: int, stdout: str, stderr: str):
        self.returncode = returncode
        self.stdout = stdout
        self.stderr = stderr


def run(path, *arguments, input_text: str | None = None) -> Result:
    """Run one opstui command in this process; an OpstuiError becomes status 1 and its message."""
    from opstui.cli import _load_commands, cli
    from opstui.errors import OpstuiError

    _load_commands()
    result = CliRunner().invoke(cli, ["--db", str(path), *arguments], input=input_text,
                                env={"USER": "alice", "LOGNAME": "alice"})
    if isinstance(result.exception, OpstuiError):
        return Result(1, result.stdout, f"opstui: error: {result.exception}")
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception
    return Result(result.exit_code, result.stdout, result.stderr)


@pytest.fixture
def change(tmp_path):
    path = tmp_path / "t.db"
    session = team_session(path)
    task_id = tasks.create_request(session, "Replace the core switch")
    activity_id = activity.create_activity(session, task_id, reason="hotfix")
    session.close()
    return path, task_id, activity_id


def note_bodies(path, task_id) -> list[str]:
    listed = json.loads(run(path, "note", "list", str(task_id), "--json").stdout)
    return [json.loads(run(path, "note", "show", str(row["id"]), "--json").stdout)[0]["body"] for row in listed]


def comment_bodies(path, task_id) -> list[str]:
    return [row["body"] for row in json.loads(run(path, "comment", "list", str(task_id), "--json").stdout)]


# -- note add and note edit ------------------------------------------------------------

def test_note_add_refused_without_flag(change):
    path, task_id, _ = change
    refused = run(path, "note", "add", str(task_id), "--title", "Switch", input_text=SECRET_TEXT)

    assert refused.returncode == 1
    assert "--mask-secrets" in refused.stderr
    assert "--keep-secrets" in refused.stderr
    assert "line 2: password" in refused.stderr
    assert PASSWORD not in refused.stderr
    assert note_bodies(path, task_id) == []


@pytest.mark.parametrize("flag, expected", [("--mask-secrets", MASKED_TEXT), ("--keep-secrets", SECRET_TEXT)])
def test_note_add_with_flag(change, flag, expected):
    path, task_id, _ = change
    added = run(path, "note", "add", str(task_id), "--title", "Switch", flag, input_text=SECRET_TEXT)

    assert added.returncode == 0, added.stderr
    assert note_bodies(path, task_id) == [expected]


def test_both_flags_rejected(change):
    path, task_id, _ = change
    refused = run(path, "note", "add", str(task_id), "--title", "Switch", "--mask-secrets", "--keep-secrets",
                  input_text=SECRET_TEXT)

    assert refused.returncode == 1
    assert "exclude each other" in refused.stderr
    assert note_bodies(path, task_id) == []


def test_note_edit_refused_then_masked(change):
    path, task_id, _ = change
    note_id = run(path, "note", "add", str(task_id), "--title", "Switch", input_text="clean\n").stdout.strip()

    refused = run(path, "note", "edit", note_id, input_text=SECRET_TEXT)
    assert refused.returncode == 1
    assert "--keep-secrets" in refused.stderr
    assert note_bodies(path, task_id) == ["clean\n"]

    masked = run(path, "note", "edit", note_id, "--mask-secrets", input_text=SECRET_TEXT)
    assert masked.returncode == 0, masked.stderr
    assert masked.stdout.strip() == "2"
    assert note_bodies(path, task_id) == [MASKED_TEXT]


def test_note_edit_keep_secrets(change):
    path, task_id, _ = change
    note_id = run(path, "note", "add", str(task_id), "--title", "Switch", input_text="clean\n").stdout.strip()

    kept = run(path, "note", "edit", note_id, "--keep-secrets", input_text=SECRET_TEXT)

    assert kept.returncode == 0, kept.stderr
    assert note_bodies(path, task_id) == [SECRET_TEXT]


# -- comment add and summary set -------------------------------------------------------

def test_comment_add_refused_without_flag(change):
    path, task_id, _ = change
    refused = run(path, "comment", "add", str(task_id), SECRET_TEXT)

    assert refused.returncode == 1
    assert "--mask-secrets" in refused.stderr
    assert "--keep-secrets" in refused.stderr
    assert comment_bodies(path, task_id) == []


@pytest.mark.parametrize("flag, expected", [("--mask-secrets", MASKED_TEXT), ("--keep-secrets", SECRET_TEXT)])
def test_comment_add_with_flag(change, flag, expected):
    path, task_id, _ = change
    added = run(path, "comment", "add", str(task_id), SECRET_TEXT, flag)

    assert added.returncode == 0, added.stderr
    assert comment_bodies(path, task_id) == [expected.strip("\n")]


def test_summary_set_refused_without_flag(change):
    path, _, activity_id = change
    refused = run(path, "summary", "set", str(activity_id), SECRET_TEXT)

    assert refused.returncode == 1
    assert "--mask-secrets" in refused.stderr
    assert run(path, "summary", "show", str(activity_id)).returncode == 1


@pytest.mark.parametrize("flag, expected", [("--mask-secrets", MASKED_TEXT), ("--keep-secrets", SECRET_TEXT)])
def test_summary_set_with_flag(change, flag, expected):
    path, _, activity_id = change
    recorded = run(path, "summary", "set", str(activity_id), SECRET_TEXT, flag)

    assert recorded.returncode == 0, recorded.stderr
    assert run(path, "summary", "show", str(activity_id)).stdout.strip("\n") == expected.strip("\n")


# -- a real process: exit status and stderr --------------------------------------------

def test_refusal_exit_status_in_process(change):
    path, task_id, _ = change
    environment = dict(os.environ, USER="alice", LOGNAME="alice")
    completed = subprocess.run([sys.executable, "-m", "opstui", "--db", str(path), "comment", "add", str(task_id),
                                SECRET_TEXT], capture_output=True, text=True, env=environment, timeout=60)

    assert completed.returncode == 1
    assert completed.stderr.startswith("opstui: error: the comment looks like it contains 1 secret")
    assert "--mask-secrets" in completed.stderr
    assert PASSWORD not in completed.stderr
    assert completed.stdout == ""


def test_enex_import_reports_secrets(change, tmp_path):
    path, task_id, _ = change
    export = tmp_path / "notebook.enex"
    export.write_text('<?xml version="1.0" encoding="UTF-8"?>\n<en-export>\n'
                      "<note><title>Switch</title><content><![CDATA[<en-note><div>password=" + PASSWORD
                      + "</div></en-note>]]></content></note>\n</en-export>\n", encoding="utf-8")

    imported = run(path, "import", "enex", str(export), "--task", str(task_id))

    assert imported.returncode == 0, imported.stderr
    assert "1 imported note(s) look like they contain a secret" in imported.stderr


def test_kb_import_reports_secrets(change, tmp_path):
    path, _, _ = change
    folder = tmp_path / "runbooks"
    folder.mkdir()
    (folder / "switch.md").write_text(f"# Switch login\n\npassword={PASSWORD}\n", encoding="utf-8")

    imported = run(path, "kb", "import", str(folder))

    assert imported.returncode == 0, imported.stderr
    assert "1 imported file(s) look like they contain a secret" in imported.stderr
    assert "switch.md" in imported.stderr
