"""Parse `task export` output: a JSON array, or objects one after another as hooks get them.

The whole file is validated before any task is returned. Fields opstui maps
(description, status, project, tags, priority, dates, annotations) are read into
TaskwarriorTask; every other field, UDAs included, is kept in extra.
"""

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from opstui.errors import UserError
from opstui.timelog.warrior_json import iter_json_items, parse_timestamp

STATUSES = ("pending", "completed", "deleted", "waiting", "recurring")

_UUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")
_DATE_FIELDS = ("entry", "modified", "end", "due")
_KNOWN_FIELDS = {"uuid", "description", "status", "project", "tags", "priority", "annotations", *_DATE_FIELDS}


@dataclass(frozen=True)
class Annotation:
    """A timestamped note on a Taskwarrior task; it becomes a comment."""

    entry: datetime
    description: str


@dataclass(frozen=True)
class TaskwarriorTask:
    """One validated Taskwarrior task; line is where its object begins in the file."""

    uuid: str
    description: str
    status: str
    line: int
    project: str | None = None
    tags: tuple[str, ...] = ()
    priority: str | None = None
    entry: datetime | None = None
    modified: datetime | None = None
    end: datetime | None = None
    due: datetime | None = None
    annotations: tuple[Annotation, ...] = ()
    extra: dict = field(default_factory=dict)


def read_taskwarrior(path: Path) -> list[TaskwarriorTask]:
    """Read and validate a Taskwarrior export; raise UserError naming the line at fault."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise UserError(f"cannot read Taskwarrior file {path}: {error}") from None
    return parse_taskwarrior(text, source=str(path))


def parse_taskwarrior(text: str, source: str = "input") -> list[TaskwarriorTask]:
    """Validate the whole text and return one task per uuid, in order of first appearance.

    An on-modify hook receives the old task and then the new one with the same uuid,
    so a later object for a uuid replaces the earlier one.
    """
    if not text.strip():
        raise UserError(f"{source}: the file is empty; expected `task export` JSON")

    latest: dict[str, TaskwarriorTask] = {}
    for task in iter_tasks(text, source):
        latest[task.uuid.lower()] = task
    return list(latest.values())


def iter_tasks(text: str, source: str) -> Iterator[TaskwarriorTask]:
    """Yield each task of the text after checking its fields, duplicates included."""
    for number, (line, item) in enumerate(iter_json_items(text, source), start=1):
        yield _task_from_item(item, f"{source} line {line} (task {number})", line)


def _task_from_item(item: object, where: str, line: int) -> TaskwarriorTask:
    if not isinstance(item, dict):
        raise UserError(f"{where}: expected a task object, not {type(item).__name__}")

    uuid = item.get("uuid")
    if not isinstance(uuid, str) or not _UUID.fullmatch(uuid):
        raise UserError(f"{where}: missing or invalid uuid {uuid!r}")

    description = item.get("description")
    if not isinstance(description, str) or not description.strip():
        raise UserError(f"{where}: missing description for task {uuid}")

    status = item.get("status", "pending")
    if status not in STATUSES:
        raise UserError(f"{where}: invalid status {status!r}; expected one of {', '.join(STATUSES)}")

    dates = {name: parse_timestamp(item[name], name, where) for name in _DATE_FIELDS if item.get(name) is not None}
    extra = {name: value for name, value in item.items() if name not in _KNOWN_FIELDS}
    return TaskwarriorTask(
        uuid=uuid.lower(),
        description=description,
        status=status,
        line=line,
        project=_optional_text(item, "project", where),
        tags=_tags(item, where),
        priority=_optional_text(item, "priority", where),
        annotations=_annotations(item, where),
        extra=extra,
        **dates,
    )


def _optional_text(item: dict, name: str, where: str) -> str | None:
    value = item.get(name)
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise UserError(f"{where}: {name} must be text, not {value!r}")
    return value


def _tags(item: dict, where: str) -> tuple[str, ...]:
    tags = item.get("tags", [])
    if not isinstance(tags, list) or not all(isinstance(tag, str) for tag in tags):
        raise UserError(f"{where}: tags must be a list of strings, not {tags!r}")
    return tuple(tags)


def _annotations(item: dict, where: str) -> tuple[Annotation, ...]:
    annotations = item.get("annotations", [])
    if not isinstance(annotations, list):
        raise UserError(f"{where}: annotations must be a list, not {annotations!r}")

    parsed = []
    for index, annotation in enumerate(annotations, start=1):
        label = f"{where} annotation {index}"
        if not isinstance(annotation, dict) or not isinstance(annotation.get("description"), str):
            raise UserError(f"{label}: expected an object with entry and description")
        parsed.append(Annotation(parse_timestamp(annotation.get("entry"), "entry", label), annotation["description"]))
    return tuple(parsed)
