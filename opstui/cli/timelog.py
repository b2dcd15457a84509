"""``opstui log ...``: timers, manual time entries, overlaps and time reports."""

import click

from opstui.cli.output import print_json, print_table
from opstui.cli.root import CliContext, cli, pass_context
from opstui.cli.tasks import TASK_ID
from opstui.sanitize import one_line
from opstui.services import timelog
from opstui.timelog.durations import format_clock, format_duration
from opstui.timelog.instants import format_local, from_iso_utc, parse_local_date
from opstui.timelog.report import FORMATS, GROUPINGS, RUN_STEP_GROUPING, render_report

# Fields of `log list --json`; times are UTC ISO 8601, seconds is null for an open entry.
ENTRY_JSON_FIELDS = ("id", "task_id", "task_title", "login", "step", "step_title", "started_at", "ended_at",
                     "seconds", "comment", "source", "version")

STEP_OPTION = click.option("--step", type=click.IntRange(1, 12), metavar="N",
                           help="Process checklist step (1-12) the time is for.")


@cli.group("log")
def log_group() -> None:
    """Log time on tasks: a running timer, or entries typed by hand."""


@log_group.command("start")
@click.argument("task_id", type=TASK_ID)
@STEP_OPTION
@click.option("--comment", default="", help="What the time is for.")
@pass_context
def log_start(context: CliContext, task_id: int, step: int | None, comment: str) -> None:
    """Start your timer on TASK; a timer already running is stopped and saved first."""
    change = timelog.start_timer(context.session, task_id, step=step, comment=comment)
    zone = timelog.user_zone()
    if change.stopped_entry:
        click.echo(f"stopped the timer on {_task_label(change.stopped_entry)}: "
                   f"{format_duration(change.stopped_entry['seconds'])} saved as entry {change.stopped_entry['id']}")
    started = format_local(from_iso_utc(change.timer["started_at"]), zone)
    click.echo(f"timer started on {_task_label(change.timer)} at {started}")


@log_group.command("stop")
@pass_context
def log_stop(context: CliContext) -> None:
    """Stop your running timer and save it as a time entry."""
    entry = timelog.stop_timer(context.session)
    click.echo(f"stopped the timer on {_task_label(entry)}: {format_duration(entry['seconds'])}"
               f" saved as entry {entry['id']}")


@log_group.command("status")
@click.option("--json", "as_json", is_flag=True, help="Print a JSON array with the running timer, or an empty one.")
@pass_context
def log_status(context: CliContext, as_json: bool) -> None:
    """Show your running timer."""
    timer = timelog.running_timer(context.session)
    if as_json:
        print_json([timer] if timer else [])
        return
    if timer is None:
        click.echo("no timer is running")
        return
    started = format_local(from_iso_utc(timer["started_at"]), timelog.user_zone())
    click.echo(f"timer running on {_task_label(timer)} since {started} ({format_clock(timer['seconds'])})")


@log_group.command("add")
@click.argument("task_id", type=TASK_ID)
@click.argument("duration")
@click.option("--at", "start", metavar="START",
              help="Start time: ISO 8601 in your zone unless it has an offset, or HH:MM today (default: ends now).")
@click.option("--comment", default="", help="What the time was spent on.")
@STEP_OPTION
@pass_context
def log_add(context: CliContext, task_id: int, duration: str, start: str | None, comment: str,
            step: int | None) -> None:
    """Add DURATION of work on TASK: 1h30m, 90m, 1.5h, 2:15 (hours:minutes) or 45 (minutes)."""
    result = timelog.add_entry(context.session, task_id, duration, at=start, comment=comment, step=step)
    click.echo(result.entry["id"])
    _warn_overlaps(result)


@log_group.command("edit")
@click.argument("entry_id", type=click.IntRange(min=1))
@click.option("--task", "task_id", type=TASK_ID, help="Move the entry to another task.")
@click.option("--at", "start", metavar="START", help="New start time (same forms as `log add --at`).")
@click.option("--duration", help="New duration (same forms as `log add`).")
@click.option("--comment", help="New comment.")
@STEP_OPTION
@click.option("--no-step", is_flag=True, help="Detach the entry from its checklist step.")
@click.option("--version", "expected_version", type=int,
              help="Fail if the entry is no longer at this version (from `log list --json`).")
@pass_context
def log_edit(context: CliContext, entry_id: int, task_id, start, duration, comment, step, no_step,
             expected_version) -> None:
    """Change a time entry; the old values are kept in the audit trail."""
    changes = {}
    if step is not None:
        changes["step"] = step
    if no_step:
        changes["step"] = None
    result = timelog.edit_entry(context.session, entry_id, expected_version=expected_version, task_id=task_id,
                                at=start, duration=duration, comment=comment, **changes)
    click.echo(f"entry {entry_id} saved")
    _warn_overlaps(result)


@log_group.command("delete")
@click.argument("entry_id", type=click.IntRange(min=1))
@click.option("--version", "expected_version", type=int,
              help="Fail if the entry is no longer at this version (from `log list --json`).")
@pass_context
def log_delete(context: CliContext, entry_id: int, expected_version: int | None) -> None:
    """Delete a time entry (it stays in the database and the audit trail)."""
    timelog.delete_entry(context.session, entry_id, expected_version=expected_version)
    click.echo(f"entry {entry_id} deleted")


@log_group.command("list")
@click.option("--from", "date_from", metavar="YYYY-MM-DD", help="First local day (inclusive).")
@click.option("--to", "date_to", metavar="YYYY-MM-DD", help="Last local day (inclusive).")
@click.option("--task", "task_id", type=TASK_ID, help="Only entries on this task.")
@click.option("--user", "login", help="Entries of this user (default: you).")
@click.option("--all", "all_users", is_flag=True, help="Entries of every user.")
@click.option("--json", "as_json", is_flag=True, help="Print a JSON array, one object per entry (UTC times).")
@pass_context
def log_list(context: CliContext, date_from, date_to, task_id, login, all_users, as_json) -> None:
    """List time entries with local start times, oldest first."""
    zone = timelog.user_zone()
    entries = timelog.list_entries(
        context.session, login=login, all_users=all_users, task_id=task_id, zone=zone,
        date_from=parse_local_date(date_from) if date_from else None,
        date_to=parse_local_date(date_to) if date_to else None,
    )
    if as_json:
        print_json({name: entry.get(name) for name in ENTRY_JSON_FIELDS} for entry in entries)
        return
    print_table(
        ["ID", "START", "DURATION", "USER", "TASK", "STEP", "COMMENT"],
        [(entry["id"], format_local(from_iso_utc(entry["started_at"]), zone),
          "open" if entry["seconds"] is None else format_duration(entry["seconds"]), entry["login"],
          _task_label(entry), entry["step"] or "", entry["comment"]) for entry in entries],
    )


@log_group.command("overlaps")
@click.option("--user", "login", help="Check this user's entries (default: yours).")
@click.option("--json", "as_json", is_flag=True, help="Print a JSON array, one object per overlapping pair.")
@pass_context
def log_overlaps(context: CliContext, login: str | None, as_json: bool) -> None:
    """List pairs of a user's entries that cover the same time."""
    overlaps = timelog.user_overlaps(context.session, login)
    rows = [{"first_entry": overlap.first_id, "second_entry": overlap.second_id,
             "start": overlap.start.isoformat(), "end": overlap.end.isoformat(),
             "seconds": int(overlap.seconds)} for overlap in overlaps]
    if as_json:
        print_json(rows)
        return
    zone = timelog.user_zone()
    print_table(["ENTRY", "ENTRY", "FROM", "DURATION"],
                [(overlap.first_id, overlap.second_id, format_local(overlap.start, zone),
                  format_duration(overlap.seconds)) for overlap in overlaps])


@log_group.command("report")
@click.option("--from", "date_from", metavar="YYYY-MM-DD", help="First local day (inclusive; default: no limit).")
@click.option("--to", "date_to", metavar="YYYY-MM-DD", help="Last local day (inclusive; default: no limit).")
@click.option("--by", type=click.Choice((*GROUPINGS, RUN_STEP_GROUPING)), default="task", show_default=True,
              help="How to group the totals; run-step gives each step of each instruction run with its user.")
@click.option("--format", "output_format", type=click.Choice(FORMATS), default="table", show_default=True)
@click.option("--user", "login", help="Only this user's time (default: everyone).")
@click.option("--task", "task_id", type=TASK_ID, help="Only time on this task.")
@pass_context
def log_report(context: CliContext, date_from, date_to, by, output_format, login, task_id) -> None:
    """Total the finished time entries; a running timer is not counted until it stops."""
    first = parse_local_date(date_from) if date_from else None
    last = parse_local_date(date_to) if date_to else None
    if by == RUN_STEP_GROUPING:
        from opstui.services import runs  # reads Markdown steps: off the path of the other log commands

        report = runs.run_step_report(context.session, login=login, task_id=task_id, date_from=first, date_to=last)
    else:
        report = timelog.time_report(context.session, by=by, login=login, task_id=task_id, date_from=first,
                                     date_to=last)
    click.echo(render_report(report, output_format), nl=False)


def _task_label(row: dict) -> str:
    return f"#{row['task_id']} {one_line(row['task_title'], 60)}"


def _warn_overlaps(result: timelog.EntryResult) -> None:
    for overlap in result.overlaps:
        other = overlap.second_id if overlap.first_id == result.entry["id"] else overlap.first_id
        click.echo(f"warning: entry {result.entry['id']} overlaps your entry {other}"
                   f" by {format_duration(overlap.seconds)}", err=True)
