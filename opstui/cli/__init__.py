"""The ``opstui`` command: opens the board, or runs one scripted action."""

import importlib
import sys

from opstui.cli.root import cli, run

# Each module adds its commands to ``cli`` when imported. Keep one per area.
COMMAND_MODULES = [
    "opstui.cli.tasks",
    "opstui.cli.process",
    "opstui.cli.demo",
    "opstui.cli.team",
    "opstui.cli.shared",
    "opstui.cli.notify",
    "opstui.cli.timelog",
    "opstui.cli.imports",
    "opstui.cli.imports_time",
    "opstui.cli.zabbix",
    "opstui.cli.notes",
    "opstui.cli.search",
    "opstui.cli.imports_enex",
    "opstui.cli.kb",
]


def _load_commands() -> None:
    for name in COMMAND_MODULES:
        importlib.import_module(name)


def main() -> None:
    if _names_command(sys.argv[1:]):
        _load_commands()
    run()


def _names_command(arguments: list[str]) -> bool:
    """Tell whether the command line holds more than ``--db PATH``.

    Opening the board needs none of the command modules, and importing them
    (Zabbix, mail, Markdown, ENEX) would add to the board's start-up time.
    """
    skip_value = False
    for argument in arguments:
        if skip_value:
            skip_value = False
        elif argument == "--db":
            skip_value = True
        elif not argument.startswith("--db="):
            return True
    return False


__all__ = ["cli", "main"]
