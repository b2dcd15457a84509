"""SQL for notifications, the e-mail outbox, notification preferences and the event cursor."""

import sqlite3
from typing import Any

from opstui.store.database import Store, Transaction

NOTIFICATION_COLUMNS = (
    "n.id, n.login, n.kind, n.task_id, n.event_id, n.actor, n.title, n.detail, n.created_at, n.read_at"
)

CURSOR_NAME = "events"


# -- event cursor ------------------------------------------------------------


def get_cursor(transaction: Transaction) -> int:
    row = transaction.query_one(
        "SELECT last_event_id FROM notification_cursor WHERE name = ?", (CURSOR_NAME,)
    )
    return row["last_event_id"] if row else 0


def set_cursor(transaction: Transaction, last_event_id: int) -> None:
    transaction.execute(
        "INSERT INTO notification_cursor (name, last_event_id) VALUES (?, ?)"
        " ON CONFLICT (name) DO UPDATE SET last_event_id = excluded.last_event_id",
        (CURSOR_NAME, last_event_id),
    )


# -- notifications -----------------------------------------------------------


def insert_notification(
    transaction: Transaction,
    *,
    login: str,
    kind: str,
    task_id: int | None,
    event_id: int,
    actor: str,
    title: str,
    detail: str,
    created_at: str,
) -> int | None:
    """Insert a notification; return its id, or None when that event already notified the user."""
    cursor = transaction.execute(
        "INSERT OR IGNORE INTO notifications"
        " (login, kind, task_id, event_id, actor, title, detail, created_at)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        (login, kind, task_id, event_id, actor, title, detail, created_at),
    )
    return cursor.lastrowid if cursor.rowcount == 1 else None


def list_notifications(
    store: Store, login: str, *, unread_only: bool = False, limit: int = 200
) -> list[dict[str, Any]]:
    """Return a user's notifications, newest first, with the actor's display name."""
    where = "n.login = ?" + (" AND n.read_at IS NULL" if unread_only else "")
    return store.query(
        f"SELECT {NOTIFICATION_COLUMNS}, coalesce(u.display_name, n.actor) AS actor_name,"
        " t.kind AS task_kind, t.stage AS task_stage, t.deleted_at AS task_deleted_at"
        " FROM notifications n"
        " LEFT JOIN users u ON u.login = n.actor"
        " LEFT JOIN tasks t ON t.id = n.task_id"
        f" WHERE {where} ORDER BY n.id DESC LIMIT ?",
        (login, limit),
    )


def unread_count(store: Store, login: str) -> int:
    return store.scalar(
        "SELECT count(*) FROM notifications WHERE login = ? AND read_at IS NULL", (login,)
    )


def newest_notification_id(store: Store, login: str) -> int:
    return store.scalar("SELECT coalesce(max(id), 0) FROM notifications WHERE login = ?", (login,))


def mark_read(
    transaction: Transaction, login: str, notification_ids: list[int] | None, read_at: str
) -> int:
    """Mark the given notifications of ``login`` read (all unread ones when ids is None)."""
    if notification_ids is None:
        cursor = transaction.execute(
            "UPDATE notifications SET read_at = ? WHERE login = ? AND read_at IS NULL",
            (read_at, login),
        )
        return cursor.rowcount

    changed = 0
    for notification_id in notification_ids:
        cursor = transaction.execute(
            "UPDATE notifications SET read_at = ? WHERE id = ? AND login = ? AND read_at IS NULL",
            (read_at, notification_id, login),
        )
        changed += cursor.rowcount
    return changed


# -- preferences -------------------------------------------------------------


def get_prefs(store: Store | Transaction, login: str) -> dict[str, Any]:
    """Return a user's preferences; a user who never set them gets e-mail on, digest off."""
    row = store.query_one(
        "SELECT login, email_enabled, digest, updated_at FROM notification_prefs WHERE login = ?",
        (login,),
    )
    if row is None:
        return {"login": login, "email_enabled": 1, "digest": 0, "updated_at": None}
    return row


def set_prefs(
    transaction: Transaction, login: str, *, email_enabled: bool, digest: bool, updated_at: str
) -> None:
    transaction.execute(
        "INSERT INTO notification_prefs (login, email_enabled, digest, updated_at) VALUES (?, ?, ?, ?)"
        " ON CONFLICT (login) DO UPDATE SET email_enabled = excluded.email_enabled,"
        " digest = excluded.digest, updated_at = excluded.updated_at",
        (login, int(email_enabled), int(digest), updated_at),
    )


# -- outbox ------------------------------------------------------------------


def insert_outbox(
    transaction: Transaction,
    *,
    notification_id: int,
    login: str,
    recipient: str,
    digest: bool,
    next_attempt_at: str,
    created_at: str,
) -> int:
    cursor = transaction.execute(
        "INSERT INTO mail_outbox"
        " (notification_id, login, recipient, digest, next_attempt_at, created_at)"
        " VALUES (?, ?, ?, ?, ?, ?)",
        (notification_id, login, recipient, int(digest), next_attempt_at, created_at),
    )
    return cursor.lastrowid


def pending_digest_time(transaction: Transaction, login: str) -> str | None:
    """Return when the user's pending digest goes out, so new entries join the same mail."""
    row = transaction.query_one(
        "SELECT min(next_attempt_at) AS at FROM mail_outbox"
        " WHERE login = ? AND digest = 1 AND state = 'pending'",
        (login,),
    )
    return row["at"] if row else None


def claim_due(
    transaction: Transaction, *, now: str, lease_expired_before: str, claimer: str, limit: int
) -> list[dict[str, Any]]:
    """Move due rows to 'sending' for ``claimer`` and return them with their notifications.

    Must run inside the caller's BEGIN IMMEDIATE transaction: that lock is what keeps a
    second process from claiming the same rows. When one digest row of a user is due,
    all of that user's waiting digest rows are claimed with it, so they share one mail.
    """
    claimable = (
        "(o.state = 'pending' OR (o.state = 'sending' AND o.claimed_at < :lease))"
    )
    due = transaction.query(
        f"SELECT o.id, o.login, o.digest FROM mail_outbox o"
        f" WHERE {claimable} AND o.next_attempt_at <= :now ORDER BY o.id LIMIT :limit",
        {"now": now, "lease": lease_expired_before, "limit": limit},
    )
    ids = [row["id"] for row in due]
    digest_logins = sorted({row["login"] for row in due if row["digest"]})
    for login in digest_logins:
        companions = transaction.query(
            f"SELECT o.id FROM mail_outbox o WHERE {claimable} AND o.digest = 1 AND o.login = :login",
            {"lease": lease_expired_before, "login": login},
        )
        ids.extend(row["id"] for row in companions if row["id"] not in ids)
    if not ids:
        return []

    for outbox_id in ids:
        transaction.execute(
            "UPDATE mail_outbox SET state = 'sending', claimed_by = ?, claimed_at = ?,"
            " attempts = attempts + 1 WHERE id = ?",
            (claimer, now, outbox_id),
        )

    placeholders = ", ".join("?" for _ in ids)
    return transaction.query(
        "SELECT o.id, o.notification_id, o.login, o.recipient, o.digest, o.attempts, o.created_at,"
        f" {NOTIFICATION_COLUMNS}, coalesce(actor.display_name, n.actor) AS actor_name,"
        " coalesce(target.display_name, o.login) AS recipient_name"
        " FROM mail_outbox o JOIN notifications n ON n.id = o.notification_id"
        " LEFT JOIN users actor ON actor.login = n.actor"
        " LEFT JOIN users target ON target.login = o.login"
        f" WHERE o.id IN ({placeholders}) ORDER BY o.id",
        tuple(ids),
    )


def mark_sent(transaction: Transaction, outbox_ids: list[int], sent_at: str) -> None:
    for outbox_id in outbox_ids:
        transaction.execute(
            "UPDATE mail_outbox SET state = 'sent', sent_at = ?, last_error = '' WHERE id = ?",
            (sent_at, outbox_id),
        )


def mark_retry(
    transaction: Transaction, outbox_ids: list[int], next_attempt_at: str, error: str
) -> None:
    for outbox_id in outbox_ids:
        transaction.execute(
            "UPDATE mail_outbox SET state = 'pending', next_attempt_at = ?, last_error = ?,"
            " claimed_by = NULL, claimed_at = NULL WHERE id = ?",
            (next_attempt_at, error, outbox_id),
        )


def mark_failed(transaction: Transaction, outbox_ids: list[int], error: str) -> None:
    for outbox_id in outbox_ids:
        transaction.execute(
            "UPDATE mail_outbox SET state = 'failed', last_error = ?,"
            " claimed_by = NULL, claimed_at = NULL WHERE id = ?",
            (error, outbox_id),
        )


def list_outbox(
    store: Store, *, states: tuple[str, ...] = ("pending", "sending", "failed"), limit: int = 200
) -> list[dict[str, Any]]:
    """Return outbox rows in the given states, newest first, with their task and kind."""
    placeholders = ", ".join("?" for _ in states)
    return store.query(
        "SELECT o.id, o.login, o.recipient, o.digest, o.state, o.attempts, o.next_attempt_at,"
        " o.last_error, o.created_at, o.sent_at, n.kind, n.task_id, n.title"
        " FROM mail_outbox o JOIN notifications n ON n.id = o.notification_id"
        f" WHERE o.state IN ({placeholders}) ORDER BY o.id DESC LIMIT ?",
        (*states, limit),
    )


# -- people and tasks, as notifications need them ----------------------------


def active_managers(transaction: Transaction) -> list[str]:
    rows = transaction.query(
        "SELECT login FROM users WHERE role = 'manager' AND active = 1 ORDER BY login"
    )
    return [row["login"] for row in rows]


def user_contact(store: Store | Transaction, login: str) -> dict[str, Any] | None:
    return store.query_one(
        "SELECT login, display_name, email, active FROM users WHERE login = ?", (login,)
    )


def task_assignees(store: Store | Transaction, task_id: int) -> list[str]:
    rows = store.query(
        "SELECT login FROM assignments WHERE task_id = ? ORDER BY login", (task_id,)
    )
    return [row["login"] for row in rows]


def task_for_mail(store: Store | Transaction, task_id: int) -> dict[str, Any] | None:
    """Return the task fields an e-mail shows, with its parent's title and assignee names."""
    task = store.query_one(
        "SELECT t.id, t.kind, t.title, t.stage, t.status, t.priority, t.due_on, t.parent_id,"
        " p.title AS parent_title FROM tasks t LEFT JOIN tasks p ON p.id = t.parent_id"
        " WHERE t.id = ?",
        (task_id,),
    )
    if task is None:
        return None
    names = store.query(
        "SELECT coalesce(u.display_name, a.login) AS name FROM assignments a"
        " LEFT JOIN users u ON u.login = a.login WHERE a.task_id = ? ORDER BY name",
        (task_id,),
    )
    task["assignee_names"] = [row["name"] for row in names]
    return task


def note_revision_body(store: Store | Transaction, note_id: int, version: int) -> str | None:
    """Return the text of one note revision, or None when it (or the notes table) is missing."""
    try:
        row = store.query_one(
            "SELECT body FROM note_revisions WHERE note_id = ? AND version = ?", (note_id, version)
        )
    except sqlite3.OperationalError:
        return None
    return row["body"] if row else None


def comment_body(store: Store | Transaction, comment_id: int) -> dict[str, Any] | None:
    return store.query_one(
        "SELECT id, task_id, author, body FROM comments WHERE id = ?", (comment_id,)
    )
