"""``opstui task ...`` and ``opstui subtask ...``: requests, tasks, assignments and moves."""

import click

from opstui.cli.output import print_json, print_table
from opstui.cli.root import CliContext, cli, pass_context
from opstui.services import tasks
from opstui.services.validation import PRIORITIES, SOURCES, parse_task_id


class TaskId(click.ParamType):
    """A task named by the numeric id shown on its card (``12`` or ``#12``)."""

    name = "ID"

    def convert(self, value, param, ctx):
        try:
            return parse_task_id(value)
        except Exception as error:  # UserError carries the message users need
            self.fail(str(error), param, ctx)


TASK_ID = TaskId()

# Fields of `task list --json`; documented in the README and kept stable.
TASK_JSON_FIELDS = ("id", "kind", "parent_id", "title", "stage", "status", "priority", "due_on",
                    "assignees", "source", "requester", "external_ref", "received_on",
                    "created_by", "created_at", "updated_at", "closed_at", "version")


def task_json(task: dict) -> dict:
    return {name: task.get(name) for name in TASK_JSON_FIELDS}


@cli.group("task")
def task_group() -> None:
    """Record requests and manage master tasks."""


@task_group.command("add")
@click.argument("title")
@click.option("--source", type=click.Choice(SOURCES), default="infrastructure", show_default=True,
              help="Where the request comes from.")
@click.option("--requester", default="", help="Who asked for the change.")
@click.option("--ref", "external_ref", default="", help="External reference such as a ticket number.")
@click.option("--received", "received_on", metavar="YYYY-MM-DD", help="Date received (default: today).")
@click.option("--description", default="", help="Markdown description of the change.")
@click.option("--priority", type=click.Choice(PRIORITIES), default="normal", show_default=True)
@click.option("--due", "due_on", metavar="YYYY-MM-DD", help="Due date.")
@click.option("--assign", "assignees", multiple=True, metavar="USER", help="Assign a user (repeatable).")
@pass_context
def task_add(context: CliContext, title, source, requester, external_ref, received_on, description, priority,
             due_on, assignees) -> None:
    """Record a request and open its master task in the Request column."""
    task_id = tasks.create_request(context.session, title, source=source, requester=requester,
                                   external_ref=external_ref, received_on=received_on, description=description,
                                   priority=priority, due_on=due_on, assignees=list(assignees))
    click.echo(task_id)


@task_group.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print a JSON array, one object per task.")
@click.option("--stage", help="Only tasks in this stage.")
@click.option("--kind", type=click.Choice(["master", "subtask", "activity"]), help="Only tasks of this kind.")
@click.option("--status", type=click.Choice(["open", "done", "rejected", "cancelled"]), help="Only tasks with this status.")
@click.option("--mine", is_flag=True, help="Only tasks assigned to you.")
@click.option("--all", "include_all", is_flag=True, help="Include subtasks and activity tasks (default: master tasks).")
@pass_context
def task_list(context: CliContext, as_json, stage, kind, status, mine, include_all) -> None:
    """List tasks (master tasks unless --kind or --all is given)."""
    session = context.session
    if kind is None and not include_all:
        kind = "master"
    rows = tasks.list_tasks(session, kind=kind, stage=stage, status=status,
                            assignee=session.login if mine else None)
    if as_json:
        print_json(task_json(row) for row in rows)
        return
    print_table(["ID", "KIND", "STAGE", "STATUS", "PRIO", "DUE", "ASSIGNEES", "TITLE"],
                [(row["id"], row["kind"], row["stage"], row["status"], row["priority"], row["due_on"] or "",
                  ",".join(row["assignees"]), row["title"]) for row in rows])


@task_group.command("show")
@click.argument("task_id", type=TASK_ID)
@click.option("--json", "as_json", is_flag=True, help="Print the task as a JSON array of one object.")
@pass_context
def task_show(context: CliContext, task_id: int, as_json: bool) -> None:
    """Show a task with its subtasks."""
    detail = tasks.task_detail(context.session, task_id)
    if as_json:
        item = task_json(detail)
        item["description"] = detail["description"]
        item["subtasks"] = [task_json(row) for row in detail["subtasks"]]
        print_json([item])
        return
    print_table(["FIELD", "VALUE"], [
        ("id", detail["id"]), ("title", detail["title"]), ("kind", detail["kind"]),
        ("stage", detail["stage"]), ("status", detail["status"]), ("priority", detail["priority"]),
        ("due", detail["due_on"] or ""), ("assignees", ", ".join(detail["assignees"])),
        ("source", detail.get("source") or ""), ("requester", detail.get("requester") or ""),
        ("reference", detail.get("external_ref") or ""), ("received", detail.get("received_on") or ""),
    ])
    if detail["subtasks"]:
        click.echo()
        print_table(["ID", "DONE", "ASSIGNEES", "DUE", "SUBTASK"],
                    [(row["id"], "x" if row["status"] == "done" else "", ",".join(row["assignees"]),
                      row["due_on"] or "", row["title"]) for row in detail["subtasks"]])


@task_group.command("move")
@click.argument("task_id", type=TASK_ID)
@click.argument("stage")
@click.option("--reason", default="", help="Why the task moves (kept in the audit trail).")
@pass_context
def task_move(context: CliContext, task_id: int, stage: str, reason: str) -> None:
    """Move a master task to STAGE (request, discovery, sandbox, production, monitoring, done)."""
    from opstui.services.task_lifecycle import move_master_task

    task = move_master_task(context.session, task_id, stage, reason=reason)
    click.echo(f"task {task_id} is now in {task['stage']}")


@task_group.command("assign")
@click.argument("task_id", type=TASK_ID)
@click.argument("logins", nargs=-1, required=True)
@pass_context
def task_assign(context: CliContext, task_id: int, logins: tuple[str, ...]) -> None:
    """Assign one or more users to a task."""
    for login in logins:
        tasks.assign(context.session, task_id, login)


@task_group.command("unassign")
@click.argument("task_id", type=TASK_ID)
@click.argument("logins", nargs=-1, required=True)
@pass_context
def task_unassign(context: CliContext, task_id: int, logins: tuple[str, ...]) -> None:
    """Remove users from a task."""
    for login in logins:
        tasks.unassign(context.session, task_id, login)


@cli.group("subtask")
def subtask_group() -> None:
    """Add and tick subtasks of a master task."""


@subtask_group.command("add")
@click.argument("parent_id", type=TASK_ID)
@click.argument("title")
@click.option("--assign", "assignee", metavar="USER", help="Assign the subtask to USER.")
@click.option("--description", default="", help="Detailed description (Markdown).")
@click.option("--priority", type=click.Choice(PRIORITIES), default="normal", show_default=True)
@click.option("--due", "due_on", metavar="YYYY-MM-DD", help="Due date.")
@pass_context
def subtask_add(context: CliContext, parent_id, title, assignee, description, priority, due_on) -> None:
    """Add a subtask to master task PARENT_ID and print its id."""
    click.echo(tasks.add_subtask(context.session, parent_id, title, assignee=assignee, description=description,
                                 priority=priority, due_on=due_on))


@subtask_group.command("done")
@click.argument("subtask_id", type=TASK_ID)
@click.option("--undo", is_flag=True, help="Mark the subtask open again.")
@pass_context
def subtask_done(context: CliContext, subtask_id: int, undo: bool) -> None:
    """Tick a subtask done (or open again with --undo)."""
    tasks.set_subtask_done(context.session, subtask_id, not undo)
