"""The activity task of a change (process step 7) and closing it (step 12).

The activity task is a child of the master task. It carries the production work:
time entries, comments and the work summary. It links the master task's notes
(through its parent) and its official instructions (through knowledge-base links).
The normal end is the master task completed (step 11), then the activity task
closed (step 12); the other order needs a reason.
"""

from typing import Any

from opstui.errors import NotFoundError, UserError
from opstui.services import process
from opstui.services.session import Session
from opstui.services.validation import MAX_TITLE_LENGTH, clean_title
from opstui.store import Transaction
from opstui.store import process as process_rows
from opstui.store import tasks as task_rows
from opstui.store.clock import now_iso

TITLE_PREFIX = "Production: "


def activity_of(session: Session, master_id: int) -> dict[str, Any] | None:
    """Return the newest live activity task of a master task, or None."""
    rows = process_rows.activity_tasks(session.store, master_id)
    return rows[0] if rows else None


def open_steps_before_activity(session: Session, master_id: int) -> list[int]:
    """Return the steps before step 7 still open, which make creating the activity task need a reason."""
    process.require_master(session.store, master_id)
    return process.open_steps_before(process_rows.step_rows(session.store, master_id), 7)


def create_activity(session: Session, master_id: int, *, title: str | None = None, reason: str = "") -> int:
    """Create the activity task of a master task and tick step 7; return its id.

    It gets the assignees of the master task and its subtasks, so the people who
    did the work can log time on it, and links the official instructions.
    """
    reason = process.clean_reason(reason)

    def write(transaction: Transaction) -> int:
        master = process.require_master(transaction, master_id)
        if master["status"] in ("rejected", "cancelled"):
            raise UserError(f"task {master_id} is {master['status']}; reopen it before creating its activity task")
        existing = process_rows.activity_tasks(transaction, master_id)
        if existing:
            raise UserError(f"task {master_id} already has activity task #{existing[0]['id']};"
                            f" open it with `opstui task show {existing[0]['id']}`")
        rows = process_rows.step_rows(transaction, master_id)
        earlier = process.open_steps_before(rows, 7)
        if earlier and not reason:
            raise UserError(f"steps {', '.join(map(str, earlier))} of task {master_id} are still open;"
                            " give a reason with --reason TEXT to create the activity task now")

        activity_title = clean_title(title or _default_title(master["title"]), "activity title")
        activity_id = task_rows.insert_task(transaction, kind="activity", title=activity_title,
                                            description=f"Production work of master task #{master_id}.",
                                            parent_id=master_id, stage="production",
                                            priority=master["priority"], due_on=master["due_on"])
        transaction.event("task.created", task_id=activity_id, entity="task", entity_id=activity_id,
                          data={"kind": "activity", "title": activity_title, "parent_id": master_id})
        from opstui.services import tasks

        for assignment in process_rows.assignments_of_change(transaction, master_id):
            tasks._assign(transaction, activity_id, assignment["login"], activity_title)
        process.tick_for_action(transaction, master_id, 7,
                                reason or f"activity task #{activity_id} created")
        return activity_id

    activity_id = session.store.write(session.login, write)
    _link_official_instructions(session, master_id, activity_id)
    return activity_id


def _default_title(master_title: str) -> str:
    title = TITLE_PREFIX + master_title
    return title if len(title) <= MAX_TITLE_LENGTH else title[:MAX_TITLE_LENGTH - 1] + "…"


def _link_official_instructions(session: Session, master_id: int, activity_id: int) -> None:
    """Link the master task's official instructions to the new activity task as "uses"."""
    try:
        from opstui.services import kb
    except ImportError:
        return
    for row in kb.instructions_of_task(session, master_id):
        if row["official_revision"] is not None:
            kb.link_task(session, row["id"], activity_id, relation="uses")


def activity_links(session: Session, activity_id: int) -> dict[str, Any]:
    """Return what the activity task links: its master task, the master's notes and the instructions."""
    activity = _require_activity(session.store, activity_id)
    master_id = activity["parent_id"]
    links: dict[str, Any] = {"master_id": master_id, "notes": None, "instructions": None}
    try:
        from opstui.services import notes
    except ImportError:
        pass
    else:
        links["notes"] = notes.list_notes(session, master_id, include_retired=True)
    try:
        from opstui.services import kb
    except ImportError:
        pass
    else:
        seen: dict[int, dict[str, Any]] = {}
        for task_id in (activity_id, master_id):
            for row in kb.instructions_of_task(session, task_id):
                seen.setdefault(row["id"], row)
        links["instructions"] = list(seen.values())
    return links


def close_blockers(session: Session, activity_id: int) -> dict[str, Any]:
    """Return what blocks closing: a missing summary (refused) and an open master task (needs a reason)."""
    from opstui.services import comments

    activity = _require_activity(session.store, activity_id)
    master = task_rows.get_task(session.store, activity["parent_id"])
    return {
        "summary_missing": comments.get_summary(session, activity_id) is None,
        "master_open": master is not None and master["status"] != "done",
        "master_id": activity["parent_id"],
    }


def close_activity(session: Session, activity_id: int, *, reason: str = "") -> None:
    """Close the activity task and tick step 12; the work summary is required first."""
    reason = process.clean_reason(reason)

    def write(transaction: Transaction) -> None:
        activity = _require_activity(transaction, activity_id)
        if activity["status"] == "done":
            return
        if process_rows.latest_summary(transaction, activity_id) is None:
            raise UserError(f"activity task {activity_id} has no work summary; add one with"
                            f" `opstui summary set {activity_id} TEXT` before closing it")
        master = task_rows.get_task(transaction, activity["parent_id"])
        if master["status"] != "done" and not reason:
            raise UserError(f"master task {master['id']} is not completed yet (step 11 comes first);"
                            " give a reason with --reason TEXT to close the activity task now")
        task_rows.update_task(transaction, activity_id, None, status="done", closed_at=now_iso())
        transaction.event("task.done", task_id=activity_id, entity="task", entity_id=activity_id,
                          data={"title": activity["title"], "parent_id": master["id"], "reason": reason})
        process.tick_for_action(transaction, master["id"], 12, reason or f"activity task #{activity_id} closed")

    session.store.write(session.login, write)


def _require_activity(reader, activity_id: int) -> dict[str, Any]:
    task = task_rows.get_task(reader, activity_id)
    if task is None or task["deleted_at"] is not None:
        raise NotFoundError(f"no task with id {activity_id}; see `opstui task list --kind activity`")
    if task["kind"] != "activity":
        raise UserError(f"task {activity_id} is a {task['kind']} task, not an activity task;"
                        " see `opstui task list --kind activity`")
    return task
