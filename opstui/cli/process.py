"""``opstui step``, ``activity``, ``comment``, ``summary``, ``template`` and the task life-cycle commands."""

import json
from pathlib import Path

import click
import yaml

from opstui.cli.output import echo_user_text, print_json, print_table
from opstui.cli.root import CliContext, cli, pass_context
from opstui.cli.secret_options import secret_options, secret_policy
from opstui.cli.tasks import TASK_ID, task_group
from opstui.errors import UserError
from opstui.services import activity, comments, process, task_lifecycle, templates
from opstui.services.validation import SOURCES

REASON_HELP = "Why (kept in the audit trail)."


# -- steps ---------------------------------------------------------------------

@cli.group("step")
def step_group() -> None:
    """Show and change the twelve process steps of a master task."""


@step_group.command("list")
@click.argument("task_id", type=TASK_ID)
@click.option("--json", "as_json", is_flag=True, help="Print a JSON array, one object per step.")
@pass_context
def step_list(context: CliContext, task_id: int, as_json: bool) -> None:
    """List the steps with state, who, when and reason; '>' marks the next open step."""
    session = context.session
    process.sync_automatic_steps(session, task_id)
    steps = process.checklist(session, task_id)
    if as_json:
        print_json({name: item[name] for name in ("step", "title", "stage", "state", "by_login", "at", "reason",
                                                  "is_next", "guidance")} for item in steps)
        return
    print_table(["", "#", "STATE", "STEP", "BY", "AT", "REASON"],
                [(">" if item["is_next"] else "", item["step"], item["state"], item["title"],
                  item["by_login"] or "", item["at"] or "", item["reason"]) for item in steps])


@step_group.command("done")
@click.argument("task_id", type=TASK_ID)
@click.argument("step", type=int)
@click.option("--reason", default="", help=REASON_HELP + " Required while an earlier step is open.")
@pass_context
def step_done(context: CliContext, task_id: int, step: int, reason: str) -> None:
    """Tick STEP of a master task done."""
    item = process.tick_step(context.session, task_id, step, reason=reason)
    click.echo(f"step {item['step']} ({item['title']}) of task {task_id} is {item['state']}")


@step_group.command("skip")
@click.argument("task_id", type=TASK_ID)
@click.argument("step", type=int)
@click.option("--reason", default="", help=REASON_HELP + " Required.")
@pass_context
def step_skip(context: CliContext, task_id: int, step: int, reason: str) -> None:
    """Skip STEP of a master task, with a reason."""
    item = process.skip_step(context.session, task_id, step, reason)
    click.echo(f"step {item['step']} ({item['title']}) of task {task_id} is {item['state']}")


@step_group.command("reopen")
@click.argument("task_id", type=TASK_ID)
@click.argument("step", type=int)
@click.option("--reason", default="", help=REASON_HELP)
@pass_context
def step_reopen(context: CliContext, task_id: int, step: int, reason: str) -> None:
    """Open a done or skipped step again."""
    item = process.reopen_step(context.session, task_id, step, reason=reason)
    click.echo(f"step {item['step']} ({item['title']}) of task {task_id} is {item['state']}")


# -- task life cycle -------------------------------------------------------------

@task_group.command("reject")
@click.argument("task_id", type=TASK_ID)
@click.option("--reason", default="", help=REASON_HELP + " Required.")
@pass_context
def task_reject(context: CliContext, task_id: int, reason: str) -> None:
    """Reject a request: it leaves the board and stays listed with `task list --status rejected`."""
    task_lifecycle.reject_request(context.session, task_id, reason)
    click.echo(f"task {task_id} is rejected")


@task_group.command("cancel")
@click.argument("task_id", type=TASK_ID)
@click.option("--reason", default="", help=REASON_HELP + " Required.")
@pass_context
def task_cancel(context: CliContext, task_id: int, reason: str) -> None:
    """Cancel a request: it leaves the board and stays listed with `task list --status cancelled`."""
    task_lifecycle.cancel_request(context.session, task_id, reason)
    click.echo(f"task {task_id} is cancelled")


@task_group.command("reopen")
@click.argument("task_id", type=TASK_ID)
@click.option("--reason", default="", help=REASON_HELP)
@pass_context
def task_reopen(context: CliContext, task_id: int, reason: str) -> None:
    """Reopen a rejected, cancelled or closed task."""
    task = task_lifecycle.reopen_task(context.session, task_id, reason=reason)
    click.echo(f"task {task_id} is open again in {task['stage']}")


@task_group.command("delete")
@click.argument("task_id", type=TASK_ID)
@click.option("--reason", default="", help=REASON_HELP + " Required.")
@pass_context
def task_delete(context: CliContext, task_id: int, reason: str) -> None:
    """Delete a task (a manager's action); `opstui task restore ID` brings it back."""
    task_lifecycle.delete_task(context.session, task_id, reason)
    click.echo(f"task {task_id} is deleted; restore it with `opstui task restore {task_id}`")


@task_group.command("restore")
@click.argument("task_id", type=TASK_ID)
@click.option("--reason", default="", help=REASON_HELP)
@pass_context
def task_restore(context: CliContext, task_id: int, reason: str) -> None:
    """Restore a deleted task."""
    task_lifecycle.restore_task(context.session, task_id, reason=reason)
    click.echo(f"task {task_id} is restored")


@task_group.command("deleted")
@click.option("--json", "as_json", is_flag=True, help="Print a JSON array, one object per deleted task.")
@pass_context
def task_deleted(context: CliContext, as_json: bool) -> None:
    """List deleted tasks (managers), so they can be restored."""
    rows = task_lifecycle.deleted_tasks(context.session)
    if as_json:
        print_json({name: row[name] for name in ("id", "kind", "parent_id", "title", "deleted_at", "deleted_by")}
                   for row in rows)
        return
    print_table(["ID", "KIND", "DELETED", "BY", "TITLE"],
                [(row["id"], row["kind"], row["deleted_at"], row["deleted_by"], row["title"]) for row in rows])


@task_group.command("close")
@click.argument("task_id", type=TASK_ID)
@click.option("--reason", default="", help=REASON_HELP + " Required when work is missing or the order differs.")
@pass_context
def task_close(context: CliContext, task_id: int, reason: str) -> None:
    """Complete a master task (step 11), close an activity task (step 12) or tick a subtask done."""
    click.echo(task_lifecycle.close_task(context.session, task_id, reason=reason))


# -- activity ------------------------------------------------------------------

@cli.group("activity")
def activity_group() -> None:
    """Create and close the activity task of a change."""


@activity_group.command("create")
@click.argument("task_id", type=TASK_ID)
@click.option("--title", help="Title (default: 'Production: ' and the master task's title).")
@click.option("--reason", default="", help=REASON_HELP + " Required while steps 1 to 6 are open.")
@pass_context
def activity_create(context: CliContext, task_id: int, title: str | None, reason: str) -> None:
    """Create the activity task of master task TASK_ID (step 7) and print its id."""
    click.echo(activity.create_activity(context.session, task_id, title=title, reason=reason))


@activity_group.command("close")
@click.argument("activity_id", type=TASK_ID)
@click.option("--reason", default="", help=REASON_HELP + " Required before the master task is completed.")
@pass_context
def activity_close(context: CliContext, activity_id: int, reason: str) -> None:
    """Close an activity task (step 12); it needs a work summary first."""
    activity.close_activity(context.session, activity_id, reason=reason)
    click.echo(f"activity task {activity_id} is closed")


# -- comments and summary ------------------------------------------------------

@cli.group("comment")
def comment_group() -> None:
    """Markdown comments on any task."""


@comment_group.command("add")
@click.argument("task_id", type=TASK_ID)
@click.argument("text", required=False)
@click.option("--file", "file_path", type=click.Path(dir_okay=False, path_type=Path),
              help="Read the Markdown comment from this file ('-' for standard input).")
@secret_options
@pass_context
def comment_add(context: CliContext, task_id: int, text: str | None, file_path: Path | None,
                mask_secrets: bool, keep_secrets: bool) -> None:
    """Add a comment given as TEXT or with --file, and print its id."""
    policy = secret_policy(mask_secrets, keep_secrets)
    body = _text_or_file(text, file_path, "comment")
    click.echo(comments.add_comment(context.session, task_id, body, secrets=policy))


@comment_group.command("list")
@click.argument("task_id", type=TASK_ID)
@click.option("--json", "as_json", is_flag=True, help="Print a JSON array, one object per comment.")
@pass_context
def comment_list(context: CliContext, task_id: int, as_json: bool) -> None:
    """List the comments and work summaries of a task, oldest first."""
    rows = comments.list_comments(context.session, task_id)
    if as_json:
        print_json({name: row[name] for name in ("id", "task_id", "kind", "author", "body", "created_at",
                                                 "edited_at")} for row in rows)
        return
    for row in rows:
        label = "summary" if row["kind"] == "summary" else "comment"
        click.echo(click.style(f"#{row['id']} {label} by {row['author']} at {row['created_at']}", bold=True))
        echo_user_text(row["body"])
        click.echo()


@cli.group("summary")
def summary_group() -> None:
    """Set and show the work summary of an activity task."""


@summary_group.command("set")
@click.argument("activity_id", type=TASK_ID)
@click.argument("text", required=False)
@click.option("--file", "file_path", type=click.Path(dir_okay=False, path_type=Path),
              help="Read the Markdown summary from this file ('-' for standard input).")
@secret_options
@pass_context
def summary_set(context: CliContext, activity_id: int, text: str | None, file_path: Path | None,
                mask_secrets: bool, keep_secrets: bool) -> None:
    """Record the work summary of ACTIVITY_ID (required before it closes)."""
    policy = secret_policy(mask_secrets, keep_secrets)
    comments.set_summary(context.session, activity_id, _text_or_file(text, file_path, "summary"), secrets=policy)
    click.echo(f"work summary of activity task {activity_id} recorded")


@summary_group.command("show")
@click.argument("activity_id", type=TASK_ID)
@pass_context
def summary_show(context: CliContext, activity_id: int) -> None:
    """Print the newest work summary of ACTIVITY_ID."""
    summary = comments.get_summary(context.session, activity_id)
    if summary is None:
        raise UserError(f"activity task {activity_id} has no work summary; add one with"
                        f" `opstui summary set {activity_id} TEXT`")
    echo_user_text(summary["body"])


def _text_or_file(text: str | None, file_path: Path | None, what: str) -> str:
    if text is not None and file_path is not None:
        raise UserError(f"give the {what} as TEXT or with --file, not both")
    if file_path is None:
        if text is None:
            raise UserError(f"the {what} is missing; give it as TEXT or with --file FILE")
        return text
    if str(file_path) == "-":
        return click.get_text_stream("stdin").read()
    try:
        return file_path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise UserError(f"cannot read {file_path}: {error}") from None


# -- request templates ---------------------------------------------------------

@cli.group("template")
def template_group() -> None:
    """Request templates: the subtasks, assignees and due offsets a new master task starts from."""


@template_group.command("show")
@click.argument("source", type=click.Choice(SOURCES), required=False)
@click.option("--json", "as_json", is_flag=True, help="Print a JSON array, one object per template.")
@pass_context
def template_show(context: CliContext, source: str | None, as_json: bool) -> None:
    """Show the template of SOURCE (all three without SOURCE)."""
    session = context.session
    rows = [templates.get_template(session, source)] if source else templates.all_templates(session)
    if as_json:
        print_json(rows)
        return
    for row in rows:
        due = "" if row["due_days"] is None else f", master due after {row['due_days']} day(s)"
        click.echo(click.style(f"{row['source']}: assignees {', '.join(row['assignees']) or 'none'}{due}",
                               bold=True))
        if not row["subtasks"]:
            click.echo("  no subtasks")
        for index, item in enumerate(row["subtasks"], start=1):
            days = "" if item["due_days"] is None else f" +{item['due_days']}d"
            who = f" @{item['assignee']}" if item["assignee"] else ""
            click.echo(f"  {index}. {item['title']}{who}{days} ({item['priority']})")


@template_group.command("set")
@click.argument("source", type=click.Choice(SOURCES))
@click.option("--file", "file_path", type=click.Path(dir_okay=False, path_type=Path),
              help="YAML or JSON mapping with assignees, due_days and subtasks.")
@click.option("--subtask", "subtasks", multiple=True, metavar="'TITLE [@USER] [+DAYS]'",
              help="A subtask, with an optional assignee and due offset in days (repeatable).")
@click.option("--assign", "assignees", multiple=True, metavar="USER",
              help="Assign USER to every new master task of this source (repeatable).")
@click.option("--due-days", type=int, help="Master task due this many days after creation.")
@pass_context
def template_set(context: CliContext, source: str, file_path: Path | None, subtasks: tuple[str, ...],
                 assignees: tuple[str, ...], due_days: int | None) -> None:
    """Replace the template of SOURCE (managers only); no options empties it."""
    if file_path is not None and (subtasks or assignees or due_days is not None):
        raise UserError("give the template with --file or with --subtask/--assign/--due-days, not both")
    if file_path is not None:
        value = _read_template_file(file_path)
    else:
        value = {"assignees": list(assignees), "due_days": due_days,
                 "subtasks": [templates.parse_subtask_spec(text) for text in subtasks]}
    row = templates.set_template(context.session, source, value)
    click.echo(f"{source} template saved: {len(row['subtasks'])} subtask(s)")


def _read_template_file(path: Path) -> dict:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise UserError(f"cannot read {path}: {error}") from None
    try:
        value = json.loads(text) if path.suffix == ".json" else yaml.safe_load(text)
    except (ValueError, yaml.YAMLError) as error:
        raise UserError(f"invalid template file {path}: {error}") from None
    return value if value is not None else {}
