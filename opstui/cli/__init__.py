"""The ``opstui`` command: opens the board, or runs one scripted action."""

import importlib

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
    "opstui.cli.notes",
    "opstui.cli.search",
    "opstui.cli.imports_enex",
    "opstui.cli.kb",
]


def _load_commands() -> None:
    for name in COMMAND_MODULES:
        importlib.import_module(name)


def main() -> None:
    _load_commands()
    run()


__all__ = ["cli", "main"]
