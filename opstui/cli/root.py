"""The root ``opstui`` command group, its shared options and its error handling."""

import logging
import sys
from dataclasses import dataclass, field
from pathlib import Path

import click

from opstui import __version__
from opstui.config import resolve_database_path
from opstui.errors import OpstuiError
from opstui.logsetup import configure_logging
from opstui.services.session import Session, open_session

log = logging.getLogger("opstui.cli")


@dataclass
class CliContext:
    """The state every command needs: the database path and, once opened, the session."""

    db_option: str | None
    _session: Session | None = field(default=None, repr=False)

    @property
    def database_path(self) -> Path:
        return resolve_database_path(self.db_option)

    @property
    def session(self) -> Session:
        if self._session is None:
            self._session = open_session(self.database_path)
        return self._session

    def close(self) -> None:
        if self._session is not None:
            self._session.close()
            self._session = None


pass_context = click.make_pass_decorator(CliContext)


@click.group(invoke_without_command=True, context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--db", "db_option", metavar="PATH", envvar=None,
              help="Database file to use (default: $OPSTUI_DB, then the config file, then the user data folder).")
@click.version_option(__version__, prog_name="opstui")
@click.pass_context
def cli(context: click.Context, db_option: str | None) -> None:
    """Guide operations changes through the twelve-step process. Without a command, open the board."""
    configure_logging()
    context.obj = CliContext(db_option)
    context.call_on_close(context.obj.close)
    if context.invoked_subcommand is None:
        from opstui.cli.tui import open_board

        open_board(context.obj)


def run() -> None:
    """Run the CLI; an OpstuiError becomes one line on stderr and exit status 1."""
    try:
        cli.main(prog_name="opstui", standalone_mode=False)
    except click.exceptions.Abort:
        click.echo("Aborted.", err=True)
        sys.exit(130)
    except click.ClickException as error:
        error.show()
        sys.exit(error.exit_code)
    except click.exceptions.Exit as done:
        sys.exit(done.exit_code)
    except OpstuiError as error:
        log.error("command failed: %s (argv=%s)", error, sys.argv[1:])
        click.echo(f"opstui: error: {error}", err=True)
        sys.exit(1)
    except BrokenPipeError:
        sys.exit(0)
    except KeyboardInterrupt:
        sys.exit(130)
