"""``opstui note ...``: shared notes of master tasks from the command line."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from opstui.cli.output import echo_user_text, print_json, print_table
from opstui.cli.root import CliContext, cli, pass_context
from opstui.cli.secret_options import secret_options, secret_policy
from opstui.cli.tasks import TASK_ID
from opstui.errors import UserError
from opstui.services import note_lifecycle, notes
from opstui.textdiff import unified_diff

NOTE_JSON_FIELDS = ("id", "task_id", "title", "state", "outcome", "instruction_id", "outcome_reason", "tags",
                    "created_by", "created_at", "updated_by", "updated_at", "version", "length",
                    "retired_at", "retired_by", "retire_reason")


def note_json(row: dict) -> dict:
    return {name: row.get(name) for name in NOTE_JSON_FIELDS}


def read_text_input(file_path: str | None) -> str:
    """Read note text from --file (``-`` is stdin) or from piped stdin; never prompt."""
    if file_path and file_path != "-":
        path = Path(file_path)
        try:
            return path.read_text(encoding="utf-8")
        except FileNotFoundError:
            raise UserError(f"file {path} not found; give the path of a text or Markdown file") from None
        except UnicodeDecodeError:
            raise UserError(f"file {path} is not UTF-8 text; convert it (iconv -t UTF-8) and retry") from None
    if file_path != "-" and sys.stdin.isatty():
        raise UserError("no note text: give --file PATH or pipe the text on standard input")
    return sys.stdin.read()


def default_title(body: str, file_path: str | None) -> str:
    """Use the first Markdown heading, else the file name, else the first line."""
    for line in body.splitlines():
        if line.startswith("#"):
            heading = line.lstrip("#").strip()
            if heading:
                return heading
    if file_path and file_path != "-":
        return Path(file_path).stem
    first = next((line.strip() for line in body.splitlines() if line.strip()), "")
    return first[:80] or "Note"


@cli.group("note")
def note_group() -> None:
    """Write and manage the shared notes of master tasks."""


@note_group.command("add")
@click.argument("task_id", type=TASK_ID)
@click.option("--title", help="Note title (default: the first heading, else the file name).")
@click.option("--file", "file_path", metavar="PATH", help="Read the text from PATH ('-' for standard input).")
@click.option("--tag", "tags", multiple=True, metavar="TAG", help="Tag the note (repeatable).")
@secret_options
@pass_context
def note_add(context: CliContext, task_id: int, title: str | None, file_path: str | None, tags,
             mask_secrets: bool, keep_secrets: bool) -> None:
    """Add a note to a master task from a file or standard input; print its id."""
    policy = secret_policy(mask_secrets, keep_secrets)
    body = read_text_input(file_path)
    note_id = notes.add_note(context.session, task_id, title or default_title(body, file_path), body, tags=tags,
                             secrets=policy)
    click.echo(note_id)


@note_group.command("list")
@click.argument("task_id", type=TASK_ID)
@click.option("--json", "as_json", is_flag=True, help="Print a JSON array, one object per note.")
@click.option("--retired", "include_retired", is_flag=True, help="Include retired notes.")
@pass_context
def note_list(context: CliContext, task_id: int, as_json: bool, include_retired: bool) -> None:
    """List the notes of a master task."""
    rows = notes.list_notes(context.session, task_id, include_retired=include_retired)
    if as_json:
        print_json(note_json(row) for row in rows)
        return
    print_table(["ID", "STATE", "OUTCOME", "VER", "UPDATED", "BY", "TAGS", "TITLE"],
                [(row["id"], row["state"], _outcome_text(row), row["version"], row["updated_at"][:16],
                  row["updated_by"], ",".join(row["tags"]), row["title"]) for row in rows])


def _outcome_text(row: dict) -> str:
    if row["outcome"] == "taken":
        return f"taken:{row['instruction_id']}"
    return row["outcome"] or "-"


@note_group.command("show")
@click.argument("note_id", type=int)
@click.option("--json", "as_json", is_flag=True, help="Print the note as a JSON object, text included.")
@pass_context
def note_show(context: CliContext, note_id: int, as_json: bool) -> None:
    """Print a note's text."""
    note = notes.get_note(context.session, note_id)
    if as_json:
        print_json([{**note_json(note), "body": note["body"]}])
        return
    echo_user_text(note["body"])


@note_group.command("edit")
@click.argument("note_id", type=int)
@click.option("--file", "file_path", metavar="PATH", help="Read the new text from PATH ('-' for standard input).")
@click.option("--title", help="New title (default: keep the title).")
@click.option("--base-version", type=int, metavar="N",
              help="Version the new text was based on; the save fails if someone saved after it.")
@secret_options
@pass_context
def note_edit(context: CliContext, note_id: int, file_path: str | None, title: str | None,
              base_version: int | None, mask_secrets: bool, keep_secrets: bool) -> None:
    """Replace a note's text (a new revision); print the new version."""
    policy = secret_policy(mask_secrets, keep_secrets)
    note = notes.get_note(context.session, note_id)
    body = read_text_input(file_path)
    version = notes.save_note(context.session, note_id, base_version or note["version"],
                              title=title or note["title"], body=body, kind="external", secrets=policy)
    click.echo(version)


@note_group.command("history")
@click.argument("note_id", type=int)
@click.option("--json", "as_json", is_flag=True, help="Print a JSON array, one object per revision.")
@pass_context
def note_history(context: CliContext, note_id: int, as_json: bool) -> None:
    """List a note's revisions, newest first."""
    rows = notes.history(context.session, note_id)
    if as_json:
        print_json({name: row[name] for name in ("version", "kind", "author", "saved_at", "title", "length",
                                                 "restored_from")} for row in rows)
        return
    print_table(["VER", "KIND", "AUTHOR", "SAVED", "CHARS", "TITLE"],
                [(row["version"], row["kind"], row["author"], row["saved_at"][:19], row["length"], row["title"])
                 for row in rows])


@note_group.command("diff")
@click.argument("note_id", type=int)
@click.argument("old_version", type=int)
@click.argument("new_version", type=int, required=False)
@pass_context
def note_diff(context: CliContext, note_id: int, old_version: int, new_version: int | None) -> None:
    """Show a unified diff between two revisions (default: OLD_VERSION against the current text)."""
    session = context.session
    old = notes.revision(session, note_id, old_version)
    new = notes.revision(session, note_id, new_version or notes.get_note(session, note_id)["version"])
    diff = unified_diff(old["body"], new["body"], f"version {old['version']}", f"version {new['version']}")
    if diff:
        echo_user_text(diff)


@note_group.command("restore")
@click.argument("note_id", type=int)
@click.argument("version", type=int)
@pass_context
def note_restore(context: CliContext, note_id: int, version: int) -> None:
    """Save an old revision's text as a new revision; print the new version."""
    current = notes.get_note(context.session, note_id)
    click.echo(notes.restore_revision(context.session, note_id, version, current["version"]))


@note_group.command("retire")
@click.argument("note_ids", type=int, nargs=-1)
@click.option("--task", "task_id", type=TASK_ID, help="Retire every active note of this master task.")
@click.option("--reason", default="", help="Why; required while the task has no official instructions.")
@pass_context
def note_retire(context: CliContext, note_ids: tuple[int, ...], task_id: int | None, reason: str) -> None:
    """Retire notes: hidden from lists and search, recoverable from the archive."""
    if not note_ids and task_id is None:
        raise UserError("name the notes to retire (NOTE_ID ...) or a whole task with --task ID")
    retired = list(note_ids)
    for note_id in note_ids:
        note_lifecycle.retire_note(context.session, note_id, reason=reason)
    if task_id is not None:
        retired += note_lifecycle.retire_task_notes(context.session, task_id, reason=reason)
    click.echo(f"retired {len(retired)} note(s): {' '.join(str(note_id) for note_id in retired)}", err=True)


@note_group.command("unretire")
@click.argument("note_id", type=int)
@pass_context
def note_unretire(context: CliContext, note_id: int) -> None:
    """Bring a retired note back into lists and search."""
    note_lifecycle.unretire_note(context.session, note_id)


@note_group.command("archive")
@click.option("--task", "task_id", type=TASK_ID, help="Only this task's retired notes.")
@click.option("--json", "as_json", is_flag=True, help="Print a JSON array, one object per note.")
@pass_context
def note_archive(context: CliContext, task_id: int | None, as_json: bool) -> None:
    """List retired notes, newest first."""
    rows = notes.archived_notes(context.session, task_id)
    if as_json:
        print_json(note_json(row) for row in rows)
        return
    print_table(["ID", "TASK", "RETIRED", "BY", "OUTCOME", "REASON", "TITLE"],
                [(row["id"], row["task_id"], (row["retired_at"] or "")[:16], row["retired_by"], _outcome_text(row),
                  row["retire_reason"], row["title"]) for row in rows])


@note_group.command("taken")
@click.argument("note_id", type=int)
@click.option("--instruction", "instruction_id", type=int, required=True, metavar="ID",
              help="The instruction that now contains the note's knowledge.")
@pass_context
def note_taken(context: CliContext, note_id: int, instruction_id: int) -> None:
    """Record that a note's text was taken into an instruction."""
    note_lifecycle.mark_taken(context.session, note_id, instruction_id)


@note_group.command("discard")
@click.argument("note_id", type=int)
@click.option("--reason", required=True, help="Why the note's text is not kept.")
@pass_context
def note_discard(context: CliContext, note_id: int, reason: str) -> None:
    """Record that a note's text is deliberately not kept in the knowledge base."""
    note_lifecycle.mark_discarded(context.session, note_id, reason)


@note_group.command("status")
@click.argument("task_id", type=TASK_ID)
@click.option("--json", "as_json", is_flag=True, help="Print the counts as a JSON object.")
@pass_context
def note_status(context: CliContext, task_id: int, as_json: bool) -> None:
    """Show whether every note of a task is taken or discarded (process step 8)."""
    status = note_lifecycle.retirement_status(context.session, task_id)
    data = {"task_id": task_id, "total": status.total, "taken": status.taken, "discarded": status.discarded,
            "undecided": status.undecided, "settled": status.settled,
            "official_instruction_ids": list(status.official_instruction_ids)}
    if as_json:
        print_json([data])
        return
    click.echo(f"{status.total} note(s): {status.taken} taken, {status.discarded} discarded,"
               f" {status.undecided} undecided; step 8 {'can' if status.settled else 'cannot yet'} complete")


@note_group.command("purge")
@click.argument("note_id", type=int)
@click.option("--yes", is_flag=True, help="Confirm: destroy the note's text, revisions and attachments.")
@pass_context
def note_purge(context: CliContext, note_id: int, yes: bool) -> None:
    """Destroy a retired note for good (its text, revisions and attachments)."""
    preview = note_lifecycle.purge_preview(context.session, note_id)
    description = note_lifecycle.describe_purge(preview)
    if not yes:
        raise UserError(f"purging destroys {description}; run again with --yes to confirm")
    note_lifecycle.purge_note(context.session, note_id)
    click.echo(f"purged {description}", err=True)


@note_group.command("attachment")
@click.argument("attachment_id", type=int)
@click.option("--output", "-o", "output_path", metavar="PATH", help="Write to PATH (default: its file name).")
@pass_context
def note_attachment(context: CliContext, attachment_id: int, output_path: str | None) -> None:
    """Save a note's attachment to a file."""
    row = notes.attachment(context.session, attachment_id)
    target = Path(output_path) if output_path else Path(Path(row["file_name"]).name or f"attachment-{attachment_id}")
    if target.exists() and not output_path:
        raise UserError(f"file {target} already exists; choose another name with --output PATH")
    target.write_bytes(row["data"])
    click.echo(str(target))
