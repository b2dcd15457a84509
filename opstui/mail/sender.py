"""Send messages over SMTP and sort every failure into temporary or permanent.

The outbox retries temporary failures (4xx replies, refused connections, timeouts)
with backoff and stops on permanent ones (5xx replies, bad addresses, failed
authentication, TLS misconfiguration), so the class of each error decides whether a
message is ever sent. The password is passed to smtplib only and never logged.
"""

from __future__ import annotations

import logging
import smtplib
import ssl
from email.message import EmailMessage
from types import TracebackType

from opstui.mail.settings import SmtpSettings

log = logging.getLogger(__name__)


class DeliveryError(Exception):
    """Sending failed; ``temporary`` is True when trying again later may succeed."""

    temporary: bool = False

    def __init__(self, message: str, code: int | None = None):
        super().__init__(message)
        self.code = code


class TemporaryDeliveryError(DeliveryError):
    """The server or network failed for now (4xx reply, refused, timed out): retry later."""

    temporary = True


class PermanentDeliveryError(DeliveryError):
    """Retrying the same message cannot succeed (5xx reply, bad address, authentication)."""

    temporary = False


def tls_context(settings: SmtpSettings) -> ssl.SSLContext:
    """Return a verifying TLS context, trusting ``settings.ca_file`` when one is set."""
    context = ssl.create_default_context()
    if settings.ca_file is not None:
        context.load_verify_locations(cafile=str(settings.ca_file))
    return context


class SmtpMailer:
    """One SMTP session that can send several messages.

    Use it as a context manager. Entering connects, secures and logs in, so a server
    that is down fails once for the whole batch. Leaving sends QUIT.
    """

    def __init__(self, settings: SmtpSettings, context: ssl.SSLContext | None = None):
        self.settings = settings
        self._context = context
        self._client: smtplib.SMTP | None = None

    def __enter__(self) -> SmtpMailer:
        self.connect()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    def connect(self) -> None:
        """Open the session: connect, EHLO, STARTTLS when configured, then AUTH."""
        settings = self.settings
        context = self._context or tls_context(settings)
        try:
            if settings.security == "tls":
                client = smtplib.SMTP_SSL(
                    settings.host, settings.port, timeout=settings.timeout, context=context
                )
            else:
                client = smtplib.SMTP(settings.host, settings.port, timeout=settings.timeout)
            self._client = client

            client.ehlo()
            if settings.security == "starttls":
                client.starttls(context=context)
                client.ehlo()
            if settings.user:
                client.login(settings.user, settings.password or "")
        except Exception as error:
            self.close()
            raise classify_error(error, settings, stage="connect") from error

        log.debug("connected to SMTP server %s (%s)", settings.server, settings.security)

    def send(self, message: EmailMessage) -> None:
        """Send one message; raise TemporaryDeliveryError or PermanentDeliveryError."""
        if self._client is None:
            raise RuntimeError("SmtpMailer.send called before connect")

        try:
            refused = self._client.send_message(message)
        except Exception as error:
            delivery_error = classify_error(error, self.settings, stage="send")
            if delivery_error.temporary and isinstance(
                error, (smtplib.SMTPServerDisconnected, OSError)
            ):
                self.close()
            raise delivery_error from error

        # With one recipient smtplib raises when it is refused; this covers several.
        if refused:
            raise _recipients_error(refused, self.settings)
        log.info("sent mail %s to %s", message["Message-ID"], message["To"])

    def close(self) -> None:
        """Send QUIT if the session is open, ignoring a server that already left."""
        client, self._client = self._client, None
        if client is None:
            return
        try:
            client.quit()
        except (smtplib.SMTPException, OSError):
            client.close()

    @property
    def connected(self) -> bool:
        """Whether a session is open (it may still have been dropped by the server)."""
        return self._client is not None


def send_message(
    settings: SmtpSettings, message: EmailMessage, context: ssl.SSLContext | None = None
) -> None:
    """Send one message in its own SMTP session."""
    with SmtpMailer(settings, context) as mailer:
        mailer.send(message)


def classify_error(error: Exception, settings: SmtpSettings, stage: str) -> DeliveryError:
    """Translate an smtplib, ssl or socket error into a temporary or permanent DeliveryError."""
    server = settings.server

    if isinstance(error, DeliveryError):
        return error

    if isinstance(error, smtplib.SMTPRecipientsRefused):
        return _recipients_error(error.recipients, settings)

    if isinstance(error, smtplib.SMTPAuthenticationError):
        reply = _reply_text(error.smtp_code, error.smtp_error)
        message = f"SMTP server {server} rejected the login of user {settings.user!r}: {reply}"
        return _by_code(error.smtp_code, message, permanent_default=True)

    if isinstance(error, smtplib.SMTPSenderRefused):
        reply = _reply_text(error.smtp_code, error.smtp_error)
        return _by_code(error.smtp_code, f"SMTP server {server} rejected sender {error.sender}: {reply}")

    if isinstance(error, smtplib.SMTPResponseException):
        reply = _reply_text(error.smtp_code, error.smtp_error)
        return _by_code(error.smtp_code, f"SMTP server {server} replied {reply} during {stage}")

    if isinstance(error, smtplib.SMTPNotSupportedError):
        return PermanentDeliveryError(
            f"SMTP server {server} does not support what is needed ({error}); check the security setting"
        )

    if isinstance(error, smtplib.SMTPServerDisconnected) and isinstance(error.__context__, TimeoutError):
        # smtplib turns a read timeout into "Connection unexpectedly closed".
        return TemporaryDeliveryError(
            f"SMTP server {server} timed out after {settings.timeout:g} s during {stage}"
        )

    if isinstance(error, smtplib.SMTPServerDisconnected):
        return TemporaryDeliveryError(f"SMTP server {server} closed the connection: {error}")

    if isinstance(error, ssl.SSLCertVerificationError):
        return PermanentDeliveryError(
            f"TLS certificate of SMTP server {server} is not trusted ({error.verify_message}); "
            "set [smtp] ca_file to the CA that signed it"
        )

    if isinstance(error, ssl.SSLError):
        return PermanentDeliveryError(
            f"TLS with SMTP server {server} failed ({error.reason or error}); "
            f"check that security {settings.security!r} matches port {settings.port}"
        )

    if isinstance(error, ConnectionRefusedError):
        return TemporaryDeliveryError(f"SMTP server {server} refused the connection; is it running?")

    if isinstance(error, TimeoutError):
        return TemporaryDeliveryError(
            f"SMTP server {server} timed out after {settings.timeout:g} s during {stage}"
        )

    if isinstance(error, OSError):
        reason = error.strerror or str(error)
        return TemporaryDeliveryError(f"cannot reach SMTP server {server}: {reason}")

    if isinstance(error, smtplib.SMTPException):
        # For example "No suitable authentication method found": a settings problem.
        return PermanentDeliveryError(f"SMTP with server {server} failed: {error}")

    if isinstance(error, (ValueError, UnicodeError)):
        # smtplib raises these for a message it cannot put on the wire, such as no recipient.
        return PermanentDeliveryError(f"message cannot be sent through {server}: {error}")

    return TemporaryDeliveryError(f"sending through SMTP server {server} failed: {error!r}")


def _recipients_error(
    refused: dict[str, tuple[int, bytes]], settings: SmtpSettings
) -> DeliveryError:
    parts = [f"{address} ({_reply_text(code, reply)})" for address, (code, reply) in refused.items()]
    codes = [code for code, _ in refused.values()]
    message = f"SMTP server {settings.server} rejected recipient {', '.join(parts)}"

    # Retry only when every refusal was temporary; one permanent refusal would repeat.
    if codes and all(400 <= code < 500 for code in codes):
        return TemporaryDeliveryError(message, code=codes[0])
    permanent_code = next((code for code in codes if not 400 <= code < 500), None)
    return PermanentDeliveryError(message, code=permanent_code)


def _by_code(code: int, message: str, permanent_default: bool = False) -> DeliveryError:
    if 400 <= code < 500:
        return TemporaryDeliveryError(message, code=code)
    if 500 <= code < 600 or permanent_default:
        return PermanentDeliveryError(message, code=code)
    # smtplib uses -1 when the server sent no valid reply; that is worth another try.
    return TemporaryDeliveryError(message, code=code)


def _reply_text(code: int, reply: bytes | str) -> str:
    if isinstance(reply, bytes):
        reply = reply.decode("utf-8", errors="replace")
    return f"{code} {' '.join(reply.split())}"
