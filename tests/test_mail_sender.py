"""SMTP delivery against a real aiosmtpd server on loopback."""

import logging
import socket
import ssl

import pytest

from opstui.mail.message import MailNotice, Recipient, TaskSummary, build_message
from opstui.mail.sender import (
    PermanentDeliveryError,
    SmtpMailer,
    TemporaryDeliveryError,
    send_message,
)
from smtp_server import (  # noqa: F401  (pytest fixtures)
    HOST,
    TEST_PASSWORD,
    TEST_USER,
    free_port,
    self_signed_certificate,
    smtp_server,
    start_server,
)

pytestmark = pytest.mark.smtp


def make_message(recipient="bob@example.org", title="Upgrade PostgreSQL on db-3", name="Bob"):
    notice = MailNotice("assigned", TaskSummary(id=42, title=title, stage="Discovery"), actor="Alice")
    return build_message(notice, Recipient(name, recipient), "opstui <opstui@example.org>")


def test_delivery_and_content(smtp_server):
    send_message(smtp_server.settings(), make_message())

    received = smtp_server.handler.wait_for(1)
    assert len(received) == 1
    mail = received[0]
    assert mail.mail_from == "opstui@example.org"
    assert mail.rcpt_tos == ["bob@example.org"]
    assert mail.message["Subject"] == "[opstui] Assigned to you: #42 Upgrade PostgreSQL on db-3"
    assert "opstui task show 42" in mail.message.get_content()


def test_non_ascii_delivery(smtp_server):
    title = "Mise à jour du pare-feu — Zoë’s サーバー"
    send_message(smtp_server.settings(), make_message(title=title, name="Zoë Ångström"))

    mail = smtp_server.handler.wait_for(1)[0]
    assert mail.raw.isascii()
    assert mail.message["Subject"] == f"[opstui] Assigned to you: #42 {title}"
    assert mail.message["To"].addresses[0].display_name == "Zoë Ångström"
    assert title in mail.message.get_content()


def test_several_messages_in_one_session(smtp_server):
    with SmtpMailer(smtp_server.settings()) as mailer:
        for number in range(3):
            mailer.send(make_message(recipient=f"user{number}@example.org"))

    received = smtp_server.handler.wait_for(3)
    assert [mail.rcpt_tos for mail in received] == [
        ["user0@example.org"], ["user1@example.org"], ["user2@example.org"]
    ]


def test_4xx_is_temporary_then_accepted(smtp_server):
    smtp_server.handler.rcpt_replies.append("451 4.3.0 Mailbox temporarily unavailable")
    settings = smtp_server.settings()

    with pytest.raises(TemporaryDeliveryError) as raised:
        send_message(settings, make_message())
    assert raised.value.code == 451
    assert "451" in str(raised.value)
    assert smtp_server.handler.received == []

    send_message(settings, make_message())
    assert len(smtp_server.handler.wait_for(1)) == 1


def test_4xx_on_data_is_temporary(smtp_server):
    smtp_server.handler.data_replies.append("452 4.3.1 Insufficient system storage")
    with pytest.raises(TemporaryDeliveryError) as raised:
        send_message(smtp_server.settings(), make_message())
    assert raised.value.code == 452


def test_5xx_is_permanent(smtp_server):
    smtp_server.handler.always_rcpt_reply = "550 5.1.1 No such user here"
    with pytest.raises(PermanentDeliveryError) as raised:
        send_message(smtp_server.settings(), make_message(recipient="nobody@example.org"))

    error = raised.value
    assert error.temporary is False
    assert error.code == 550
    assert "nobody@example.org" in str(error)
    assert "No such user" in str(error)
    assert smtp_server.handler.received == []


def test_5xx_on_data_is_permanent(smtp_server):
    smtp_server.handler.data_replies.append("554 5.7.1 Message rejected as spam")
    with pytest.raises(PermanentDeliveryError) as raised:
        send_message(smtp_server.settings(), make_message())
    assert raised.value.code == 554


def test_server_down_is_temporary(smtp_server):
    settings = smtp_server.settings(port=free_port())
    with pytest.raises(TemporaryDeliveryError) as raised:
        send_message(settings, make_message())
    assert "refused the connection" in str(raised.value)


def test_silent_server_times_out():
    with socket.socket() as listener:
        listener.bind((HOST, 0))
        listener.listen(1)
        port = listener.getsockname()[1]
        server = start_server()  # only for its settings helper
        server.stop()
        settings = server.settings(port=port, timeout=0.3)

        with pytest.raises(TemporaryDeliveryError) as raised:
            send_message(settings, make_message())
    assert "timed out after 0.3 s" in str(raised.value)


def test_server_stopped_then_started_delivers(smtp_server):
    settings = smtp_server.settings()
    smtp_server.stop()
    with pytest.raises(TemporaryDeliveryError):
        send_message(settings, make_message())

    smtp_server.start()
    send_message(settings, make_message())
    assert len(smtp_server.handler.wait_for(1)) == 1


@pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")
def test_login_succeeds_with_right_password():
    server = start_server(require_auth=True)
    try:
        send_message(server.settings(user=TEST_USER, password=TEST_PASSWORD), make_message())
        assert len(server.handler.wait_for(1)) == 1
    finally:
        server.stop()


@pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")
def test_wrong_password_is_permanent_and_not_logged(caplog):
    server = start_server(require_auth=True)
    wrong = "wrong-Password-123"
    try:
        with caplog.at_level(logging.DEBUG):
            with pytest.raises(PermanentDeliveryError) as raised:
                send_message(server.settings(user=TEST_USER, password=wrong), make_message())
    finally:
        server.stop()

    error = raised.value
    assert error.code == 535
    assert TEST_USER in str(error)
    assert wrong not in str(error)
    assert wrong not in caplog.text
    assert server.handler.received == []


def test_starttls_with_self_signed_certificate(self_signed_certificate):
    server = start_server(security="starttls", certificate=self_signed_certificate)
    try:
        send_message(server.settings(), make_message())
        assert len(server.handler.wait_for(1)) == 1
    finally:
        server.stop()


def test_implicit_tls_with_self_signed_certificate(self_signed_certificate):
    server = start_server(security="tls", certificate=self_signed_certificate)
    try:
        send_message(server.settings(), make_message())
        assert len(server.handler.wait_for(1)) == 1
    finally:
        server.stop()


def test_untrusted_certificate_is_permanent(self_signed_certificate):
    server = start_server(security="starttls", certificate=self_signed_certificate)
    try:
        with pytest.raises(PermanentDeliveryError) as raised:
            send_message(server.settings(ca_file=None), make_message())
    finally:
        server.stop()
    assert "ca_file" in str(raised.value)
    assert server.handler.received == []


def test_tls_against_plain_server_is_permanent(smtp_server):
    with pytest.raises(PermanentDeliveryError) as raised:
        send_message(smtp_server.settings(security="tls"), make_message())
    assert "TLS" in str(raised.value)


def test_starttls_unsupported_is_permanent(smtp_server):
    with pytest.raises(PermanentDeliveryError) as raised:
        send_message(smtp_server.settings(security="starttls"), make_message())
    assert "STARTTLS" in str(raised.value)
