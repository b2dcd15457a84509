"""Import Timewarrior intervals as time entries and Taskwarrior tasks as tasks.

The whole file is parsed and validated before anything is written. Rows are then
written in short transactions (BATCH_SIZE items each) under one import id, so other
users wait for the write lock at most one batch at a time. Tasks an import creates stay hidden, and
its time entries do not count, until the last transaction marks the import done.
If anything fails or the import is cancelled, every row written under that id is
deleted again. Importing the same file twice adds nothing: Taskwarrior tasks match
on uuid, Timewarrior intervals on start, end and tags.
"""

import hashlib
import json
import logging
import re
import threading
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from opstui.errors import UserError
from opstui.services.session import Session
from opstui.services.timelog import user_zone
from opstui.services.validation import MAX_TITLE_LENGTH
from opstui.store import Transaction
from opstui.store import tasks as task_rows
from opstui.store import timelog as time_rows
from opstui.store.clock import now_iso
from opstui.timelog.instants import to_iso_utc
from opstui.timelog.taskwarrior import TaskwarriorTask, read_taskwarrior
from opstui.timelog.timewarrior import Interval, read_timewarrior

log = logging.getLogger(__name__)

BATCH_SIZE = 100

# Taskwarrior's default priority values are H, M and L; other values keep "normal".
PRIORITY_FROM_TASKWARRIOR = {"H": "high", "M": "normal", "L": "low"}
STATUS_FROM_TASKWARRIOR = {"pending": "open", "waiting": "open", "recurring": "open",
                           "completed": "done", "deleted": "cancelled"}
_TASK_TAG = re.compile(r"(?:#|opstui:)(\d+)")

Item = TypeVar("Item")


class ImportCancelled(UserError):
    """The person cancelled the import; everything written so far was removed."""


@dataclass
class TimeImportResult:
    """Counts and ids of what one import run wrote, for the CLI's summary."""

    import_id: int
    kind: str
    items: int = 0
    added: int = 0
    skipped: int = 0
    tasks_created: int = 0
    comments: int = 0
    timer_started: dict[str, Any] | None = None
    open_entries: list[int] = field(default_factory=list)
    created_task_ids: list[int] = field(default_factory=list)

    def summary(self) -> dict[str, Any]:
        return {
            "items": self.items,
            "added": self.added,
            "skipped": self.skipped,
            "tasks_created": self.tasks_created,
            "comments": self.comments,
            "timer_started": self.timer_started is not None,
            "open_entries": self.open_entries,
        }


ProgressCallback = Callable[[int, int], None]


def import_timewarrior(session: Session, path: Path | str, *, progress: ProgressCallback | None = None,
                       cancel: threading.Event | None = None, batch_size: int = BATCH_SIZE) -> TimeImportResult:
    """Import `timew export` JSON or extension input as the session user's time entries.

    An open interval becomes the user's running timer when none runs; otherwise it
    is kept as an open entry, listed in the result's open_entries.
    """
    path = Path(path)
    parsed = read_timewarrior(path)
    settings = json.dumps(parsed.settings, ensure_ascii=False, sort_keys=True)
    result = _begin(session, "timewarrior", path, settings, len(parsed.intervals))
    open_intervals: list[tuple[Interval, int]] = []

    def write_batch(transaction: Transaction, batch: Sequence[Interval]) -> None:
        keys = [interval_key(interval) for interval in batch]
        present = time_rows.import_keys_present(transaction, session.login, result.import_id, keys)
        for interval, key in zip(batch, keys):
            if key in present:
                result.skipped += 1
                continue
            present.add(key)
            task_id = _task_for_tags(transaction, interval.tags, result)
            if interval.end is None:
                open_intervals.append((interval, task_id))
                continue
            time_rows.insert_entry(
                transaction, task_id=task_id, login=session.login, started_at=to_iso_utc(interval.start),
                ended_at=to_iso_utc(interval.end), comment=interval.annotation, source="timewarrior",
                import_id=result.import_id, import_key=key, extra=_interval_extra(interval),
            )
            result.added += 1

    def finish(transaction: Transaction) -> None:
        for interval, task_id in open_intervals:
            _place_open_interval(transaction, session.login, interval, task_id, result)

    return _run(session, path, parsed.intervals, result, write_batch, finish, progress, cancel, batch_size)


def import_taskwarrior(session: Session, path: Path | str, *, progress: ProgressCallback | None = None,
                       cancel: threading.Event | None = None, batch_size: int = BATCH_SIZE) -> TimeImportResult:
    """Import `task export` output as master tasks, with annotations as comments.

    Project, tags, the Taskwarrior priority and dates, and every field opstui has no
    column for (UDAs included) are kept under "taskwarrior" in the task's extra data.
    """
    path = Path(path)
    parsed = read_taskwarrior(path)
    zone = user_zone()
    result = _begin(session, "taskwarrior", path, "{}", len(parsed))

    def write_batch(transaction: Transaction, batch: Sequence[TaskwarriorTask]) -> None:
        for task in batch:
            if time_rows.find_imported_task(transaction, "taskwarrior", task.uuid, result.import_id) is not None:
                result.skipped += 1
                continue
            task_id = _insert_taskwarrior_task(transaction, task, zone)
            time_rows.link_imported_task(transaction, "taskwarrior", task.uuid, task_id, result.import_id)
            result.created_task_ids.append(task_id)
            result.tasks_created += 1
            result.added += 1
            for annotation in task.annotations:
                time_rows.insert_comment(transaction, task_id=task_id, author=session.login,
                                         body=annotation.description, created_at=to_iso_utc(annotation.entry))
                result.comments += 1

    return _run(session, path, parsed, result, write_batch, None, progress, cancel, batch_size)


def interval_key(interval: Interval) -> str:
    """Return the text that identifies an interval across imports: start, end and sorted tags."""
    end = to_iso_utc(interval.end) if interval.end else ""
    tags = json.dumps(sorted(interval.tags), ensure_ascii=False)
    return f"{to_iso_utc(interval.start)}|{end}|{tags}"


# -- the import run --------------------------------------------------------


def _begin(session: Session, kind: str, path: Path, settings: str, items: int) -> TimeImportResult:
    digest = hashlib.sha256(path.read_bytes()).hexdigest()

    def write(transaction: Transaction) -> int:
        return time_rows.insert_import(transaction, kind=kind, file_name=path.name, file_sha256=digest,
                                       settings=settings)

    import_id = session.store.write(session.login, write)
    log.info("%s import %d of %s started by %s (%d items)", kind, import_id, path, session.login, items)
    return TimeImportResult(import_id=import_id, kind=kind, items=items)


def _run(session: Session, path: Path, items: list, result: TimeImportResult,
         write_batch: Callable[[Transaction, Sequence], None], finish: Callable[[Transaction], None] | None,
         progress: ProgressCallback | None, cancel: threading.Event | None, batch_size: int) -> TimeImportResult:
    done = 0
    try:
        for batch in _batches(items, batch_size):
            if cancel is not None and cancel.is_set():
                raise ImportCancelled(f"import of {path} cancelled; nothing from it was kept")
            session.store.write(session.login, lambda transaction: write_batch(transaction, batch))
            done += len(batch)
            if progress:
                progress(done, len(items))

        def publish(transaction: Transaction) -> None:
            if finish:
                finish(transaction)
            _publish(transaction, result, path)

        session.store.write(session.login, publish)
    # NOTE: a process killed mid-import cannot run this cleanup. Its rows stay hidden
    # (the import stays 'running') and are ignored by later imports, but nothing deletes them yet.
    except BaseException as error:
        log.warning("%s import %d of %s failed after %d items, removing its rows: %s",
                    result.kind, result.import_id, path, done, error)
        session.store.write(session.login, lambda transaction: _undo(transaction, result))
        raise

    log.info("%s import %d finished: %s", result.kind, result.import_id, result.summary())
    return result


def _batches(items: list[Item], size: int) -> Iterator[list[Item]]:
    for start in range(0, len(items), size):
        yield items[start:start + size]


def _publish(transaction: Transaction, result: TimeImportResult, path: Path) -> None:
    time_rows.publish_import_tasks(transaction, result.import_id)
    for task_id in time_rows.imported_task_ids(transaction, result.import_id):
        task = task_rows.get_task(transaction, task_id)
        transaction.event("task.created", task_id=task_id, entity="task", entity_id=task_id,
                          data={"kind": task["kind"], "title": task["title"], "import_id": result.import_id})
    time_rows.finish_import(transaction, result.import_id, "done", json.dumps(result.summary()))
    transaction.event(f"time.{result.kind}_imported", entity="import", entity_id=result.import_id,
                      data={"file": path.name, **result.summary()})


def _undo(transaction: Transaction, result: TimeImportResult) -> None:
    time_rows.delete_import_rows(transaction, result.import_id)
    time_rows.finish_import(transaction, result.import_id, "failed", json.dumps(result.summary()))


# -- Timewarrior -----------------------------------------------------------


def _task_for_tags(transaction: Transaction, tags: Sequence[str], result: TimeImportResult) -> int:
    """Find the task an interval's tags name, or create one for that set of tags.

    A tag "#12" or "opstui:12" names task 12. A tag equal to an imported Taskwarrior
    uuid names that task. A tag equal to the title of exactly one task names it,
    because Timewarrior's Taskwarrior hook tags intervals with the task description.
    """
    for tag in tags:
        match = _TASK_TAG.fullmatch(tag)
        if match and time_rows.task_exists(transaction, int(match[1])):
            return int(match[1])
    for tag in tags:
        task_id = time_rows.find_imported_task(transaction, "taskwarrior", tag.lower(), result.import_id)
        if task_id is not None:
            return task_id
    for tag in tags:
        matches = time_rows.task_ids_with_title(transaction, tag)
        if len(matches) == 1:
            return matches[0]

    key = json.dumps(sorted(tags), ensure_ascii=False)
    task_id = time_rows.find_imported_task(transaction, "timewarrior-tags", key, result.import_id)
    if task_id is not None:
        return task_id

    title = f"Timewarrior: {', '.join(sorted(tags))}" if tags else "Timewarrior: intervals without tags"
    task_id = task_rows.insert_task(
        transaction, kind="activity", title=_short_title(title),
        description="Time imported from Timewarrior for intervals tagged: " + (", ".join(sorted(tags)) or "(no tags)"),
        stage="production", extra=json.dumps({"timewarrior": {"tags": sorted(tags)}}, ensure_ascii=False),
    )
    _hide_until_published(transaction, task_id)
    time_rows.link_imported_task(transaction, "timewarrior-tags", key, task_id, result.import_id)
    result.created_task_ids.append(task_id)
    result.tasks_created += 1
    return task_id


def _place_open_interval(transaction: Transaction, login: str, interval: Interval, task_id: int,
                         result: TimeImportResult) -> None:
    key = interval_key(interval)
    if time_rows.get_timer(transaction, login) is None:
        time_rows.insert_timer(transaction, login=login, task_id=task_id, started_at=to_iso_utc(interval.start),
                               comment=interval.annotation, import_id=result.import_id, import_key=key)
        transaction.event("time.timer_started", task_id=task_id, entity="timer", entity_id=login,
                          data={"started_at": to_iso_utc(interval.start), "import_id": result.import_id})
        result.timer_started = {"task_id": task_id, "started_at": to_iso_utc(interval.start)}
        return

    entry_id = time_rows.insert_entry(
        transaction, task_id=task_id, login=login, started_at=to_iso_utc(interval.start), ended_at=None,
        comment=interval.annotation, source="timewarrior", import_id=result.import_id, import_key=key,
        extra=_interval_extra(interval),
    )
    result.open_entries.append(entry_id)
    result.added += 1


def _interval_extra(interval: Interval) -> str:
    data = {"tags": list(interval.tags), "timew_id": interval.timew_id, **interval.extra}
    return json.dumps({"timewarrior": data}, ensure_ascii=False)


# -- Taskwarrior -----------------------------------------------------------


def _insert_taskwarrior_task(transaction: Transaction, task: TaskwarriorTask, zone) -> int:
    status = STATUS_FROM_TASKWARRIOR[task.status]
    stage = "done" if status == "done" else "request"
    received_on = (task.entry or task.modified)
    request_id = task_rows.insert_request(
        transaction, source="infrastructure", requester=transaction.actor,
        external_ref=f"Taskwarrior {task.uuid}",
        received_on=received_on.astimezone(zone).date().isoformat() if received_on else now_iso()[:10],
    )
    description = task.description if len(" ".join(task.description.split())) > MAX_TITLE_LENGTH else ""
    task_id = task_rows.insert_task(
        transaction, kind="master", title=_short_title(task.description), description=description,
        request_id=request_id, stage=stage, priority=PRIORITY_FROM_TASKWARRIOR.get(task.priority or "", "normal"),
        due_on=task.due.astimezone(zone).date().isoformat() if task.due else None,
        extra=json.dumps({"taskwarrior": _taskwarrior_extra(task)}, ensure_ascii=False),
    )
    closed_at = to_iso_utc(task.end) if task.end and status != "open" else None
    task_rows.update_task(transaction, task_id, None, status=status, closed_at=closed_at)
    _hide_until_published(transaction, task_id)
    return task_id


def _taskwarrior_extra(task: TaskwarriorTask) -> dict[str, Any]:
    dates = {name: to_iso_utc(getattr(task, name)) for name in ("entry", "modified", "end", "due") if getattr(task, name)}
    return {
        "uuid": task.uuid,
        "status": task.status,
        "project": task.project,
        "tags": list(task.tags),
        "priority": task.priority,
        **dates,
        "fields": task.extra,
    }


def _hide_until_published(transaction: Transaction, task_id: int) -> None:
    task_rows.update_task(transaction, task_id, None, deleted_at=now_iso(), deleted_by=transaction.actor)


def _short_title(text: str) -> str:
    title = " ".join(text.split())
    if len(title) <= MAX_TITLE_LENGTH:
        return title
    return title[: MAX_TITLE_LENGTH - 1] + "…"
