"""Schema versions, keyed on ``PRAGMA user_version``, applied forward on open.

A new database is created at the current version in one transaction. An older
one is first copied with SQLite's online backup API (safe while others have it
open), then each migration runs in its own transaction. A database written by a
newer opstui is refused and never modified.
"""

import logging
import os
import sqlite3
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from opstui.errors import StoreError

if TYPE_CHECKING:
    from opstui.store.database import Store

log = logging.getLogger(__name__)

# "OPST" as a 32-bit integer: marks the file as an opstui database.
APPLICATION_ID = 0x4F505354


def _add_report_hours(connection: sqlite3.Connection) -> None:
    # Imported when the migration runs, because opening a current database (every
    # start-up) needs only its version number.
    from opstui.store.report_hours import add_report_hours

    add_report_hours(connection)


# Migration N takes a database from version N-1 to N. Version 1 is the schema
# files themselves, so the list starts at 2.
MIGRATIONS: dict[int, Callable[[sqlite3.Connection], None]] = {
    2: _add_report_hours,
}

SCHEMA_VERSION = 1 + len(MIGRATIONS)


def split_statements(script: str) -> list[str]:
    """Split an SQL script into complete statements (triggers included)."""
    statements: list[str] = []
    pending = ""
    for line in script.splitlines(keepends=True):
        pending += line
        if sqlite3.complete_statement(pending):
            if pending.strip():
                statements.append(pending.strip())
            pending = ""
    if pending.strip() and not all(part.strip().startswith("--") for part in pending.splitlines() if part.strip()):
        raise ValueError(f"incomplete SQL statement at the end of a schema file: {pending.strip()[:80]}")
    return statements


def schema_statements() -> list[str]:
    # Imported here because importlib.resources is needed only to create a database.
    from opstui.store.schema import SCHEMA_FILES, read_schema_file

    statements: list[str] = []
    for name in SCHEMA_FILES:
        statements.extend(split_statements(read_schema_file(name)))
    return statements


def migrate(store: "Store", *, is_new: bool) -> None:
    connection = store.connection
    # One statement reads one snapshot: read one by one, the three values could
    # straddle another process's creation of the schema and look like a foreign file.
    version, application_id, table_count = connection.execute(
        "SELECT (SELECT user_version FROM pragma_user_version),"
        " (SELECT application_id FROM pragma_application_id),"
        " (SELECT count(*) FROM sqlite_master WHERE type = 'table')"
    ).fetchone()

    if version > SCHEMA_VERSION:
        raise StoreError(
            f"database {store.path} was written by a newer opstui (schema version {version};"
            f" this opstui knows up to {SCHEMA_VERSION}); upgrade opstui to open it"
        )
    if table_count and application_id != APPLICATION_ID:
        raise StoreError(f"{store.path} is an SQLite database but not an opstui database;"
                         " give another path with --db")
    if version == SCHEMA_VERSION:
        return
    if version == 0:
        _create(store)
    else:
        _backup_before_migration(store, version)
    # A new database is created from the version-1 schema files and then takes
    # the same migrations as an old one, so both end with identical schemas.
    for target in range(2, SCHEMA_VERSION + 1):
        _apply(store, target)


def _create(store: "Store") -> None:
    statements = schema_statements()
    with store.transaction("opstui") as transaction:
        # Another process may have created the schema while this one waited for the lock.
        if transaction.connection.execute("PRAGMA user_version").fetchone()[0] != 0:
            return
        for statement in statements:
            transaction.execute(statement)
        # The migrations run in the same transaction, so no other process finds
        # a new file at an old version and backs it up or migrates it.
        for target in range(2, SCHEMA_VERSION + 1):
            MIGRATIONS[target](transaction.connection)
        transaction.execute(f"PRAGMA application_id = {APPLICATION_ID}")
        transaction.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
    log.info("created database %s at schema version %d", store.path, SCHEMA_VERSION)


def _apply(store: "Store", target: int) -> None:
    with store.transaction("opstui") as transaction:
        current = transaction.connection.execute("PRAGMA user_version").fetchone()[0]
        if current >= target:
            return
        MIGRATIONS[target](transaction.connection)
        transaction.execute(f"PRAGMA user_version = {target}")
    log.info("migrated database %s to schema version %d", store.path, target)


def _backup_before_migration(store: "Store", version: int) -> Path:
    # The process id keeps two team members who upgrade in the same second from
    # writing one backup file at the same time.
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    destination = store.path.with_name(f"{store.path.name}.v{version}-{stamp}-{os.getpid()}.bak")
    try:
        store.backup_to(destination)
    except (sqlite3.Error, OSError) as error:
        raise StoreError(f"backup of {store.path} to {destination} before migrating failed ({error});"
                         " free disk space or fix the folder's permissions, then retry") from error
    log.info("backed up %s to %s before migrating from version %d", store.path, destination, version)
    return destination
