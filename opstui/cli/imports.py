"""The ``opstui import`` group; each importer adds its subcommand from its own module."""

from opstui.cli.root import cli


@cli.group("import")
def import_group() -> None:
    """Import data from the tools teams already use."""
