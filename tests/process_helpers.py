"""Helpers for the process tests: a change with an assigned subtask, and event lookups."""

from opstui.services import tasks
from opstui.services.session import Session


def change_with_subtask(session: Session, title: str = "Upgrade PostgreSQL", assignee: str = "bob") -> int:
    task_id = tasks.create_request(session, title)
    tasks.add_subtask(session, task_id, "Check extensions", assignee=assignee)
    return task_id


def events_of(session: Session, task_id: int, kind: str) -> list[dict]:
    import json

    rows = session.store.query("SELECT kind, actor, data FROM events WHERE task_id = ? AND kind = ? ORDER BY id",
                               (task_id, kind))
    for row in rows:
        row["data"] = json.loads(row["data"])
    return rows


def states(checklist: list[dict]) -> dict[int, str]:
    return {item["step"]: item["state"] for item in checklist}
