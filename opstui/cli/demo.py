"""``opstui demo``: write a realistic demo database."""

import click

from opstui.cli.root import CliContext, cli, pass_context
from opstui.errors import UserError
from opstui.services.demo import is_demo_database, write_demo


@cli.command("demo")
@click.option("--replace", is_flag=True, help="Overwrite an existing demo database at that path.")
@pass_context
def demo(context: CliContext, replace: bool) -> None:
    """Write a demo database: four colleagues and changes at every stage."""
    path = context.database_path
    if path.exists() and path.stat().st_size > 0:
        if not replace:
            raise UserError(f"{path} already exists; use --replace to overwrite it, or --db to pick another file")
        if not is_demo_database(path):
            raise UserError(f"{path} is not a demo database; `opstui demo` never overwrites real data,"
                            " so give another file with --db")
        for suffix in ("", "-wal", "-shm"):
            candidate = path.with_name(path.name + suffix)
            if candidate.exists():
                candidate.unlink()
    task_ids = write_demo(context.session)
    click.echo(f"demo database written to {path} ({len(task_ids)} changes); open it with: opstui --db {path}")
