"""SQL for the knowledge base: instructions, revisions, task links, attachments, runs."""

import hashlib
import json
from typing import Any

from opstui.store.clock import now_iso
from opstui.store.database import Store, Transaction

Reader = Store | Transaction

INSTRUCTION_COLUMNS = (
    "i.id, i.title, i.official_revision, i.draft_title, i.draft_body, i.draft_task_id,"
    " i.draft_updated_by, i.draft_updated_at, i.extra_front_matter, i.import_source,"
    " i.created_by, i.created_at, i.updated_at, i.version"
)


def _decode_instruction(row: dict[str, Any] | None) -> dict[str, Any] | None:
    if row is not None:
        row["extra_front_matter"] = json.loads(row["extra_front_matter"] or "{}")
    return row


# -- instructions ------------------------------------------------------------


def insert_instruction(transaction: Transaction, *, title: str, draft_body: str | None,
                       draft_task_id: int | None = None, extra_front_matter: dict | None = None,
                       import_source: str | None = None, instruction_id: int | None = None) -> int:
    """Insert an instruction with an optional draft; instruction_id keeps an imported id."""
    now = now_iso()
    cursor = transaction.execute(
        "INSERT INTO instructions (id, title, draft_title, draft_body, draft_task_id, draft_updated_by,"
        " draft_updated_at, extra_front_matter, import_source, created_by, created_at, updated_at)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (instruction_id, title, title if draft_body is not None else None, draft_body, draft_task_id,
         transaction.actor if draft_body is not None else None, now if draft_body is not None else None,
         json.dumps(extra_front_matter or {}, sort_keys=True, default=str), import_source,
         transaction.actor, now, now),
    )
    return cursor.lastrowid


def get_instruction(reader: Reader, instruction_id: int) -> dict[str, Any] | None:
    return _decode_instruction(reader.query_one(
        f"SELECT {INSTRUCTION_COLUMNS} FROM instructions i WHERE i.id = ?", (instruction_id,)))


def find_by_import_source(reader: Reader, import_source: str) -> dict[str, Any] | None:
    return _decode_instruction(reader.query_one(
        f"SELECT {INSTRUCTION_COLUMNS} FROM instructions i WHERE i.import_source = ?", (import_source,)))


def list_instructions(reader: Reader) -> list[dict[str, Any]]:
    """Return every instruction with its task ids and whether a draft is open."""
    rows = reader.query(
        f"SELECT {INSTRUCTION_COLUMNS},"
        " (SELECT group_concat(task_id) FROM (SELECT DISTINCT task_id FROM instruction_tasks"
        "   WHERE instruction_id = i.id ORDER BY task_id)) AS task_ids"
        " FROM instructions i ORDER BY lower(i.title), i.id"
    )
    for row in rows:
        _decode_instruction(row)
        row["task_ids"] = [int(value) for value in (row["task_ids"] or "").split(",") if value]
    return rows


def save_draft(transaction: Transaction, instruction_id: int, expected_version: int, *, title: str,
               body: str, task_id: int | None) -> bool:
    """Replace the draft text; False when the row changed since expected_version was read."""
    cursor = transaction.execute(
        "UPDATE instructions SET draft_title = ?, draft_body = ?,"
        " draft_task_id = coalesce(?, draft_task_id), draft_updated_by = ?, draft_updated_at = ?,"
        " updated_at = ?, version = version + 1 WHERE id = ? AND version = ?",
        (title, body, task_id, transaction.actor, now_iso(), now_iso(), instruction_id, expected_version),
    )
    return cursor.rowcount == 1


def mark_published(transaction: Transaction, instruction_id: int, expected_version: int, *,
                   number: int, title: str) -> bool:
    """Make revision number the one in force and close the draft."""
    cursor = transaction.execute(
        "UPDATE instructions SET official_revision = ?, title = ?, draft_title = NULL, draft_body = NULL,"
        " draft_task_id = NULL, draft_updated_by = NULL, draft_updated_at = NULL, updated_at = ?,"
        " version = version + 1 WHERE id = ? AND version = ?",
        (number, title, now_iso(), instruction_id, expected_version),
    )
    return cursor.rowcount == 1


def discard_draft(transaction: Transaction, instruction_id: int, expected_version: int) -> bool:
    cursor = transaction.execute(
        "UPDATE instructions SET draft_title = NULL, draft_body = NULL, draft_task_id = NULL,"
        " draft_updated_by = NULL, draft_updated_at = NULL, updated_at = ?, version = version + 1"
        " WHERE id = ? AND version = ? AND official_revision IS NOT NULL",
        (now_iso(), instruction_id, expected_version),
    )
    return cursor.rowcount == 1


def set_extra_front_matter(transaction: Transaction, instruction_id: int, extra: dict) -> None:
    transaction.execute("UPDATE instructions SET extra_front_matter = ? WHERE id = ?",
                        (json.dumps(extra, sort_keys=True, default=str), instruction_id))


# -- revisions ---------------------------------------------------------------


def insert_revision(transaction: Transaction, instruction_id: int, *, kind: str, number: int | None,
                    title: str, body: str, task_id: int | None) -> int:
    cursor = transaction.execute(
        "INSERT INTO instruction_revisions (instruction_id, kind, number, title, body, task_id, author, saved_at)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        (instruction_id, kind, number, title, body, task_id, transaction.actor, now_iso()),
    )
    return cursor.lastrowid


def next_revision_number(reader: Reader, instruction_id: int) -> int:
    row = reader.query_one(
        "SELECT coalesce(max(number), 0) + 1 AS next FROM instruction_revisions WHERE instruction_id = ?",
        (instruction_id,))
    return int(row["next"])


def list_revisions(reader: Reader, instruction_id: int) -> list[dict[str, Any]]:
    return reader.query(
        "SELECT id, instruction_id, kind, number, title, task_id, author, saved_at, length(body) AS size"
        " FROM instruction_revisions WHERE instruction_id = ? ORDER BY id",
        (instruction_id,),
    )


def get_revision(reader: Reader, revision_id: int) -> dict[str, Any] | None:
    return reader.query_one(
        "SELECT id, instruction_id, kind, number, title, body, task_id, author, saved_at"
        " FROM instruction_revisions WHERE id = ?", (revision_id,))


def get_official_revision(reader: Reader, instruction_id: int, number: int) -> dict[str, Any] | None:
    return reader.query_one(
        "SELECT id, instruction_id, kind, number, title, body, task_id, author, saved_at"
        " FROM instruction_revisions WHERE instruction_id = ? AND number = ?", (instruction_id, number))


# -- task links --------------------------------------------------------------


def link_task(transaction: Transaction, instruction_id: int, task_id: int, relation: str) -> bool:
    """Link a task; False when the link already existed."""
    cursor = transaction.execute(
        "INSERT OR IGNORE INTO instruction_tasks (instruction_id, task_id, relation, linked_by, linked_at)"
        " VALUES (?, ?, ?, ?, ?)",
        (instruction_id, task_id, relation, transaction.actor, now_iso()),
    )
    return cursor.rowcount == 1


def instruction_task_links(reader: Reader, instruction_id: int) -> list[dict[str, Any]]:
    return reader.query(
        "SELECT l.task_id, l.relation, l.linked_by, l.linked_at, t.title, t.kind"
        " FROM instruction_tasks l JOIN tasks t ON t.id = l.task_id"
        " WHERE l.instruction_id = ? ORDER BY l.task_id, l.relation", (instruction_id,))


def instructions_of_task(reader: Reader, task_id: int) -> list[dict[str, Any]]:
    return reader.query(
        "SELECT i.id, i.title, i.official_revision, l.relation FROM instruction_tasks l"
        " JOIN instructions i ON i.id = l.instruction_id WHERE l.task_id = ? ORDER BY i.id",
        (task_id,))


def task_exists(reader: Reader, task_id: int) -> bool:
    return reader.query_one("SELECT 1 AS found FROM tasks WHERE id = ?", (task_id,)) is not None


# -- attachments -------------------------------------------------------------


def upsert_attachment(transaction: Transaction, instruction_id: int, *, file_name: str, mime: str,
                      data: bytes) -> tuple[int, bool]:
    """Store an attachment, replacing one of the same name; returns (id, changed)."""
    digest = hashlib.sha256(data).hexdigest()
    existing = transaction.query_one(
        "SELECT id, sha256 FROM instruction_attachments WHERE instruction_id = ? AND file_name = ?",
        (instruction_id, file_name))
    if existing is not None and existing["sha256"] == digest:
        return existing["id"], False
    if existing is not None:
        transaction.execute(
            "UPDATE instruction_attachments SET mime = ?, size = ?, sha256 = ?, data = ?, created_by = ?,"
            " created_at = ? WHERE id = ?",
            (mime, len(data), digest, data, transaction.actor, now_iso(), existing["id"]))
        return existing["id"], True
    cursor = transaction.execute(
        "INSERT INTO instruction_attachments (instruction_id, file_name, mime, size, sha256, data,"
        " created_by, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        (instruction_id, file_name, mime, len(data), digest, data, transaction.actor, now_iso()))
    return cursor.lastrowid, True


def list_attachments(reader: Reader, instruction_id: int) -> list[dict[str, Any]]:
    return reader.query(
        "SELECT id, instruction_id, file_name, mime, size, sha256, created_by, created_at"
        " FROM instruction_attachments WHERE instruction_id = ? ORDER BY file_name", (instruction_id,))


def get_attachment(reader: Reader, attachment_id: int) -> dict[str, Any] | None:
    return reader.query_one(
        "SELECT id, instruction_id, file_name, mime, size, sha256, data, created_by, created_at"
        " FROM instruction_attachments WHERE id = ?", (attachment_id,))


# -- runs --------------------------------------------------------------------


def insert_run(transaction: Transaction, *, instruction_id: int, revision_number: int, task_id: int,
               step_texts: list[str]) -> int:
    cursor = transaction.execute(
        "INSERT INTO instruction_runs (instruction_id, revision_number, task_id, started_by, started_at)"
        " VALUES (?, ?, ?, ?, ?)",
        (instruction_id, revision_number, task_id, transaction.actor, now_iso()))
    run_id = cursor.lastrowid
    transaction.connection.executemany(
        "INSERT INTO instruction_run_steps (run_id, number, text) VALUES (?, ?, ?)",
        [(run_id, number, text) for number, text in enumerate(step_texts, start=1)])
    return run_id


def get_run(reader: Reader, run_id: int) -> dict[str, Any] | None:
    return reader.query_one(
        "SELECT r.id, r.instruction_id, r.revision_number, r.task_id, r.status, r.current_step,"
        " r.started_by, r.started_at, r.finished_at, r.version, i.title AS instruction_title"
        " FROM instruction_runs r JOIN instructions i ON i.id = r.instruction_id WHERE r.id = ?", (run_id,))


def open_run_for(reader: Reader, instruction_id: int, task_id: int) -> dict[str, Any] | None:
    row = reader.query_one(
        "SELECT id FROM instruction_runs WHERE instruction_id = ? AND task_id = ? AND status = 'running'"
        " ORDER BY id DESC LIMIT 1", (instruction_id, task_id))
    return None if row is None else get_run(reader, row["id"])


def runs_of_task(reader: Reader, task_id: int) -> list[dict[str, Any]]:
    return reader.query(
        "SELECT r.id, r.instruction_id, r.revision_number, r.status, r.current_step, r.started_by,"
        " r.started_at, r.finished_at, i.title AS instruction_title,"
        " (SELECT count(*) FROM instruction_run_steps s WHERE s.run_id = r.id) AS step_count,"
        " (SELECT count(*) FROM instruction_run_steps s WHERE s.run_id = r.id"
        "   AND s.state IN ('done', 'skipped')) AS steps_done"
        " FROM instruction_runs r JOIN instructions i ON i.id = r.instruction_id"
        " WHERE r.task_id = ? ORDER BY r.id", (task_id,))


def run_steps(reader: Reader, run_id: int) -> list[dict[str, Any]]:
    return reader.query(
        "SELECT run_id, number, text, state, started_by, started_at, finished_by, finished_at, comment,"
        " failure, time_entry_id FROM instruction_run_steps WHERE run_id = ? ORDER BY number", (run_id,))


def get_run_step(reader: Reader, run_id: int, number: int) -> dict[str, Any] | None:
    return reader.query_one(
        "SELECT run_id, number, text, state, started_by, started_at, finished_by, finished_at, comment,"
        " failure, time_entry_id FROM instruction_run_steps WHERE run_id = ? AND number = ?",
        (run_id, number))


def start_step(transaction: Transaction, run_id: int, number: int, started_at: str | None = None) -> bool:
    """Mark a pending step started at started_at (default now); False when it was not pending."""
    cursor = transaction.execute(
        "UPDATE instruction_run_steps SET state = 'started', started_by = ?, started_at = ?"
        " WHERE run_id = ? AND number = ? AND state = 'pending'",
        (transaction.actor, started_at or now_iso(), run_id, number))
    return cursor.rowcount == 1


def finish_step(transaction: Transaction, run_id: int, number: int, *, state: str, comment: str,
                failure: str, time_entry_id: int | None) -> bool:
    """Record a step's outcome; a step never started counts as started now.

    A new comment or failure is added below the step's earlier ones, so a tick
    never wipes what was written before it.
    """
    now = now_iso()
    cursor = transaction.execute(
        "UPDATE instruction_run_steps SET state = ?, started_by = coalesce(started_by, ?),"
        f" started_at = coalesce(started_at, ?), finished_by = ?, finished_at = ?, comment = {_appended('comment')},"
        f" failure = {_appended('failure')}, time_entry_id = coalesce(?, time_entry_id)"
        " WHERE run_id = ? AND number = ? AND state IN ('pending', 'started', 'failed')",
        (state, transaction.actor, now, transaction.actor, now, comment, comment, comment, failure, failure,
         failure, time_entry_id, run_id, number))
    return cursor.rowcount == 1


def set_step_comment(transaction: Transaction, run_id: int, number: int, comment: str) -> bool:
    """Add a comment below the step's earlier ones."""
    cursor = transaction.execute(
        f"UPDATE instruction_run_steps SET comment = {_appended('comment')} WHERE run_id = ? AND number = ?",
        (comment, comment, comment, run_id, number))
    return cursor.rowcount == 1


def _appended(column: str) -> str:
    """SQL for the column with a new text (three parameters) on a line of its own; empty text keeps it."""
    return f"CASE WHEN ? = '' THEN {column} WHEN {column} = '' THEN ? ELSE {column} || char(10) || ? END"


def run_step_entries(reader: Reader, *, task_id: int | None = None, login: str | None = None,
                     starts_before: str | None = None, ends_after: str | None = None) -> list[dict[str, Any]]:
    """Return the finished, visible time entries that run steps wrote, with their run and step.

    The entry's own times, user and task count, so an entry edited by hand in the
    time log shows its edited span here too.
    """
    clauses = ["e.deleted_at IS NULL", "e.ended_at IS NOT NULL"]
    parameters: list[Any] = []
    for clause, value in (("e.task_id = ?", task_id), ("e.login = ?", login), ("e.started_at < ?", starts_before),
                          ("e.ended_at > ?", ends_after)):
        if value is not None:
            clauses.append(clause)
            parameters.append(value)
    return reader.query(
        "SELECT e.id AS entry_id, e.task_id, t.title AS task_title, e.login, e.started_at, e.ended_at,"
        " s.run_id, s.number, s.text, s.state, r.revision_number, i.title AS instruction_title"
        " FROM instruction_run_steps s JOIN instruction_runs r ON r.id = s.run_id"
        " JOIN instructions i ON i.id = r.instruction_id JOIN time_entries e ON e.id = s.time_entry_id"
        f" JOIN tasks t ON t.id = e.task_id WHERE {' AND '.join(clauses)}"
        " ORDER BY e.task_id, s.run_id, s.number", parameters)


def update_run(transaction: Transaction, run_id: int, *, status: str, current_step: int) -> None:
    finished = now_iso() if status != "running" else None
    transaction.execute(
        "UPDATE instruction_runs SET status = ?, current_step = ?, finished_at = ?, version = version + 1"
        " WHERE id = ?", (status, current_step, finished, run_id))
