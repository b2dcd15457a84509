"""A real SMTP server on loopback (aiosmtpd) that tests can script to fail.

Import the fixtures into a test module with ``from smtp_server import smtp_server``.
The handler accepts every message unless a test queues replies in ``rcpt_replies``
or ``data_replies``. The next RCPT or DATA commands get those replies instead, so a
test can reply 4xx once and then accept, or reply 5xx every time.
"""

from __future__ import annotations

import asyncio
import email
import email.policy
import socket
import ssl
import subprocess
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from email.message import EmailMessage
from pathlib import Path
from typing import Iterator

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

from opstui.mail.settings import SmtpSettings

HOST = "127.0.0.1"
TEST_USER = "mailer"
TEST_PASSWORD = "s3cret-Password"


@dataclass
class ReceivedMail:
    """One message the server accepted, with its envelope."""

    mail_from: str
    rcpt_tos: list[str]
    raw: bytes

    @property
    def message(self) -> EmailMessage:
        return email.message_from_bytes(self.raw, policy=email.policy.default)


@dataclass
class ScriptedHandler:
    """aiosmtpd handler that stores accepted mail and plays queued failure replies."""

    received: list[ReceivedMail] = field(default_factory=list)
    rcpt_replies: deque[str] = field(default_factory=deque)
    data_replies: deque[str] = field(default_factory=deque)
    always_rcpt_reply: str | None = None
    data_delay: float = 0.0
    lock: threading.Lock = field(default_factory=threading.Lock)

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        with self.lock:
            if self.always_rcpt_reply:
                return self.always_rcpt_reply
            if self.rcpt_replies:
                return self.rcpt_replies.popleft()
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        if self.data_delay:
            # A slow server keeps two racing senders busy at the same time.
            await asyncio.sleep(self.data_delay)
        with self.lock:
            if self.data_replies:
                return self.data_replies.popleft()
            self.received.append(
                ReceivedMail(envelope.mail_from, list(envelope.rcpt_tos), envelope.original_content)
            )
        return "250 Message accepted for delivery"

    def wait_for(self, count: int, timeout: float = 5.0) -> list[ReceivedMail]:
        """Wait until at least ``count`` messages arrived and return them all."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self.lock:
                if len(self.received) >= count:
                    return list(self.received)
            time.sleep(0.02)
        with self.lock:
            return list(self.received)


def authenticate(server, session, envelope, mechanism, auth_data) -> AuthResult:
    """Accept only TEST_USER with TEST_PASSWORD."""
    if isinstance(auth_data, LoginPassword):
        if auth_data.login == TEST_USER.encode() and auth_data.password == TEST_PASSWORD.encode():
            return AuthResult(success=True)
    return AuthResult(success=False, handled=False)


def free_port() -> int:
    """Return a loopback TCP port that nothing listens on right now."""
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return probe.getsockname()[1]


@dataclass
class SmtpTestServer:
    """A running aiosmtpd Controller and the settings a client needs to reach it."""

    controller: Controller
    handler: ScriptedHandler
    port: int
    security: str = "none"
    ca_file: Path | None = None
    options: dict = field(default_factory=dict)

    def settings(self, **overrides) -> SmtpSettings:
        values = dict(
            host=HOST,
            port=self.port,
            security=self.security,
            sender="opstui <opstui@example.org>",
            ca_file=self.ca_file,
            timeout=5.0,
        )
        values.update(overrides)
        return SmtpSettings(**values)

    def stop(self) -> None:
        self.controller.stop()

    def start(self) -> None:
        """Start again on the same port with the same handler, for a server that comes back."""
        self.controller = Controller(self.handler, hostname=HOST, port=self.port, **self.options)
        self.controller.start()


def start_server(
    handler: ScriptedHandler | None = None,
    port: int | None = None,
    security: str = "none",
    certificate: tuple[Path, Path] | None = None,
    require_auth: bool = False,
) -> SmtpTestServer:
    """Start aiosmtpd on loopback, optionally with STARTTLS or implicit TLS."""
    handler = handler or ScriptedHandler()
    port = port or free_port()
    options: dict = {"auth_require_tls": False, "authenticator": authenticate}
    if require_auth:
        # AUTH over plain text is fine on loopback; it keeps TLS out of the login tests.
        options["auth_required"] = True

    ca_file = None
    if security != "none":
        if certificate is None:
            raise ValueError("TLS needs a certificate; use the self_signed_certificate fixture")
        cert_file, key_file = certificate
        ca_file = cert_file
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(cert_file, key_file)
        if security == "tls":
            options["ssl_context"] = context
        else:
            options["tls_context"] = context
            options["require_starttls"] = True

    controller = Controller(handler, hostname=HOST, port=port, **options)
    controller.start()
    return SmtpTestServer(controller, handler, port, security, ca_file, options)


@pytest.fixture
def smtp_server() -> Iterator[SmtpTestServer]:
    """A plain SMTP server on a free loopback port, stopped after the test."""
    server = start_server()
    yield server
    try:
        server.stop()
    except AssertionError:
        pass  # the test already stopped it


@pytest.fixture
def self_signed_certificate(tmp_path: Path) -> tuple[Path, Path]:
    """Make a self-signed certificate for 127.0.0.1 with the openssl command."""
    cert_file = tmp_path / "smtp-cert.pem"
    key_file = tmp_path / "smtp-key.pem"
    command = [
        "openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
        "-subj", "/CN=localhost",
        "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost",
        "-keyout", str(key_file), "-out", str(cert_file),
    ]
    try:
        subprocess.run(command, check=True, capture_output=True, timeout=30)
    except FileNotFoundError:
        pytest.skip("the openssl command is not installed")
    return cert_file, key_file
