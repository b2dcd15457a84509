"""Per-hour sums of time entry starts and ends, kept by triggers, for fast reports.

For each UTC hour and user, ``time_report_hours`` stores how many counted
entries (finished, not deleted, not from an unfinished import) start and end in
that hour, and the sum of their offsets in seconds from the hour's start. The
time worked before any whole UTC hour t is then

    sum of ends before t - sum of starts before t + t * (entries running at t)

so a report over a year reads a few thousand rows instead of every entry.
Triggers keep the table in step with every write to time_entries and with an
import run's status, inside the writer's own transaction.
"""

import sqlite3
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    # database.py imports the migrations, which import this module.
    from opstui.store.database import Store, Transaction

HOUR = 3600

# Visibility of an entry, as VISIBLE_ENTRY in opstui.store.timelog, for a row
# named NEW or OLD inside a trigger.
_COUNTED = (
    "{row}.ended_at IS NOT NULL AND {row}.deleted_at IS NULL AND ({row}.import_id IS NULL OR EXISTS"
    " (SELECT 1 FROM time_imports i WHERE i.id = {row}.import_id AND i.status = 'done'))"
)

CREATE_TABLE = """
CREATE TABLE time_report_hours (
    hour          INTEGER NOT NULL,            -- Unix time of the UTC hour's start
    login         TEXT NOT NULL,
    starts        INTEGER NOT NULL DEFAULT 0,  -- counted entries starting in the hour
    start_offsets INTEGER NOT NULL DEFAULT 0,  -- sum of their start - hour, in seconds
    ends          INTEGER NOT NULL DEFAULT 0,  -- counted entries ending in the hour
    end_offsets   INTEGER NOT NULL DEFAULT 0,  -- sum of their end - hour, in seconds
    PRIMARY KEY (hour, login)
) WITHOUT ROWID
"""


def _add_statements(source: str, where: str, sign: str, group: bool) -> list[str]:
    """Return SQL that adds (sign "+") or removes (sign "-") the starts and ends of some entries.

    source is a FROM clause whose rows have login, started_at and ended_at, and
    where selects the entries among them.
    """
    statements = []
    for instant, count, offsets in (("started_at", "starts", "start_offsets"), ("ended_at", "ends", "end_offsets")):
        seconds = f"SELECT login, CAST(strftime('%s', {instant}) AS INTEGER) AS s FROM {source} WHERE {where}"
        # The offset is taken modulo 3600 twice so that instants before 1970 fall in the right hour too.
        inner = (f"SELECT login, s - ((s % {HOUR}) + {HOUR}) % {HOUR} AS hour,"
                 f" ((s % {HOUR}) + {HOUR}) % {HOUR} AS offset FROM ({seconds})")
        if group:
            selected = f"SELECT hour, login, {sign}count(*), {sign}sum(offset) FROM ({inner}) WHERE 1 GROUP BY hour, login"
        else:
            selected = f"SELECT hour, login, {sign}1, {sign}offset FROM ({inner}) WHERE 1"
        statements.append(
            f"INSERT INTO time_report_hours (hour, login, {count}, {offsets}) {selected}"
            f" ON CONFLICT (hour, login) DO UPDATE SET {count} = {count} + excluded.{count},"
            f" {offsets} = {offsets} + excluded.{offsets}"
        )
    return statements


def _trigger(name: str, event: str, when: str, statements: list[str]) -> str:
    body = "".join(f"    {statement};\n" for statement in statements)
    return f"CREATE TRIGGER {name} AFTER {event}\nWHEN {when}\nBEGIN\n{body}END"


def _row_source(row: str) -> str:
    return f"(SELECT {row}.login AS login, {row}.started_at AS started_at, {row}.ended_at AS ended_at)"


def trigger_statements() -> list[str]:
    """Return the CREATE TRIGGER statements that keep time_report_hours current."""
    new_counted = _COUNTED.format(row="NEW")
    old_counted = _COUNTED.format(row="OLD")
    entry_columns = "started_at, ended_at, login, deleted_at, import_id"
    import_entries = "import_id = {row}.id AND ended_at IS NOT NULL AND deleted_at IS NULL"
    return [
        _trigger("time_report_hours_insert", "INSERT ON time_entries", new_counted,
                 _add_statements(_row_source("NEW"), "1", "+", group=False)),
        _trigger("time_report_hours_delete", "DELETE ON time_entries", old_counted,
                 _add_statements(_row_source("OLD"), "1", "-", group=False)),
        _trigger("time_report_hours_update_old", f"UPDATE OF {entry_columns} ON time_entries", old_counted,
                 _add_statements(_row_source("OLD"), "1", "-", group=False)),
        _trigger("time_report_hours_update_new", f"UPDATE OF {entry_columns} ON time_entries", new_counted,
                 _add_statements(_row_source("NEW"), "1", "+", group=False)),
        # An import's entries count only while its status is 'done'.
        _trigger("time_report_hours_import_done", "UPDATE OF status ON time_imports",
                 "NEW.status = 'done' AND OLD.status IS NOT 'done'",
                 _add_statements("time_entries", import_entries.format(row="NEW"), "+", group=True)),
        _trigger("time_report_hours_import_undone", "UPDATE OF status ON time_imports",
                 "OLD.status = 'done' AND NEW.status IS NOT 'done'",
                 _add_statements("time_entries", import_entries.format(row="OLD"), "-", group=True)),
    ]


def add_report_hours(connection: sqlite3.Connection) -> None:
    """Migration: create time_report_hours and its triggers, and fill it from the existing entries."""
    connection.execute(CREATE_TABLE)
    counted = (
        "e.ended_at IS NOT NULL AND e.deleted_at IS NULL AND (e.import_id IS NULL OR EXISTS"
        " (SELECT 1 FROM time_imports i WHERE i.id = e.import_id AND i.status = 'done'))"
    )
    for statement in _add_statements("time_entries e", counted, "+", group=True):
        connection.execute(statement)
    for statement in trigger_statements():
        connection.execute(statement)


def report_hour_sums(store: "Store | Transaction", *, since: int, until: int,
                     login: str | None = None) -> list[dict[str, Any]]:
    """Return the sums of each hour in [since, until) (Unix times) over every user or over login, oldest first.

    Each row has hour, login (always None), starts, start_offsets, ends and end_offsets.
    """
    clauses = ["hour >= ?", "hour < ?"]
    parameters: list[Any] = [since, until]
    if login:
        clauses.append("login = ?")
        parameters.append(login)
    return store.query(
        "SELECT hour, NULL AS login, sum(starts) AS starts, sum(start_offsets) AS start_offsets,"
        " sum(ends) AS ends, sum(end_offsets) AS end_offsets FROM time_report_hours"
        f" WHERE {' AND '.join(clauses)} GROUP BY hour ORDER BY hour",
        parameters,
    )


def report_running_at(store: "Store | Transaction", *, instant: int, login: str | None = None,
                      by_login: bool = False) -> dict[str | None, int]:
    """Return how many counted entries run at instant (start < instant <= end), per login or under None.

    instant must be a whole UTC hour (a Unix time divisible by 3600).
    """
    if instant % HOUR:
        raise ValueError(f"invalid instant {instant}: it must be a whole UTC hour")
    login_column = "login" if by_login else "NULL AS login"
    clauses = ["hour < ?"]
    parameters: list[Any] = [instant]
    if login:
        clauses.append("login = ?")
        parameters.append(login)
    grouped = " GROUP BY login" if by_login else ""
    rows = store.query(
        f"SELECT {login_column}, sum(starts) - sum(ends) AS running FROM time_report_hours"
        f" WHERE {' AND '.join(clauses)}{grouped}",
        parameters,
    )
    return {row["login"]: row["running"] or 0 for row in rows}


def report_login_sums(store: "Store | Transaction", *, since: int, until: int,
                      login: str | None = None) -> list[dict[str, Any]]:
    """Return per login the starts and ends in [since, until) (Unix times) and the sums of their instants.

    Each row has login, starts, start_sum, ends and end_sum, where the sums are
    of Unix times, so a user report needs one row per user.
    """
    clauses = ["hour >= ?", "hour < ?"]
    parameters: list[Any] = [since, until]
    if login:
        clauses.append("login = ?")
        parameters.append(login)
    return store.query(
        "SELECT login, sum(starts) AS starts, sum(hour * starts + start_offsets) AS start_sum,"
        " sum(ends) AS ends, sum(hour * ends + end_offsets) AS end_sum FROM time_report_hours"
        f" WHERE {' AND '.join(clauses)} GROUP BY login ORDER BY login",
        parameters,
    )
