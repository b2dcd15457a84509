"""Send the e-mail outbox: claim due rows, send them, record the outcome.

Rows are claimed in a BEGIN IMMEDIATE transaction that moves them from pending to
sending, so two processes (two open apps, or an app and `opstui notify send` from
cron) never send the same row. Each outcome is written right after its message, so
a crash can repeat at most the message that was on the wire at that moment.
"""

from __future__ import annotations

import logging
import os
import socket
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from email.message import EmailMessage
from typing import Any

from opstui.mail.backoff import GIVE_UP_AFTER, next_attempt_at
from opstui.mail.message import MailNotice, Recipient, TaskSummary, build_digest, build_message
from opstui.mail.sender import DeliveryError, PermanentDeliveryError, SmtpMailer
from opstui.mail.settings import SmtpSettings
from opstui.errors import UserError
from opstui.services.notify_events import process_events, queue_notification
from opstui.services.process_steps import STAGE_TITLES
from opstui.store import Store, Transaction
from opstui.store import notify as notify_rows
from opstui.store.clock import from_iso, to_iso, utc_now

log = logging.getLogger(__name__)

# A claim older than this is taken to belong to a process that died mid-batch.
# NOTE: a batch still running after this long could be sent twice. Batches are
# kept small (BATCH_SIZE) so that a healthy sender finishes well within the lease.
CLAIM_LEASE = timedelta(minutes=15)
BATCH_SIZE = 20


@dataclass
class SendReport:
    """Counts of sent, retried and failed mail from one ``send_pending`` run."""

    sent: int = 0
    retried: int = 0
    failed: int = 0
    errors: list[str] = field(default_factory=list)


def claimer_id() -> str:
    """Return this process's name in claimed_by: host and process id."""
    return f"{socket.gethostname()}:{os.getpid()}"


def send_pending(
    store: Store,
    actor: str,
    settings: SmtpSettings,
    *,
    now: datetime | None = None,
    mailer_factory: Callable[[SmtpSettings], SmtpMailer] = SmtpMailer,
    max_batches: int = 50,
) -> SendReport:
    """Send every due outbox row, batch by batch, and return what happened."""
    process_events(store, actor, now=now)
    report = SendReport()
    claimer = claimer_id()

    for _ in range(max_batches):
        moment = now or utc_now()
        claimed = store.write(
            actor,
            lambda transaction: notify_rows.claim_due(
                transaction,
                now=to_iso(moment),
                lease_expired_before=to_iso(moment - CLAIM_LEASE),
                claimer=claimer,
                limit=BATCH_SIZE,
            ),
        )
        if not claimed:
            break
        log.info("claimed %d outbox rows as %s", len(claimed), claimer)
        if not _send_batch(store, actor, settings, claimed, moment, mailer_factory, report):
            break
    return report


def _send_batch(
    store: Store,
    actor: str,
    settings: SmtpSettings,
    claimed: list[dict[str, Any]],
    now: datetime,
    mailer_factory: Callable[[SmtpSettings], SmtpMailer],
    report: SendReport,
) -> bool:
    """Send one claimed batch; return False when the server is unreachable, to stop for now."""
    stale = [row for row in claimed if now - from_iso(row["created_at"]) > GIVE_UP_AFTER]
    if stale:
        _expire(store, actor, stale)
        report.failed += len(stale)
    fresh = [row for row in claimed if row not in stale]
    groups = _build_messages(store, actor, settings, fresh, now, report)
    if not groups:
        return True

    mailer = mailer_factory(settings)
    try:
        mailer.connect()
    except DeliveryError as error:
        for rows, _ in groups:
            _record_failure(store, actor, rows, error, now, report)
        return False

    try:
        for rows, message in groups:
            try:
                if not mailer.connected:
                    mailer.connect()
                mailer.send(message)
            except DeliveryError as error:
                _record_failure(store, actor, rows, error, now, report)
                continue
            ids = [row["id"] for row in rows]
            store.write(actor, lambda transaction: notify_rows.mark_sent(transaction, ids, to_iso(utc_now())))
            report.sent += 1
    finally:
        mailer.close()
    return True


def _build_messages(
    store: Store,
    actor: str,
    settings: SmtpSettings,
    rows: list[dict[str, Any]],
    now: datetime,
    report: SendReport,
) -> list[tuple[list[dict[str, Any]], EmailMessage]]:
    """Build one message per immediate row and one digest per user; bad addresses fail here."""
    groups = [[row] for row in rows if not row["digest"]]
    digests: dict[str, list[dict[str, Any]]] = {}
    for row in rows:
        if row["digest"]:
            digests.setdefault(row["login"], []).append(row)
    groups += list(digests.values())

    ready = []
    for group in groups:
        first = group[0]
        recipient = Recipient(first["recipient_name"], first["recipient"])
        notices = [_mail_notice(store, row) for row in group]
        try:
            if first["digest"]:
                message = build_digest(notices, recipient, settings.sender)
            else:
                message = build_message(notices[0], recipient, settings.sender)
        except UserError as error:
            _record_failure(store, actor, group, PermanentDeliveryError(str(error)), now, report)
            continue
        ready.append((group, message))
    return ready


def _mail_notice(store: Store, row: dict[str, Any]) -> MailNotice:
    task = notify_rows.task_for_mail(store, row["task_id"]) if row["task_id"] else None
    if task is None:
        summary = TaskSummary(id=row["task_id"] or 0, title=row["title"])
    else:
        summary = TaskSummary(
            id=task["id"],
            title=task["title"],
            kind=task["kind"],
            stage=STAGE_TITLES.get(task["stage"], task["stage"]),
            priority=task["priority"],
            due=task["due_on"],
            parent_id=task["parent_id"],
            parent_title=task["parent_title"],
            assignees=tuple(task["assignee_names"]),
        )

    previous = None
    excerpt = None
    if row["kind"] == "reassigned" and row["detail"]:
        contact = notify_rows.user_contact(store, row["detail"])
        previous = contact["display_name"] if contact else row["detail"]
    elif row["kind"] in ("mentioned", "commented"):
        excerpt = row["detail"] or None

    return MailNotice(
        kind=row["kind"],
        task=summary,
        actor=row["actor_name"],
        created_at=from_iso(row["created_at"]),
        excerpt=excerpt,
        previous_assignee=previous,
    )


def _record_failure(
    store: Store,
    actor: str,
    rows: list[dict[str, Any]],
    error: DeliveryError,
    now: datetime,
    report: SendReport,
) -> None:
    ids = [row["id"] for row in rows]
    recipient = rows[0]["recipient"]
    report.errors.append(str(error))

    if error.temporary:
        first_queued = min(from_iso(row["created_at"]) for row in rows)
        retry_at = next_attempt_at(now, max(row["attempts"] for row in rows), first_queued)
        if retry_at is not None:
            log.warning("mail to %s (outbox %s) failed, retrying at %s: %s",
                        recipient, ids, to_iso(retry_at), error)
            store.write(actor, lambda transaction: notify_rows.mark_retry(
                transaction, ids, to_iso(retry_at), str(error)))
            report.retried += len(ids)
            return
        error_text = f"gave up after {GIVE_UP_AFTER.days} days of temporary failures: {error}"
    else:
        error_text = str(error)

    log.error("mail to %s (outbox %s) failed permanently: %s", recipient, ids, error_text)
    store.write(actor, lambda transaction: _fail_and_tell_managers(transaction, rows, error_text, now))
    report.failed += len(ids)


def _fail_and_tell_managers(
    transaction: Transaction, rows: list[dict[str, Any]], error_text: str, now: datetime
) -> None:
    """Mark rows failed and notify every active manager in the app (not by mail)."""
    ids = [row["id"] for row in rows]
    notify_rows.mark_failed(transaction, ids, error_text)

    first = rows[0]
    detail = f"E-mail to {first['recipient']} ({first['login']}) failed: {error_text}"
    event_id = transaction.event(
        "mail.failed",
        task_id=first["task_id"],
        entity="mail_outbox",
        entity_id=ids[0],
        data={"outbox_ids": ids, "login": first["login"], "recipient": first["recipient"],
              "error": error_text},
    )
    event = {"id": event_id, "task_id": first["task_id"], "actor": transaction.actor, "at": to_iso(now)}
    for manager in notify_rows.active_managers(transaction):
        queue_notification(transaction, event=event, login=manager, kind="mail_failed",
                           title=first["title"], detail=detail, now=now)


def _expire(store: Store, actor: str, rows: list[dict[str, Any]]) -> None:
    ids = [row["id"] for row in rows]
    text = f"not sent within {GIVE_UP_AFTER.days} days of being queued; the notice is stale"
    log.warning("outbox rows %s expired unsent: %s", ids, text)
    store.write(actor, lambda transaction: notify_rows.mark_failed(transaction, ids, text))
