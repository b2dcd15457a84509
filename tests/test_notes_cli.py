"""The note, search and import enex commands, in process and as real processes."""

import json
import subprocess
import sys
from dataclasses import dataclass

import pytest
from click.testing import CliRunner

from opstui import cli as opstui_cli
from opstui.errors import OpstuiError


@dataclass
class Outcome:
    """What a command printed, and the exit status `opstui` would have returned."""

    returncode: int
    stdout: str
    stderr: str


def run_cli(database, *arguments, input_text: str | None = None) -> Outcome:
    """Run one command in this process, mapping an OpstuiError to exit 1 as the real CLI does."""
    opstui_cli._load_commands()
    result = CliRunner().invoke(opstui_cli.cli, ["--db", str(database), *arguments], input=input_text)
    if isinstance(result.exception, OpstuiError):
        return Outcome(1, result.stdout, f"opstui: error: {result.exception}\n")
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception
    return Outcome(result.exit_code, result.stdout, result.stderr)


def run_process(database, *arguments, input_text: str | None = None):
    return subprocess.run([sys.executable, "-m", "opstui", "--db", str(database), *arguments],
                          input=input_text, capture_output=True, text=True, timeout=60)


@pytest.fixture
def database(tmp_path):
    path = tmp_path / "team.db"
    created = run_cli(path, "task", "add", "Upgrade PostgreSQL")
    assert created.returncode == 0, created.stderr
    return path


def test_note_add_from_stdin_and_list(database):
    added = run_cli(database, "note", "add", "1", "--tag", "db", input_text="# Findings\n\nthe rsync job failed\n")

    assert added.returncode == 0, added.stderr
    note_id = int(added.stdout)
    listed = json.loads(run_cli(database, "note", "list", "1", "--json").stdout)
    assert [row["id"] for row in listed] == [note_id]
    assert listed[0]["title"] == "Findings"
    assert listed[0]["tags"] == ["db"]


def test_note_add_from_file(database, tmp_path):
    source = tmp_path / "disk-notes.md"
    source.write_text("no heading here\n")

    added = run_cli(database, "note", "add", "1", "--file", str(source))

    assert added.returncode == 0, added.stderr
    listed = json.loads(run_cli(database, "note", "list", "1", "--json").stdout)
    assert listed[0]["title"] == "disk-notes"


def test_note_show_keeps_text_raw_in_pipe(database):
    text = "[b]bold?[/b] [@click=app.quit]x[/]\n\x1b[31mred\n"
    run_cli(database, "note", "add", "1", "--title", "Odd", input_text=text)

    shown = run_process(database, "note", "show", "1")

    assert shown.stdout == text


def test_note_list_table_shows_escapes_visibly(database):
    run_cli(database, "note", "add", "1", "--title", "evil \x1b]0;pwned\x07 title", input_text="x")

    listed = run_cli(database, "note", "list", "1")

    assert "\x1b" not in listed.stdout
    assert "\\x1b" in listed.stdout


def test_note_edit_history_diff_restore(database, tmp_path):
    run_cli(database, "note", "add", "1", "--title", "Plan", input_text="one\n")
    edited = run_cli(database, "note", "edit", "1", input_text="one\ntwo\n")
    assert edited.stdout.strip() == "2"

    stale = run_cli(database, "note", "edit", "1", "--base-version", "1", input_text="other\n")
    assert stale.returncode == 1
    assert "saved by" in stale.stderr

    history = json.loads(run_cli(database, "note", "history", "1", "--json").stdout)
    assert [row["version"] for row in history] == [2, 1]
    diff = run_cli(database, "note", "diff", "1", "1", "2").stdout
    assert "+two" in diff

    restored = run_cli(database, "note", "restore", "1", "1")
    assert restored.stdout.strip() == "3"
    assert run_cli(database, "note", "show", "1").stdout == "one\n"


def test_retire_archive_purge(database):
    run_cli(database, "note", "add", "1", "--title", "Old", input_text="secret words\n")

    rejected = run_cli(database, "note", "retire", "1")
    assert rejected.returncode == 1
    assert "reason" in rejected.stderr

    assert run_cli(database, "note", "retire", "1", "--reason", "obsolete").returncode == 0
    assert json.loads(run_cli(database, "note", "list", "1", "--json").stdout) == []
    archive = json.loads(run_cli(database, "note", "archive", "--json").stdout)
    assert [row["id"] for row in archive] == [1]

    unconfirmed = run_cli(database, "note", "purge", "1")
    assert unconfirmed.returncode == 1
    assert "1 revision(s)" in unconfirmed.stderr
    assert run_cli(database, "note", "purge", "1", "--yes").returncode == 0
    assert json.loads(run_cli(database, "note", "archive", "--json").stdout) == []


def test_outcome_and_status(database):
    run_cli(database, "note", "add", "1", "--title", "A", input_text="a")
    run_cli(database, "note", "add", "1", "--title", "B", input_text="b")
    run_cli(database, "note", "taken", "1", "--instruction", "3")

    status = json.loads(run_cli(database, "note", "status", "1", "--json").stdout)[0]
    assert (status["taken"], status["undecided"], status["settled"]) == (1, 1, False)

    run_cli(database, "note", "discard", "2", "--reason", "duplicate")
    status = json.loads(run_cli(database, "note", "status", "1", "--json").stdout)[0]
    assert status["settled"] is True


def test_search_json(database):
    run_cli(database, "note", "add", "1", "--title", "Findings", input_text="line one\nreplication lag seen\n")

    result = run_cli(database, "search", "replication", "--json")

    hits = json.loads(result.stdout)
    assert hits[0]["kind"] == "note"
    assert hits[0]["line"] == "replication lag seen"
    assert hits[0]["task_id"] == 1


def test_import_enex_corpus(tmp_path, corpus_dir):
    database = tmp_path / "team.db"

    result = run_cli(database, "import", "enex", str(corpus_dir / "enex" / "yarle__test-tana-02.enex"))

    assert result.returncode == 0, result.stderr
    task_id = int(result.stdout)
    listed = json.loads(run_cli(database, "note", "list", str(task_id), "--json").stdout)
    assert len(listed) == 7
    assert "7 note(s)" in result.stderr


def test_import_enex_broken_file_fails_cleanly(database, corpus_dir):
    result = run_process(database, "import", "enex", str(corpus_dir / "enex" / "evernote2md__cdata.issue.enex"),
                         "--task", "1")

    assert result.returncode == 1
    assert "Test note with nested CDATA tags" in result.stderr
    assert "--recover" in result.stderr
    assert json.loads(run_cli(database, "note", "list", "1", "--json").stdout) == []
