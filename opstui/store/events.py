"""SQL for reading the events table (writing happens through Transaction.event)."""

import json
from typing import Any

from opstui.store.database import Store


def _decode(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    for row in rows:
        row["data"] = json.loads(row["data"]) if row["data"] else {}
    return rows


def last_event_id(store: Store) -> int:
    return store.scalar("SELECT coalesce(max(id), 0) FROM events")


def events_after(store: Store, after_id: int, limit: int = 1000) -> list[dict[str, Any]]:
    return _decode(store.query(
        "SELECT id, at, actor, kind, task_id, entity, entity_id, data FROM events"
        " WHERE id > ? ORDER BY id LIMIT ?",
        (after_id, limit),
    ))


def events_for_task(store: Store, task_id: int, *, include_children: bool = True) -> list[dict[str, Any]]:
    """Return the audit trail of a task, with its subtasks' and activity task's events."""
    if include_children:
        sql = ("SELECT e.id, e.at, e.actor, e.kind, e.task_id, e.entity, e.entity_id, e.data,"
               " coalesce(u.display_name, e.actor) AS actor_name"
               " FROM events e LEFT JOIN users u ON u.login = e.actor"
               " WHERE e.task_id = ? OR e.task_id IN (SELECT id FROM tasks WHERE parent_id = ?)"
               " ORDER BY e.id")
        parameters: tuple = (task_id, task_id)
    else:
        sql = ("SELECT e.id, e.at, e.actor, e.kind, e.task_id, e.entity, e.entity_id, e.data,"
               " coalesce(u.display_name, e.actor) AS actor_name"
               " FROM events e LEFT JOIN users u ON u.login = e.actor WHERE e.task_id = ? ORDER BY e.id")
        parameters = (task_id,)
    return _decode(store.query(sql, parameters))
