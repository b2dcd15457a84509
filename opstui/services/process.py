"""The twelve process steps of a master task: state, who and when, reasons and automatic ticks.

A step is open, done or skipped. A step without a stored row is open and untouched:
only untouched steps are ticked automatically, so a step someone reopened by hand
stays open until a person ticks it. Ticking a step while an earlier one is still
open, and skipping any step, need a reason that goes into the audit trail.
"""

from dataclasses import dataclass
from typing import Any

from opstui.errors import ConflictError, NotFoundError, UserError
from opstui.services.process_steps import STEP_BY_NUMBER, STEPS
from opstui.services.session import Session
from opstui.store import Transaction
from opstui.store import process as process_rows
from opstui.store import tasks as task_rows

STEP_STATES = ("open", "done", "skipped")

# Steps that the application does itself when something else happens.
AUTOMATIC_STEPS = {
    1: "ticked when the request is recorded",
    2: "ticked once a subtask has an assignee",
    3: "ticked once every assignee has the assignment in their inbox",
    7: "ticked when the activity task is created",
    11: "ticked when the master task is completed",
    12: "ticked when the activity task is closed",
}

# Steps that mirror the state of the tasks themselves. They change through that
# action (create the activity task, complete or reopen a task), not by hand.
ACTION_STEPS = {
    7: "create the activity task (`opstui activity create {task}`)",
    11: "complete the master task (`opstui task close {task}` or move its card to Done)",
    12: "close the activity task (`opstui activity close ACTIVITY_ID`)",
}


def clean_reason(reason: str | None) -> str:
    return " ".join((reason or "").split())[:1000]


def parse_step_number(value: int | str) -> int:
    text = str(value).strip()
    if not text.isdigit() or int(text) not in STEP_BY_NUMBER:
        raise UserError(f"invalid step '{value}'; steps are numbered 1 to {len(STEPS)}")
    return int(text)


def require_master(reader, task_id: int) -> dict[str, Any]:
    """Return the master task row, or raise the error a user can act on."""
    task = task_rows.get_task(reader, task_id)
    if task is None or task["deleted_at"] is not None:
        raise NotFoundError(f"no task with id {task_id}; see `opstui task list` for the ids")
    if task["kind"] != "master":
        raise UserError(f"task {task_id} is a {task['kind']} task; process steps belong to its master task"
                        f" #{task['parent_id']}")
    return task


# -- reading -------------------------------------------------------------------

def step_state(rows: dict[int, dict[str, Any]], step: int) -> str:
    row = rows.get(step)
    return row["state"] if row else "open"


def open_steps_before(rows: dict[int, dict[str, Any]], step: int) -> list[int]:
    return [number for number in range(1, step) if step_state(rows, number) == "open"]


def checklist(session: Session, task_id: int) -> list[dict[str, Any]]:
    """Return the twelve steps with state, who, when, reason and guidance; ``is_next`` marks the next open one."""
    require_master(session.store, task_id)
    rows = process_rows.step_rows(session.store, task_id)
    next_step = _next_open(rows)
    items = []
    for step in STEPS:
        row = rows.get(step.number) or {}
        items.append({
            "step": step.number,
            "title": step.title,
            "who": step.who,
            "stage": step.stage,
            "guidance": step.guidance,
            "automatic": AUTOMATIC_STEPS.get(step.number, ""),
            "state": row.get("state", "open"),
            "by_login": row.get("by_login"),
            "at": row.get("at"),
            "reason": row.get("reason", ""),
            "version": row.get("version", 0),
            "is_next": step.number == next_step,
        })
    return items


def next_open_step(session: Session, task_id: int) -> int | None:
    require_master(session.store, task_id)
    return _next_open(process_rows.step_rows(session.store, task_id))


def _next_open(rows: dict[int, dict[str, Any]]) -> int | None:
    for step in STEPS:
        if step_state(rows, step.number) == "open":
            return step.number
    return None


def open_steps_of_stages(session: Session, task_id: int, stages: list[str]) -> list[int]:
    rows = process_rows.step_rows(session.store, task_id)
    return [step.number for step in STEPS if step.stage in stages and step_state(rows, step.number) == "open"]


# -- changing steps by hand ----------------------------------------------------

def tick_step(session: Session, task_id: int, step: int | str, *, reason: str = "",
              expected_state: str | None = None) -> dict[str, Any]:
    """Mark a step done; a reason is required while an earlier step is still open."""
    number = parse_step_number(step)
    reason = clean_reason(reason)
    if number in ACTION_STEPS:
        raise UserError(f"step {number} is done by the action itself: "
                        + ACTION_STEPS[number].format(task=task_id))
    if number == 8:
        _require_notes_settled(session, task_id)

    def write(transaction: Transaction) -> None:
        require_master(transaction, task_id)
        rows = process_rows.step_rows(transaction, task_id)
        _check_expected(task_id, number, rows, expected_state)
        if step_state(rows, number) == "done":
            return
        earlier = open_steps_before(rows, number)
        if earlier and not reason:
            raise UserError(f"step {number} of task {task_id} comes before open step(s)"
                            f" {_numbers(earlier)}; give a reason with --reason TEXT")
        set_step(transaction, task_id, number, "done", reason, earlier_open=earlier)

    session.store.write(session.login, write)
    return checklist(session, task_id)[number - 1]


def _require_notes_settled(session: Session, task_id: int) -> None:
    """Step 8 is done only when nothing learned in the notes can be lost by retiring them."""
    try:
        from opstui.services.note_lifecycle import step_8_blockers
    except ImportError:
        return
    blockers = step_8_blockers(session, task_id)
    if blockers:
        raise UserError(f"step 8 of task {task_id} is not done yet: " + "; ".join(blockers)
                        + "; or skip it with a reason")


def skip_step(session: Session, task_id: int, step: int | str, reason: str, *,
              expected_state: str | None = None) -> dict[str, Any]:
    """Mark a step skipped; the reason is required and kept in the audit trail."""
    number = parse_step_number(step)
    reason = clean_reason(reason)
    if not reason:
        raise UserError(f"skipping step {number} needs a reason; give it with --reason TEXT")
    if number in (11, 12):
        raise UserError(f"step {number} cannot be skipped: " + ACTION_STEPS[number].format(task=task_id))

    def write(transaction: Transaction) -> None:
        require_master(transaction, task_id)
        rows = process_rows.step_rows(transaction, task_id)
        _check_expected(task_id, number, rows, expected_state)
        if step_state(rows, number) == "skipped":
            return
        if number == 7 and process_rows.activity_tasks(transaction, task_id):
            raise UserError(f"task {task_id} has an activity task, so step 7 is done; it cannot be skipped")
        set_step(transaction, task_id, number, "skipped", reason)

    session.store.write(session.login, write)
    return checklist(session, task_id)[number - 1]


def reopen_step(session: Session, task_id: int, step: int | str, *, reason: str = "",
                expected_state: str | None = None) -> dict[str, Any]:
    """Open a done or skipped step again; automatic ticks leave it open from then on."""
    number = parse_step_number(step)
    reason = clean_reason(reason)

    def write(transaction: Transaction) -> None:
        task = require_master(transaction, task_id)
        rows = process_rows.step_rows(transaction, task_id)
        _check_expected(task_id, number, rows, expected_state)
        if step_state(rows, number) == "open":
            return
        live_activity = [row for row in process_rows.activity_tasks(transaction, task_id)]
        if number == 7 and live_activity:
            raise UserError(f"task {task_id} has activity task #{live_activity[0]['id']}; delete it to reopen step 7")
        if number == 11 and task["status"] == "done":
            raise UserError(f"master task {task_id} is completed; reopen it with `opstui task reopen {task_id}`")
        if number == 12 and any(row["status"] == "done" for row in live_activity):
            closed = next(row for row in live_activity if row["status"] == "done")
            raise UserError(f"activity task #{closed['id']} is closed; reopen it with"
                            f" `opstui task reopen {closed['id']}`")
        set_step(transaction, task_id, number, "open", reason)

    session.store.write(session.login, write)
    return checklist(session, task_id)[number - 1]


def _check_expected(task_id: int, number: int, rows: dict[int, dict[str, Any]], expected: str | None) -> None:
    current = step_state(rows, number)
    if expected is not None and current != expected:
        row = rows.get(number) or {}
        raise ConflictError(f"step {number} of task {task_id} was changed by {row.get('by_login') or 'someone'}"
                            f" meanwhile (now {current}); look again and retry", current=row)


def _numbers(numbers: list[int]) -> str:
    return ", ".join(str(number) for number in numbers)


# -- writing inside a transaction (shared with the activity and lifecycle services) --

def set_step(transaction: Transaction, task_id: int, step: int, state: str, reason: str, *,
             automatic: bool = False, earlier_open: list[int] | None = None) -> None:
    """Store a step state and append its event (step.done, step.skipped or step.reopened)."""
    process_rows.put_step(transaction, task_id, step, state, reason)
    kind = {"done": "step.done", "skipped": "step.skipped", "open": "step.reopened"}[state]
    data: dict[str, Any] = {"step": step, "title": STEP_BY_NUMBER[step].title, "reason": reason}
    if automatic:
        data["automatic"] = True
    if earlier_open:
        data["before_open_steps"] = earlier_open
    transaction.event(kind, task_id=task_id, entity="process_step", entity_id=step, data=data)


def tick_for_action(transaction: Transaction, task_id: int, step: int, reason: str) -> None:
    """Tick a step because its action happened (activity created, task completed or closed)."""
    rows = process_rows.step_rows(transaction, task_id)
    if step_state(rows, step) != "done":
        set_step(transaction, task_id, step, "done", reason, earlier_open=open_steps_before(rows, step))


def reopen_for_action(transaction: Transaction, task_id: int, step: int, reason: str) -> None:
    rows = process_rows.step_rows(transaction, task_id)
    if step_state(rows, step) != "open":
        set_step(transaction, task_id, step, "open", reason)


# -- automatic ticks -----------------------------------------------------------

def record_automatic_steps(transaction: Transaction, task_id: int) -> list[int]:
    """Tick the untouched steps 1 to 3 whose work the application can see is done.

    Called inside the writes that change those facts (a request recorded, an
    assignment made). ``task_id`` may be a subtask: its master task is used.
    Returns the steps ticked.
    """
    task = task_rows.get_task(transaction, task_id)
    if task is None:
        return []
    if task["kind"] == "subtask":
        task = task_rows.get_task(transaction, task["parent_id"])
    if task is None or task["kind"] != "master" or task["deleted_at"] is not None:
        return []

    ticked = []
    for step, reason in _automatic_candidates(transaction, task["id"]):
        set_step(transaction, task["id"], step, "done", reason, automatic=True)
        ticked.append(step)
    return ticked


def sync_automatic_steps(session: Session, task_id: int) -> list[int]:
    """Bring automatic ticks up to date (step 3 depends on notifications made after the assignment)."""
    require_master(session.store, task_id)
    if 3 not in process_rows.step_rows(session.store, task_id):
        _catch_up_notifications(session)
    if not _automatic_candidates(session.store, task_id):
        return []
    return session.store.write(session.login, lambda transaction: record_automatic_steps(transaction, task_id))


def _catch_up_notifications(session: Session) -> None:
    """Turn pending events into inbox notifications, so step 3 reads the current inbox."""
    try:
        from opstui.services import notify
    except ImportError:
        return
    notify.catch_up(session)


def _automatic_candidates(reader, task_id: int) -> list[tuple[int, str]]:
    """Return (step, reason) for untouched steps 1 to 3 that are due, in order.

    A step is only ticked automatically when every earlier step is done or skipped,
    so an automatic tick never needs a reason.
    """
    rows = process_rows.step_rows(reader, task_id)
    due: list[tuple[int, str]] = []
    closed = {number for number in rows if step_state(rows, number) != "open"}
    for step, condition in ((1, _request_recorded), (2, _subtask_assigned), (3, _assignees_notified)):
        if step in rows:
            if step in closed:
                continue
            break
        if any(number not in closed for number in range(1, step)):
            break
        reason = condition(reader, task_id)
        if reason is None:
            break
        due.append((step, reason))
        closed.add(step)
    return due


def _request_recorded(reader, task_id: int) -> str | None:
    task = task_rows.get_task(reader, task_id)
    return "automatic: the request was recorded" if task and task["request_id"] else None


def _subtask_assigned(reader, task_id: int) -> str | None:
    count = process_rows.assigned_subtask_count(reader, task_id)
    return f"automatic: {count} subtask(s) have an assignee" if count else None


def _assignees_notified(reader, task_id: int) -> str | None:
    """Check that every assignee of the change was notified or assigned themselves.

    The notification inbox exists in this version, so this reads it. A database
    without the notifications table falls back to "assignments exist".
    """
    assignments = process_rows.assignments_of_change(reader, task_id)
    if not assignments:
        return None
    if not process_rows.has_table(reader, "notifications"):
        return "automatic: assignments exist (notifications are not available)"
    for row in assignments:
        if row["assigned_by"] == row["login"]:
            continue
        if not process_rows.assignment_notified(reader, row["task_id"], row["login"]):
            return None
    logins = sorted({row["login"] for row in assignments})
    return f"automatic: every assignee was notified ({', '.join(logins)})"


# -- what closing the master task would leave undone --------------------------

@dataclass(frozen=True)
class CloseCheck:
    """One check of the work before the master task closes; ``ok`` is None when it could not be checked."""

    name: str
    ok: bool | None
    detail: str


def close_checks(session: Session, task_id: int) -> list[CloseCheck]:
    """Check the work itself, not only the ticks: instructions, notes and monitoring."""
    require_master(session.store, task_id)
    return [_official_instruction_check(session, task_id), _notes_retired_check(session, task_id),
            _monitoring_check(session, task_id)]


def missing_for_close(session: Session, task_id: int) -> list[str]:
    """Return what is still missing before step 11, one phrase each (empty: nothing)."""
    missing = []
    rows = process_rows.step_rows(session.store, task_id)
    open_steps = open_steps_before(rows, 11)
    if open_steps:
        missing.append(f"open step(s) {_numbers(open_steps)}")
    for check in close_checks(session, task_id):
        if check.ok is False:
            missing.append(check.detail)
    return missing


def _official_instruction_check(session: Session, task_id: int) -> CloseCheck:
    try:
        from opstui.services import kb
    except ImportError:
        return CloseCheck("official instruction", None, "not checked: the knowledge base is not available")
    linked = kb.instructions_of_task(session, task_id)
    official = [row for row in linked if row["official_revision"] is not None]
    if official:
        return CloseCheck("official instruction", True,
                          "official instruction(s) " + ", ".join(f"#{row['id']}" for row in official))
    return CloseCheck("official instruction", False, "no official instruction")


def _notes_retired_check(session: Session, task_id: int) -> CloseCheck:
    try:
        from opstui.services import notes
    except ImportError:
        return CloseCheck("notes retired", None, "not checked: notes are not available")
    active = notes.list_notes(session, task_id)
    if active:
        return CloseCheck("notes retired", False, f"{len(active)} note(s) not retired")
    return CloseCheck("notes retired", True, "no active notes")


def _monitoring_check(session: Session, task_id: int) -> CloseCheck:
    """Monitoring is documented when a Zabbix push succeeded or the manual items are all done."""
    try:
        from opstui.services import zabbix
    except ImportError:
        return CloseCheck("monitoring documented", None, "not checked: Zabbix support is not available")
    pushes = zabbix.list_pushes(session, task_id)
    if any(push["outcome"] == "ok" for push in pushes):
        return CloseCheck("monitoring documented", True, "pushed to Zabbix")
    manual = zabbix.list_manual_items(session, task_id)
    if manual and all(item["done_at"] is not None for item in manual):
        return CloseCheck("monitoring documented", True, "manual Zabbix items done")
    return CloseCheck("monitoring documented", False, "monitoring not documented in Zabbix")
