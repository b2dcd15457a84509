"""``opstui import enex FILE``: Evernote exports become notes of a master task."""

from __future__ import annotations

import click

from opstui.cli.imports import import_group
from opstui.cli.output import stderr_is_terminal
from opstui.cli.root import CliContext, pass_context
from opstui.cli.tasks import TASK_ID


@import_group.command("enex")
@click.argument("file_path", metavar="FILE", type=click.Path(dir_okay=False))
@click.option("--task", "task_id", type=TASK_ID,
              help="Master task that receives the notes (default: a new task in Discovery named after FILE).")
@click.option("--recover", is_flag=True,
              help="Import a damaged export, keeping the text the XML parser can recover.")
@pass_context
def import_enex(context: CliContext, file_path: str, task_id: int | None, recover: bool) -> None:
    """Import an Evernote ENEX export; print the task id.

    Nothing is visible until every note is in: a damaged file or an interruption
    leaves the database as it was.
    """
    # Imported here: the ENEX libraries (lxml, BeautifulSoup) would slow every command's start.
    from opstui.services import imports_enex

    show_progress = stderr_is_terminal()

    def progress(count: int) -> None:
        if show_progress:
            click.echo(f"\r{count} notes imported…", err=True, nl=False)

    result = imports_enex.import_enex(context.session, file_path, task_id=task_id, recover=recover,
                                      progress=progress)
    if show_progress:
        click.echo("", err=True)
    where = "new task" if result.created_task else "task"
    click.echo(f"imported {len(result.note_ids)} note(s) and {result.attachments} attachment(s)"
               f" into {where} {result.task_id}", err=True)
    for title in result.recovered_titles:
        click.echo(f"recovered damaged note: {title}", err=True)
    if result.secret_note_ids:
        ids = " ".join(str(note_id) for note_id in result.secret_note_ids)
        click.echo(f"warning: {len(result.secret_note_ids)} imported note(s) look like they contain a secret"
                   f" (password, key or token) and the database is readable by the whole group: {ids};"
                   " mask them with `opstui note show ID | opstui note edit ID --file - --mask-secrets`",
                   err=True)
    click.echo(result.task_id)
