"""Requests, master tasks, subtasks, assignments and moves across the board."""

import json
from datetime import date
from typing import Any

from opstui.errors import ConflictError, NotFoundError, UserError
from opstui.services import permissions, process, templates
from opstui.services.process_steps import STAGE_TITLES
from opstui.services.session import Session
from opstui.services.users import require_active_user
from opstui.services.validation import (
    clean_text,
    clean_title,
    parse_date,
    parse_priority,
    parse_source,
    parse_stage,
)
from opstui.store import Transaction
from opstui.store import tasks as task_rows
from opstui.store.clock import now_iso


def _today() -> str:
    return date.today().isoformat()


def create_request(session: Session, title: str, *, source: str = "infrastructure", requester: str = "",
                   external_ref: str = "", received_on: str | None = None, description: str = "",
                   priority: str = "normal", due_on: str | None = None,
                   assignees: list[str] | tuple[str, ...] = (), use_template: bool = True) -> int:
    """Record a request (step 1) and open its master task in the Request column (step 2).

    The master task starts from its source's request template unless ``use_template`` is False.
    """
    title = clean_title(title)
    source = parse_source(source)
    priority = parse_priority(priority)
    description = clean_text(description)
    received = parse_date(received_on, "date received") or _today()
    due = parse_date(due_on)
    requester = " ".join(requester.split())[:200]
    external_ref = " ".join(external_ref.split())[:200]
    permissions.require(session, "create_master_task")
    for login in assignees:
        require_active_user(session, login)

    def write(transaction: Transaction) -> int:
        request_id = task_rows.insert_request(transaction, source=source, requester=requester,
                                              external_ref=external_ref, received_on=received)
        task_id = task_rows.insert_task(transaction, kind="master", title=title, description=description,
                                        request_id=request_id, priority=priority, due_on=due)
        transaction.event("request.recorded", task_id=task_id, entity="request", entity_id=request_id,
                          data={"source": source, "requester": requester, "external_ref": external_ref,
                                "received_on": received})
        transaction.event("task.created", task_id=task_id, entity="task", entity_id=task_id,
                          data={"kind": "master", "title": title})
        for login in dict.fromkeys(assignees):
            _assign(transaction, task_id, login, title)
        if use_template:
            templates.apply_template(transaction, task_id, source, due_on=due)
        process.record_automatic_steps(transaction, task_id)
        return task_id

    return session.store.write(session.login, write)


def add_subtask(session: Session, parent_id: int, title: str, *, description: str = "",
                assignee: str | None = None, priority: str = "normal", due_on: str | None = None) -> int:
    title = clean_title(title, "subtask title")
    description = clean_text(description)
    priority = parse_priority(priority)
    due = parse_date(due_on)
    parent = get_task(session, parent_id)
    if parent["kind"] != "master":
        raise UserError(f"task {parent_id} is a {parent['kind']} task; subtasks belong to a master task")
    if assignee:
        require_active_user(session, assignee)

    def write(transaction: Transaction) -> int:
        position = task_rows.next_subtask_position(transaction, parent_id)
        subtask_id = task_rows.insert_task(transaction, kind="subtask", title=title, description=description,
                                           parent_id=parent_id, stage=parent["stage"], priority=priority,
                                           due_on=due, position=position)
        transaction.event("task.created", task_id=subtask_id, entity="task", entity_id=subtask_id,
                          data={"kind": "subtask", "title": title, "parent_id": parent_id})
        if assignee:
            _assign(transaction, subtask_id, assignee, title)
        return subtask_id

    return session.store.write(session.login, write)


def get_task(session: Session, task_id: int) -> dict[str, Any]:
    task = task_rows.get_task(session.store, task_id)
    if task is None or task["deleted_at"] is not None and not permissions.is_allowed(session, "delete_task"):
        raise NotFoundError(f"no task with id {task_id}; see `opstui task list` for the ids")
    task["assignees"] = task_rows.assignees(session.store, task_id)
    task["extra"] = json.loads(task["extra"] or "{}")
    return task


def task_detail(session: Session, task_id: int) -> dict[str, Any]:
    """Return a task with its subtasks and activity tasks, as the task screen shows it."""
    task = get_task(session, task_id)
    task["subtasks"] = task_rows.children(session.store, task_id, "subtask")
    task["activities"] = task_rows.children(session.store, task_id, "activity")
    task["parent"] = task_rows.get_task(session.store, task["parent_id"]) if task["parent_id"] else None
    return task


def list_tasks(session: Session, *, kind: str | None = None, stage: str | None = None,
               status: str | None = None, assignee: str | None = None,
               include_deleted: bool = False) -> list[dict[str, Any]]:
    if stage:
        stage = parse_stage(stage)
    return task_rows.list_tasks(session.store, kind=kind, stage=stage, status=status, assignee=assignee,
                                include_deleted=include_deleted)


def board_cards(session: Session, task_ids: list[int] | None = None) -> list[dict[str, Any]]:
    return task_rows.board_cards(session.store, task_ids)


def board_card_count(session: Session) -> int:
    return task_rows.board_card_count(session.store)


def board_column_totals(session: Session) -> dict[str, int]:
    return task_rows.board_column_totals(session.store)


def board_first_card_ids(session: Session, stage: str, limit: int) -> list[int]:
    """Return the first ``limit`` card ids of a stage's column, so a big board can paint its first page early."""
    return task_rows.board_first_card_ids(session.store, parse_stage(stage), limit)


def update_task(session: Session, task_id: int, expected_version: int, **fields: Any) -> dict[str, Any]:
    """Edit title, description, priority or due date, refusing a stale version."""
    cleaned: dict[str, Any] = {}
    if "title" in fields:
        cleaned["title"] = clean_title(fields.pop("title"))
    if "description" in fields:
        cleaned["description"] = clean_text(fields.pop("description"))
    if "priority" in fields:
        cleaned["priority"] = parse_priority(fields.pop("priority"))
    if "due_on" in fields:
        cleaned["due_on"] = parse_date(fields.pop("due_on"))
    if fields:
        raise UserError(f"these task fields cannot be edited here: {', '.join(sorted(fields))}")

    def write(transaction: Transaction) -> None:
        current = _locked_task(transaction, task_id)
        changed = {name: value for name, value in cleaned.items() if current[name] != value}
        if not changed:
            return
        if not task_rows.update_task(transaction, task_id, expected_version, **changed):
            raise ConflictError(f"task {task_id} was changed by someone else; review their change and retry",
                                current=current)
        transaction.event("task.edited", task_id=task_id, entity="task", entity_id=task_id,
                          data={name: {"from": current[name], "to": value} for name, value in changed.items()})

    session.store.write(session.login, write)
    return get_task(session, task_id)


def move_task(session: Session, task_id: int, stage: str, *, expected_version: int | None = None,
              reason: str = "") -> dict[str, Any]:
    """Move a master task to another board stage and record the move (with a reason if given)."""
    stage = parse_stage(stage)

    def write(transaction: Transaction) -> None:
        current = _locked_task(transaction, task_id)
        if current["kind"] != "master":
            raise UserError(f"task {task_id} is a {current['kind']} task; only master tasks move on the board")
        if current["status"] in ("rejected", "cancelled"):
            raise UserError(f"task {task_id} is {current['status']}; reopen it before moving it")
        if expected_version is not None and current["version"] != expected_version:
            # Checked before the no-op case too: a caller working from a stale
            # copy must look again, even when someone already made the same move.
            raise ConflictError(f"task {task_id} was changed by someone else (now in"
                                f" {STAGE_TITLES[current['stage']]}); look again and retry", current=current)
        if current["stage"] == stage:
            return
        if not task_rows.update_task(transaction, task_id, expected_version, stage=stage):
            raise ConflictError(f"task {task_id} was changed by someone else (now in"
                                f" {STAGE_TITLES[current['stage']]}); look again and retry", current=current)
        transaction.event("task.moved", task_id=task_id, entity="task", entity_id=task_id,
                          data={"from": current["stage"], "to": stage, "reason": reason})

    session.store.write(session.login, write)
    return get_task(session, task_id)


def assign(session: Session, task_id: int, login: str) -> bool:
    """Assign a user to a task; return False if they already were."""
    require_active_user(session, login)
    task = get_task(session, task_id)
    return session.store.write(session.login, lambda transaction: _assign(transaction, task_id, login,
                                                                          task["title"]))


def unassign(session: Session, task_id: int, login: str) -> bool:
    task = get_task(session, task_id)

    def write(transaction: Transaction) -> bool:
        if not task_rows.remove_assignment(transaction, task_id, login):
            return False
        transaction.event("task.unassigned", task_id=task_id, entity="user", entity_id=login,
                          data={"login": login, "title": task["title"]})
        return True

    return session.store.write(session.login, write)


def set_assignees(session: Session, task_id: int, logins: list[str]) -> None:
    """Make the task's assignees exactly ``logins`` (one transaction, one event each change)."""
    for login in logins:
        require_active_user(session, login)
    task = get_task(session, task_id)

    def write(transaction: Transaction) -> None:
        current = set(task_rows.assignees(transaction, task_id))
        for login in sorted(current - set(logins)):
            task_rows.remove_assignment(transaction, task_id, login)
            transaction.event("task.unassigned", task_id=task_id, entity="user", entity_id=login,
                              data={"login": login, "title": task["title"]})
        for login in logins:
            if login not in current:
                _assign(transaction, task_id, login, task["title"])

    session.store.write(session.login, write)


def set_subtask_done(session: Session, subtask_id: int, done: bool) -> None:
    def write(transaction: Transaction) -> None:
        current = _locked_task(transaction, subtask_id)
        if current["kind"] != "subtask":
            raise UserError(f"task {subtask_id} is not a subtask")
        status = "done" if done else "open"
        if current["status"] == status:
            return
        task_rows.update_task(transaction, subtask_id, None, status=status,
                              closed_at=now_iso() if done else None)
        transaction.event("task.done" if done else "task.reopened", task_id=subtask_id, entity="task",
                          entity_id=subtask_id, data={"title": current["title"], "parent_id": current["parent_id"]})

    session.store.write(session.login, write)


def move_subtask(session: Session, subtask_id: int, offset: int) -> None:
    """Swap a subtask with its neighbour above (offset -1) or below (offset +1)."""
    def write(transaction: Transaction) -> None:
        current = _locked_task(transaction, subtask_id)
        siblings = task_rows.children(transaction, current["parent_id"], "subtask")
        ids = [row["id"] for row in siblings]
        index = ids.index(subtask_id)
        target = index + offset
        if target < 0 or target >= len(ids):
            return
        ids[index], ids[target] = ids[target], ids[index]
        for position, sibling_id in enumerate(ids, start=1):
            task_rows.update_task(transaction, sibling_id, None, position=position)
        transaction.event("task.reordered", task_id=current["parent_id"], entity="task", entity_id=subtask_id,
                          data={"order": ids})

    session.store.write(session.login, write)


def _assign(transaction: Transaction, task_id: int, login: str, title: str) -> bool:
    if not task_rows.add_assignment(transaction, task_id, login):
        return False
    transaction.event("task.assigned", task_id=task_id, entity="user", entity_id=login,
                      data={"login": login, "title": title})
    process.record_automatic_steps(transaction, task_id)
    return True


def _locked_task(transaction: Transaction, task_id: int) -> dict[str, Any]:
    task = task_rows.get_task(transaction, task_id)
    if task is None or task["deleted_at"] is not None:
        raise NotFoundError(f"no task with id {task_id}; see `opstui task list` for the ids")
    return task
