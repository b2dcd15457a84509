"""``opstui kb ...``: instructions, publishing, history, runs, export and import."""

from pathlib import Path

import click

from opstui.cli.output import echo_user_text, print_json, print_table
from opstui.cli.root import CliContext, cli, pass_context
from opstui.cli.secret_options import secret_options, secret_policy
from opstui.cli.tasks import TASK_ID
from opstui.errors import UserError
from opstui.kb.document import decode_markdown
from opstui.services import kb, runs
from opstui.services.kb_exchange import export_knowledge_base, import_knowledge_base

INSTRUCTION_JSON_FIELDS = ("id", "title", "status", "official_revision", "task_ids", "draft_updated_by",
                           "draft_updated_at", "created_by", "created_at", "updated_at", "version")


@cli.group("kb")
def kb_group() -> None:
    """Knowledge base: draft and official instructions, runs, export and import."""


@kb_group.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print a JSON array instead of a table.")
@pass_context
def kb_list(context: CliContext, as_json: bool) -> None:
    """List every instruction with its status, revision in force and tasks."""
    rows = kb.list_instructions(context.session)
    if as_json:
        print_json({name: row.get(name) for name in INSTRUCTION_JSON_FIELDS} for row in rows)
        return
    print_table(("ID", "STATUS", "REV", "TASKS", "TITLE"),
                [(row["id"], row["status"], row["official_revision"] or "-",
                  ",".join(str(task) for task in row["task_ids"]) or "-", row["title"]) for row in rows])


@kb_group.command("show")
@click.argument("instruction_id", type=int)
@click.option("--draft", is_flag=True, help="Print the open draft instead of the official text.")
@pass_context
def kb_show(context: CliContext, instruction_id: int, draft: bool) -> None:
    """Print an instruction's Markdown (official text, or the draft when never published)."""
    instruction = kb.get_instruction(context.session, instruction_id)
    if draft and instruction["draft_body"] is None:
        raise UserError(f"instruction {instruction_id} has no open draft; leave out --draft")
    _, body = kb.current_text(instruction, prefer_draft=draft)
    echo_user_text(body)


@kb_group.command("new")
@click.argument("title")
@click.option("--task", "task_id", type=TASK_ID, help="Task the draft is written for.")
@click.option("--from-notes", is_flag=True, help="Gather the task's active notes under the template headings.")
@click.option("--file", "file_path", type=click.Path(dir_okay=False, path_type=Path),
              help="Markdown file to use as the draft text instead of the template.")
@secret_options
@pass_context
def kb_new(context: CliContext, title: str, task_id: int | None, from_notes: bool, file_path: Path | None,
           mask_secrets: bool, keep_secrets: bool) -> None:
    """Create a draft instruction and print its id."""
    policy = secret_policy(mask_secrets, keep_secrets)
    if from_notes:
        # The notes already passed the secret check when they were saved to the database.
        if task_id is None:
            raise UserError("--from-notes needs --task ID to know whose notes to gather")
        instruction_id = kb.create_from_notes(context.session, task_id, title=title)
    else:
        body = _read_markdown(file_path) if file_path else None
        instruction_id = kb.create_instruction(context.session, title, body=body, task_id=task_id, secrets=policy)
    click.echo(instruction_id)


@kb_group.command("save")
@click.argument("instruction_id", type=int)
@click.argument("file_path", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--task", "task_id", type=TASK_ID, help="Task the draft is written for.")
@secret_options
@pass_context
def kb_save(context: CliContext, instruction_id: int, file_path: Path, task_id: int | None, mask_secrets: bool,
            keep_secrets: bool) -> None:
    """Save FILE as the draft of an instruction (an official one keeps its text in force)."""
    policy = secret_policy(mask_secrets, keep_secrets)
    current = kb.get_instruction(context.session, instruction_id)
    kb.save_draft(context.session, instruction_id, _read_markdown(file_path), expected_version=current["version"],
                  task_id=task_id, secrets=policy)


@kb_group.command("publish")
@click.argument("instruction_id", type=int)
@click.option("--task", "task_id", type=TASK_ID, help="Task the revision comes from (default: the draft's task).")
@pass_context
def kb_publish(context: CliContext, instruction_id: int, task_id: int | None) -> None:
    """Publish the draft as the next official revision and print its number."""
    click.echo(kb.publish(context.session, instruction_id, task_id=task_id))


@kb_group.command("history")
@click.argument("instruction_id", type=int)
@click.option("--json", "as_json", is_flag=True, help="Print a JSON array instead of a table.")
@pass_context
def kb_history(context: CliContext, instruction_id: int, as_json: bool) -> None:
    """List every draft save and official revision, oldest first."""
    rows = kb.revisions(context.session, instruction_id)
    if as_json:
        print_json(rows)
        return
    print_table(("REVISION_ID", "KIND", "NUMBER", "AUTHOR", "SAVED_AT", "TASK", "TITLE"),
                [(row["id"], row["kind"], row["number"] or "-", row["author"], row["saved_at"],
                  row["task_id"] or "-", row["title"]) for row in rows])


@kb_group.command("diff")
@click.argument("first_revision_id", type=int)
@click.argument("second_revision_id", type=int)
@pass_context
def kb_diff(context: CliContext, first_revision_id: int, second_revision_id: int) -> None:
    """Print a unified diff of two revisions (ids from `opstui kb history`)."""
    echo_user_text(kb.diff_revisions(context.session, first_revision_id, second_revision_id))


@kb_group.command("link")
@click.argument("instruction_id", type=int)
@click.argument("task_id", type=TASK_ID)
@pass_context
def kb_link(context: CliContext, instruction_id: int, task_id: int) -> None:
    """Link a task (usually the activity task) to an instruction it uses."""
    kb.link_task(context.session, instruction_id, task_id)


@kb_group.command("attach")
@click.argument("instruction_id", type=int)
@click.argument("file_path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@pass_context
def kb_attach(context: CliContext, instruction_id: int, file_path: Path) -> None:
    """Attach a file (diagram, configuration) to an instruction; print the attachment id."""
    click.echo(kb.add_attachment(context.session, instruction_id, file_path))


@kb_group.command("export")
@click.argument("folder", type=click.Path(file_okay=False, path_type=Path))
@click.option("--include-secrets", is_flag=True,
              help="Write text that looks like a secret instead of leaving it out.")
@pass_context
def kb_export(context: CliContext, folder: Path, include_secrets: bool) -> None:
    """Write one Markdown file per instruction into FOLDER, for a git repository."""
    result = export_knowledge_base(context.session, folder, include_secrets=include_secrets)
    for warning in result.warnings:
        click.echo(f"opstui: warning: {warning}", err=True)
    click.echo(f"{len(result.written)} written, {len(result.unchanged)} unchanged, {len(result.removed)} removed")


@kb_group.command("import")
@click.argument("folder", type=click.Path(file_okay=False, path_type=Path))
@pass_context
def kb_import(context: CliContext, folder: Path) -> None:
    """Import a folder of Markdown files (an export, or any runbooks) as instructions."""
    result = import_knowledge_base(context.session, folder)
    for warning in result.warnings:
        click.echo(f"opstui: warning: {warning}", err=True)
    if result.secret_files:
        click.echo(f"opstui: warning: {len(result.secret_files)} imported file(s) look like they contain a secret"
                   f" (password, key or token) and the database is readable by the whole group:"
                   f" {', '.join(result.secret_files)}", err=True)
    summary = f"{len(result.created)} created, {len(result.updated)} updated, {len(result.unchanged)} unchanged"
    if result.secrets_left_out:
        summary += (f" ({len(result.secrets_left_out)} with secrets left out of the file;"
                    f" the stored secrets were kept)")
    click.echo(summary)


@kb_group.command("run")
@click.argument("instruction_id", type=int)
@click.argument("task_id", type=TASK_ID)
@pass_context
def kb_run(context: CliContext, instruction_id: int, task_id: int) -> None:
    """Start (or resume) a run of an official instruction on an activity task; print the run id."""
    click.echo(runs.start_run(context.session, instruction_id, task_id))


@kb_group.command("runs")
@click.argument("task_id", type=TASK_ID)
@click.option("--json", "as_json", is_flag=True, help="Print a JSON array instead of a table.")
@pass_context
def kb_runs(context: CliContext, task_id: int, as_json: bool) -> None:
    """List the runs of instructions on a task with their progress."""
    rows = runs.runs_of_task(context.session, task_id)
    if as_json:
        print_json(rows)
        return
    print_table(("RUN", "STATUS", "DONE", "STARTED_BY", "STARTED_AT", "INSTRUCTION"),
                [(row["id"], row["status"], f"{row['steps_done']}/{row['step_count']}", row["started_by"],
                  row["started_at"], row["instruction_title"]) for row in rows])


@kb_group.command("step")
@click.argument("run_id", type=int)
@click.argument("number", type=int)
@click.argument("outcome", type=click.Choice(("done", "failed", "skipped")))
@click.option("--comment", default="", help="Comment kept with the step.")
@click.option("--reason", default="", help="What failed, or why the step was skipped.")
@pass_context
def kb_step(context: CliContext, run_id: int, number: int, outcome: str, comment: str, reason: str) -> None:
    """Record the outcome of step NUMBER of a run."""
    if outcome == "done":
        runs.complete_step(context.session, run_id, number, comment=comment)
    elif outcome == "failed":
        runs.fail_step(context.session, run_id, number, reason, comment=comment)
    else:
        runs.skip_step(context.session, run_id, number, reason)


def _read_markdown(path: Path) -> str:
    try:
        data = path.read_bytes()
    except OSError as error:
        raise UserError(f"cannot read {path} ({error.strerror}); check the path") from None
    return decode_markdown(data, str(path))
