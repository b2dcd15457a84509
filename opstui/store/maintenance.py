"""SQL for upkeep: full-text index optimisation, purged-row retention, VACUUM, checks."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from opstui.store.database import Store, Transaction

# Tables opt in to retention by having this column: a row whose purged_at is set
# was purged by a user, and maintenance deletes it for good after the retention period.
PURGED_AT_COLUMN = "purged_at"


def fts_tables(store: Store) -> list[str]:
    """Return the names of the FTS4 and FTS5 virtual tables in the database."""
    rows = store.query(
        "SELECT name FROM sqlite_master WHERE type = 'table'"
        " AND (lower(sql) LIKE 'create virtual table%using fts5%'"
        "   OR lower(sql) LIKE 'create virtual table%using fts4%')"
        " ORDER BY name"
    )
    return [row["name"] for row in rows]


def optimize_fts(transaction: Transaction, table: str) -> None:
    """Merge the index segments of one full-text table (its 'optimize' command)."""
    quoted = _quote_identifier(table)
    transaction.execute(f"INSERT INTO {quoted}({quoted}) VALUES ('optimize')")


def tables_with_purged_rows(store: Store) -> list[str]:
    """Return the ordinary tables that have a purged_at column."""
    names = store.query("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
                        " AND sql NOT LIKE 'CREATE VIRTUAL TABLE%' ORDER BY name")
    found = []
    for row in names:
        columns = store.query(f"PRAGMA table_info({_quote_identifier(row['name'])})")
        if any(column["name"] == PURGED_AT_COLUMN for column in columns):
            found.append(row["name"])
    return found


def delete_purged_before(transaction: Transaction, table: str, cutoff_iso: str) -> int:
    """Delete rows of ``table`` purged before ``cutoff_iso``; return how many went."""
    cursor = transaction.execute(
        f"DELETE FROM {_quote_identifier(table)} WHERE {PURGED_AT_COLUMN} IS NOT NULL AND {PURGED_AT_COLUMN} < ?",
        (cutoff_iso,),
    )
    return cursor.rowcount


def purges_since_last_maintenance(store: Store) -> int:
    """Count purge events (kinds ending in ".purged") after the last maintenance.ran event."""
    return store.scalar(
        "SELECT count(*) FROM events WHERE kind LIKE '%.purged' AND id >"
        " (SELECT coalesce(max(id), 0) FROM events WHERE kind = 'maintenance.ran')"
    )


def secure_delete_on(store: Store) -> bool:
    """Tell whether SQLite overwrites deleted content with zeros on this connection."""
    return store.scalar("PRAGMA secure_delete") == 1


def page_counts(store: Store) -> dict[str, int]:
    """Return page_size, page_count and freelist_count of the main database."""
    return {
        "page_size": store.scalar("PRAGMA page_size"),
        "page_count": store.scalar("PRAGMA page_count"),
        "freelist_count": store.scalar("PRAGMA freelist_count"),
    }


def vacuum(store: Store) -> None:
    """Rebuild the file without its free pages; it takes the write lock while it runs."""
    store.connection.execute("VACUUM")


def checkpoint(store: Store) -> tuple[int, int, int]:
    """Copy the -wal file into the database and truncate it when no reader needs it.

    Returns SQLite's (busy, wal frames, frames checkpointed).
    """
    return tuple(store.connection.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone())


def optimize_statistics(store: Store) -> None:
    store.connection.execute("PRAGMA optimize")


def integrity_check(connection: sqlite3.Connection) -> list[str]:
    """Return SQLite's integrity_check messages: ["ok"] for a sound database."""
    return [row[0] for row in connection.execute("PRAGMA integrity_check").fetchall()]


def finish_backup_copy(path: Path) -> list[str]:
    """Make a backup copy one self-contained file and return its integrity_check result.

    The copy keeps the WAL flag of the original, so it is switched to the DELETE
    journal mode: then it needs no -wal file next to it when it is restored or moved.
    """
    connection = sqlite3.connect(path, isolation_level=None)
    try:
        connection.execute("PRAGMA journal_mode = DELETE")
        return integrity_check(connection)
    finally:
        connection.close()


def _quote_identifier(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'
