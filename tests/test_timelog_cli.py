"""The `opstui log` and `opstui import` commands, in process and as real processes."""

import csv
import io
import json
import os
import signal
import subprocess
import sys
import textwrap
from dataclasses import dataclass

import pytest
from click.testing import CliRunner

from opstui import cli as opstui_cli
from opstui.errors import OpstuiError


@pytest.fixture
def environment(tmp_path, monkeypatch):
    monkeypatch.setenv("OPSTUI_DB", str(tmp_path / "opstui.db"))
    monkeypatch.setenv("TZ", "Europe/Berlin")
    return dict(os.environ)


@dataclass
class Outcome:
    """What a command printed, and the exit status `opstui` would have returned."""

    returncode: int
    stdout: str
    stderr: str


def opstui(environment, *arguments: str, check: bool = True) -> Outcome:
    """Run one command in this process, mapping an OpstuiError to exit 1 as the real CLI does."""
    opstui_cli._load_commands()
    result = CliRunner().invoke(opstui_cli.cli, list(arguments), env=environment)
    if isinstance(result.exception, OpstuiError):
        outcome = Outcome(1, result.stdout, f"opstui: error: {result.exception}\n")
    elif result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception
    else:
        outcome = Outcome(result.exit_code, result.stdout, result.stderr)
    if check:
        assert outcome.returncode == 0, outcome.stderr
    return outcome


def opstui_process(environment, *arguments: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "opstui", *arguments], env=environment,
                          capture_output=True, text=True, timeout=60)


def test_log_add_list_and_report(environment):
    opstui(environment, "task", "add", "Upgrade PostgreSQL")
    opstui(environment, "log", "add", "1", "1h30m", "--at", "2024-03-30T23:00", "--comment", "prep")
    opstui(environment, "log", "add", "1", "45", "--at", "2024-04-02T09:00", "--step", "7")

    listed = json.loads(opstui(environment, "log", "list", "--json").stdout)
    by_day = list(csv.DictReader(io.StringIO(opstui(environment, "log", "report", "--by", "day",
                                                    "--format", "csv").stdout)))
    ranged = json.loads(opstui(environment, "log", "report", "--from", "2024-03-31", "--to", "2024-04-01",
                               "--format", "json").stdout)

    assert [entry["seconds"] for entry in listed] == [5400, 2700]
    assert listed[0]["started_at"] == "2024-03-30T22:00:00Z"
    assert listed[1]["step_title"] == "7. Activity task"
    assert [(row["day"], row["seconds"]) for row in by_day] == [
        ("2024-03-30", "3600"), ("2024-03-31", "1800"), ("2024-04-02", "2700")]
    assert ranged["total_seconds"] == 1800


def test_log_rejects_bad_input(environment):
    opstui(environment, "task", "add", "Upgrade PostgreSQL")

    bad_duration = opstui(environment, "log", "add", "1", "1.5", check=False)
    dst_gap = opstui(environment, "log", "add", "1", "1h", "--at", "2024-03-31T02:30", check=False)
    no_timer = opstui(environment, "log", "stop", check=False)

    assert bad_duration.returncode == 1
    assert "invalid duration '1.5'" in bad_duration.stderr
    assert dst_gap.returncode == 1
    assert "does not exist in Europe/Berlin" in dst_gap.stderr
    assert no_timer.returncode == 1
    assert "no timer is running" in no_timer.stderr


def test_log_edit_delete_and_overlap_warning(environment):
    opstui(environment, "task", "add", "Upgrade PostgreSQL")
    opstui(environment, "log", "add", "1", "2h", "--at", "2024-06-14T09:00")

    overlapping = opstui(environment, "log", "add", "1", "1h", "--at", "2024-06-14T10:00")
    opstui(environment, "log", "edit", "2", "--at", "2024-06-14T11:00", "--comment", "moved")
    overlaps = json.loads(opstui(environment, "log", "overlaps", "--json").stdout)
    opstui(environment, "log", "delete", "1")
    listed = json.loads(opstui(environment, "log", "list", "--json").stdout)

    assert "overlaps your entry 1 by 1h00m" in overlapping.stderr
    assert overlaps == []
    assert [(entry["id"], entry["comment"]) for entry in listed] == [(2, "moved")]


def test_timer_survives_killed_process(environment):
    opstui(environment, "task", "add", "Upgrade PostgreSQL")
    script = textwrap.dedent(f"""
        import time
        from pathlib import Path
        from opstui.services import timelog
        from opstui.services.session import open_session
        session = open_session(Path({environment["OPSTUI_DB"]!r}))
        timelog.start_timer(session, 1, comment="during the crash")
        print("started", flush=True)
        time.sleep(60)
    """)
    holder = subprocess.Popen([sys.executable, "-c", script], env=environment, stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "started"
    finally:
        os.kill(holder.pid, signal.SIGKILL)
        holder.wait(timeout=10)

    status = json.loads(opstui_process(environment, "log", "status", "--json").stdout)
    stopped = opstui_process(environment, "log", "stop")
    listed = json.loads(opstui(environment, "log", "list", "--json").stdout)

    assert holder.returncode == -signal.SIGKILL
    assert status[0]["task_id"] == 1
    assert status[0]["comment"] == "during the crash"
    assert "saved as entry 1" in stopped.stdout
    assert listed[0]["source"] == "timer"


def test_second_start_says_first_stopped(environment):
    opstui(environment, "task", "add", "Upgrade PostgreSQL")
    opstui(environment, "task", "add", "Rotate certificates")
    opstui(environment, "log", "start", "1")

    second = opstui(environment, "log", "start", "2")

    assert "stopped the timer on #1 Upgrade PostgreSQL" in second.stdout
    assert "timer started on #2 Rotate certificates" in second.stdout


def test_import_commands_on_corpus(environment, corpus_dir):
    valid = corpus_dir / "timewarrior" / "aibor-timewarrior-extensions__input_valid_entries.txt"
    broken = corpus_dir / "timewarrior" / "aibor-timewarrior-extensions__input_invalid_json.txt"
    tasks_file = corpus_dir / "taskwarrior" / "timewarrior__task_modify-3.json"

    first = opstui(environment, "import", "timewarrior", str(valid))
    again = opstui(environment, "import", "timewarrior", str(valid))
    failed = opstui_process(environment, "import", "timewarrior", str(broken))
    imported_tasks = opstui(environment, "import", "taskwarrior", str(tasks_file))

    assert "2 entries added" in first.stdout
    assert "running timer" in first.stdout
    assert "0 entries added, 3 already imported" in again.stdout
    assert failed.returncode == 1
    assert "line 8: invalid JSON" in failed.stderr
    assert "1 tasks created" in imported_tasks.stdout
