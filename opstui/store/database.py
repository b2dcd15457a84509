"""Opening the shared SQLite file, migrating it, and running short write transactions.

Rules the whole team relies on:

- WAL mode, a busy timeout and foreign keys on every connection.
- One connection per thread (Textual workers run in threads).
- Writes happen in ``BEGIN IMMEDIATE`` transactions: the write lock is taken at
  the start, so the body never meets a busy database half-way, and waiting for
  the lock is retried here so that no caller sees "database is locked".
- Every write transaction appends its events in the same transaction.
"""

import json
import logging
import os
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from opstui.errors import StoreError
from opstui.store.clock import now_iso
from opstui.store.migrations import migrate

if TYPE_CHECKING:
    import sqlite_utils

log = logging.getLogger(__name__)

BUSY_TIMEOUT_MS = 5_000
# Total time spent waiting for the write lock before giving up with a clear error.
WRITE_LOCK_PATIENCE_S = 120.0
# Database files are created group-writable so a whole team can share them.
DATABASE_FILE_MODE = 0o660

T = TypeVar("T")


class Transaction:
    """An open write transaction: run statements and record events."""

    def __init__(self, connection: sqlite3.Connection, actor: str):
        self.connection = connection
        self.actor = actor
        self.event_ids: list[int] = []

    def execute(self, sql: str, parameters: tuple | dict = ()) -> sqlite3.Cursor:
        return self.connection.execute(sql, parameters)

    def query(self, sql: str, parameters: tuple | dict = ()) -> list[dict[str, Any]]:
        cursor = self.connection.execute(sql, parameters)
        names = [column[0] for column in cursor.description or ()]
        return [dict(zip(names, row)) for row in cursor.fetchall()]

    def query_one(self, sql: str, parameters: tuple | dict = ()) -> dict[str, Any] | None:
        rows = self.query(sql, parameters)
        return rows[0] if rows else None

    def event(
        self,
        kind: str,
        *,
        task_id: int | None = None,
        entity: str = "",
        entity_id: str | int = "",
        data: dict[str, Any] | None = None,
    ) -> int:
        """Append one event (who, when, what) to the events table."""
        cursor = self.connection.execute(
            "INSERT INTO events (at, actor, kind, task_id, entity, entity_id, data)"
            " VALUES (?, ?, ?, ?, ?, ?, ?)",
            (
                now_iso(),
                self.actor,
                kind,
                task_id,
                entity,
                str(entity_id),
                json.dumps(data or {}, ensure_ascii=False, sort_keys=True),
            ),
        )
        self.event_ids.append(cursor.lastrowid)
        return cursor.lastrowid


class Store:
    """One opstui database file, with a connection per thread."""

    def __init__(self, path: Path):
        self.path = Path(path)
        self._local = threading.local()
        self._connections: list[sqlite3.Connection] = []
        self._lock = threading.Lock()

    # -- connections -------------------------------------------------------

    @property
    def connection(self) -> sqlite3.Connection:
        connection = getattr(self._local, "connection", None)
        if connection is None:
            connection = _connect(self.path)
            self._local.connection = connection
            with self._lock:
                self._connections.append(connection)
        return connection

    @property
    def db(self) -> "sqlite_utils.Database":
        """A sqlite-utils view of this thread's connection, for reads and introspection."""
        database = getattr(self._local, "sqlite_utils_db", None)
        if database is None:
            # Imported here: sqlite-utils and its dependencies take a noticeable share
            # of the board's start-up, and only some commands use this view.
            import sqlite_utils

            database = sqlite_utils.Database(self.connection)
            self._local.sqlite_utils_db = database
        return database

    def close(self) -> None:
        with self._lock:
            for connection in self._connections:
                try:
                    connection.close()
                except sqlite3.ProgrammingError:
                    pass
            self._connections.clear()
        self._local = threading.local()

    # -- reads -------------------------------------------------------------

    def query(self, sql: str, parameters: tuple | dict = ()) -> list[dict[str, Any]]:
        cursor = self.connection.execute(sql, parameters)
        names = [column[0] for column in cursor.description or ()]
        return [dict(zip(names, row)) for row in cursor.fetchall()]

    def query_one(self, sql: str, parameters: tuple | dict = ()) -> dict[str, Any] | None:
        rows = self.query(sql, parameters)
        return rows[0] if rows else None

    def scalar(self, sql: str, parameters: tuple | dict = ()) -> Any:
        row = self.connection.execute(sql, parameters).fetchone()
        return row[0] if row else None

    def data_version(self) -> int:
        """Return SQLite's counter that changes when another connection commits."""
        return self.connection.execute("PRAGMA data_version").fetchone()[0]

    # -- writes ------------------------------------------------------------

    @contextmanager
    def transaction(self, actor: str) -> Iterator[Transaction]:
        """Hold the write lock for the body; commit on success, roll back on error."""
        connection = self.connection
        if connection.in_transaction:
            raise RuntimeError("nested write transaction; pass the open Transaction down instead")
        _begin_immediate(connection, self.path)
        transaction = Transaction(connection, actor)
        try:
            yield transaction
        except BaseException:
            connection.execute("ROLLBACK")
            raise
        else:
            connection.execute("COMMIT")

    def write(self, actor: str, work: Callable[[Transaction], T]) -> T:
        """Run ``work`` inside one write transaction and return its result."""
        with self.transaction(actor) as transaction:
            return work(transaction)

    # -- maintenance -------------------------------------------------------

    def backup_to(self, destination: Path) -> None:
        """Copy the database with SQLite's online backup API, safe while others write."""
        target = sqlite3.connect(destination)
        try:
            self.connection.backup(target, pages=1024, sleep=0.005)
        finally:
            target.close()


# Reading pages through a memory map skips a system call and a copy per page. In
# bench/search.py it cut the p99 of a first page from 10.1 ms to 5.6 ms. The mapped
# pages are the file's own page cache, shared by every process that opens it.
MMAP_BYTES = 256 * 1024 * 1024


def _connect(path: Path) -> sqlite3.Connection:
    # isolation_level=None: opstui issues BEGIN and COMMIT itself.
    connection = sqlite3.connect(path, timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None,
                                 check_same_thread=True)
    connection.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    connection.execute("PRAGMA foreign_keys = ON")
    connection.execute("PRAGMA synchronous = NORMAL")
    connection.execute(f"PRAGMA mmap_size = {MMAP_BYTES}")
    return connection


def _begin_immediate(connection: sqlite3.Connection, path: Path) -> None:
    deadline = time.monotonic() + WRITE_LOCK_PATIENCE_S
    delay = 0.01
    while True:
        try:
            connection.execute("BEGIN IMMEDIATE")
            return
        except sqlite3.OperationalError as error:
            if not _is_busy(error) or time.monotonic() > deadline:
                if _is_busy(error):
                    raise StoreError(
                        f"database {path} stayed busy for {WRITE_LOCK_PATIENCE_S:.0f} s;"
                        " another program holds a long write lock (check `fuser` on the file)"
                    ) from error
                raise
            log.info("write lock busy on %s, retrying in %.2f s", path, delay)
            time.sleep(delay)
            delay = min(delay * 2, 0.5)


def _is_busy(error: sqlite3.OperationalError) -> bool:
    text = str(error)
    return "locked" in text or "busy" in text


def open_store(path: Path, *, create: bool = True) -> Store:
    """Open (creating and migrating if needed) the database at ``path``.

    Raises StoreError with a one-line explanation for a missing or read-only
    folder, a file that is not SQLite or not opstui's, a corrupt file, or a
    database written by a newer opstui.
    """
    path = Path(path).expanduser()
    _check_location(path, create)
    is_new = not path.exists() or path.stat().st_size == 0
    if is_new:
        _create_group_writable(path)

    store = Store(path)
    try:
        connection = store.connection
        _check_header(connection, path)
        _enable_wal(connection, path)
        migrate(store, is_new=is_new)
    except sqlite3.DatabaseError as error:
        store.close()
        raise StoreError(_explain_database_error(path, error)) from error
    except BaseException:
        store.close()
        raise
    return store


def _check_location(path: Path, create: bool) -> None:
    folder = path.parent
    if path.is_dir():
        raise StoreError(f"database path {path} is a folder; give a file path such as {path / 'opstui.db'}")
    if not folder.exists():
        if not create:
            raise StoreError(f"folder {folder} for database {path} does not exist; create it first")
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except OSError as error:
            raise StoreError(f"cannot create folder {folder} for database {path}: {error.strerror};"
                             " choose another path with --db or OPSTUI_DB") from error
    if not path.exists() and not create:
        raise StoreError(f"database {path} does not exist; run `opstui demo` or give --db")
    if not os.access(folder, os.W_OK | os.X_OK):
        raise StoreError(f"folder {folder} is not writable by you; SQLite needs to create its -wal and"
                         " -shm files there: fix the folder's group and mode, or use another --db path")
    if path.exists() and not os.access(path, os.R_OK | os.W_OK):
        raise StoreError(f"database {path} is not readable and writable by you;"
                         " ask its owner to run `opstui init-shared` or fix its mode (0660)")


def _create_group_writable(path: Path) -> None:
    # SQLite would create the file 0644 whatever the umask, and its -wal and -shm
    # files copy that mode. A group-writable main file keeps the team's access.
    if not path.exists():
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, DATABASE_FILE_MODE)
        os.close(descriptor)
    try:
        os.chmod(path, DATABASE_FILE_MODE)
    except PermissionError:
        pass


def _check_header(connection: sqlite3.Connection, path: Path) -> None:
    # Reading the schema forces SQLite to parse the file header.
    connection.execute("SELECT count(*) FROM sqlite_master").fetchone()


def _enable_wal(connection: sqlite3.Connection, path: Path) -> None:
    mode = connection.execute("PRAGMA journal_mode = WAL").fetchone()[0]
    if mode.lower() != "wal":
        raise StoreError(f"database {path} cannot use WAL mode (got {mode}); is the folder on a network file system?")


def _explain_database_error(path: Path, error: sqlite3.DatabaseError) -> str:
    text = str(error)
    if "not a database" in text or "file is encrypted" in text:
        return f"{path} is not an SQLite database; give the path of an opstui database or a new file name"
    if "malformed" in text or "corrupt" in text:
        return (f"database {path} is corrupt ({text}); restore it from a backup"
                " (see `opstui backup` in the README)")
    if "readonly" in text or "read-only" in text:
        return f"database {path} is read-only for you; fix the file's mode (0660) and group"
    if "unable to open" in text:
        return f"cannot open database {path}; check that its folder exists and is writable"
    return f"database {path} cannot be used: {text}"
