"""Aggregate time entries into report rows and render them as a table, CSV or JSON.

Every output format renders the same Report object, so the screen, the CLI and the
exports show the same numbers. Entries are cut at local midnights first, so a
date range and a per-day grouping both count only the time inside each day.
"""

import csv
import io
import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from zoneinfo import ZoneInfo

from opstui.errors import UserError
from opstui.sanitize import visible_text
from opstui.timelog.durations import format_clock, format_hours
from opstui.timelog.spans import split_by_local_day

GROUPINGS = ("task", "step", "user", "day", "week")
FORMATS = ("table", "csv", "json")
NO_STEP_LABEL = "(no step)"


@dataclass(frozen=True)
class ReportEntry:
    """One time entry as the report needs it; end is "now" for a running timer."""

    task_id: int
    task_title: str
    user: str
    start: datetime
    end: datetime
    step: str | None = None
    step_position: int | None = None


@dataclass(frozen=True)
class ReportRow:
    """One group of a report: key sorts and identifies it, label is shown."""

    key: str
    label: str
    seconds: float

    @property
    def hours(self) -> str:
        return format_hours(self.seconds)

    @property
    def clock(self) -> str:
        return format_clock(self.seconds)


@dataclass(frozen=True)
class Report:
    """Totals of one grouping over an inclusive local-date range (None means open)."""

    by: str
    zone: str
    date_from: date | None
    date_to: date | None
    rows: list[ReportRow] = field(default_factory=list)

    @property
    def total_seconds(self) -> float:
        return sum(row.seconds for row in self.rows)


def build_report(
    entries: Iterable[ReportEntry],
    by: str,
    zone: ZoneInfo,
    date_from: date | None = None,
    date_to: date | None = None,
) -> Report:
    """Group entries by task, step, user, day or ISO week within [date_from, date_to]."""
    if by not in GROUPINGS:
        raise UserError(f"invalid grouping {by!r}: use one of {', '.join(GROUPINGS)}")
    if date_from and date_to and date_from > date_to:
        raise UserError(f"invalid range: --from {date_from} is after --to {date_to}")

    parts = ((entry, day, seconds) for entry in entries
             for day, seconds in split_by_local_day(entry.start, entry.end, zone))
    return build_report_from_parts(parts, by, zone, date_from, date_to)


def build_report_from_parts(
    parts: Iterable[tuple[ReportEntry, date, float]],
    by: str,
    zone: ZoneInfo,
    date_from: date | None = None,
    date_to: date | None = None,
) -> Report:
    """Group (entry, local day, seconds) parts already split at local midnights.

    The store can total most entries per day in SQL; only the entry fields that
    the grouping uses need to be set on each part's entry.
    """
    if by not in GROUPINGS:
        raise UserError(f"invalid grouping {by!r}: use one of {', '.join(GROUPINGS)}")

    totals: dict[str, float] = {}
    labels: dict[str, str] = {}
    for entry, day, seconds in parts:
        if date_from and day < date_from:
            continue
        if date_to and day > date_to:
            continue
        key, label = _group_key(entry, day, by)
        totals[key] = totals.get(key, 0.0) + seconds
        labels[key] = label

    rows = [ReportRow(key, labels[key], totals[key]) for key in totals]
    rows.sort(key=lambda row: _sort_key(row, by))
    return Report(by=by, zone=zone.key, date_from=date_from, date_to=date_to, rows=rows)


def render_report(report: Report, output_format: str) -> str:
    """Render report as "table", "csv" or "json" text ending in a newline."""
    if output_format == "table":
        return render_table(report)
    if output_format == "csv":
        return render_csv(report)
    if output_format == "json":
        return render_json(report)
    raise UserError(f"invalid format {output_format!r}: use one of {', '.join(FORMATS)}")


def render_table(report: Report) -> str:
    """Render aligned columns with a total line, for a terminal."""
    header = (report.by.upper(), "HOURS", "H:MM")
    body = [(visible_text(row.label, keep_line_breaks=False, keep_tabs=False), row.hours, row.clock) for row in report.rows]
    total = ("TOTAL", format_hours(report.total_seconds), format_clock(report.total_seconds))

    widths = [max(len(line[i]) for line in [header, *body, total]) for i in range(3)]
    lines = [_table_line(header, widths)]
    lines.extend(_table_line(line, widths) for line in body)
    lines.append(_table_line(total, widths))
    return "\n".join(lines) + "\n"


def render_csv(report: Report) -> str:
    """Render one CSV row per group: key, label, seconds, hours (no total row)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow([report.by, "label", "seconds", "hours"])
    for row in report.rows:
        writer.writerow([row.key, row.label, round(row.seconds), row.hours])
    return buffer.getvalue()


def render_json(report: Report) -> str:
    """Render the report with its range, zone, rows and total as one JSON object."""
    document = {
        "by": report.by,
        "zone": report.zone,
        "from": report.date_from.isoformat() if report.date_from else None,
        "to": report.date_to.isoformat() if report.date_to else None,
        "rows": [
            {"key": row.key, "label": row.label, "seconds": round(row.seconds), "hours": row.hours}
            for row in report.rows
        ],
        "total_seconds": round(report.total_seconds),
        "total_hours": format_hours(report.total_seconds),
    }
    return json.dumps(document, indent=2) + "\n"


def _group_key(entry: ReportEntry, day: date, by: str) -> tuple[str, str]:
    if by == "task":
        return str(entry.task_id), f"#{entry.task_id} {entry.task_title}"
    if by == "step":
        if entry.step is None:
            return f"{entry.task_id}/-", f"#{entry.task_id} {NO_STEP_LABEL}"
        position = "" if entry.step_position is None else entry.step_position
        return f"{entry.task_id}/{position}/{entry.step}", f"#{entry.task_id} {entry.step}"
    if by == "user":
        return entry.user, entry.user
    if by == "day":
        return day.isoformat(), day.isoformat()
    year, week, _weekday = day.isocalendar()
    week_key = f"{year}-W{week:02d}"
    return week_key, week_key


def _sort_key(row: ReportRow, by: str) -> tuple:
    if by == "task":
        return (int(row.key),)
    if by == "step":
        task_id, _, rest = row.key.partition("/")
        position, _, step = rest.partition("/")
        no_step = rest == "-"
        return (int(task_id), no_step, int(position) if position.isdigit() else 0, step)
    return (row.key,)


def _table_line(cells: tuple[str, str, str], widths: list[int]) -> str:
    return f"{cells[0]:<{widths[0]}}  {cells[1]:>{widths[1]}}  {cells[2]:>{widths[2]}}"


# -- time per step of instruction runs ----------------------------------------

# Not in GROUPINGS: these rows come from the run steps' own entries, not from the
# task/step/user/day/week totals that the fast paths compute in SQL.
RUN_STEP_GROUPING = "run-step"


@dataclass(frozen=True)
class RunStepEntry:
    """The time entry of one step of an instruction run, as the report needs it."""

    task_id: int
    run_id: int
    instruction: str
    step: int
    step_text: str
    user: str
    start: datetime
    end: datetime


def build_run_step_report(
    entries: Iterable[RunStepEntry],
    zone: ZoneInfo,
    date_from: date | None = None,
    date_to: date | None = None,
) -> Report:
    """Total the time of each run step and user within [date_from, date_to], in run and step order.

    Rows are labelled "#TASK run RUN INSTRUCTION · N. STEP TEXT · USER", so one table
    shows who did which step of which run and how long it took.
    """
    if date_from and date_to and date_from > date_to:
        raise UserError(f"invalid range: --from {date_from} is after --to {date_to}")

    totals: dict[tuple[int, int, int, str], float] = {}
    labels: dict[tuple[int, int, int, str], str] = {}
    for entry in entries:
        for day, seconds in split_by_local_day(entry.start, entry.end, zone):
            if (date_from and day < date_from) or (date_to and day > date_to):
                continue
            group = (entry.task_id, entry.run_id, entry.step, entry.user)
            totals[group] = totals.get(group, 0.0) + seconds
            labels[group] = (f"#{entry.task_id} run {entry.run_id} {_shortened(entry.instruction, 30)} · "
                             f"{entry.step}. {_shortened(entry.step_text, 50)} · {entry.user}")

    rows = [ReportRow("/".join(map(str, group)), labels[group], totals[group]) for group in sorted(totals)]
    return Report(by=RUN_STEP_GROUPING, zone=zone.key, date_from=date_from, date_to=date_to, rows=rows)


def _shortened(text: str, width: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= width else text[:width - 1] + "…"
