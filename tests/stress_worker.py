"""One writer process of the stress test: random operations on a shared database.

Usage: python stress_worker.py DATABASE LOGIN SEED OPERATIONS JOURNAL SHARED_TASK_ID SHARED_NOTE_ID

After each operation commits, one JSON line describing it is appended to JOURNAL
and flushed to disk, so the test can compare what every writer completed with
what the database contains. The worker exits with status 1 on any error other
than an expected version conflict, and prints the error to stderr.
"""

from __future__ import annotations

import json
import os
import random
import sys
import traceback

from opstui.errors import ConflictError
from opstui.services import notes, tasks, timelog, users
from opstui.services.process_steps import STAGES
from opstui.services.session import open_session

MAX_CONFLICT_RETRIES = 200
# Moving to Done completes a master task, which may be reserved for managers.
MOVE_STAGES = [stage for stage in STAGES if stage != "done"]


def main(argv: list[str]) -> int:
    database, login, seed, operations, journal_path, shared_task_id, shared_note_id = argv
    rng = random.Random(int(seed))
    session = open_session(database, login=login)
    logins = [user["login"] for user in users.list_users(session, include_inactive=False)]
    shared_task_id = int(shared_task_id)
    shared_note_id = int(shared_note_id)

    with open(journal_path, "a", encoding="utf-8") as journal:
        for number in range(int(operations)):
            kind = rng.choice(["create", "subtask", "assign", "move", "append", "note", "time"])
            entry = run_operation(session, rng, kind, number, logins, shared_task_id, shared_note_id)
            journal.write(json.dumps(entry) + "\n")
            journal.flush()
            os.fsync(journal.fileno())

    session.close()
    return 0


def run_operation(session, rng, kind, number, logins, shared_task_id, shared_note_id) -> dict:
    login = session.login

    if kind == "create":
        task_id = tasks.create_request(session, f"{login} change {number}")
        return {"op": "create", "task_id": task_id}

    masters = [row["id"] for row in tasks.list_tasks(session, kind="master") if row["id"] != shared_task_id]

    if kind == "subtask":
        assignee = rng.choice(logins)
        subtask_id = tasks.add_subtask(session, rng.choice(masters), f"{login} part {number}", assignee=assignee)
        return {"op": "subtask", "task_id": subtask_id, "assignee": assignee}

    if kind == "assign":
        task_id = rng.choice(masters)
        assignee = rng.choice(logins)
        added = tasks.assign(session, task_id, assignee)
        return {"op": "assign", "task_id": task_id, "login": assignee, "added": added}

    if kind == "move":
        task_id = rng.choice(masters)
        stage = rng.choice(MOVE_STAGES)
        for attempt in range(MAX_CONFLICT_RETRIES):
            current = tasks.get_task(session, task_id)
            if current["stage"] == stage:
                return {"op": "move", "task_id": task_id, "to": stage, "moved": False, "retries": attempt}
            try:
                tasks.move_task(session, task_id, stage, expected_version=current["version"])
                return {"op": "move", "task_id": task_id, "to": stage, "moved": True, "retries": attempt}
            except ConflictError:
                continue
        raise RuntimeError(f"move of task {task_id} kept conflicting {MAX_CONFLICT_RETRIES} times")

    if kind == "time":
        task_id = rng.choice(masters)
        result = timelog.add_entry(session, task_id, f"{rng.randint(1, 90)}m", comment=f"{login} work {number}")
        return {"op": "time", "task_id": task_id, "entry_id": result.entry["id"]}

    if kind == "note":
        # The second lost-update probe: the shared note, saved with its base version.
        token = f"{login}:{number}"
        for attempt in range(MAX_CONFLICT_RETRIES):
            note = notes.get_note(session, shared_note_id)
            try:
                notes.save_note(session, shared_note_id, note["version"], title=note["title"],
                                body=note["body"] + token + "\n")
                return {"op": "note", "token": token, "retries": attempt}
            except ConflictError:
                continue
        raise RuntimeError(f"save of note {shared_note_id} kept conflicting {MAX_CONFLICT_RETRIES} times")

    # "append": the lost-update probe. Read the shared description, add one line,
    # write it back with the version read. A lost update would drop someone's line.
    token = f"{login}:{number}"
    for attempt in range(MAX_CONFLICT_RETRIES):
        current = tasks.get_task(session, shared_task_id)
        try:
            tasks.update_task(session, shared_task_id, current["version"],
                              description=current["description"] + token + "\n")
            return {"op": "append", "token": token, "retries": attempt}
        except ConflictError:
            continue
    raise RuntimeError(f"append to task {shared_task_id} kept conflicting {MAX_CONFLICT_RETRIES} times")


if __name__ == "__main__":
    try:
        sys.exit(main(sys.argv[1:]))
    except Exception:
        traceback.print_exc()
        sys.exit(1)
