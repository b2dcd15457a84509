"""``opstui init-shared``, ``opstui backup`` and ``opstui maintenance``.

These commands open the store without registering the caller as a user, so that
root or a cron job can run them without becoming a member (or the manager) of the
team.
"""

from __future__ import annotations

import json
from pathlib import Path

import click

from opstui.cli.root import CliContext, cli, pass_context
from opstui.services import upkeep
from opstui.services.session import current_login, open_session
from opstui.shared_setup import fix_database_file_modes, prepare_shared_database
from opstui.store import open_store


@cli.command("init-shared")
@click.argument("path", type=click.Path(path_type=Path))
@click.option("--group", "group_name", required=True, metavar="GROUP",
              help="Unix group of the team; every member of it can use the database.")
@click.option("--manager", metavar="LOGIN",
              help="Register LOGIN as the first user and manager (default: whoever opens it first).")
def init_shared(path: Path, group_name: str, manager: str | None) -> None:
    """Create a shared database at PATH, or convert an existing one, for GROUP.

    The folder gets GROUP and mode 2770, where the setgid bit makes new files
    inherit the group. The database and its -wal and -shm files get GROUP and mode 0660.
    """
    report = prepare_shared_database(path, group_name)

    store = open_store(report.database)
    store.close()
    if manager:
        open_session(report.database, login=manager).close()

    # Opening the database created its -wal and -shm files; give them the group too.
    report.changes.extend(fix_database_file_modes(report.database, group_name))

    for change in report.changes:
        click.echo(change)
    if not report.changes:
        click.echo(f"{report.database} was already set up for group {report.group}; nothing changed")
    for warning in report.warnings:
        click.echo(f"warning: {warning}", err=True)
    click.echo(f"team members use it with: export OPSTUI_DB={report.database}")


@cli.command("backup")
@click.argument("destination", type=click.Path(path_type=Path))
@click.option("--overwrite", is_flag=True, help="Replace DESTINATION if it exists.")
@pass_context
def backup(context: CliContext, destination: Path, overwrite: bool) -> None:
    """Copy the database to DESTINATION (a file or folder) while others keep working."""
    store = open_store(context.database_path, create=False)
    try:
        result = upkeep.backup_database(store, destination, overwrite=overwrite)
    finally:
        store.close()
    click.echo(f"backup written to {result.path} ({result.size_bytes} bytes, integrity_check ok)")


@cli.command("maintenance")
@click.option("--vacuum", type=click.Choice(upkeep.VACUUM_CHOICES), default="auto", show_default=True,
              help="VACUUM the file: auto does it only when enough of it is free space.")
@click.option("--json", "as_json", is_flag=True, help="Print what was done as one JSON object.")
@pass_context
def maintenance(context: CliContext, vacuum: str, as_json: bool) -> None:
    """Optimise the full-text index, delete purged data past retention, VACUUM if worth it."""
    store = open_store(context.database_path, create=False)
    try:
        report = upkeep.run_maintenance(store, current_login(), vacuum=vacuum)
    finally:
        store.close()

    if as_json:
        click.echo(json.dumps(report.as_dict(), indent=2))
        return
    click.echo(f"full-text indexes optimised: {', '.join(report.fts_optimized) or 'none'}")
    deleted = sum(report.purged_rows_deleted.values())
    click.echo(f"purged rows older than {report.retention_days} days deleted: {deleted}")
    if report.vacuumed:
        click.echo(f"vacuumed: {report.file_bytes_before} -> {report.file_bytes_after} bytes")
    else:
        click.echo(f"not vacuumed: {report.free_bytes_before} of {report.file_bytes_before} bytes free")
