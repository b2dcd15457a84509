"""``opstui import timewarrior FILE`` and ``opstui import taskwarrior FILE``."""

from pathlib import Path

import click

from opstui.cli.imports import import_group
from opstui.cli.output import stderr_is_terminal
from opstui.cli.root import CliContext, pass_context
from opstui.services import imports_time

FILE_ARGUMENT = click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))


@import_group.command("timewarrior")
@FILE_ARGUMENT
@pass_context
def import_timewarrior(context: CliContext, path: Path) -> None:
    """Import `timew export` JSON (or extension input) as your time entries.

    An interval goes to the task its tags name (#12 or opstui:12, an imported
    Taskwarrior uuid, or a task title), else to a task created for its tags.
    """
    result = _with_progress(lambda progress: imports_time.import_timewarrior(context.session, path,
                                                                              progress=progress))
    click.echo(f"import {result.import_id}: {result.added} entries added, {result.skipped} already imported,"
               f" {result.tasks_created} tasks created")
    if result.timer_started:
        click.echo(f"the open interval is now your running timer on task #{result.timer_started['task_id']}")
    for entry_id in result.open_entries:
        click.echo(f"warning: entry {entry_id} is an open interval (your timer was already running);"
                   f" set its length with `opstui log edit {entry_id} --duration DURATION`",
                   err=True)


@import_group.command("taskwarrior")
@FILE_ARGUMENT
@pass_context
def import_taskwarrior(context: CliContext, path: Path) -> None:
    """Import `task export` JSON (an array, or one object per line) as tasks."""
    result = _with_progress(lambda progress: imports_time.import_taskwarrior(context.session, path,
                                                                              progress=progress))
    click.echo(f"import {result.import_id}: {result.tasks_created} tasks created, {result.skipped} already imported,"
               f" {result.comments} annotations kept as comments")


def _with_progress(run):
    """Run an import with a progress bar on a terminal, and quietly when stderr is piped."""
    if not stderr_is_terminal():
        return run(None)

    with click.progressbar(length=1, label="importing", file=click.get_text_stream("stderr")) as bar:
        def progress(done: int, total: int) -> None:
            bar.length = max(total, 1)
            bar.update(done - bar.pos)

        return run(progress)
