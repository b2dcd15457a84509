"""Twenty real writer processes on one database file, then invariants.

Each writer (tests/stress_worker.py) runs a few hundred random operations: create
a request, add an assigned subtask, assign someone, move a task with a version
check, log time, and append a line to one shared task description and to one
shared note, each saved with a version check (the lost-update probes). Two more writers are killed with SIGKILL while they work.
Afterwards the test checks that every operation a writer completed is in the
database with its events, that nobody's line of the shared description is lost,
that no row is orphaned, and that PRAGMA integrity_check returns ok.

It took 20 to 60 s on the development container, depending on its load.
"""

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest

from opstui.services import notes, tasks, team
from opstui.services.session import open_session

pytestmark = pytest.mark.slow

WORKER = Path(__file__).with_name("stress_worker.py")
WRITERS = 20
OPERATIONS = 200
VICTIMS = 2
VICTIM_OPERATIONS = 10_000  # more than they can finish before they are killed
KILL_AFTER_LINES = (40, 90)  # journal lines each victim writes before its SIGKILL
RUN_TIMEOUT_S = 600


def _journal(path: Path) -> list[dict]:
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def _expected_events(entries: list[dict], login: str) -> Counter:
    """Return the events (kind, task id) that the journaled operations must have left.

    The shared task's id is replaced by "shared", because every writer edits it.
    """
    expected: Counter = Counter()
    for entry in entries:
        op = entry["op"]
        if op == "create":
            expected[("request.recorded", entry["task_id"])] += 1
            expected[("task.created", entry["task_id"])] += 1
        elif op == "subtask":
            expected[("task.created", entry["task_id"])] += 1
            expected[("task.assigned", entry["task_id"])] += 1
        elif op == "assign" and entry["added"]:
            expected[("task.assigned", entry["task_id"])] += 1
        elif op == "move" and entry["moved"]:
            expected[("task.moved", entry["task_id"])] += 1
        elif op == "append":
            expected[("task.edited", "shared")] += 1
        elif op == "note":
            expected[("note.saved", "shared")] += 1
        elif op == "time":
            expected[("time.entry_added", entry["task_id"])] += 1
    return expected


# Event kinds the operations above write. Other parts may add events of their own
# to the same transactions (process steps, for example); those are not counted.
TRACKED_KINDS = ("request.recorded", "task.created", "task.assigned", "task.moved", "task.edited",
                 "note.saved", "time.entry_added")


def _actual_events(connection: sqlite3.Connection, login: str, shared_task_id: int) -> Counter:
    actual: Counter = Counter()
    placeholders = ", ".join("?" for _ in TRACKED_KINDS)
    rows = connection.execute(f"SELECT kind, task_id FROM events WHERE actor = ? AND kind IN ({placeholders})",
                              (login, *TRACKED_KINDS)).fetchall()
    for kind, task_id in rows:
        key = "shared" if task_id == shared_task_id else task_id
        actual[(kind, key)] += 1
    return actual


@pytest.fixture
def prepared_database(tmp_path):
    """Return the database path and the ids of the shared task and note, with alice and w00..w21."""
    database = tmp_path / "stress.db"
    manager = open_session(database, login="alice")
    for number in range(WRITERS + VICTIMS):
        team.add_member(manager, f"w{number:02d}")
    shared_task_id = tasks.create_request(manager, "Shared description for the lost-update probe")
    shared_note_id = notes.add_note(manager, shared_task_id, "Shared discovery notes")
    for number in range(5):
        tasks.create_request(manager, f"seed change {number}")
    manager.close()
    return database, shared_task_id, shared_note_id


def _start(database: Path, login: str, seed: int, operations: int, journal: Path, shared_ids: tuple[int, int]):
    return subprocess.Popen(
        [sys.executable, str(WORKER), str(database), login, str(seed), str(operations), str(journal),
         *(str(shared_id) for shared_id in shared_ids)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def test_twenty_writers_keep_invariants(prepared_database, tmp_path):
    database, shared_task_id, shared_note_id = prepared_database
    writers = {}
    for number in range(WRITERS + VICTIMS):
        login = f"w{number:02d}"
        operations = VICTIM_OPERATIONS if number >= WRITERS else OPERATIONS
        journal = tmp_path / f"{login}.jsonl"
        writers[login] = (_start(database, login, number, operations, journal, (shared_task_id, shared_note_id)),
                          journal)
    victims = [f"w{number:02d}" for number in range(WRITERS, WRITERS + VICTIMS)]

    # Kill each victim once it has completed some operations, while the others run.
    deadline = time.monotonic() + RUN_TIMEOUT_S
    for victim, lines in zip(victims, KILL_AFTER_LINES):
        process, journal = writers[victim]
        while len(_journal(journal)) < lines and process.poll() is None and time.monotonic() < deadline:
            time.sleep(0.02)
        assert process.poll() is None, f"victim {victim} ended before it was killed: {process.stderr.read()}"
        os.kill(process.pid, signal.SIGKILL)

    results = {}
    for login, (process, _journal_path) in writers.items():
        _out, err = process.communicate(timeout=max(1, deadline - time.monotonic()))
        results[login] = (process.returncode, err)

    for login in writers:
        returncode, err = results[login]
        assert "locked" not in err, f"{login} saw a lock error: {err}"
        if login in victims:
            assert returncode == -signal.SIGKILL, f"{login}: {err}"
        else:
            assert returncode == 0, f"{login} failed: {err}"
            assert len(_journal(writers[login][1])) == OPERATIONS

    connection = sqlite3.connect(database)

    # The database file is sound after concurrent writers and two SIGKILLs.
    assert connection.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
    assert connection.execute("PRAGMA foreign_key_check").fetchall() == []

    # No lost update: every journaled line of the shared description and of the
    # shared note is there, once.
    description = connection.execute("SELECT description FROM tasks WHERE id = ?", (shared_task_id,)).fetchone()[0]
    note_body = connection.execute("SELECT body FROM notes WHERE id = ?", (shared_note_id,)).fetchone()[0]
    for op, text in (("append", description), ("note", note_body)):
        lines = Counter(text.splitlines())
        journaled_tokens = [entry["token"] for login, (_p, journal) in writers.items()
                            for entry in _journal(journal) if entry["op"] == op]
        assert journaled_tokens, f"no writer did a {op} operation"
        for token in journaled_tokens:
            assert lines[token] == 1, f"{op}: line {token} is missing or doubled"
        unjournaled = set(lines) - set(journaled_tokens)
        assert all(token.split(":")[0] in victims for token in unjournaled), unjournaled
        for victim in victims:
            assert sum(1 for token in unjournaled if token.startswith(victim + ":")) <= 1

    # Every completed operation left its events. Survivors left exactly those events;
    # a killed writer left at most the events of its one unfinished operation.
    for login, (_process, journal) in writers.items():
        expected = _expected_events(_journal(journal), login)
        actual = _actual_events(connection, login, shared_task_id)
        missing = expected - actual
        extra = actual - expected
        assert not missing, f"{login}: completed operations without their events: {dict(missing)}"
        if login in victims:
            assert sum(extra.values()) <= 2, f"{login}: more than one unfinished operation: {dict(extra)}"
            assert len({key[1] for key in extra}) <= 1, f"{login}: extra events on several tasks: {dict(extra)}"
        else:
            assert not extra, f"{login}: events without a completed operation: {dict(extra)}"

    # Every journaled row is there.
    for login, (_process, journal) in writers.items():
        for entry in _journal(journal):
            if entry["op"] in ("create", "subtask"):
                row = connection.execute("SELECT created_by FROM tasks WHERE id = ?", (entry["task_id"],)).fetchone()
                assert row == (login,), f"{login}: task {entry['task_id']} missing or not theirs"
            if entry["op"] == "subtask":
                assigned = connection.execute("SELECT 1 FROM assignments WHERE task_id = ? AND login = ?",
                                              (entry["task_id"], entry["assignee"])).fetchone()
                assert assigned, f"{login}: assignment of subtask {entry['task_id']} missing"
            if entry["op"] == "time":
                row = connection.execute("SELECT login, task_id FROM time_entries WHERE id = ?",
                                         (entry["entry_id"],)).fetchone()
                assert row == (login, entry["task_id"]), f"{login}: time entry {entry['entry_id']} missing"
            if entry["op"] == "assign":
                assigned = connection.execute("SELECT 1 FROM assignments WHERE task_id = ? AND login = ?",
                                              (entry["task_id"], entry["login"])).fetchone()
                assert assigned, f"{login}: assignment of {entry['login']} to {entry['task_id']} missing"

    # No orphan rows.
    orphan_queries = {
        "assignments without task": "SELECT count(*) FROM assignments a WHERE NOT EXISTS"
                                    " (SELECT 1 FROM tasks t WHERE t.id = a.task_id)",
        "assignments without user": "SELECT count(*) FROM assignments a WHERE NOT EXISTS"
                                    " (SELECT 1 FROM users u WHERE u.login = a.login)",
        "subtasks without parent": "SELECT count(*) FROM tasks s WHERE s.parent_id IS NOT NULL AND NOT EXISTS"
                                   " (SELECT 1 FROM tasks t WHERE t.id = s.parent_id)",
        "master tasks without request": "SELECT count(*) FROM tasks t WHERE t.kind = 'master' AND NOT EXISTS"
                                        " (SELECT 1 FROM requests r WHERE r.id = t.request_id)",
        "events about missing tasks": "SELECT count(*) FROM events e WHERE e.task_id IS NOT NULL AND NOT EXISTS"
                                      " (SELECT 1 FROM tasks t WHERE t.id = e.task_id)",
        "tasks without creation event": "SELECT count(*) FROM tasks t WHERE NOT EXISTS (SELECT 1 FROM events e"
                                        " WHERE e.kind = 'task.created' AND e.task_id = t.id)",
        "time entries without task": "SELECT count(*) FROM time_entries x WHERE NOT EXISTS"
                                     " (SELECT 1 FROM tasks t WHERE t.id = x.task_id)",
        "note revisions without note": "SELECT count(*) FROM note_revisions r WHERE NOT EXISTS"
                                       " (SELECT 1 FROM notes n WHERE n.id = r.note_id)",
        "assignments without event": "SELECT count(*) FROM assignments a WHERE NOT EXISTS (SELECT 1 FROM events e"
                                     " WHERE e.kind = 'task.assigned' AND e.task_id = a.task_id"
                                     " AND e.entity_id = a.login)",
    }
    for name, sql in orphan_queries.items():
        assert connection.execute(sql).fetchone()[0] == 0, name

    # Event ids only grow and are unique.
    ids = [row[0] for row in connection.execute("SELECT id FROM events ORDER BY rowid")]
    assert ids == sorted(ids)
    assert len(ids) == len(set(ids))
    connection.close()
