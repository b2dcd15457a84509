"""SQL for notes, their revisions, tags, attachments, drafts and presence.

Drafts and presence rows are written in their own short transactions without
events (see write_draft and touch_presence), so autosave and heartbeats never
wake other users' screens.
"""

from __future__ import annotations

from typing import Any, Iterable

from opstui.store.clock import now_iso
from opstui.store.database import Store, Transaction

NOTE_COLUMNS = (
    "n.id, n.task_id, n.title, n.body, n.state, n.outcome, n.instruction_id, n.outcome_reason,"
    " n.outcome_by, n.outcome_at, n.retired_by, n.retired_at, n.retire_reason, n.import_id,"
    " n.source_created_at, n.source_updated_at, n.created_by, n.created_at, n.updated_by,"
    " n.updated_at, n.version"
)
SUMMARY_COLUMNS = (
    "n.id, n.task_id, n.title, n.state, n.outcome, n.instruction_id, n.outcome_reason,"
    " n.retired_at, n.retired_by, n.retire_reason, n.created_by, n.created_at, n.updated_by,"
    " n.updated_at, n.version, length(n.body) AS length,"
    " (SELECT group_concat(tag, ' ') FROM note_tags WHERE note_id = n.id) AS tag_text"
)
# An editor refreshes its presence row every few seconds; older rows are editors
# that ended without removing theirs (killed with SIGKILL, host crash).
PRESENCE_STALE_SECONDS = 60


# -- notes ------------------------------------------------------------------

def insert_note(transaction: Transaction, *, task_id: int, title: str, body: str, state: str = "active",
                import_id: str | None = None, source_created_at: str | None = None,
                source_updated_at: str | None = None, revision_kind: str = "create") -> int:
    """Insert a note at version 1 together with its first revision.

    Imported notes pass their original dates: created_at and updated_at take them
    so lists sort the way the old notebook did, and source_* keeps them unchanged.
    """
    now = now_iso()
    created_at = source_created_at or now
    updated_at = source_updated_at or created_at
    cursor = transaction.execute(
        "INSERT INTO notes (task_id, title, body, state, import_id, source_created_at, source_updated_at,"
        " created_by, created_at, updated_by, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (task_id, title, body, state, import_id, source_created_at, source_updated_at,
         transaction.actor, created_at, transaction.actor, updated_at),
    )
    note_id = cursor.lastrowid
    insert_revision(transaction, note_id, version=1, title=title, body=body, kind=revision_kind, saved_at=now)
    return note_id


def set_first_body(transaction: Transaction, note_id: int, body: str) -> None:
    """Fill in the body of a note still at version 1 (an import links attachments first)."""
    transaction.execute("UPDATE notes SET body = ? WHERE id = ? AND version = 1", (body, note_id))
    transaction.execute("UPDATE note_revisions SET body = ? WHERE note_id = ? AND version = 1", (body, note_id))


def get_note(store: Store | Transaction, note_id: int) -> dict[str, Any] | None:
    return store.query_one(f"SELECT {NOTE_COLUMNS} FROM notes n WHERE n.id = ?", (note_id,))


def list_notes(store: Store | Transaction, task_id: int, states: Iterable[str] = ("active",)) -> list[dict[str, Any]]:
    """Return note summaries (no body) of one task, oldest first."""
    states = tuple(states)
    marks = ", ".join("?" for _ in states)
    return store.query(
        f"SELECT {SUMMARY_COLUMNS} FROM notes n WHERE n.task_id = ? AND n.state IN ({marks}) ORDER BY n.id",
        (task_id, *states),
    )


def list_notes_in_states(store: Store | Transaction, states: Iterable[str], task_id: int | None = None,
                         limit: int = 1000) -> list[dict[str, Any]]:
    """Return note summaries across tasks (the archive view), newest change first."""
    states = tuple(states)
    marks = ", ".join("?" for _ in states)
    sql = (f"SELECT {SUMMARY_COLUMNS}, t.title AS task_title FROM notes n JOIN tasks t ON t.id = n.task_id"
           f" WHERE n.state IN ({marks})")
    parameters: list[Any] = list(states)
    if task_id is not None:
        sql += " AND n.task_id = ?"
        parameters.append(task_id)
    sql += " ORDER BY n.updated_at DESC, n.id DESC LIMIT ?"
    parameters.append(limit)
    return store.query(sql, parameters)


def update_note_text(transaction: Transaction, note_id: int, expected_version: int, *, title: str,
                     body: str) -> bool:
    """Write new text if the note is still at expected_version; return False if someone saved first."""
    cursor = transaction.execute(
        "UPDATE notes SET title = ?, body = ?, updated_by = ?, updated_at = ?, version = version + 1"
        " WHERE id = ? AND version = ? AND state IN ('active', 'retired')",
        (title, body, transaction.actor, now_iso(), note_id, expected_version),
    )
    return cursor.rowcount == 1


def set_state(transaction: Transaction, note_id: int, state: str, *, reason: str = "") -> bool:
    """Retire or reactivate a note; bumps the version so open editors notice."""
    if state == "retired":
        sql = ("UPDATE notes SET state = 'retired', retired_by = ?, retired_at = ?, retire_reason = ?,"
               " version = version + 1 WHERE id = ? AND state = 'active'")
        parameters: tuple = (transaction.actor, now_iso(), reason, note_id)
    elif state == "active":
        sql = ("UPDATE notes SET state = 'active', retired_by = NULL, retired_at = NULL, retire_reason = '',"
               " version = version + 1 WHERE id = ? AND state = 'retired'")
        parameters = (note_id,)
    else:
        raise ValueError(f"unknown note state change to {state!r}")
    return transaction.execute(sql, parameters).rowcount == 1


def set_outcome(transaction: Transaction, note_id: int, *, outcome: str, instruction_id: int | None,
                reason: str) -> bool:
    cursor = transaction.execute(
        "UPDATE notes SET outcome = ?, instruction_id = ?, outcome_reason = ?, outcome_by = ?, outcome_at = ?,"
        " version = version + 1 WHERE id = ? AND state IN ('active', 'retired')",
        (outcome, instruction_id, reason, transaction.actor if outcome else None,
         now_iso() if outcome else None, note_id),
    )
    return cursor.rowcount == 1


def purge_note(transaction: Transaction, note_id: int) -> None:
    """Destroy a note's text, revisions, attachments and drafts, keeping a tombstone row.

    The tombstone keeps the id and title so the audit trail still names what was purged.
    """
    for table in ("note_revisions", "note_attachments", "note_drafts", "note_presence", "note_tags"):
        transaction.execute(f"DELETE FROM {table} WHERE note_id = ?", (note_id,))
    transaction.execute(
        "UPDATE notes SET state = 'purged', body = '', updated_by = ?, updated_at = ?, version = version + 1"
        " WHERE id = ?",
        (transaction.actor, now_iso(), note_id),
    )


def note_sizes(store: Store | Transaction, note_id: int) -> dict[str, int]:
    """Return what a purge of the note would destroy: revisions, attachments and their bytes."""
    row = store.query_one(
        "SELECT (SELECT count(*) FROM note_revisions WHERE note_id = :id) AS revisions,"
        " (SELECT count(*) FROM note_attachments WHERE note_id = :id) AS attachments,"
        " (SELECT coalesce(sum(size), 0) FROM note_attachments WHERE note_id = :id) AS attachment_bytes,"
        " (SELECT count(*) FROM note_drafts WHERE note_id = :id) AS drafts",
        {"id": note_id},
    )
    return dict(row or {})


def outcome_counts(store: Store | Transaction, task_id: int) -> dict[str, int]:
    """Count a task's notes that are not purged by outcome ('' means undecided)."""
    rows = store.query(
        "SELECT outcome, count(*) AS count FROM notes WHERE task_id = ? AND state IN ('active', 'retired')"
        " GROUP BY outcome",
        (task_id,),
    )
    return {row["outcome"]: row["count"] for row in rows}


# -- tags -------------------------------------------------------------------

def note_tags(store: Store | Transaction, note_id: int) -> list[str]:
    rows = store.query("SELECT tag FROM note_tags WHERE note_id = ? ORDER BY tag", (note_id,))
    return [row["tag"] for row in rows]


def replace_tags(transaction: Transaction, note_id: int, tags: Iterable[str]) -> None:
    requested = set(tags)
    current = set(note_tags(transaction, note_id))
    for tag in current - requested:
        transaction.execute("DELETE FROM note_tags WHERE note_id = ? AND tag = ?", (note_id, tag))
    for tag in sorted(requested - current):
        transaction.execute("INSERT INTO note_tags (note_id, tag) VALUES (?, ?)", (note_id, tag))


# -- revisions --------------------------------------------------------------

def insert_revision(transaction: Transaction, note_id: int, *, version: int, title: str, body: str,
                    kind: str = "save", restored_from: int | None = None, saved_at: str | None = None) -> int:
    cursor = transaction.execute(
        "INSERT INTO note_revisions (note_id, version, title, body, kind, restored_from, author, saved_at)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        (note_id, version, title, body, kind, restored_from, transaction.actor, saved_at or now_iso()),
    )
    return cursor.lastrowid


def list_revisions(store: Store | Transaction, note_id: int) -> list[dict[str, Any]]:
    """Return a note's revisions, newest first, without their text."""
    return store.query(
        "SELECT r.id, r.note_id, r.version, r.title, r.kind, r.restored_from, r.author, r.saved_at,"
        " length(r.body) AS length, coalesce(u.display_name, r.author) AS author_name"
        " FROM note_revisions r LEFT JOIN users u ON u.login = r.author"
        " WHERE r.note_id = ? ORDER BY r.version DESC",
        (note_id,),
    )


def get_revision(store: Store | Transaction, note_id: int, version: int) -> dict[str, Any] | None:
    return store.query_one(
        "SELECT id, note_id, version, title, body, kind, restored_from, author, saved_at"
        " FROM note_revisions WHERE note_id = ? AND version = ?",
        (note_id, version),
    )


# -- attachments ------------------------------------------------------------

def insert_attachment(transaction: Transaction, note_id: int, *, file_name: str, mime: str, data: bytes,
                      md5: str) -> int:
    cursor = transaction.execute(
        "INSERT INTO note_attachments (note_id, file_name, mime, size, md5, data, created_by, created_at)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        (note_id, file_name, mime, len(data), md5, data, transaction.actor, now_iso()),
    )
    return cursor.lastrowid


def list_attachments(store: Store | Transaction, note_id: int) -> list[dict[str, Any]]:
    return store.query(
        "SELECT id, note_id, file_name, mime, size, md5, created_by, created_at"
        " FROM note_attachments WHERE note_id = ? ORDER BY id",
        (note_id,),
    )


def get_attachment(store: Store | Transaction, attachment_id: int) -> dict[str, Any] | None:
    return store.query_one(
        "SELECT a.id, a.note_id, a.file_name, a.mime, a.size, a.md5, a.data, n.state AS note_state"
        " FROM note_attachments a JOIN notes n ON n.id = a.note_id WHERE a.id = ?",
        (attachment_id,),
    )


# -- imports ----------------------------------------------------------------

def activate_import(transaction: Transaction, import_id: str) -> list[int]:
    """Make every note of a finished import visible; return their ids."""
    rows = transaction.query("SELECT id FROM notes WHERE import_id = ? AND state = 'importing' ORDER BY id",
                             (import_id,))
    transaction.execute("UPDATE notes SET state = 'active' WHERE import_id = ? AND state = 'importing'", (import_id,))
    return [row["id"] for row in rows]


def delete_import(transaction: Transaction, import_id: str) -> int:
    """Remove the notes of a failed import (revisions, tags and attachments cascade)."""
    return transaction.execute("DELETE FROM notes WHERE import_id = ? AND state = 'importing'",
                               (import_id,)).rowcount


# -- drafts (no events) ------------------------------------------------------

def write_draft(store: Store, login: str, note_id: int, *, title: str, body: str, base_version: int) -> None:
    with store.transaction(login) as transaction:
        transaction.execute(
            "INSERT INTO note_drafts (note_id, login, title, body, base_version, saved_at) VALUES (?, ?, ?, ?, ?, ?)"
            " ON CONFLICT (note_id, login) DO UPDATE SET title = excluded.title, body = excluded.body,"
            " base_version = excluded.base_version, saved_at = excluded.saved_at",
            (note_id, login, title, body, base_version, now_iso()),
        )


def get_draft(store: Store | Transaction, login: str, note_id: int) -> dict[str, Any] | None:
    return store.query_one(
        "SELECT note_id, login, title, body, base_version, saved_at FROM note_drafts WHERE note_id = ? AND login = ?",
        (note_id, login),
    )


def delete_draft(store: Store | Transaction, login: str, note_id: int) -> None:
    """Remove a draft; pass the open Transaction to do it as part of a save."""
    if isinstance(store, Transaction):
        store.execute("DELETE FROM note_drafts WHERE note_id = ? AND login = ?", (note_id, login))
        return
    with store.transaction(login) as transaction:
        transaction.execute("DELETE FROM note_drafts WHERE note_id = ? AND login = ?", (note_id, login))


def drafts_of_user(store: Store | Transaction, login: str) -> list[dict[str, Any]]:
    return store.query(
        "SELECT d.note_id, d.title, d.base_version, d.saved_at, n.task_id FROM note_drafts d"
        " JOIN notes n ON n.id = d.note_id WHERE d.login = ? ORDER BY d.saved_at DESC",
        (login,),
    )


# -- presence (no events) ----------------------------------------------------

def touch_presence(store: Store, login: str, note_id: int, session: str) -> None:
    now = now_iso()
    with store.transaction(login) as transaction:
        transaction.execute(
            "INSERT INTO note_presence (note_id, session, login, opened_at, seen_at) VALUES (?, ?, ?, ?, ?)"
            " ON CONFLICT (note_id, session) DO UPDATE SET seen_at = excluded.seen_at",
            (note_id, session, login, now, now),
        )


def remove_presence(store: Store, login: str, note_id: int, session: str) -> None:
    with store.transaction(login) as transaction:
        transaction.execute("DELETE FROM note_presence WHERE note_id = ? AND session = ?", (note_id, session))


def present_users(store: Store | Transaction, note_id: int, since: str) -> list[dict[str, Any]]:
    """Return who has the note open (seen after `since`), one row per login."""
    return store.query(
        "SELECT p.login, coalesce(u.display_name, p.login) AS display_name, min(p.opened_at) AS opened_at,"
        " max(p.seen_at) AS seen_at, count(*) AS sessions"
        " FROM note_presence p LEFT JOIN users u ON u.login = p.login"
        " WHERE p.note_id = ? AND p.seen_at >= ? GROUP BY p.login ORDER BY min(p.opened_at)",
        (note_id, since),
    )


# -- instructions (tables in kb.sql) ------------------------------------------

def official_instruction_ids(store: Store | Transaction, task_id: int) -> list[int]:
    """Return the ids of published instructions that came from or are used by the task."""
    rows = store.query(
        "SELECT DISTINCT i.id FROM instructions i JOIN instruction_tasks l ON l.instruction_id = i.id"
        " WHERE l.task_id = ? AND i.official_revision IS NOT NULL ORDER BY i.id",
        (task_id,),
    )
    return [row["id"] for row in rows]
