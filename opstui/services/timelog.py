"""Timers, manual time entries, overlaps and reports, shared by the CLI and the TUI.

Instants are stored as UTC and typed or shown in the user's zone (the `timezone`
key of the config file, else $TZ, else the host's zone). Every write appends an
event, so edits and deletions appear in the task's audit trail.
"""

import json
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from opstui.config import load_config
from opstui.errors import ConflictError, NotFoundError, PermissionDenied, UserError
from opstui.services.process_steps import STEP_BY_NUMBER
from opstui.services.session import Session
from opstui.services.tasks import get_task
from opstui.services.validation import clean_text
from opstui.store import Transaction
from opstui.store import report_hours
from opstui.store import timelog as time_rows
from opstui.store import users as user_rows
from opstui.timelog.durations import parse_duration
from opstui.timelog.hour_sums import totals_between
from opstui.timelog.instants import from_iso_utc, load_zone, local_midnight, local_zone, parse_start, to_iso_utc
from opstui.timelog.report import GROUPINGS, Report, ReportEntry, build_report, build_report_from_parts
from opstui.timelog.spans import Overlap, find_overlaps, split_by_local_day

MAX_COMMENT_LENGTH = 10_000


@dataclass
class TimerChange:
    """Result of starting a timer: the new timer, and the entry of the timer it stopped."""

    timer: dict[str, Any]
    stopped_entry: dict[str, Any] | None = None


@dataclass
class EntryResult:
    """A saved entry and the user's other entries that now overlap it."""

    entry: dict[str, Any]
    overlaps: list[Overlap] = field(default_factory=list)


def user_zone() -> ZoneInfo:
    """Return the zone the user types and reads times in: config `timezone`, else local_zone()."""
    name = load_config().get("timezone")
    if name:
        if not isinstance(name, str):
            raise UserError("config file key 'timezone' must be an IANA name such as \"Europe/Berlin\"")
        return load_zone(name)
    return local_zone()


def parse_step(value: int | str | None) -> int | None:
    """Check a checklist step number (1 to 12); None means the entry is on the whole task."""
    if value is None or value == "":
        return None
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise UserError(f"invalid step {value!r}: use a process step number from 1 to 12") from None
    if number not in STEP_BY_NUMBER:
        raise UserError(f"invalid step {value!r}: use a process step number from 1 to 12")
    return number


def step_title(step: int | None) -> str | None:
    return None if step is None else f"{step}. {STEP_BY_NUMBER[step].title}"


# -- timers ----------------------------------------------------------------


def running_timer(session: Session, login: str | None = None) -> dict[str, Any] | None:
    """Return the user's running timer with its elapsed seconds, or None."""
    timer = time_rows.get_timer(session.store, login or session.login)
    if timer is None:
        return None
    return _timer_view(timer, datetime.now(UTC))


def start_timer(session: Session, task_id: int, *, step: int | str | None = None, comment: str = "",
                now: datetime | None = None) -> TimerChange:
    """Start the user's timer on a task; a timer already running is stopped into an entry first."""
    task = _open_task(session, task_id)
    step = parse_step(step)
    comment = _clean_comment(comment)
    moment = _now_text(now)

    def write(transaction: Transaction) -> dict[str, Any] | None:
        stopped = _stop_timer_in(transaction, session.login, moment)
        time_rows.insert_timer(transaction, login=session.login, task_id=task_id, step=step,
                               started_at=moment, comment=comment)
        transaction.event("time.timer_started", task_id=task_id, entity="timer", entity_id=session.login,
                          data={"started_at": moment, "step": step, "title": task["title"]})
        return stopped

    stopped = session.store.write(session.login, write)
    timer = running_timer(session)
    return TimerChange(timer=timer, stopped_entry=stopped)


def stop_timer(session: Session, *, now: datetime | None = None) -> dict[str, Any]:
    """Stop the user's running timer and return the time entry it became."""
    moment = _now_text(now)
    entry = session.store.write(session.login, lambda transaction: _stop_timer_in(transaction, session.login, moment))
    if entry is None:
        raise UserError("no timer is running; start one with `opstui log start TASK`")
    return entry


def _stop_timer_in(transaction: Transaction, login: str, moment: str) -> dict[str, Any] | None:
    timer = time_rows.get_timer(transaction, login)
    if timer is None:
        return None

    ended_at = max(moment, timer["started_at"])
    entry_id = time_rows.insert_entry(
        transaction, task_id=timer["task_id"], login=login, step=timer["step"], started_at=timer["started_at"],
        ended_at=ended_at, comment=timer["comment"], source="timer",
        import_id=timer["import_id"], import_key=timer["import_key"],
    )
    time_rows.delete_timer(transaction, login)
    transaction.event("time.timer_stopped", task_id=timer["task_id"], entity="time_entry", entity_id=entry_id,
                      data={"started_at": timer["started_at"], "ended_at": ended_at, "step": timer["step"]})
    return _entry_view(time_rows.get_entry(transaction, entry_id))


# -- manual entries --------------------------------------------------------


def add_entry(session: Session, task_id: int, duration: str | timedelta, *, at: str | None = None,
              comment: str = "", step: int | str | None = None, zone: ZoneInfo | None = None,
              now: datetime | None = None) -> EntryResult:
    """Add a finished entry of duration starting at `at` (default: ending now)."""
    _open_task(session, task_id)
    length = parse_duration(duration) if isinstance(duration, str) else duration
    if length <= timedelta(0):
        raise UserError(f"invalid duration {length}: it must be longer than zero")
    zone = zone or user_zone()
    moment = (now or datetime.now(UTC)).astimezone(UTC).replace(microsecond=0)
    start = parse_start(at, zone, now=moment) if at else moment - length
    step = parse_step(step)
    comment = _clean_comment(comment)

    def write(transaction: Transaction) -> int:
        entry_id = time_rows.insert_entry(
            transaction, task_id=task_id, login=session.login, step=step, started_at=to_iso_utc(start),
            ended_at=to_iso_utc(start + length), comment=comment, source="manual",
        )
        transaction.event("time.entry_added", task_id=task_id, entity="time_entry", entity_id=entry_id,
                          data={"started_at": to_iso_utc(start), "seconds": int(length.total_seconds()),
                                "step": step, "comment": comment})
        return entry_id

    entry_id = session.store.write(session.login, write)
    return _with_overlaps(session, get_entry(session, entry_id))


_UNCHANGED: Any = object()


def edit_entry(session: Session, entry_id: int, *, expected_version: int | None = None,
               task_id: int | None = None, at: str | None = None, duration: str | timedelta | None = None,
               comment: str | None = None, step: Any = _UNCHANGED, zone: ZoneInfo | None = None) -> EntryResult:
    """Change an entry's task, start, duration, comment or step; the old values go to the audit trail.

    Passing expected_version rejects the edit with ConflictError when someone changed the entry since.
    """
    current = get_entry(session, entry_id)
    _require_owner_or_manager(session, current, "edit")
    zone = zone or user_zone()
    changes: dict[str, Any] = {}

    if task_id is not None and task_id != current["task_id"]:
        _open_task(session, task_id)
        changes["task_id"] = task_id

    start = parse_start(at, zone) if at else from_iso_utc(current["started_at"])
    if duration is not None:
        length = parse_duration(duration) if isinstance(duration, str) else duration
    elif current["ended_at"] is not None:
        length = from_iso_utc(current["ended_at"]) - from_iso_utc(current["started_at"])
    else:
        length = None
    if to_iso_utc(start) != current["started_at"]:
        changes["started_at"] = to_iso_utc(start)
    if length is not None and to_iso_utc(start + length) != current["ended_at"]:
        changes["ended_at"] = to_iso_utc(start + length)

    if comment is not None and _clean_comment(comment) != current["comment"]:
        changes["comment"] = _clean_comment(comment)
    if step is not _UNCHANGED and parse_step(step) != current["step"]:
        changes["step"] = parse_step(step)
    if not changes:
        return _with_overlaps(session, current)

    def write(transaction: Transaction) -> None:
        if not time_rows.update_entry(transaction, entry_id, expected_version, **changes):
            latest = time_rows.get_entry(transaction, entry_id)
            raise ConflictError(f"time entry {entry_id} was changed by someone else; reload it and retry",
                                current=latest)
        transaction.event("time.entry_edited", task_id=current["task_id"], entity="time_entry", entity_id=entry_id,
                          data={name: {"from": current[name], "to": value} for name, value in changes.items()})

    session.store.write(session.login, write)
    return _with_overlaps(session, get_entry(session, entry_id))


def delete_entry(session: Session, entry_id: int, *, expected_version: int | None = None) -> dict[str, Any]:
    """Hide an entry from lists and reports; the row and an audit event keep what it was."""
    current = get_entry(session, entry_id)
    _require_owner_or_manager(session, current, "delete")

    def write(transaction: Transaction) -> None:
        if not time_rows.update_entry(transaction, entry_id, expected_version, deleted_at=_now_text(None),
                                      deleted_by=session.login):
            raise ConflictError(f"time entry {entry_id} was changed by someone else; reload it and retry",
                                current=time_rows.get_entry(transaction, entry_id))
        transaction.event("time.entry_deleted", task_id=current["task_id"], entity="time_entry", entity_id=entry_id,
                          data={"started_at": current["started_at"], "ended_at": current["ended_at"],
                                "login": current["login"], "comment": current["comment"]})

    session.store.write(session.login, write)
    return current


def get_entry(session: Session, entry_id: int) -> dict[str, Any]:
    row = time_rows.get_entry(session.store, entry_id)
    if row is None or row["deleted_at"] is not None:
        raise NotFoundError(f"no time entry with id {entry_id}; see `opstui log list` for the ids")
    return _entry_view(row)


def list_entries(session: Session, *, login: str | None = None, all_users: bool = False,
                 task_id: int | None = None, date_from: date | None = None, date_to: date | None = None,
                 zone: ZoneInfo | None = None) -> list[dict[str, Any]]:
    """Return entries touching the inclusive local-date range, oldest first.

    Without login or all_users, only the session user's entries are listed.
    """
    zone = zone or user_zone()
    starts_before = to_iso_utc(local_midnight(date_to + timedelta(days=1), zone)) if date_to else None
    ends_after = to_iso_utc(local_midnight(date_from, zone)) if date_from else None
    rows = time_rows.list_entries(session.store, login=None if all_users else (login or session.login),
                                  task_id=task_id, starts_before=starts_before, ends_after=ends_after)
    return [_entry_view(row) for row in rows]


def user_overlaps(session: Session, login: str | None = None) -> list[Overlap]:
    """Return every pair of the user's finished entries that cover the same time."""
    rows = time_rows.list_entries(session.store, login=login or session.login, include_open=False)
    return find_overlaps((row["id"], from_iso_utc(row["started_at"]), from_iso_utc(row["ended_at"])) for row in rows)


# -- reports ---------------------------------------------------------------


def time_report(session: Session, *, by: str = "task", date_from: date | None = None, date_to: date | None = None,
                zone: ZoneInfo | None = None, login: str | None = None, task_id: int | None = None) -> Report:
    """Total the finished entries of every user (or of login) by task, step, user, day or week.

    A running timer and open entries are left out, so the CLI and the screen show the
    same numbers whenever they are run.
    """
    zone = zone or user_zone()
    if date_from and date_to:
        return _bounded_report(session, by, date_from, date_to, zone, login, task_id)
    starts_before = to_iso_utc(local_midnight(date_to + timedelta(days=1), zone)) if date_to else None
    ends_after = to_iso_utc(local_midnight(date_from, zone)) if date_from else None
    rows = time_rows.list_entries(session.store, login=login, task_id=task_id, starts_before=starts_before,
                                  ends_after=ends_after, include_open=False)
    entries = [
        ReportEntry(
            task_id=row["task_id"],
            task_title=row["task_title"],
            user=row["login"],
            start=from_iso_utc(row["started_at"]),
            end=from_iso_utc(row["ended_at"]),
            step=step_title(row["step"]),
            step_position=row["step"],
        )
        for row in rows
    ]
    return build_report(entries, by, zone, date_from, date_to)


def _bounded_report(session: Session, by: str, date_from: date, date_to: date, zone: ZoneInfo,
                    login: str | None, task_id: int | None) -> Report:
    """Build a report over a closed date range with most of the totalling done in SQL.

    Reading every entry into Python took about 60 s for a year of 500,000 entries
    (bench/reports.py). The store instead totals the entries that lie within one
    UTC date and one side of that date's local midnight. Only entries that cross
    a bucket edge are read one by one and split at local midnights.
    """
    if by not in GROUPINGS or date_from > date_to:
        return build_report([], by, zone, date_from, date_to)  # raises the usual UserError
    midnights = [local_midnight(date_from + timedelta(days=number), zone)
                 for number in range((date_to - date_from).days + 2)]
    if task_id is None and by in HOUR_SUM_GROUPINGS and all(_is_whole_hour(instant) for instant in midnights):
        return _hour_sum_report(session, by, date_from, date_to, midnights, zone, login)

    starts_before = to_iso_utc(local_midnight(date_to + timedelta(days=1), zone))
    ends_after = to_iso_utc(local_midnight(date_from, zone))

    # For each UTC date an entry may start on: the local date at 00:00 UTC and the
    # UTC time of day at which the next local day begins, when it begins that date.
    utc_days: dict[str, tuple[date, str | None]] = {}
    day = date_from - timedelta(days=1)
    while day <= date_to + timedelta(days=1):
        local_date = datetime.combine(day, datetime.min.time(), UTC).astimezone(zone).date()
        next_midnight = local_midnight(local_date + timedelta(days=1), zone)
        cutoff = next_midnight.strftime("%H:%M:%S") if next_midnight.date() == day else None
        utc_days[day.isoformat()] = (local_date, cutoff)
        day += timedelta(days=1)
    cutoffs = sorted({cutoff for _local, cutoff in utc_days.values() if cutoff is not None})

    filters = {"cutoffs": cutoffs, "starts_before": starts_before, "ends_after": ends_after, "login": login,
               "task_id": task_id}
    placeholder = local_midnight(date_from, zone)
    parts: list[tuple[ReportEntry, date, float]] = []
    for row in time_rows.report_bucket_totals(session.store, by=by, **filters):
        local_date, cutoff = utc_days[row["utc_date"]]
        if cutoff is not None and row[f"after_{cutoffs.index(cutoff)}"]:
            local_date += timedelta(days=1)
        entry = ReportEntry(task_id=row.get("task_id") or 0, task_title=row.get("title") or "",
                            user=row.get("login") or "", start=placeholder, end=placeholder,
                            step=step_title(row.get("step")), step_position=row.get("step"))
        parts.append((entry, local_date, float(row["seconds"])))

    for row in time_rows.report_spanning_entries(session.store, **filters):
        entry = ReportEntry(task_id=row["task_id"], task_title=row["task_title"], user=row["login"],
                            start=from_iso_utc(row["started_at"]), end=from_iso_utc(row["ended_at"]),
                            step=step_title(row["step"]), step_position=row["step"])
        parts.extend((entry, local_day, seconds)
                     for local_day, seconds in split_by_local_day(entry.start, entry.end, zone))
    return build_report_from_parts(parts, by, zone, date_from, date_to)


# Groupings the per-hour sums can total: they keep the user but not the task.
HOUR_SUM_GROUPINGS = ("day", "week", "user")


def _is_whole_hour(instant: datetime) -> bool:
    return instant.minute == 0 and instant.second == 0 and instant.microsecond == 0


def _hour_sum_report(session: Session, by: str, date_from: date, date_to: date, midnights: list[datetime],
                     zone: ZoneInfo, login: str | None) -> Report:
    """Build a day, week or user report from the per-hour sums the store keeps.

    Each local midnight in the range must fall on a whole UTC hour, which holds
    for every zone whose offsets in the range are whole hours. bench/reports.py
    measured 0.07 s of CPU for a year's weekly report over 1,000,000 entries,
    against 2.9 s for the entry totals in SQL below, on a 2-core AMD EPYC.
    """
    cutoffs = [int(instant.timestamp()) for instant in midnights]
    if by == "user":
        totals = _user_totals(session, cutoffs[0], cutoffs[-1], login)
    else:
        rows = report_hours.report_hour_sums(session.store, since=cutoffs[0], until=cutoffs[-1], login=login)
        running = report_hours.report_running_at(session.store, instant=cutoffs[0], login=login)
        totals = totals_between(rows, cutoffs, running)

    placeholder = midnights[0]
    parts: list[tuple[ReportEntry, date, float]] = []
    for user, seconds_per_day in sorted(totals.items(), key=lambda item: item[0] or ""):
        entry = ReportEntry(task_id=0, task_title="", user=user or "", start=placeholder, end=placeholder)
        parts.extend((entry, date_from + timedelta(days=number), float(seconds))
                     for number, seconds in enumerate(seconds_per_day) if seconds)
    return build_report_from_parts(parts, by, zone, date_from, date_to)


def _user_totals(session: Session, start: int, end: int, login: str | None) -> dict[str | None, list[int]]:
    """Return each user's seconds inside [start, end) (Unix times on whole hours) as a one-item list.

    The whole range counts as its first day, which is all a user report needs.
    """
    running = report_hours.report_running_at(session.store, instant=start, login=login, by_login=True)
    totals: dict[str | None, list[int]] = {}
    for row in report_hours.report_login_sums(session.store, since=start, until=end, login=login):
        running_at_start = running.pop(row["login"], 0)
        running_at_end = running_at_start + row["starts"] - row["ends"]
        worked = row["end_sum"] - row["start_sum"] + end * running_at_end - start * running_at_start
        totals[row["login"]] = [worked]
    # Users with no start or end inside the range worked through all of it.
    for user, running_at_start in running.items():
        totals[user] = [(end - start) * running_at_start]
    return totals


# -- helpers ---------------------------------------------------------------


def _open_task(session: Session, task_id: int) -> dict[str, Any]:
    task = get_task(session, task_id)
    if task["deleted_at"] is not None:
        raise NotFoundError(f"task {task_id} is deleted; restore it before logging time on it")
    if task["status"] != "open":
        raise UserError(f"task {task_id} is {task['status']}; reopen it before logging more time on it")
    return task


def _require_owner_or_manager(session: Session, entry: dict[str, Any], action: str) -> None:
    if entry["login"] == session.login:
        return
    user = user_rows.get_user(session.store, session.login)
    if user is None or user["role"] != "manager":
        raise PermissionDenied(f"time entry {entry['id']} belongs to {entry['login']}; only they or a manager can {action} it")


def _clean_comment(comment: str) -> str:
    text = clean_text(comment or "", "comment").strip()
    if len(text) > MAX_COMMENT_LENGTH:
        raise UserError(f"comment is {len(text)} characters long; the limit is {MAX_COMMENT_LENGTH}")
    return text


def _now_text(now: datetime | None) -> str:
    return to_iso_utc((now or datetime.now(UTC)).astimezone(UTC))


def _entry_view(row: dict[str, Any]) -> dict[str, Any]:
    view = dict(row)
    view["extra"] = json.loads(row.get("extra") or "{}")
    view["step_title"] = step_title(row["step"])
    if row["ended_at"] is None:
        view["seconds"] = None
    else:
        view["seconds"] = int((from_iso_utc(row["ended_at"]) - from_iso_utc(row["started_at"])).total_seconds())
    return view


def _timer_view(timer: dict[str, Any], now: datetime) -> dict[str, Any]:
    view = dict(timer)
    view["step_title"] = step_title(timer["step"])
    view["seconds"] = max(0, int((now - from_iso_utc(timer["started_at"])).total_seconds()))
    return view


def _with_overlaps(session: Session, entry: dict[str, Any]) -> EntryResult:
    if entry["ended_at"] is None:
        return EntryResult(entry)
    overlaps = [
        overlap for overlap in user_overlaps(session, entry["login"])
        if entry["id"] in (overlap.first_id, overlap.second_id)
    ]
    return EntryResult(entry, overlaps)
