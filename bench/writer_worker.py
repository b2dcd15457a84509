"""One writer process of bench/writers.py: mixed operations through the services, timed.

Usage: python bench/writer_worker.py DATABASE LOGIN SEED OPERATIONS GO_FILE SHARED_NOTE_ID TASK_IDS

Waits until GO_FILE exists so that all writers start together, then prints one
JSON object: per-operation latencies, what it created, and the errors it met.
A version conflict is retried, because it is the expected outcome of two people
editing one row. A "database is locked" error is counted, because it must never
reach a caller.
"""

from __future__ import annotations

import json
import os
import random
import sqlite3
import sys
import time
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from opstui.errors import ConflictError, StoreError
from opstui.services import notes, tasks, timelog
from opstui.services.session import open_session

MOVE_STAGES = ["request", "discovery", "sandbox", "production", "monitoring"]
OPERATIONS = ["create", "assign", "move", "edit_note", "log_time"]
MAX_CONFLICT_RETRIES = 500


def main(argv: list[str]) -> int:
    database, login, seed, count, go_file, shared_note_id, task_ids = argv
    rng = random.Random(int(seed))
    session = open_session(database, login=login)
    task_ids = [int(value) for value in task_ids.split(",")]
    logins = [row["login"] for row in session.store.db["users"].rows]
    report = {"login": login, "latencies": {name: [] for name in OPERATIONS}, "created": [], "time_entries": [],
              "tokens": [], "lock_errors": 0, "conflicts": 0, "errors": []}

    while not os.path.exists(go_file):
        time.sleep(0.005)
    report["started"] = time.time()
    for number in range(int(count)):
        operation = rng.choice(OPERATIONS)
        started = time.perf_counter()
        try:
            run(session, rng, operation, number, logins, task_ids, int(shared_note_id), report)
        except (StoreError, sqlite3.OperationalError) as error:
            if "locked" in str(error) or "busy" in str(error):
                report["lock_errors"] += 1
            else:
                report["errors"].append(f"{operation}: {error}")
            continue
        report["latencies"][operation].append((time.perf_counter() - started) * 1000)
    report["finished"] = time.time()
    session.close()
    print(json.dumps(report))
    return 0


def run(session, rng, operation, number, logins, task_ids, shared_note_id, report) -> None:
    login = session.login
    if operation == "create":
        report["created"].append(tasks.create_request(session, f"{login} change {number}"))
    elif operation == "assign":
        tasks.assign(session, rng.choice(task_ids), rng.choice(logins))
    elif operation == "move":
        task_id = rng.choice(task_ids)
        stage = rng.choice(MOVE_STAGES)
        for _ in range(MAX_CONFLICT_RETRIES):
            current = tasks.get_task(session, task_id)
            try:
                tasks.move_task(session, task_id, stage, expected_version=current["version"])
                return
            except ConflictError:
                report["conflicts"] += 1
        raise RuntimeError(f"move of task {task_id} kept conflicting")
    elif operation == "edit_note":
        # The lost-update probe: append one line to a note every writer edits.
        token = f"{login}:{number}"
        for _ in range(MAX_CONFLICT_RETRIES):
            note = notes.get_note(session, shared_note_id)
            try:
                notes.save_note(session, shared_note_id, note["version"], title=note["title"],
                                body=note["body"] + token + "\n")
                report["tokens"].append(token)
                return
            except ConflictError:
                report["conflicts"] += 1
        raise RuntimeError("edit of the shared note kept conflicting")
    else:
        result = timelog.add_entry(session, rng.choice(task_ids), f"{rng.randint(1, 90)}m",
                                   comment=f"{login} work {number}")
        report["time_entries"].append(result.entry["id"])


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
