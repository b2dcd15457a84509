"""Notifications: the inbox, e-mail preferences, toasts and the outbox sender.

Assignments, unassignments, comments and @mentions reach this module through the
events table, never through direct calls from other services: ``process_events``
turns new events into notifications (see notify_events), and ``send_pending``
mails them (see notify_outbox).
"""

from __future__ import annotations

import logging
from typing import Any

from opstui.errors import PermissionDenied, UserError
from opstui.services.notify_events import MAIL_KINDS, find_mentions, process_events
from opstui.services.notify_outbox import SendReport, send_pending
from opstui.services.session import Session
from opstui.services.users import is_manager
from opstui.store import notify as notify_rows
from opstui.store.clock import now_iso

log = logging.getLogger(__name__)

__all__ = [
    "MAIL_KINDS",
    "SendReport",
    "find_mentions",
    "process_events",
    "send_pending",
    "catch_up",
    "list_notifications",
    "unread_count",
    "mark_read",
    "get_prefs",
    "set_prefs",
    "list_outbox",
    "toast_text",
    "describe",
]

# Kinds of live events that deserve a toast for the user they name.
TOAST_EVENT_KINDS = ("task.assigned", "task.unassigned")


def catch_up(session: Session) -> int:
    """Turn any unprocessed events into notifications; return how many were created."""
    return process_events(session.store, session.login)


def list_notifications(
    session: Session, *, unread_only: bool = False, limit: int = 200
) -> list[dict[str, Any]]:
    """Return the session user's notifications, newest first, each with a ``text`` line."""
    catch_up(session)
    rows = notify_rows.list_notifications(
        session.store, session.login, unread_only=unread_only, limit=limit
    )
    for row in rows:
        row["text"] = describe(row)
    return rows


def unread_count(session: Session) -> int:
    return notify_rows.unread_count(session.store, session.login)


def mark_read(session: Session, notification_ids: list[int] | None = None) -> int:
    """Mark notifications read (all unread ones when no ids are given); return how many changed.

    Reading is personal, so it writes no event and wakes no other screen.
    """
    read_at = now_iso()
    return session.store.write(
        session.login,
        lambda transaction: notify_rows.mark_read(transaction, session.login, notification_ids, read_at),
    )


def get_prefs(session: Session) -> dict[str, bool]:
    prefs = notify_rows.get_prefs(session.store, session.login)
    return {"email": bool(prefs["email_enabled"]), "digest": bool(prefs["digest"])}


def set_prefs(session: Session, *, email: bool | None = None, digest: bool | None = None) -> dict[str, bool]:
    """Change the session user's e-mail and digest preferences; None leaves one as it is."""
    if email is None and digest is None:
        raise UserError("nothing to change; give --email on|off or --digest on|off")

    def write(transaction) -> None:
        current = notify_rows.get_prefs(transaction, session.login)
        notify_rows.set_prefs(
            transaction,
            session.login,
            email_enabled=bool(current["email_enabled"]) if email is None else email,
            digest=bool(current["digest"]) if digest is None else digest,
            updated_at=now_iso(),
        )

    session.store.write(session.login, write)
    log.info("notification preferences of %s set to email=%s digest=%s", session.login, email, digest)
    return get_prefs(session)


def list_outbox(session: Session, *, states: tuple[str, ...] = ("pending", "sending", "failed"),
                limit: int = 200) -> list[dict[str, Any]]:
    """Return outbox rows; only managers may, because they receive the failed-mail notices."""
    if not is_manager(session):
        raise PermissionDenied("only managers can see the e-mail outbox; ask a manager")
    catch_up(session)
    return notify_rows.list_outbox(session.store, states=states, limit=limit)


def toast_text(event: dict[str, Any], login: str, *, manager: bool = False,
               actor_name: str | None = None) -> str | None:
    """Return the toast for ``login`` about a live event, or None when it is not for them.

    Only changes made by someone else produce a toast: assigning yourself is no news.
    Failed e-mail is shown to managers only.
    """
    data = event.get("data") or {}
    if event.get("kind") in TOAST_EVENT_KINDS:
        if event.get("actor") == login:
            return None
        if (data.get("login") or event.get("entity_id")) != login:
            return None
        verb = "assigned you to" if event["kind"] == "task.assigned" else "removed you from"
        actor = actor_name or event["actor"]
        return f"{actor} {verb} #{event.get('task_id')} {data.get('title', '')}".rstrip()

    if event.get("kind") == "mail.failed" and manager:
        return f"E-mail to {data.get('recipient', '?')} failed: {data.get('error', '')}"
    return None


def describe(row: dict[str, Any]) -> str:
    """Return one line that describes a notification, for lists and the CLI."""
    actor = row.get("actor_name") or row["actor"]
    task = f"#{row['task_id']} {row['title']}".strip() if row["task_id"] else row["title"]
    kind = row["kind"]
    if kind == "assigned":
        return f"{actor} assigned you to {task}"
    if kind == "reassigned":
        return f"{actor} reassigned {task} to you (from {row['detail']})"
    if kind == "unassigned":
        return f"{actor} removed you from {task}"
    if kind == "mentioned":
        return f"{actor} mentioned you on {task}"
    if kind == "commented":
        return f"{actor} commented on {task}"
    if kind == "mail_failed":
        return row["detail"] or f"e-mail about {task} failed"
    return f"{kind}: {task}"
