"""Turn events from the events table into notifications and queued e-mail.

Any process may run ``process_events``: it reads the events after a shared cursor
and advances that cursor in the same BEGIN IMMEDIATE transaction, so each event is
turned into notifications exactly once whichever process gets there first.
"""

from __future__ import annotations

import logging
import re
from datetime import datetime, timedelta
from typing import Any

from opstui.store import Store, Transaction
from opstui.store import events as event_rows
from opstui.store import notify as notify_rows
from opstui.store.clock import from_iso, to_iso, utc_now

log = logging.getLogger(__name__)

# Notification kinds that may become an e-mail. "mail_failed" stays in the app,
# because it reports that e-mail is not getting through.
MAIL_KINDS = ("assigned", "reassigned", "unassigned", "mentioned", "commented")

# A digest collects a user's notifications for this long, then goes out as one mail.
DIGEST_INTERVAL = timedelta(minutes=60)

# An unassignment and an assignment of the same task by the same person this close
# together are one reassignment, as set_assignees writes them in one transaction.
REASSIGNMENT_WINDOW = timedelta(seconds=2)

# A new comment (the comment id is the event's entity_id). Work summaries
# ("summary.set") are comments too but notify no one.
COMMENT_EVENT_KINDS = ("comment.added",)

# A saved note revision; only @mentions added by that revision notify anyone.
NOTE_EVENT_KINDS = ("note.created", "note.saved")

# Longest comment or note text kept in a notification's detail.
MAX_DETAIL_CHARS = 1000

# "@login" where login is a Unix login name; an e-mail address does not match
# because "@" must not follow a word character.
MENTION_PATTERN = re.compile(r"(?<![\w.@])@([a-z_][a-z0-9_.-]*[a-z0-9_]|[a-z_])", re.IGNORECASE)

BATCH_SIZE = 500


def find_mentions(text: str) -> list[str]:
    """Return the logins mentioned as ``@login`` in ``text``, in order, without repeats."""
    return list(dict.fromkeys(match.group(1) for match in MENTION_PATTERN.finditer(text)))


def events_pending(store: Store) -> bool:
    """Return True when events exist past the notification cursor (a cheap read, no lock)."""
    cursor = store.scalar(
        "SELECT last_event_id FROM notification_cursor WHERE name = ?", (notify_rows.CURSOR_NAME,)
    )
    return (cursor or 0) < event_rows.last_event_id(store)


def process_events(store: Store, actor: str, *, now: datetime | None = None) -> int:
    """Create notifications for every event past the cursor; return how many were created."""
    if not events_pending(store):
        return 0

    created = 0
    while True:
        batch_created, more = store.write(actor, lambda tx: _process_batch(tx, now or utc_now()))
        created += batch_created
        if not more:
            return created


def _process_batch(transaction: Transaction, now: datetime) -> tuple[int, bool]:
    after = notify_rows.get_cursor(transaction)
    events = event_rows.events_after(transaction, after, BATCH_SIZE)
    if not events:
        return 0, False

    created = 0
    for index, event in enumerate(events):
        for notice in _notices_for_event(transaction, event, events[:index]):
            if queue_notification(transaction, event=event, now=now, **notice):
                created += 1

    notify_rows.set_cursor(transaction, events[-1]["id"])
    if created:
        log.info("created %d notifications from events %d to %d", created, events[0]["id"], events[-1]["id"])
    return created, len(events) == BATCH_SIZE


def _notices_for_event(
    transaction: Transaction, event: dict[str, Any], earlier: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    """Return who should hear about ``event``: dicts of login, kind, title and detail."""
    data = event["data"]
    actor = event["actor"]

    if event["kind"] == "task.assigned":
        login = data.get("login") or event["entity_id"]
        if login == actor:
            return []
        previous = _reassigned_from(event, earlier)
        if previous:
            return [dict(login=login, kind="reassigned", title=data.get("title", ""), detail=previous)]
        return [dict(login=login, kind="assigned", title=data.get("title", ""), detail="")]

    if event["kind"] == "task.unassigned":
        login = data.get("login") or event["entity_id"]
        if login == actor:
            return []
        return [dict(login=login, kind="unassigned", title=data.get("title", ""), detail="")]

    if event["kind"] in COMMENT_EVENT_KINDS:
        return _comment_notices(transaction, event)

    if event["kind"] in NOTE_EVENT_KINDS:
        return _note_notices(transaction, event)

    # Any other event that names mentioned users in its data (notes, for example).
    mentioned = data.get("mentions")
    if isinstance(mentioned, list) and event["task_id"] is not None:
        title = _task_title(transaction, event["task_id"], data)
        return [
            dict(login=login, kind="mentioned", title=title, detail=str(data.get("excerpt", "")))
            for login in mentioned
            if isinstance(login, str) and login != actor
        ]
    return []


def _reassigned_from(event: dict[str, Any], earlier: list[dict[str, Any]]) -> str | None:
    """Return the login unassigned from the same task by the same person just before, if any."""
    moment = from_iso(event["at"])
    for candidate in reversed(earlier):
        if from_iso(candidate["at"]) < moment - REASSIGNMENT_WINDOW:
            break
        if (
            candidate["kind"] == "task.unassigned"
            and candidate["task_id"] == event["task_id"]
            and candidate["actor"] == event["actor"]
        ):
            return candidate["data"].get("login") or candidate["entity_id"]
    return None


def _comment_notices(transaction: Transaction, event: dict[str, Any]) -> list[dict[str, Any]]:
    task_id = event["task_id"]
    actor = event["actor"]
    data = event["data"]

    body = data.get("body")
    if not isinstance(body, str):
        comment = None
        if str(event["entity_id"]).isdigit():
            comment = notify_rows.comment_body(transaction, int(event["entity_id"]))
        body = comment["body"] if comment else ""

    title = _task_title(transaction, task_id, data)
    detail = body[:MAX_DETAIL_CHARS]
    notices = []
    mentioned = [login for login in find_mentions(body) if login != actor]
    for login in mentioned:
        if notify_rows.user_contact(transaction, login) is not None:
            notices.append(dict(login=login, kind="mentioned", title=title, detail=detail))
    if task_id is not None:
        for login in notify_rows.task_assignees(transaction, task_id):
            if login != actor and login not in mentioned:
                notices.append(dict(login=login, kind="commented", title=title, detail=detail))
    return notices


def _note_notices(transaction: Transaction, event: dict[str, Any]) -> list[dict[str, Any]]:
    """Notify users @mentioned for the first time in this revision of a note."""
    data = event["data"]
    version = data.get("version")
    if not isinstance(version, int) or not str(event["entity_id"]).isdigit():
        return []

    note_id = int(event["entity_id"])
    body = notify_rows.note_revision_body(transaction, note_id, version) or ""
    before = notify_rows.note_revision_body(transaction, note_id, version - 1) or ""
    already = set(find_mentions(before))
    new = [login for login in find_mentions(body) if login not in already and login != event["actor"]]

    task_title = _task_title(transaction, event["task_id"], {})
    notices = []
    for login in new:
        if notify_rows.user_contact(transaction, login) is None:
            continue
        lines = [line.strip() for line in body.splitlines() if f"@{login}" in line]
        detail = f"In note \"{data.get('title', '')}\": {' / '.join(lines)}"[:MAX_DETAIL_CHARS]
        notices.append(dict(login=login, kind="mentioned", title=task_title, detail=detail))
    return notices


def _task_title(transaction: Transaction, task_id: int | None, data: dict[str, Any]) -> str:
    if isinstance(data.get("title"), str):
        return data["title"]
    if task_id is None:
        return ""
    task = notify_rows.task_for_mail(transaction, task_id)
    return task["title"] if task else ""


def queue_notification(
    transaction: Transaction,
    *,
    event: dict[str, Any],
    login: str,
    kind: str,
    title: str,
    detail: str,
    now: datetime,
) -> int | None:
    """Insert one notification and, when the user wants e-mail and has an address, its outbox row."""
    contact = notify_rows.user_contact(transaction, login)
    if contact is None:
        log.warning("event %d names unknown user %r; no notification", event["id"], login)
        return None

    notification_id = notify_rows.insert_notification(
        transaction,
        login=login,
        kind=kind,
        task_id=event["task_id"],
        event_id=event["id"],
        actor=event["actor"],
        title=title,
        detail=detail,
        created_at=event["at"],
    )
    if notification_id is None or kind not in MAIL_KINDS:
        return notification_id

    prefs = notify_rows.get_prefs(transaction, login)
    if not prefs["email_enabled"] or not contact["email"] or not contact["active"]:
        return notification_id

    send_at = now
    if prefs["digest"]:
        waiting = notify_rows.pending_digest_time(transaction, login)
        send_at = from_iso(waiting) if waiting else now + DIGEST_INTERVAL
    notify_rows.insert_outbox(
        transaction,
        notification_id=notification_id,
        login=login,
        recipient=contact["email"],
        digest=bool(prefs["digest"]),
        next_attempt_at=to_iso(send_at),
        created_at=to_iso(now),
    )
    return notification_id
