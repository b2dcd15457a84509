"""SQL for time entries, running timers and Timewarrior/Taskwarrior import runs."""

from datetime import datetime, timedelta
from typing import Any

from opstui.store.clock import now_iso
from opstui.store.database import Store, Transaction

ENTRY_COLUMNS = (
    "e.id, e.task_id, e.login, e.step, e.started_at, e.ended_at, e.comment, e.source, e.import_id,"
    " e.import_key, e.extra, e.created_by, e.created_at, e.updated_at, e.deleted_at, e.deleted_by, e.version"
)
UPDATABLE_ENTRY_FIELDS = {"task_id", "step", "started_at", "ended_at", "comment", "deleted_at", "deleted_by"}

# An entry counts once it is not deleted and its import run (if any) has finished.
VISIBLE_ENTRY = (
    "e.deleted_at IS NULL AND (e.import_id IS NULL OR EXISTS"
    " (SELECT 1 FROM time_imports i WHERE i.id = e.import_id AND i.status = 'done'))"
)


# -- time entries ----------------------------------------------------------


def insert_entry(transaction: Transaction, *, task_id: int, login: str, started_at: str, ended_at: str | None,
                 step: int | None = None, comment: str = "", source: str = "manual",
                 import_id: int | None = None, import_key: str | None = None, extra: str = "{}") -> int:
    now = now_iso()
    cursor = transaction.execute(
        "INSERT INTO time_entries (task_id, login, step, started_at, ended_at, comment, source, import_id,"
        " import_key, extra, created_by, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (task_id, login, step, started_at, ended_at, comment, source, import_id, import_key, extra,
         transaction.actor, now, now),
    )
    return cursor.lastrowid


def get_entry(store: Store | Transaction, entry_id: int) -> dict[str, Any] | None:
    return store.query_one(
        f"SELECT {ENTRY_COLUMNS}, t.title AS task_title FROM time_entries e"
        " JOIN tasks t ON t.id = e.task_id WHERE e.id = ?",
        (entry_id,),
    )


def update_entry(transaction: Transaction, entry_id: int, expected_version: int | None, **fields: Any) -> bool:
    """Update an entry if it is still at expected_version (None skips the check).

    Returns False when another user changed the row first, so nothing was written.
    """
    unknown = set(fields) - UPDATABLE_ENTRY_FIELDS
    if unknown:
        raise ValueError(f"unknown time entry fields: {sorted(unknown)}")

    assignments = ", ".join(f"{name} = ?" for name in fields)
    sql = f"UPDATE time_entries SET {assignments}, updated_at = ?, version = version + 1 WHERE id = ?"
    parameters: list[Any] = [*fields.values(), now_iso(), entry_id]
    if expected_version is not None:
        sql += " AND version = ?"
        parameters.append(expected_version)
    return transaction.execute(sql, parameters).rowcount == 1


def list_entries(store: Store | Transaction, *, login: str | None = None, task_id: int | None = None,
                 starts_before: str | None = None, ends_after: str | None = None,
                 include_open: bool = True) -> list[dict[str, Any]]:
    """Return visible entries, oldest first, with their task title.

    starts_before and ends_after select entries that touch a UTC window; an open
    entry counts as ending in the future.
    """
    clauses = [VISIBLE_ENTRY]
    parameters: list[Any] = []
    if login:
        clauses.append("e.login = ?")
        parameters.append(login)
    if task_id is not None:
        clauses.append("e.task_id = ?")
        parameters.append(task_id)
    if starts_before:
        clauses.append("e.started_at < ?")
        parameters.append(starts_before)
    if ends_after:
        clauses.append("(e.ended_at IS NULL OR e.ended_at > ?)")
        parameters.append(ends_after)
    if not include_open:
        clauses.append("e.ended_at IS NOT NULL")

    return store.query(
        f"SELECT {ENTRY_COLUMNS}, t.title AS task_title FROM time_entries e JOIN tasks t ON t.id = e.task_id"
        f" WHERE {' AND '.join(clauses)} ORDER BY e.started_at, e.id",
        parameters,
    )


# Columns a report groups by, for each grouping. Day and week need only the bucket.
REPORT_GROUP_COLUMNS = {
    "task": ("e.task_id", "t.title"),
    "step": ("e.task_id", "t.title", "e.step"),
    "user": ("e.login",),
    "day": (),
    "week": (),
}


def _time_of_day(column: str) -> str:
    return f"substr({column}, 12, 8)"


def _report_filters(login: str | None, task_id: int | None, starts_before: str, ends_after: str,
                    *, by_start: bool = True) -> tuple[list[str], list[Any]]:
    # by_start=False prefixes started_at with a unary +, which keeps SQLite from
    # choosing the started_at index (it scans the ended_at index instead).
    start = "e.started_at" if by_start else "+e.started_at"
    clauses = [VISIBLE_ENTRY, "e.ended_at IS NOT NULL", f"{start} < ?", "e.ended_at > ?"]
    parameters: list[Any] = [starts_before, ends_after]
    if login:
        clauses.append("e.login = ?")
        parameters.append(login)
    if task_id is not None:
        clauses.append("e.task_id = ?")
        parameters.append(task_id)
    return clauses, parameters


def _one_day_before(instant: str) -> str:
    """Return the ISO 8601 UTC instant 24 hours before ``instant`` (same text format)."""
    moment = datetime.strptime(instant, "%Y-%m-%dT%H:%M:%SZ") - timedelta(days=1)
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def _same_bucket(cutoffs: list[str]) -> str:
    """SQL that is true when an entry starts and ends on one UTC date and one side of every cutoff."""
    tests = ["substr(e.started_at, 1, 10) = substr(e.ended_at, 1, 10)"]
    tests += [f"({_time_of_day('e.started_at')} >= '{cutoff}') = ({_time_of_day('e.ended_at')} >= '{cutoff}')"
              for cutoff in cutoffs]
    return " AND ".join(tests)


def report_bucket_totals(store: Store | Transaction, *, by: str, cutoffs: list[str], starts_before: str,
                         ends_after: str, login: str | None = None,
                         task_id: int | None = None) -> list[dict[str, Any]]:
    """Total the finished entries that lie in one bucket, in whole seconds.

    A bucket is a UTC date and, for each cutoff (a UTC time of day "HH:MM:SS" at
    which a local day begins), whether the entry is before or after it. Entries in
    one bucket lie in one local day, so the caller can map each bucket to its day.
    Each row has utc_date, after_0..after_N (one per cutoff), seconds and the
    grouping columns of REPORT_GROUP_COLUMNS[by]. Entries that span buckets are
    returned by report_spanning_entries instead.
    """
    clauses, parameters = _report_filters(login, task_id, starts_before, ends_after)
    # An entry inside one bucket lasts less than a day, so it starts at most a day
    # before the range. This bound lets the started_at index skip older history.
    clauses.append("e.started_at >= ?")
    parameters.append(_one_day_before(ends_after))
    for cutoff in cutoffs:
        if len(cutoff) != 8 or cutoff[2] != ":" or cutoff[5] != ":":
            raise ValueError(f"invalid cutoff {cutoff!r}; expected HH:MM:SS")
    group_columns = REPORT_GROUP_COLUMNS[by]
    sides = [f"{_time_of_day('e.started_at')} >= '{cutoff}' AS after_{number}"
             for number, cutoff in enumerate(cutoffs)]
    selected = ", ".join(["substr(e.started_at, 1, 10) AS utc_date", *sides, *group_columns])
    grouped = ", ".join(["utc_date", *(f"after_{number}" for number in range(len(cutoffs))), *group_columns])
    join = " JOIN tasks t ON t.id = e.task_id" if "t.title" in group_columns else ""
    # Both instants are on one UTC date here, so the time of day gives the length.
    seconds = ("sum((substr(e.ended_at, 12, 2) - substr(e.started_at, 12, 2)) * 3600"
               " + (substr(e.ended_at, 15, 2) - substr(e.started_at, 15, 2)) * 60"
               " + (substr(e.ended_at, 18, 2) - substr(e.started_at, 18, 2)))")
    return store.query(
        f"SELECT {selected}, {seconds} AS seconds FROM time_entries e{join}"
        f" WHERE {' AND '.join(clauses)} AND {_same_bucket(cutoffs)} GROUP BY {grouped}",
        parameters,
    )


def report_spanning_entries(store: Store | Transaction, *, cutoffs: list[str], starts_before: str,
                            ends_after: str, login: str | None = None,
                            task_id: int | None = None) -> list[dict[str, Any]]:
    """Return the finished entries that report_bucket_totals leaves out, with their task title.

    Recent entries come from the started_at index. Entries that started more than
    a day before the range come from the ended_at index, because only the few that
    still run into the range end after its start.
    """
    earliest = _one_day_before(ends_after)
    rows = []
    for by_start, bound in ((True, "e.started_at >= ?"), (False, "+e.started_at < ?")):
        clauses, parameters = _report_filters(login, task_id, starts_before, ends_after, by_start=by_start)
        rows += store.query(
            f"SELECT {ENTRY_COLUMNS}, t.title AS task_title FROM time_entries e JOIN tasks t ON t.id = e.task_id"
            f" WHERE {' AND '.join(clauses)} AND {bound} AND NOT ({_same_bucket(cutoffs)})",
            [*parameters, earliest],
        )
    rows.sort(key=lambda row: (row["started_at"], row["id"]))
    return rows


def import_keys_present(transaction: Transaction, login: str, import_id: int, keys: list[str]) -> set[str]:
    """Return which of keys the user already has from a finished import or from import_id."""
    if not keys:
        return set()

    placeholders = ", ".join("?" for _ in keys)
    rows = transaction.query(
        "SELECT e.import_key FROM time_entries e JOIN time_imports i ON i.id = e.import_id"
        f" WHERE e.login = ? AND e.import_key IN ({placeholders}) AND (i.status = 'done' OR i.id = ?)"
        " UNION SELECT r.import_key FROM running_timers r"
        f" WHERE r.login = ? AND r.import_key IN ({placeholders})",
        (login, *keys, import_id, login, *keys),
    )
    return {row["import_key"] for row in rows}


# -- running timers --------------------------------------------------------


def get_timer(store: Store | Transaction, login: str) -> dict[str, Any] | None:
    return store.query_one(
        "SELECT r.login, r.task_id, r.step, r.started_at, r.comment, r.import_id, r.import_key,"
        " t.title AS task_title FROM running_timers r JOIN tasks t ON t.id = r.task_id WHERE r.login = ?",
        (login,),
    )


def list_timers(store: Store) -> list[dict[str, Any]]:
    return store.query(
        "SELECT r.login, r.task_id, r.step, r.started_at, r.comment, t.title AS task_title"
        " FROM running_timers r JOIN tasks t ON t.id = r.task_id ORDER BY r.login"
    )


def insert_timer(transaction: Transaction, *, login: str, task_id: int, started_at: str, step: int | None = None,
                 comment: str = "", import_id: int | None = None, import_key: str | None = None) -> None:
    transaction.execute(
        "INSERT INTO running_timers (login, task_id, step, started_at, comment, import_id, import_key)"
        " VALUES (?, ?, ?, ?, ?, ?, ?)",
        (login, task_id, step, started_at, comment, import_id, import_key),
    )


def delete_timer(transaction: Transaction, login: str) -> bool:
    return transaction.execute("DELETE FROM running_timers WHERE login = ?", (login,)).rowcount == 1


# -- import runs -----------------------------------------------------------


def insert_import(transaction: Transaction, *, kind: str, file_name: str, file_sha256: str,
                  settings: str = "{}") -> int:
    cursor = transaction.execute(
        "INSERT INTO time_imports (kind, file_name, file_sha256, started_by, started_at, settings)"
        " VALUES (?, ?, ?, ?, ?, ?)",
        (kind, file_name, file_sha256, transaction.actor, now_iso(), settings),
    )
    return cursor.lastrowid


def finish_import(transaction: Transaction, import_id: int, status: str, summary: str) -> None:
    transaction.execute(
        "UPDATE time_imports SET status = ?, finished_at = ?, summary = ? WHERE id = ?",
        (status, now_iso(), summary, import_id),
    )


def get_import(store: Store | Transaction, import_id: int) -> dict[str, Any] | None:
    return store.query_one("SELECT * FROM time_imports WHERE id = ?", (import_id,))


def find_imported_task(transaction: Transaction, source: str, key: str, import_id: int) -> int | None:
    """Return the task an earlier finished import (or import_id) made for key."""
    row = transaction.query_one(
        "SELECT l.task_id FROM imported_tasks l JOIN time_imports i ON i.id = l.import_id"
        " JOIN tasks t ON t.id = l.task_id"
        " WHERE l.source = ? AND l.key = ? AND (i.status = 'done' OR i.id = ?)"
        " ORDER BY l.import_id LIMIT 1",
        (source, key, import_id),
    )
    return row["task_id"] if row else None


def link_imported_task(transaction: Transaction, source: str, key: str, task_id: int, import_id: int) -> None:
    transaction.execute(
        "INSERT INTO imported_tasks (source, key, task_id, import_id) VALUES (?, ?, ?, ?)",
        (source, key, task_id, import_id),
    )


def imported_task_ids(transaction: Transaction, import_id: int) -> list[int]:
    rows = transaction.query("SELECT task_id FROM imported_tasks WHERE import_id = ? ORDER BY task_id", (import_id,))
    return [row["task_id"] for row in rows]


def task_ids_with_title(transaction: Transaction, title: str) -> list[int]:
    rows = transaction.query("SELECT id FROM tasks WHERE title = ? AND deleted_at IS NULL ORDER BY id", (title,))
    return [row["id"] for row in rows]


def task_exists(transaction: Transaction, task_id: int) -> bool:
    row = transaction.query_one("SELECT 1 AS found FROM tasks WHERE id = ? AND deleted_at IS NULL", (task_id,))
    return row is not None


def insert_comment(transaction: Transaction, *, task_id: int, author: str, body: str, created_at: str) -> int:
    """Insert an imported annotation as a task comment, keeping its original time."""
    cursor = transaction.execute(
        "INSERT INTO comments (task_id, kind, author, body, created_at) VALUES (?, 'comment', ?, ?, ?)",
        (task_id, author, body, created_at),
    )
    return cursor.lastrowid


def publish_import_tasks(transaction: Transaction, import_id: int) -> int:
    """Make the tasks an import created visible; they stay hidden until the import succeeds."""
    cursor = transaction.execute(
        "UPDATE tasks SET deleted_at = NULL, deleted_by = NULL WHERE id IN"
        " (SELECT task_id FROM imported_tasks WHERE import_id = ?)",
        (import_id,),
    )
    return cursor.rowcount


def delete_import_rows(transaction: Transaction, import_id: int) -> None:
    """Delete everything a failed import wrote: entries, comments, links and the tasks it created."""
    created = "SELECT task_id FROM imported_tasks WHERE import_id = ?"
    transaction.execute("DELETE FROM time_entries WHERE import_id = ?", (import_id,))
    transaction.execute("DELETE FROM running_timers WHERE import_id = ?", (import_id,))
    transaction.execute(f"DELETE FROM time_entries WHERE task_id IN ({created})", (import_id,))
    transaction.execute(f"DELETE FROM comments WHERE task_id IN ({created})", (import_id,))
    transaction.execute(f"DELETE FROM assignments WHERE task_id IN ({created})", (import_id,))
    task_ids = imported_task_ids(transaction, import_id)
    transaction.execute("DELETE FROM imported_tasks WHERE import_id = ?", (import_id,))
    for task_id in task_ids:
        transaction.execute("DELETE FROM tasks WHERE id = ?", (task_id,))
