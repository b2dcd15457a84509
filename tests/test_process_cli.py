"""The process commands refuse what needs a reason unless --reason is given."""

import os
import subprocess
import sys

import pytest

from opstui.services import tasks
from tests.helpers import team_session


class Result:
    def __init__(self, returncode: int, stdout: str, stderr: str):
        self.returncode = returncode
        self.stdout = stdout
        self.stderr = stderr


def run(path, *arguments, login="alice"):
    """Run one opstui command in this process; an OpstuiError becomes status 1 and its message."""
    from click.testing import CliRunner

    from opstui.cli import _load_commands, cli
    from opstui.errors import OpstuiError

    _load_commands()
    environment = {"USER": login, "LOGNAME": login}
    result = CliRunner().invoke(cli, ["--db", str(path), *arguments], env=environment)
    if isinstance(result.exception, OpstuiError):
        return Result(1, result.output, f"opstui: error: {result.exception}")
    return Result(result.exit_code, result.output, "")


def run_process(path, *arguments, login="alice"):
    environment = dict(os.environ, USER=login, LOGNAME=login)
    return subprocess.run([sys.executable, "-m", "opstui", "--db", str(path), *arguments],
                          capture_output=True, text=True, env=environment, timeout=60)


@pytest.fixture
def change(tmp_path):
    path = tmp_path / "t.db"
    session = team_session(path)
    task_id = tasks.create_request(session, "Rotate keys")
    session.close()
    return path, task_id


@pytest.mark.parametrize("arguments", [
    ["step", "done", "{task}", "5"],
    ["step", "skip", "{task}", "4"],
    ["task", "reject", "{task}"],
    ["task", "cancel", "{task}"],
    ["task", "delete", "{task}"],
    ["task", "move", "{task}", "sandbox"],
    ["task", "close", "{task}"],
    ["activity", "create", "{task}"],
])
def test_refused_without_reason(change, arguments):
    path, task_id = change
    result = run(path, *(argument.format(task=task_id) for argument in arguments))
    assert result.returncode == 1
    assert "--reason" in result.stderr
    assert result.stderr.startswith("opstui: error: ")


def test_refusal_is_one_line_on_stderr(change):
    path, task_id = change
    result = run_process(path, "step", "skip", str(task_id), "4")
    assert result.returncode == 1
    assert result.stderr == "opstui: error: skipping step 4 needs a reason; give it with --reason TEXT\n"


def test_reason_accepted_and_listed(change):
    path, task_id = change
    result = run(path, "step", "skip", str(task_id), "4", "--reason", "no research needed")
    assert result.returncode == 0, result.stderr
    listing = run(path, "step", "list", str(task_id), "--json")
    import json

    steps = json.loads(listing.stdout)
    assert steps[3]["state"] == "skipped"
    assert steps[3]["reason"] == "no research needed"
    assert steps[3]["by_login"] == "alice"
    assert [item["step"] for item in steps if item["is_next"]] == [2]


def test_rejected_request_listed_by_status(change):
    path, task_id = change
    assert run(path, "task", "reject", str(task_id), "--reason", "duplicate").returncode == 0
    import json

    rejected = json.loads(run(path, "task", "list", "--status", "rejected", "--json").stdout)
    assert [row["id"] for row in rejected] == [task_id]
    assert run(path, "task", "reopen", str(task_id)).returncode == 0
    assert json.loads(run(path, "task", "list", "--status", "rejected", "--json").stdout) == []


def test_activity_summary_and_close(change):
    path, task_id = change
    activity_id = run(path, "activity", "create", str(task_id), "--reason", "hotfix").stdout.strip()
    assert activity_id.isdigit()
    refused = run(path, "activity", "close", activity_id)
    assert refused.returncode == 1
    assert "summary set" in refused.stderr
    assert run(path, "summary", "set", activity_id, "All done").returncode == 0
    assert run(path, "activity", "close", activity_id, "--reason", "master waits").returncode == 0
    import json

    comments = json.loads(run(path, "comment", "list", activity_id, "--json").stdout)
    assert [(row["kind"], row["body"]) for row in comments] == [("summary", "All done")]


def test_comment_from_file(change, tmp_path):
    path, task_id = change
    body = tmp_path / "comment.md"
    body.write_text("# Findings\n\n- one\n", encoding="utf-8")
    assert run(path, "comment", "add", str(task_id), "--file", str(body)).returncode == 0
    listing = run(path, "comment", "list", str(task_id))
    assert "# Findings" in listing.stdout


def test_template_set_by_sysadmin_refused(change):
    path, _ = change
    result = run(path, "template", "set", "customer", "--subtask", "Check firewall @bob +2", login="bob")
    assert result.returncode == 1
    assert "manager" in result.stderr
    assert run(path, "template", "set", "customer", "--subtask", "Check firewall @bob +2").returncode == 0
    assert "Check firewall @bob +2d" in run(path, "template", "show", "customer").stdout
