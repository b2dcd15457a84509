"""Moves that keep the board and the process in agreement, and the end of a task's life.

Moving a card forward past a stage whose steps are still open needs a reason.
Moving it to Done completes the master task (step 11). A request can be rejected
or cancelled with a reason, which takes it off the board, and reopened later.
Deleting is a manager's action and only marks the task deleted, so it can be restored.
"""

from typing import Any

from opstui.errors import ConflictError, NotFoundError, UserError
from opstui.services import permissions, process, tasks
from opstui.services.process_steps import STAGE_TITLES, STAGES
from opstui.services.session import Session
from opstui.services.validation import parse_stage
from opstui.store import Transaction
from opstui.store import process as process_rows
from opstui.store import tasks as task_rows
from opstui.store.clock import now_iso

# The stage a completed master task returns to when it is reopened.
REOPEN_STAGE = "monitoring"


def steps_passed_open(session: Session, task_id: int, stage: str) -> list[int]:
    """Return the open steps of the stages a forward move to ``stage`` leaves behind."""
    stage = parse_stage(stage)
    task = process.require_master(session.store, task_id)
    current = STAGES.index(task["stage"])
    target = STAGES.index(stage)
    if target <= current:
        return []
    passed = list(STAGES[:target])
    return process.open_steps_of_stages(session, task_id, passed)


def move_master_task(session: Session, task_id: int, stage: str, *, reason: str = "",
                     expected_version: int | None = None) -> dict[str, Any]:
    """Move a master task on the board under the process rules; return the task."""
    stage = parse_stage(stage)
    reason = process.clean_reason(reason)
    task = process.require_master(session.store, task_id)
    if stage == task["stage"]:
        return tasks.get_task(session, task_id)
    if stage == "done":
        return complete_master_task(session, task_id, reason=reason, expected_version=expected_version)

    open_steps = steps_passed_open(session, task_id, stage)
    if open_steps and not reason:
        raise UserError(f"moving task {task_id} to {STAGE_TITLES[stage]} passes open step(s)"
                        f" {', '.join(map(str, open_steps))}; give a reason with --reason TEXT")
    if task["stage"] == "done" and task["status"] == "done":
        return _reopen_completed(session, task_id, stage, reason, expected_version)
    return tasks.move_task(session, task_id, stage, expected_version=expected_version, reason=reason)


def completion_blockers(session: Session, task_id: int) -> list[str]:
    """Return what is missing before the master task can be completed without a reason."""
    process.require_master(session.store, task_id)
    return process.missing_for_close(session, task_id)


def complete_master_task(session: Session, task_id: int, *, reason: str = "",
                         expected_version: int | None = None) -> dict[str, Any]:
    """Complete a master task (step 11): move it to Done and close it.

    A manager's action by default. When steps are open or the work checks find
    something missing (instruction, notes, monitoring), a reason is required.
    """
    permissions.require(session, "complete_master_task")
    reason = process.clean_reason(reason)
    process.require_master(session.store, task_id)
    missing = process.missing_for_close(session, task_id)
    if missing and not reason:
        raise UserError(f"task {task_id} still has: {'; '.join(missing)}; give a reason with --reason TEXT"
                        " to complete it anyway")

    def write(transaction: Transaction) -> None:
        current = process.require_master(transaction, task_id)
        if current["status"] in ("rejected", "cancelled"):
            raise UserError(f"task {task_id} is {current['status']}; reopen it with `opstui task reopen {task_id}`")
        if current["status"] == "done" and current["stage"] == "done":
            return
        if not task_rows.update_task(transaction, task_id, expected_version, stage="done", status="done",
                                     closed_at=now_iso()):
            raise ConflictError(f"task {task_id} was changed by someone else; look again and retry", current=current)
        if current["stage"] != "done":
            transaction.event("task.moved", task_id=task_id, entity="task", entity_id=task_id,
                              data={"from": current["stage"], "to": "done", "reason": reason})
        transaction.event("task.done", task_id=task_id, entity="task", entity_id=task_id,
                          data={"title": current["title"], "reason": reason, "missing": missing})
        process.tick_for_action(transaction, task_id, 11, reason or "master task completed")

    session.store.write(session.login, write)
    return tasks.get_task(session, task_id)


def _reopen_completed(session: Session, task_id: int, stage: str, reason: str,
                      expected_version: int | None) -> dict[str, Any]:
    def write(transaction: Transaction) -> None:
        current = process.require_master(transaction, task_id)
        if not task_rows.update_task(transaction, task_id, expected_version, stage=stage, status="open",
                                     closed_at=None):
            raise ConflictError(f"task {task_id} was changed by someone else; look again and retry", current=current)
        transaction.event("task.moved", task_id=task_id, entity="task", entity_id=task_id,
                          data={"from": current["stage"], "to": stage, "reason": reason})
        transaction.event("task.reopened", task_id=task_id, entity="task", entity_id=task_id,
                          data={"title": current["title"], "reason": reason})
        process.reopen_for_action(transaction, task_id, 11, reason or "master task reopened")

    session.store.write(session.login, write)
    return tasks.get_task(session, task_id)


# -- reject, cancel, reopen ----------------------------------------------------

def reject_request(session: Session, task_id: int, reason: str) -> dict[str, Any]:
    return _end_request(session, task_id, "rejected", reason, "reject")


def cancel_request(session: Session, task_id: int, reason: str) -> dict[str, Any]:
    return _end_request(session, task_id, "cancelled", reason, "cancel")


def _end_request(session: Session, task_id: int, status: str, reason: str, verb: str) -> dict[str, Any]:
    """Take an open master task off the board with a reason; it stays listed by status."""
    reason = process.clean_reason(reason)
    if not reason:
        raise UserError(f"to {verb} task {task_id}, give a reason with --reason TEXT")

    def write(transaction: Transaction) -> None:
        current = process.require_master(transaction, task_id)
        if current["status"] != "open":
            raise UserError(f"task {task_id} is {current['status']}; only an open master task can be {status}")
        task_rows.update_task(transaction, task_id, None, status=status, closed_at=now_iso())
        transaction.event(f"task.{status}", task_id=task_id, entity="task", entity_id=task_id,
                          data={"title": current["title"], "reason": reason})

    session.store.write(session.login, write)
    return tasks.get_task(session, task_id)


def reopen_task(session: Session, task_id: int, *, reason: str = "") -> dict[str, Any]:
    """Reopen a rejected, cancelled or completed master task, or a closed activity task or subtask."""
    reason = process.clean_reason(reason)

    def write(transaction: Transaction) -> None:
        current = task_rows.get_task(transaction, task_id)
        if current is None or current["deleted_at"] is not None:
            raise NotFoundError(f"no task with id {task_id}; a deleted task comes back with"
                                f" `opstui task restore {task_id}`")
        if current["status"] == "open":
            raise UserError(f"task {task_id} is already open")
        fields: dict[str, Any] = {"status": "open", "closed_at": None}
        if current["kind"] == "master" and current["status"] == "done" and current["stage"] == "done":
            fields["stage"] = REOPEN_STAGE
        task_rows.update_task(transaction, task_id, None, **fields)
        transaction.event("task.reopened", task_id=task_id, entity="task", entity_id=task_id,
                          data={"title": current["title"], "parent_id": current["parent_id"],
                                "from": current["status"], "reason": reason})
        if current["kind"] == "master" and current["status"] == "done":
            process.reopen_for_action(transaction, task_id, 11, reason or "master task reopened")
        if current["kind"] == "activity" and current["status"] == "done":
            process.reopen_for_action(transaction, current["parent_id"], 12, reason or "activity task reopened")

    session.store.write(session.login, write)
    return tasks.get_task(session, task_id)


# -- delete and restore --------------------------------------------------------

def delete_task(session: Session, task_id: int, reason: str) -> None:
    """Mark a task deleted (a manager's action by default); `restore_task` brings it back."""
    permissions.require(session, "delete_task")
    reason = process.clean_reason(reason)
    if not reason:
        raise UserError(f"to delete task {task_id}, give a reason with --reason TEXT")

    def write(transaction: Transaction) -> None:
        current = task_rows.get_task(transaction, task_id)
        if current is None or current["deleted_at"] is not None:
            raise NotFoundError(f"no task with id {task_id}; see `opstui task list --all` for the ids")
        task_rows.update_task(transaction, task_id, None, deleted_at=now_iso(), deleted_by=transaction.actor)
        transaction.event("task.deleted", task_id=task_id, entity="task", entity_id=task_id,
                          data={"title": current["title"], "parent_id": current["parent_id"], "reason": reason})
        if current["kind"] == "activity" and current["parent_id"]:
            rows = process_rows.step_rows(transaction, current["parent_id"])
            if process.step_state(rows, 7) == "done" and not process_rows.activity_tasks(transaction,
                                                                                          current["parent_id"]):
                process.reopen_for_action(transaction, current["parent_id"], 7,
                                          f"activity task #{task_id} deleted: {reason}")

    session.store.write(session.login, write)


def restore_task(session: Session, task_id: int, *, reason: str = "") -> dict[str, Any]:
    permissions.require(session, "delete_task")
    reason = process.clean_reason(reason)

    def write(transaction: Transaction) -> None:
        current = task_rows.get_task(transaction, task_id)
        if current is None:
            raise NotFoundError(f"no task with id {task_id}; see `opstui task deleted` for deleted tasks")
        if current["deleted_at"] is None:
            raise UserError(f"task {task_id} is not deleted")
        if current["kind"] == "activity" and process_rows.activity_tasks(transaction, current["parent_id"]):
            raise UserError(f"master task {current['parent_id']} has another activity task now;"
                            f" delete that one first to restore #{task_id}")
        task_rows.update_task(transaction, task_id, None, deleted_at=None, deleted_by=None)
        transaction.event("task.restored", task_id=task_id, entity="task", entity_id=task_id,
                          data={"title": current["title"], "parent_id": current["parent_id"], "reason": reason})
        if current["kind"] == "activity":
            process.tick_for_action(transaction, current["parent_id"], 7, f"activity task #{task_id} restored")

    session.store.write(session.login, write)
    return tasks.get_task(session, task_id)


def deleted_tasks(session: Session) -> list[dict[str, Any]]:
    permissions.require(session, "delete_task")
    return [row for row in tasks.list_tasks(session, include_deleted=True) if row["deleted_at"] is not None]


# -- closing any task ----------------------------------------------------------

def close_task(session: Session, task_id: int, *, reason: str = "") -> str:
    """Close a task of any kind the way its kind closes; return what happened."""
    task = tasks.get_task(session, task_id)
    if task["kind"] == "master":
        complete_master_task(session, task_id, reason=reason)
        return f"master task {task_id} completed (step 11)"
    if task["kind"] == "activity":
        from opstui.services import activity

        activity.close_activity(session, task_id, reason=reason)
        return f"activity task {task_id} closed (step 12)"
    tasks.set_subtask_done(session, task_id, True)
    return f"subtask {task_id} done"
