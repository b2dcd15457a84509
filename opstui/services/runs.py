"""Guided execution: run an official instruction step by step on an activity task.

A run copies the step list of one official revision, so a later publish never changes a
run in progress. Each step records who started and finished it and when, a comment and
a failure. Leaving and coming back resumes the open run of the same instruction and task.

A step's clock starts by an act of the person doing it, never by someone looking at
it: starting the run starts step 1, finishing or skipping a step starts the next one,
and a comment or a copied command starts a step nobody started yet.
"""

import json
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from opstui.errors import ConflictError, NotFoundError, UserError
from opstui.kb.steps import Step, extract_steps
from opstui.services.kb import get_instruction
from opstui.services.session import Session
from opstui.services.timelog import user_zone
from opstui.store import Transaction
from opstui.store import kb as kb_rows
from opstui.store import timelog as time_rows
from opstui.store.clock import from_iso
from opstui.timelog.instants import from_iso_utc, local_midnight, to_iso_utc
from opstui.timelog.report import Report, RunStepEntry, build_run_step_report

FINISHED_STATES = ("done", "skipped")

# Process step of the time entries that runs write: 7, the activity task.
ACTIVITY_PROCESS_STEP = 7


def start_run(session: Session, instruction_id: int, task_id: int) -> int:
    """Start a run of the official instruction on an activity task, or resume the open one.

    Raises UserError when the instruction was never published, when the task is not an
    activity task, and NoStepsError when the official text has no ordered steps.
    """
    from opstui.services.tasks import get_task

    instruction = get_instruction(session, instruction_id)
    if instruction["official_revision"] is None:
        raise UserError(f"instruction {instruction_id} has no official revision yet; publish the draft "
                        f"before running it")
    task = get_task(session, task_id)
    if task["kind"] != "activity":
        raise UserError(f"task {task_id} is a {task['kind']} task; run instructions from the activity task "
                        f"of the change")

    existing = kb_rows.open_run_for(session.store, instruction_id, task_id)
    if existing is not None:
        return existing["id"]

    steps = extract_steps(instruction["official_body"], source=f"instruction {instruction_id}")

    def write(transaction: Transaction) -> int:
        run_id = kb_rows.insert_run(transaction, instruction_id=instruction_id,
                                    revision_number=instruction["official_revision"], task_id=task_id,
                                    step_texts=[step.text for step in steps])
        kb_rows.link_task(transaction, instruction_id, task_id, "uses")
        transaction.event("run.started", task_id=task_id, entity="run", entity_id=run_id,
                          data={"instruction_id": instruction_id, "revision": instruction["official_revision"],
                                "steps": len(steps)})
        _start(transaction, task_id, run_id, 1)
        return run_id

    return session.store.write(session.login, write)


def get_run(session: Session, run_id: int) -> dict[str, Any]:
    """Return a run with its step rows, each joined to the parsed step (commands, notes)."""
    run = kb_rows.get_run(session.store, run_id)
    if run is None:
        raise NotFoundError(f"no run with id {run_id}; see `opstui kb runs TASK_ID`")

    revision = kb_rows.get_official_revision(session.store, run["instruction_id"], run["revision_number"])
    parsed = extract_steps(revision["body"], source=f"instruction {run['instruction_id']}")
    rows = kb_rows.run_steps(session.store, run_id)
    for row in rows:
        step: Step | None = parsed[row["number"] - 1] if row["number"] <= len(parsed) else None
        row["commands"] = list(step.commands) if step else []
        row["notes"] = list(step.notes) if step else []
        row["markdown"] = step.markdown if step else row["text"]
        row["section"] = step.section if step else ""
        row["seconds"] = step_seconds(row)

    run["steps"] = rows
    run["done_count"] = sum(1 for row in rows if row["state"] in FINISHED_STATES)
    return run


def runs_of_task(session: Session, task_id: int) -> list[dict[str, Any]]:
    return kb_rows.runs_of_task(session.store, task_id)


def begin_step(session: Session, run_id: int, number: int) -> None:
    """Start the clock of a pending step; a step already started keeps its start time."""
    run = _running(session, run_id)
    _require_step(session, run_id, number)

    session.store.write(session.login, lambda transaction: _start(transaction, run["task_id"], run_id, number))


def complete_step(session: Session, run_id: int, number: int, *, comment: str = "") -> dict[str, Any]:
    """Tick a step as done by the current user now; returns the updated run."""
    return _finish(session, run_id, number, state="done", comment=comment, failure="")


def fail_step(session: Session, run_id: int, number: int, failure: str, *, comment: str = "") -> dict[str, Any]:
    """Record that a step failed and why; the run stays open so the step can be retried."""
    failure = " ".join((failure or "").split())
    if not failure:
        raise UserError("the failure is empty; say what went wrong, for example 'service did not start'")
    return _finish(session, run_id, number, state="failed", comment=comment, failure=failure)


def skip_step(session: Session, run_id: int, number: int, reason: str) -> dict[str, Any]:
    """Skip a step with a reason, which is kept as the step's comment."""
    reason = " ".join((reason or "").split())
    if not reason:
        raise UserError("a skipped step needs a reason; say why it does not apply")
    return _finish(session, run_id, number, state="skipped", comment=reason, failure="")


def comment_step(session: Session, run_id: int, number: int, comment: str) -> None:
    """Add a comment to a step. On a running run, this also starts the step if it is still pending."""
    run = _existing(session, run_id)
    _require_step(session, run_id, number)

    def write(transaction: Transaction) -> None:
        if run["status"] == "running":
            _start(transaction, run["task_id"], run_id, number)
        kb_rows.set_step_comment(transaction, run_id, number, comment)
        transaction.event("run.step_commented", task_id=run["task_id"], entity="run", entity_id=run_id,
                          data={"step": number, "comment": comment})

    session.store.write(session.login, write)


def abandon_run(session: Session, run_id: int, *, status: str = "abandoned") -> None:
    """Close an unfinished run as 'abandoned' or 'failed'."""
    if status not in ("abandoned", "failed"):
        raise UserError(f"unknown run end '{status}'; use 'abandoned' or 'failed'")
    run = _running(session, run_id)

    def write(transaction: Transaction) -> None:
        kb_rows.update_run(transaction, run_id, status=status, current_step=run["current_step"])
        transaction.event("run.finished", task_id=run["task_id"], entity="run", entity_id=run_id,
                          data={"status": status})

    session.store.write(session.login, write)


def step_seconds(step: dict[str, Any]) -> float | None:
    """Return how long a finished step took, from its start to its finish, or None."""
    if not step.get("started_at") or not step.get("finished_at"):
        return None
    return (from_iso(step["finished_at"]) - from_iso(step["started_at"])).total_seconds()


def step_time_report(session: Session, task_id: int) -> list[dict[str, Any]]:
    """Return one row per finished step of every run on a task, with its seconds.

    The same spans are in the time log as entries (see time_entry_id), so the task's
    time report counts them too.
    """
    report = []
    for run in runs_of_task(session, task_id):
        for step in kb_rows.run_steps(session.store, run["id"]):
            seconds = step_seconds(step)
            if seconds is None:
                continue
            report.append({"run_id": run["id"], "instruction": run["instruction_title"], "step": step["number"],
                           "text": step["text"], "state": step["state"], "login": step["finished_by"],
                           "started_at": step["started_at"], "finished_at": step["finished_at"],
                           "seconds": seconds})
    return report


def run_step_report(session: Session, *, date_from: date | None = None, date_to: date | None = None,
                    zone: ZoneInfo | None = None, login: str | None = None, task_id: int | None = None) -> Report:
    """Total the logged time of every run step (who, which run, which step) over local dates.

    It reads the time entries that the steps wrote, so an entry edited or deleted in
    the time log counts as it is now, like in every other time report.
    """
    zone = zone or user_zone()
    starts_before = to_iso_utc(local_midnight(date_to + timedelta(days=1), zone)) if date_to else None
    ends_after = to_iso_utc(local_midnight(date_from, zone)) if date_from else None
    rows = kb_rows.run_step_entries(session.store, task_id=task_id, login=login, starts_before=starts_before,
                                    ends_after=ends_after)
    entries = [RunStepEntry(task_id=row["task_id"], run_id=row["run_id"],
                            instruction=f"{row['instruction_title']} r{row['revision_number']}", step=row["number"],
                            step_text=row["text"], user=row["login"], start=from_iso_utc(row["started_at"]),
                            end=from_iso_utc(row["ended_at"]))
               for row in rows]
    return build_run_step_report(entries, zone, date_from, date_to)


def _finish(session: Session, run_id: int, number: int, *, state: str, comment: str, failure: str) -> dict[str, Any]:
    run = _running(session, run_id)
    _require_step(session, run_id, number)

    def write(transaction: Transaction) -> None:
        step = kb_rows.get_run_step(transaction, run_id, number)
        if step["state"] in FINISHED_STATES:
            raise UserError(f"step {number} of run {run_id} is already {step['state']}")
        entry_id = None
        if state != "skipped":
            entry_id = _log_step_time(transaction, run, step)
        if not kb_rows.finish_step(transaction, run_id, number, state=state, comment=comment, failure=failure,
                                   time_entry_id=entry_id):
            raise ConflictError(f"step {number} of run {run_id} was finished by someone else meanwhile; reload")

        steps = kb_rows.run_steps(transaction, run_id)
        open_steps = [row["number"] for row in steps if row["state"] not in FINISHED_STATES]
        status = "running" if open_steps else "completed"
        current = number if state == "failed" else _next_open_step(open_steps, number, len(steps))
        kb_rows.update_run(transaction, run_id, status=status, current_step=current)

        data = {"step": number, "comment": comment, "failure": failure}
        transaction.event(f"run.step_{state}", task_id=run["task_id"], entity="run", entity_id=run_id,
                          data={name: value for name, value in data.items() if value})
        if status == "completed":
            transaction.event("run.finished", task_id=run["task_id"], entity="run", entity_id=run_id,
                              data={"status": status})
        elif state != "failed":
            _start(transaction, run["task_id"], run_id, current, at=steps[number - 1]["finished_at"])

    session.store.write(session.login, write)
    return get_run(session, run_id)


def _start(transaction: Transaction, task_id: int, run_id: int, number: int, *, at: str | None = None) -> None:
    """Start a pending step's clock for the current user; a started step keeps its start."""
    # NOTE: a step started by the previous tick runs until its own tick, so a run left
    # overnight logs the night on that step. The entry can be edited in the time log.
    if kb_rows.start_step(transaction, run_id, number, at):
        transaction.event("run.step_started", task_id=task_id, entity="run", entity_id=run_id,
                          data={"step": number})


def _log_step_time(transaction: Transaction, run: dict[str, Any], step: dict[str, Any]) -> int | None:
    """Write the step's span as a time entry on the activity task, in the same transaction.

    A step that failed before already has an entry: it is stretched to now, so a
    retried step stays one entry from its start to its final outcome. A step
    finished less than a second after it started (or never started) gets no entry,
    because the time log keeps whole seconds.
    """
    if not step["started_at"]:
        return None
    started = from_iso(step["started_at"])
    ended = datetime.now(UTC)
    if step["time_entry_id"] is not None:
        return _stretch_entry(transaction, run, step["time_entry_id"], ended)
    if (ended - started).total_seconds() < 1:
        return None

    comment = f"{run['instruction_title']} r{run['revision_number']}, step {step['number']}: {step['text']}"
    entry_id = time_rows.insert_entry(
        transaction, task_id=run["task_id"], login=transaction.actor, started_at=to_iso_utc(started),
        ended_at=to_iso_utc(ended), step=ACTIVITY_PROCESS_STEP, comment=comment[:500], source="timer",
        extra=json.dumps({"run_id": run["id"], "run_step": step["number"]}, sort_keys=True),
    )
    transaction.event("time.entry_added", task_id=run["task_id"], entity="time_entry", entity_id=entry_id,
                      data={"started_at": to_iso_utc(started), "seconds": int((ended - started).total_seconds()),
                            "step": ACTIVITY_PROCESS_STEP, "comment": comment[:500]})
    return entry_id


def _stretch_entry(transaction: Transaction, run: dict[str, Any], entry_id: int, ended: datetime) -> int:
    """End a step's earlier entry now; an entry deleted by hand in the meantime stays deleted."""
    entry = time_rows.get_entry(transaction, entry_id)
    if entry is None or entry["deleted_at"] or entry["ended_at"] is None:
        return entry_id
    ended_at = to_iso_utc(ended)
    if ended_at > entry["ended_at"] and time_rows.update_entry(transaction, entry_id, None, ended_at=ended_at):
        transaction.event("time.entry_edited", task_id=entry["task_id"], entity="time_entry", entity_id=entry_id,
                          data={"ended_at": {"from": entry["ended_at"], "to": ended_at}})
    return entry_id


def _next_open_step(open_steps: list[int], finished: int, count: int) -> int:
    if not open_steps:
        return count
    later = [number for number in open_steps if number > finished]
    return later[0] if later else open_steps[0]


def _existing(session: Session, run_id: int) -> dict[str, Any]:
    run = kb_rows.get_run(session.store, run_id)
    if run is None:
        raise NotFoundError(f"no run with id {run_id}; see `opstui kb runs TASK_ID`")
    return run


def _running(session: Session, run_id: int) -> dict[str, Any]:
    run = _existing(session, run_id)
    if run["status"] != "running":
        raise UserError(f"run {run_id} is {run['status']}; start a new run to execute the instruction again")
    return run


def _require_step(session: Session, run_id: int, number: int) -> dict[str, Any]:
    step = kb_rows.get_run_step(session.store, run_id, number)
    if step is None:
        count = len(kb_rows.run_steps(session.store, run_id))
        raise UserError(f"run {run_id} has no step {number}; its steps are 1 to {count}")
    return step
