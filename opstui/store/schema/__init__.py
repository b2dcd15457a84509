"""Schema files, applied in this order when a database is created at version 1.

Each area of opstui keeps its tables in its own file. A later schema change is
a new entry in ``opstui.store.migrations.MIGRATIONS``, never an edit of a file
that released databases were created from.
"""

from importlib import resources

SCHEMA_FILES = [
    "core.sql",
    "kb.sql",
    "timelog.sql",
    "notify.sql",
    "notes.sql",
    "search.sql",
    "zabbix.sql",
]


def read_schema_file(name: str) -> str:
    return resources.files(__name__).joinpath(name).read_text(encoding="utf-8")
