"""SMTP settings from the user's own config file, overridden by OPSTUI_SMTP_* variables.

The password is a secret, so it lives only in the user's config file or environment,
never in the shared database, and it is left out of every repr and log line.
"""

from __future__ import annotations

import logging
import os
import stat
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from email import headerregistry
from email.errors import HeaderParseError, NonASCIILocalPartDefect
from email.headerregistry import Address
from pathlib import Path

from opstui.errors import UserError
from opstui.paths import config_file_path

log = logging.getLogger(__name__)

SECURITY_MODES = ("none", "starttls", "tls")

# Ports from RFC 5321 (25), RFC 6409 (587, submission with STARTTLS) and RFC 8314
# (465, submission over implicit TLS).
DEFAULT_PORTS = {"none": 25, "starttls": 587, "tls": 465}

DEFAULT_TIMEOUT_SECONDS = 20.0

# Environment variable for each [smtp] key; the variable wins over the file.
ENVIRONMENT_VARIABLES = {
    "host": "OPSTUI_SMTP_HOST",
    "port": "OPSTUI_SMTP_PORT",
    "security": "OPSTUI_SMTP_SECURITY",
    "user": "OPSTUI_SMTP_USER",
    "password": "OPSTUI_SMTP_PASSWORD",
    "from": "OPSTUI_SMTP_FROM",
    "ca_file": "OPSTUI_SMTP_CA_FILE",
    "timeout": "OPSTUI_SMTP_TIMEOUT",
}


@dataclass(frozen=True)
class SmtpSettings:
    """Validated SMTP settings: server, security, sender and login."""

    host: str
    port: int
    security: str
    sender: str
    user: str | None = None
    password: str | None = field(default=None, repr=False)
    ca_file: Path | None = None
    timeout: float = DEFAULT_TIMEOUT_SECONDS

    @property
    def server(self) -> str:
        """The server as ``host:port``, for messages and logs."""
        return f"{self.host}:{self.port}"


def config_path() -> Path:
    """Return the user's opstui config file (it may not exist yet)."""
    return config_file_path()


def load_smtp_settings(
    path: Path | None = None, environ: Mapping[str, str] | None = None
) -> SmtpSettings | None:
    """Read and validate the SMTP settings, or return None when no host is configured.

    Raises UserError naming the bad value and where it came from.
    """
    path = path or config_path()
    environ = os.environ if environ is None else environ

    values, sources = _read_file_section(path)
    for key, variable in ENVIRONMENT_VARIABLES.items():
        if environ.get(variable, "") != "":
            values[key] = environ[variable]
            sources[key] = f"environment variable {variable}"

    host = _text(values, sources, "host")
    if not host:
        return None

    if "password" in values and sources["password"].startswith("["):
        _warn_if_readable_by_others(path)

    return _validate(values, sources, host)


def _read_file_section(path: Path) -> tuple[dict[str, object], dict[str, str]]:
    """Return the [smtp] table of the config file and, per key, where it was set."""
    try:
        with path.open("rb") as config_file:
            document = tomllib.load(config_file)
    except FileNotFoundError:
        return {}, {}
    except tomllib.TOMLDecodeError as error:
        raise UserError(f"config file {path} is not valid TOML ({error}); fix or remove it")
    except OSError as error:
        raise UserError(f"cannot read config file {path}: {error.strerror}")

    section = document.get("smtp", {})
    if not isinstance(section, dict):
        raise UserError(f"[smtp] in {path} must be a table; write it as a [smtp] section")

    unknown = sorted(set(section) - set(ENVIRONMENT_VARIABLES))
    if unknown:
        known = ", ".join(ENVIRONMENT_VARIABLES)
        raise UserError(f"unknown key {unknown[0]!r} in [smtp] of {path}; known keys: {known}")

    sources = {key: f"[smtp] {key} in {path}" for key in section}
    return dict(section), sources


def _validate(values: dict[str, object], sources: dict[str, str], host: str) -> SmtpSettings:
    security = (_text(values, sources, "security") or "starttls").lower()
    if security not in SECURITY_MODES:
        raise UserError(
            f"invalid SMTP security {security!r} ({sources['security']}); "
            f"use one of: {', '.join(SECURITY_MODES)}"
        )

    port = _port(values, sources, security)
    sender = _sender(values, sources)
    user = _text(values, sources, "user") or None
    password = _text(values, sources, "password") or None
    if password and not user:
        raise UserError(
            f"an SMTP password is set ({sources['password']}) but no user; "
            f"set [smtp] user or {ENVIRONMENT_VARIABLES['user']}"
        )

    # smtplib encodes AUTH PLAIN and LOGIN as ASCII (CPython 3.11 smtplib.SMTP.auth).
    for key, value in (("user", user), ("password", password)):
        if value and not value.isascii():
            raise UserError(
                f"SMTP {key} from {sources[key]} contains non-ASCII characters, "
                "which Python's smtplib cannot send; use an ASCII value"
            )

    ca_file = None
    ca_text = _text(values, sources, "ca_file")
    if ca_text:
        ca_file = Path(ca_text).expanduser()
        if not ca_file.is_file():
            raise UserError(f"CA file {ca_file} not found ({sources['ca_file']}); give a PEM file")

    return SmtpSettings(
        host=host,
        port=port,
        security=security,
        sender=sender,
        user=user,
        password=password,
        ca_file=ca_file,
        timeout=_timeout(values, sources),
    )


def _text(values: Mapping[str, object], sources: Mapping[str, str], key: str) -> str:
    value = values.get(key)
    if value is None:
        return ""
    if not isinstance(value, str):
        raise UserError(f"SMTP {key} must be a string, got {value!r} ({sources[key]}); quote it")
    return value.strip()


def _port(values: Mapping[str, object], sources: Mapping[str, str], security: str) -> int:
    raw = values.get("port")
    if raw is None or raw == "":
        return DEFAULT_PORTS[security]

    try:
        port = int(raw) if not isinstance(raw, bool) else -1
    except ValueError:
        port = -1
    if not 1 <= port <= 65535:
        raise UserError(f"invalid SMTP port {raw!r} ({sources['port']}); use a number from 1 to 65535")
    return port


def _timeout(values: Mapping[str, object], sources: Mapping[str, str]) -> float:
    raw = values.get("timeout")
    if raw is None or raw == "":
        return DEFAULT_TIMEOUT_SECONDS

    try:
        timeout = float(raw) if not isinstance(raw, bool) else 0.0
    except ValueError:
        timeout = 0.0
    if not 0 < timeout <= 600:
        raise UserError(
            f"invalid SMTP timeout {raw!r} ({sources['timeout']}); use seconds between 0 and 600"
        )
    return timeout


def _sender(values: Mapping[str, object], sources: Mapping[str, str]) -> str:
    sender = _text(values, sources, "from")
    if not sender:
        raise UserError(
            f"SMTP host is set but the sender address is missing; "
            f"set [smtp] from or {ENVIRONMENT_VARIABLES['from']}"
        )

    if not parse_address(sender):
        raise UserError(
            f"invalid sender address {sender!r} ({sources['from']}); "
            f"use name@example.org or \"Ops Team <ops@example.org>\""
        )
    return sender


def parse_address(text: str) -> Address | None:
    """Parse one mailbox such as ``Ops <ops@example.org>``; return None when it is not one."""
    try:
        header = headerregistry.HeaderRegistry()("To", text)
    except (HeaderParseError, ValueError, IndexError):
        return None

    # A non-ASCII local part is valid under RFC 6531 (SMTPUTF8), so only other defects reject.
    defects = [d for d in header.defects if not isinstance(d, NonASCIILocalPartDefect)]
    if defects or len(header.addresses) != 1:
        return None
    address = header.addresses[0]
    if not address.username or not address.domain:
        return None
    return address


def _warn_if_readable_by_others(path: Path) -> None:
    try:
        mode = path.stat().st_mode
    except OSError:
        return
    if mode & (stat.S_IRWXG | stat.S_IRWXO):
        log.warning(
            "config file %s holds the SMTP password but is readable by others; run chmod 600 %s",
            path,
            path,
        )
