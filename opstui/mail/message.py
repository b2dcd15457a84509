"""Build notification e-mails with the standard library's email package.

Titles and names come from the shared database and may hold any Unicode, so headers
are encoded by ``email.policy.SMTP`` (RFC 2047) and bodies are UTF-8. Control
characters are removed first, because a title is data and must never inject a header
or a terminal escape sequence into someone's mail reader.
"""

from __future__ import annotations

import re
import socket
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone
from email import policy
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid

from opstui.errors import UserError
from opstui.mail.settings import parse_address

SUBJECT_PREFIX = "[opstui]"

# Subject line per notification kind, worded from the recipient's side.
SUBJECT_TEMPLATES = {
    "assigned": "Assigned to you: {task}",
    "reassigned": "Reassigned to you: {task}",
    "unassigned": "No longer assigned to you: {task}",
    "mentioned": "You were mentioned on {task}",
    "commented": "New comment on {task}",
}

SENTENCE_TEMPLATES = {
    "assigned": "{actor} assigned you to task #{task_id}.",
    "reassigned": "{actor} reassigned task #{task_id} to you.",
    "unassigned": "{actor} removed you from task #{task_id}.",
    "mentioned": "{actor} mentioned you on task #{task_id}.",
    "commented": "{actor} commented on task #{task_id}, which is assigned to you.",
}

NOTIFICATION_KINDS = tuple(SUBJECT_TEMPLATES)

MAX_SUBJECT_TITLE_CHARS = 80
MAX_EXCERPT_CHARS = 600

# C0 and C1 control characters and DEL; newlines and tabs are handled separately.
_CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


@dataclass(frozen=True)
class TaskSummary:
    """The task details a notification e-mail shows."""

    id: int
    title: str
    kind: str | None = None
    stage: str | None = None
    priority: str | None = None
    due: str | None = None
    parent_id: int | None = None
    parent_title: str | None = None
    assignees: tuple[str, ...] = ()


@dataclass(frozen=True)
class MailNotice:
    """One notification as the e-mail shows it: its kind, task, actor and time."""

    kind: str
    task: TaskSummary
    actor: str
    created_at: datetime = field(default_factory=lambda: datetime.now(timezone.utc))
    excerpt: str | None = None
    previous_assignee: str | None = None


@dataclass(frozen=True)
class Recipient:
    """The person a message goes to: display name and e-mail address."""

    name: str
    email: str


def build_message(notice: MailNotice, recipient: Recipient, sender: str) -> EmailMessage:
    """Build the e-mail for one notification."""
    _check_kind(notice.kind)

    subject = SUBJECT_TEMPLATES[notice.kind].format(task=_task_label(notice.task))
    lines = [f"Hello {_single_line(recipient.name)},", ""]
    lines += _notice_lines(notice)
    lines += ["", *_how_to_open(notice.task.id)]
    lines += ["", *_footer()]

    message = _new_message(recipient, sender, f"{SUBJECT_PREFIX} {subject}", "\n".join(lines))
    message["X-Opstui-Task"] = str(notice.task.id)
    return message


def build_digest(notices: Sequence[MailNotice], recipient: Recipient, sender: str) -> EmailMessage:
    """Build one e-mail that lists several notifications, oldest first."""
    if not notices:
        raise ValueError("a digest needs at least one notification")
    for notice in notices:
        _check_kind(notice.kind)

    ordered = sorted(notices, key=lambda notice: notice.created_at)
    task_ids = sorted({notice.task.id for notice in ordered})

    count = len(ordered)
    noun = "notification" if count == 1 else "notifications"
    if len(task_ids) == 1:
        about = _task_label(ordered[0].task)
    else:
        about = f"{len(task_ids)} tasks"
    subject = f"{SUBJECT_PREFIX} {count} {noun} about {about}"

    lines = [f"Hello {_single_line(recipient.name)},", "", f"You have {count} new {noun}:"]
    for number, notice in enumerate(ordered, start=1):
        when = notice.created_at.astimezone(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
        lines += ["", f"{number}. {when}", *_indent(_notice_lines(notice))]
    lines += ["", "Open a task with:", *(f"  opstui task show {task_id}" for task_id in task_ids)]
    lines += ["or find them on the board (run `opstui`), or list them all with `opstui notify list`."]
    lines += ["", *_footer()]

    message = _new_message(recipient, sender, subject, "\n".join(lines))
    message["X-Opstui-Task"] = ", ".join(str(task_id) for task_id in task_ids)
    return message


def _check_kind(kind: str) -> None:
    if kind not in SUBJECT_TEMPLATES:
        raise ValueError(f"unknown notification kind {kind!r}; expected one of {NOTIFICATION_KINDS}")


def _new_message(recipient: Recipient, sender: str, subject: str, body: str) -> EmailMessage:
    to_address = parse_address(recipient.email)
    if to_address is None:
        raise UserError(
            f"invalid e-mail address {recipient.email!r} for {recipient.name!r}; "
            "set a valid address on that user"
        )
    from_address = parse_address(sender)
    if from_address is None:
        raise UserError(f"invalid sender address {sender!r}; set [smtp] from in the config file")

    message = EmailMessage(policy=policy.SMTP)
    message["From"] = from_address
    message["To"] = Address(
        display_name=_single_line(recipient.name),
        username=to_address.username,
        domain=to_address.domain,
    )
    message["Subject"] = _single_line(subject)
    message["Date"] = format_datetime(datetime.now(timezone.utc))
    message["Message-ID"] = make_msgid(domain=_message_id_domain(from_address))
    # RFC 3834: asks vacation responders and ticket systems not to reply.
    message["Auto-Submitted"] = "auto-generated"
    # Quoted-printable keeps the body 7-bit, because not every relay announces 8BITMIME.
    transfer_encoding = "7bit" if body.isascii() else "quoted-printable"
    message.set_content(body, charset="utf-8", cte=transfer_encoding)
    return message


def _notice_lines(notice: MailNotice) -> list[str]:
    task = notice.task
    sentence = SENTENCE_TEMPLATES[notice.kind].format(
        actor=_single_line(notice.actor), task_id=task.id
    )
    lines = [sentence]
    if notice.kind == "reassigned" and notice.previous_assignee:
        lines.append(f"It was assigned to {_single_line(notice.previous_assignee)} before.")
    lines.append("")

    rows = [("Task", f"#{task.id} {_single_line(task.title)}")]
    if task.parent_id is not None:
        parent = f"#{task.parent_id}"
        if task.parent_title:
            parent += f" {_single_line(task.parent_title)}"
        rows.append(("Part of", parent))
    optional = [
        ("Kind", task.kind),
        ("Stage", task.stage),
        ("Priority", task.priority),
        ("Due", task.due),
        ("Assignees", ", ".join(_single_line(name) for name in task.assignees)),
    ]
    rows += [(label, _single_line(value)) for label, value in optional if value]
    width = max(len(label) for label, _ in rows) + 1
    lines += [f"  {label + ':':<{width}} {value}" for label, value in rows]

    if notice.excerpt:
        lines.append("")
        lines += ["  > " + line for line in _excerpt_lines(notice.excerpt)]
    return lines


def _excerpt_lines(text: str) -> list[str]:
    text = _CONTROL_CHARACTERS.sub("", text.replace("\r\n", "\n").replace("\t", "    "))
    if len(text) > MAX_EXCERPT_CHARS:
        text = text[:MAX_EXCERPT_CHARS].rstrip() + " …"
    return text.split("\n")


def _how_to_open(task_id: int) -> list[str]:
    return [
        "Open it with:",
        f"  opstui task show {task_id}",
        "or find it on the board (run `opstui`).",
    ]


def _footer() -> list[str]:
    return [
        "-- ",
        "Sent by opstui. Stop these e-mails with `opstui notify prefs --email off`,",
        "or get one digest instead with `opstui notify prefs --digest on`.",
    ]


def _indent(lines: list[str]) -> list[str]:
    return [f"   {line}" if line else "" for line in lines]


def _task_label(task: TaskSummary) -> str:
    title = _single_line(task.title)
    if len(title) > MAX_SUBJECT_TITLE_CHARS:
        title = title[: MAX_SUBJECT_TITLE_CHARS - 1].rstrip() + "…"
    return f"#{task.id} {title}"


def _single_line(text: str) -> str:
    """Collapse whitespace and drop control characters so text is safe in a header line."""
    return " ".join(_CONTROL_CHARACTERS.sub("", text).split())


def _message_id_domain(sender: Address) -> str:
    # Non-ASCII domains would need IDNA in a Message-ID, so fall back to this host's name.
    if sender.domain.isascii():
        return sender.domain
    return socket.getfqdn()
