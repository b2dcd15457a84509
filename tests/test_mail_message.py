"""Notification e-mails: headers, body, encoding and digests."""

import email
import email.policy
from datetime import datetime, timedelta, timezone

import pytest

from opstui.errors import UserError
from opstui.mail.message import (
    MailNotice,
    Recipient,
    TaskSummary,
    build_digest,
    build_message,
)

SENDER = "opstui <opstui@example.org>"


def make_task(**overrides) -> TaskSummary:
    values = dict(
        id=42,
        title="Upgrade PostgreSQL on db-3",
        kind="subtask",
        stage="Discovery",
        priority="high",
        due="2026-06-01",
        parent_id=40,
        parent_title="Database upgrade",
        assignees=("Bob Smith", "Carol Diaz"),
    )
    values.update(overrides)
    return TaskSummary(**values)


def reparse(message):
    """Serialize the message as it would go on the wire and parse it back."""
    raw = message.as_bytes()
    return raw, email.message_from_bytes(raw, policy=email.policy.default)


def test_assignment_subject_and_headers():
    notice = MailNotice("assigned", make_task(), actor="Alice Martin")
    message = build_message(notice, Recipient("Bob Smith", "bob@example.org"), SENDER)
    _, parsed = reparse(message)

    assert parsed["Subject"] == "[opstui] Assigned to you: #42 Upgrade PostgreSQL on db-3"
    assert parsed["To"].addresses[0].addr_spec == "bob@example.org"
    assert parsed["To"].addresses[0].display_name == "Bob Smith"
    assert parsed["From"].addresses[0].addr_spec == "opstui@example.org"
    assert parsed["Auto-Submitted"] == "auto-generated"
    assert parsed["X-Opstui-Task"] == "42"
    assert parsed["Message-ID"].endswith("@example.org>")
    assert parsed["Date"] is not None


def test_assignment_body_has_details_and_how_to_open():
    notice = MailNotice("assigned", make_task(), actor="Alice Martin")
    body = build_message(notice, Recipient("Bob Smith", "bob@example.org"), SENDER).get_content()

    assert "Hello Bob Smith," in body
    assert "Alice Martin assigned you to task #42." in body
    assert "#42 Upgrade PostgreSQL on db-3" in body
    assert "#40 Database upgrade" in body
    assert "Discovery" in body
    assert "high" in body
    assert "2026-06-01" in body
    assert "Bob Smith, Carol Diaz" in body
    assert "opstui task show 42" in body
    assert "board" in body


@pytest.mark.parametrize(
    ("kind", "subject_start", "sentence"),
    [
        ("reassigned", "Reassigned to you:", "Alice reassigned task #42 to you."),
        ("unassigned", "No longer assigned to you:", "Alice removed you from task #42."),
        ("mentioned", "You were mentioned on", "Alice mentioned you on task #42."),
        ("commented", "New comment on", "Alice commented on task #42"),
    ],
)
def test_each_kind_has_its_wording(kind, subject_start, sentence):
    notice = MailNotice(kind, make_task(), actor="Alice")
    message = build_message(notice, Recipient("Bob", "bob@example.org"), SENDER)
    assert message["Subject"].startswith(f"[opstui] {subject_start}")
    assert sentence in message.get_content()


def test_reassignment_names_previous_assignee():
    notice = MailNotice("reassigned", make_task(), actor="Alice", previous_assignee="Dave")
    body = build_message(notice, Recipient("Bob", "bob@example.org"), SENDER).get_content()
    assert "It was assigned to Dave before." in body


def test_unknown_kind_is_rejected():
    with pytest.raises(ValueError, match="'promoted'"):
        build_message(MailNotice("promoted", make_task(), "A"), Recipient("B", "b@example.org"), SENDER)


def test_non_ascii_names_and_title_are_encoded():
    task = make_task(title="Mise à jour de PostgreSQL — サーバー", assignees=("Zoë Ångström",))
    notice = MailNotice("assigned", task, actor="Renée Ørsted")
    message = build_message(notice, Recipient("Zoë Ångström", "zoe@example.org"), SENDER)
    raw, parsed = reparse(message)

    # Every header and the body are 7-bit on the wire: RFC 2047 words and quoted-printable.
    assert raw.isascii()
    assert b"=?utf-8?" in raw
    assert parsed["Subject"] == "[opstui] Assigned to you: #42 Mise à jour de PostgreSQL — サーバー"
    assert parsed["To"].addresses[0].display_name == "Zoë Ångström"
    assert parsed.get_content_charset() == "utf-8"
    body = parsed.get_content()
    assert "Renée Ørsted assigned you" in body
    assert "Hello Zoë Ångström," in body


def test_control_characters_cannot_inject_headers():
    task = make_task(title="Fix it\r\nBcc: victim@example.org\x1b[31m red")
    notice = MailNotice("assigned", task, actor="Mallory\nX-Evil: 1")
    raw, parsed = reparse(build_message(notice, Recipient("Bob", "bob@example.org"), SENDER))

    assert parsed["Bcc"] is None
    assert parsed["X-Evil"] is None
    assert b"\x1b" not in raw
    assert parsed["Subject"] == "[opstui] Assigned to you: #42 Fix it Bcc: victim@example.org[31m red"


def test_long_title_is_shortened_in_subject_only():
    title = "word " * 40
    message = build_message(
        MailNotice("assigned", make_task(title=title), "A"), Recipient("B", "b@example.org"), SENDER
    )
    assert len(message["Subject"]) < 120
    assert message["Subject"].endswith("…")
    assert " ".join(title.split()) in message.get_content()


def test_comment_excerpt_is_quoted_and_cut():
    excerpt = "first line\nsecond line " + "x" * 2000
    notice = MailNotice("commented", make_task(), "Alice", excerpt=excerpt)
    body = build_message(notice, Recipient("Bob", "bob@example.org"), SENDER).get_content()
    assert "  > first line" in body
    assert "  > second line" in body
    assert "x" * 2000 not in body
    assert "…" in body


def test_invalid_recipient_address_is_named():
    with pytest.raises(UserError, match="'bob at example'"):
        build_message(MailNotice("assigned", make_task(), "A"), Recipient("Bob", "bob at example"), SENDER)


def test_digest_lists_notices_oldest_first():
    start = datetime(2026, 5, 1, 9, 0, tzinfo=timezone.utc)
    notices = [
        MailNotice("commented", make_task(id=7, title="Rotate keys"), "Carol", start + timedelta(hours=2), excerpt="done?"),
        MailNotice("assigned", make_task(), "Alice", start),
        MailNotice("mentioned", make_task(id=9, title="Patch Ørsted’s VPN"), "Dave", start + timedelta(hours=1)),
    ]
    message = build_digest(notices, Recipient("Bob", "bob@example.org"), SENDER)
    raw, parsed = reparse(message)

    assert raw.isascii()
    assert parsed["Subject"] == "[opstui] 3 notifications about 3 tasks"
    assert parsed["X-Opstui-Task"] == "7, 9, 42"
    body = parsed.get_content()
    assert "You have 3 new notifications:" in body
    first = body.index("Alice assigned you to task #42.")
    second = body.index("Dave mentioned you on task #9.")
    third = body.index("Carol commented on task #7")
    assert first < second < third
    assert "2026-05-01 09:00 UTC" in body
    assert "Patch Ørsted’s VPN" in body
    for task_id in (7, 9, 42):
        assert f"opstui task show {task_id}" in body


def test_digest_about_one_task_names_it():
    notices = [MailNotice("assigned", make_task(), "A"), MailNotice("commented", make_task(), "B")]
    message = build_digest(notices, Recipient("Bob", "bob@example.org"), SENDER)
    assert message["Subject"] == "[opstui] 2 notifications about #42 Upgrade PostgreSQL on db-3"


def test_empty_digest_is_rejected():
    with pytest.raises(ValueError):
        build_digest([], Recipient("Bob", "bob@example.org"), SENDER)
