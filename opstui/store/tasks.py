"""SQL for requests, tasks, assignments and the board's card query."""

from typing import Any

from opstui.store.clock import now_iso
from opstui.store.database import Store, Transaction

TASK_COLUMNS = (
    "t.id, t.kind, t.parent_id, t.request_id, t.title, t.description, t.stage, t.status,"
    " t.priority, t.due_on, t.position, t.deleted_at, t.deleted_by, t.created_by, t.created_at,"
    " t.updated_at, t.closed_at, t.extra, t.version"
)
UPDATABLE_TASK_FIELDS = {
    "title", "description", "stage", "status", "priority", "due_on", "position",
    "deleted_at", "deleted_by", "closed_at", "extra",
}


def insert_request(transaction: Transaction, *, source: str, requester: str, external_ref: str,
                   received_on: str) -> int:
    cursor = transaction.execute(
        "INSERT INTO requests (source, requester, external_ref, received_on, created_by, created_at)"
        " VALUES (?, ?, ?, ?, ?, ?)",
        (source, requester, external_ref, received_on, transaction.actor, now_iso()),
    )
    return cursor.lastrowid


def insert_task(transaction: Transaction, *, kind: str, title: str, description: str = "",
                parent_id: int | None = None, request_id: int | None = None, stage: str = "request",
                priority: str = "normal", due_on: str | None = None, position: int = 0,
                extra: str = "{}") -> int:
    now = now_iso()
    cursor = transaction.execute(
        "INSERT INTO tasks (kind, parent_id, request_id, title, description, stage, priority, due_on,"
        " position, created_by, created_at, updated_at, extra) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (kind, parent_id, request_id, title, description, stage, priority, due_on, position,
         transaction.actor, now, now, extra),
    )
    return cursor.lastrowid


def get_task(store: Store | Transaction, task_id: int) -> dict[str, Any] | None:
    return store.query_one(
        f"SELECT {TASK_COLUMNS}, r.source, r.requester, r.external_ref, r.received_on"
        " FROM tasks t LEFT JOIN requests r ON r.id = t.request_id WHERE t.id = ?",
        (task_id,),
    )


def update_task(transaction: Transaction, task_id: int, expected_version: int | None, **fields: Any) -> bool:
    """Update a task if it is still at ``expected_version`` (None skips the check).

    Returns False when another user changed the row first, so nothing was written.
    """
    unknown = set(fields) - UPDATABLE_TASK_FIELDS
    if unknown:
        raise ValueError(f"unknown task fields: {sorted(unknown)}")
    assignments = ", ".join(f"{name} = ?" for name in fields)
    sql = f"UPDATE tasks SET {assignments}, updated_at = ?, version = version + 1 WHERE id = ?"
    parameters: list[Any] = [*fields.values(), now_iso(), task_id]
    if expected_version is not None:
        sql += " AND version = ?"
        parameters.append(expected_version)
    return transaction.execute(sql, parameters).rowcount == 1


def next_subtask_position(transaction: Transaction, parent_id: int) -> int:
    row = transaction.query_one(
        "SELECT coalesce(max(position), 0) + 1 AS position FROM tasks WHERE parent_id = ? AND kind = 'subtask'",
        (parent_id,),
    )
    return row["position"]


def children(store: Store | Transaction, parent_id: int, kind: str,
             *, include_deleted: bool = False) -> list[dict[str, Any]]:
    deleted = "" if include_deleted else " AND t.deleted_at IS NULL"
    rows = store.query(
        f"SELECT {TASK_COLUMNS},"
        " (SELECT group_concat(a.login, ',') FROM assignments a WHERE a.task_id = t.id) AS assignees"
        f" FROM tasks t WHERE t.parent_id = ? AND t.kind = ?{deleted} ORDER BY t.position, t.id",
        (parent_id, kind),
    )
    for row in rows:
        row["assignees"] = _split_logins(row["assignees"])
    return rows


def list_tasks(store: Store, *, kind: str | None = None, stage: str | None = None,
               status: str | None = None, include_deleted: bool = False,
               assignee: str | None = None) -> list[dict[str, Any]]:
    clauses: list[str] = []
    parameters: list[Any] = []
    if kind:
        clauses.append("t.kind = ?")
        parameters.append(kind)
    if stage:
        clauses.append("t.stage = ?")
        parameters.append(stage)
    if status:
        clauses.append("t.status = ?")
        parameters.append(status)
    if not include_deleted:
        clauses.append("t.deleted_at IS NULL")
    if assignee:
        clauses.append("EXISTS (SELECT 1 FROM assignments a WHERE a.task_id = t.id AND a.login = ?)")
        parameters.append(assignee)
    where = f"WHERE {' AND '.join(clauses)}" if clauses else ""
    rows = store.query(
        f"SELECT {TASK_COLUMNS}, r.source, r.requester, r.external_ref, r.received_on,"
        " (SELECT group_concat(a.login, ',') FROM assignments a WHERE a.task_id = t.id) AS assignees"
        f" FROM tasks t LEFT JOIN requests r ON r.id = t.request_id {where} ORDER BY t.id",
        parameters,
    )
    for row in rows:
        row["assignees"] = _split_logins(row["assignees"])
    return rows


def assignees(store: Store | Transaction, task_id: int) -> list[str]:
    rows = store.query("SELECT login FROM assignments WHERE task_id = ? ORDER BY assigned_at, login", (task_id,))
    return [row["login"] for row in rows]


def add_assignment(transaction: Transaction, task_id: int, login: str) -> bool:
    cursor = transaction.execute(
        "INSERT OR IGNORE INTO assignments (task_id, login, assigned_by, assigned_at) VALUES (?, ?, ?, ?)",
        (task_id, login, transaction.actor, now_iso()),
    )
    return cursor.rowcount == 1


def remove_assignment(transaction: Transaction, task_id: int, login: str) -> bool:
    cursor = transaction.execute("DELETE FROM assignments WHERE task_id = ? AND login = ?", (task_id, login))
    return cursor.rowcount == 1


BOARD_CARD_WHERE = "m.kind = 'master' AND m.deleted_at IS NULL AND m.status IN ('open', 'done')"


def board_cards(store: Store, task_ids: list[int] | None = None) -> list[dict[str, Any]]:
    """Return one row per master task on the board, with what its card shows.

    Assignees are those of the master task and of its subtasks. Rejected,
    cancelled and deleted tasks are left out.
    """
    where = BOARD_CARD_WHERE
    parameters: list[Any] = []
    if task_ids is not None:
        where += f" AND m.id IN ({', '.join('?' for _ in task_ids)})"
        parameters.extend(task_ids)
    rows = store.query(
        "SELECT m.id, m.title, m.stage, m.status, m.priority, m.due_on, m.version, m.updated_at,"
        " (SELECT count(*) FROM tasks s WHERE s.parent_id = m.id AND s.kind = 'subtask'"
        "   AND s.deleted_at IS NULL) AS subtasks_total,"
        " (SELECT count(*) FROM tasks s WHERE s.parent_id = m.id AND s.kind = 'subtask'"
        "   AND s.deleted_at IS NULL AND s.status = 'done') AS subtasks_done,"
        " (SELECT group_concat(login, ',') FROM (SELECT DISTINCT a.login FROM assignments a"
        "   JOIN tasks s ON s.id = a.task_id"
        "   WHERE (s.id = m.id OR (s.parent_id = m.id AND s.kind = 'subtask' AND s.deleted_at IS NULL))"
        "   ORDER BY a.login)) AS assignees,"
        " (SELECT s.status FROM tasks s WHERE s.parent_id = m.id AND s.kind = 'activity'"
        "   AND s.deleted_at IS NULL ORDER BY s.id DESC LIMIT 1) AS activity_status"
        f" FROM tasks m WHERE {where} ORDER BY m.id",
        parameters,
    )
    for row in rows:
        row["assignees"] = _split_logins(row["assignees"])
    return rows


def board_card_count(store: Store) -> int:
    """Count the cards of the board, to decide whether to read them all at once."""
    return store.scalar(f"SELECT count(*) FROM tasks m WHERE {BOARD_CARD_WHERE}")


def board_column_totals(store: Store) -> dict[str, int]:
    """Count the cards of each stage's column."""
    rows = store.connection.execute(
        f"SELECT m.stage, count(*) FROM tasks m WHERE {BOARD_CARD_WHERE} GROUP BY m.stage").fetchall()
    return dict(rows)


def board_first_card_ids(store: Store, stage: str, limit: int) -> list[int]:
    """Return the ids of the first ``limit`` cards of a column, in board order (by id)."""
    rows = store.connection.execute(
        f"SELECT m.id FROM tasks m WHERE {BOARD_CARD_WHERE} AND m.stage = ? ORDER BY m.id LIMIT ?",
        (stage, limit),
    ).fetchall()
    return [row[0] for row in rows]


def _split_logins(value: str | None) -> list[str]:
    return value.split(",") if value else []
