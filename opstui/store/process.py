"""SQL for process step states, comments, and the facts the automatic step ticks read."""

from typing import Any

from opstui.store.clock import now_iso
from opstui.store.database import Store, Transaction

Reader = Store | Transaction


# -- process steps -------------------------------------------------------------

def step_rows(reader: Reader, task_id: int) -> dict[int, dict[str, Any]]:
    """Return the stored step rows of a task by step number; a missing row means "open, untouched"."""
    rows = reader.query(
        "SELECT task_id, step, state, by_login, at, reason, version FROM process_steps WHERE task_id = ?",
        (task_id,),
    )
    return {row["step"]: row for row in rows}


def put_step(transaction: Transaction, task_id: int, step: int, state: str, reason: str) -> None:
    """Record a step's new state, who set it and when (insert or update)."""
    transaction.execute(
        "INSERT INTO process_steps (task_id, step, state, by_login, at, reason) VALUES (?, ?, ?, ?, ?, ?)"
        " ON CONFLICT(task_id, step) DO UPDATE SET state = excluded.state, by_login = excluded.by_login,"
        " at = excluded.at, reason = excluded.reason, version = process_steps.version + 1",
        (task_id, step, state, transaction.actor, now_iso(), reason),
    )


# -- facts for automatic ticks -------------------------------------------------

def assigned_subtask_count(reader: Reader, master_id: int) -> int:
    row = reader.query_one(
        "SELECT count(*) AS count FROM tasks s WHERE s.parent_id = ? AND s.kind = 'subtask'"
        " AND s.deleted_at IS NULL AND EXISTS (SELECT 1 FROM assignments a WHERE a.task_id = s.id)",
        (master_id,),
    )
    return row["count"]


def assignments_of_change(reader: Reader, master_id: int) -> list[dict[str, Any]]:
    """Return the assignments of a master task and of its live subtasks."""
    return reader.query(
        "SELECT a.task_id, a.login, a.assigned_by FROM assignments a JOIN tasks t ON t.id = a.task_id"
        " WHERE t.deleted_at IS NULL AND (t.id = ? OR (t.parent_id = ? AND t.kind = 'subtask'))"
        " ORDER BY a.task_id, a.login",
        (master_id, master_id),
    )


def assignment_notified(reader: Reader, task_id: int, login: str) -> bool:
    """Tell whether ``login`` has an assignment notification for ``task_id`` in the inbox."""
    row = reader.query_one(
        "SELECT 1 AS found FROM notifications WHERE task_id = ? AND login = ?"
        " AND kind IN ('assigned', 'reassigned') LIMIT 1",
        (task_id, login),
    )
    return row is not None


def has_table(reader: Reader, name: str) -> bool:
    row = reader.query_one("SELECT 1 AS found FROM sqlite_master WHERE type = 'table' AND name = ?", (name,))
    return row is not None


# -- comments ------------------------------------------------------------------

COMMENT_COLUMNS = "c.id, c.task_id, c.kind, c.author, c.body, c.created_at, c.edited_at, c.version"


def insert_comment(transaction: Transaction, task_id: int, kind: str, body: str) -> int:
    cursor = transaction.execute(
        "INSERT INTO comments (task_id, kind, author, body, created_at) VALUES (?, ?, ?, ?, ?)",
        (task_id, kind, transaction.actor, body, now_iso()),
    )
    return cursor.lastrowid


def comments_of_task(reader: Reader, task_id: int, kind: str | None = None) -> list[dict[str, Any]]:
    sql = (f"SELECT {COMMENT_COLUMNS}, coalesce(u.display_name, c.author) AS author_name"
           " FROM comments c LEFT JOIN users u ON u.login = c.author WHERE c.task_id = ?")
    parameters: list[Any] = [task_id]
    if kind:
        sql += " AND c.kind = ?"
        parameters.append(kind)
    return reader.query(sql + " ORDER BY c.created_at, c.id", parameters)


def latest_summary(reader: Reader, task_id: int) -> dict[str, Any] | None:
    return reader.query_one(
        f"SELECT {COMMENT_COLUMNS} FROM comments c WHERE c.task_id = ? AND c.kind = 'summary'"
        " ORDER BY c.id DESC LIMIT 1",
        (task_id,),
    )


# -- activity tasks ------------------------------------------------------------

def activity_tasks(reader: Reader, master_id: int) -> list[dict[str, Any]]:
    """Return the live activity tasks of a master task, newest first."""
    return reader.query(
        "SELECT id, title, status, closed_at, version FROM tasks"
        " WHERE parent_id = ? AND kind = 'activity' AND deleted_at IS NULL ORDER BY id DESC",
        (master_id,),
    )
