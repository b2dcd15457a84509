"""Zabbix connection settings: the user's config file, then OPSTUI_ZABBIX_* variables.

Secrets (the API token, the password) live only here, in a file readable by its owner
alone, and never in the shared database.
"""

from __future__ import annotations

import os
import re
import stat
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Mapping

from opstui.config import config_section, ensure_private_config_file
from opstui.errors import UserError
from opstui.paths import config_file_path

SECTION = "zabbix"
DEFAULT_TIMEOUT_SECONDS = 30.0
API_PATH = "api_jsonrpc.php"

# Config key -> environment variable; the variable wins over the file.
ENVIRONMENT_VARIABLES = {
    "url": "OPSTUI_ZABBIX_URL",
    "token": "OPSTUI_ZABBIX_TOKEN",
    "user": "OPSTUI_ZABBIX_USER",
    "password": "OPSTUI_ZABBIX_PASSWORD",
    "verify": "OPSTUI_ZABBIX_VERIFY",
    "ca_bundle": "OPSTUI_ZABBIX_CA_BUNDLE",
    "timeout": "OPSTUI_ZABBIX_TIMEOUT",
    "instruction_base_url": "OPSTUI_ZABBIX_INSTRUCTION_BASE_URL",
}
SECRET_KEYS = ("token", "password")
TRUE_TEXTS = {"1", "true", "yes", "on"}
FALSE_TEXTS = {"0", "false", "no", "off"}


@dataclass(frozen=True)
class ZabbixSettings:
    """How to reach and log in to one Zabbix API."""

    url: str
    token: str | None = field(default=None, repr=False)
    user: str | None = None
    password: str | None = field(default=None, repr=False)
    verify: bool = True
    ca_bundle: str | None = None
    timeout: float = DEFAULT_TIMEOUT_SECONDS
    instruction_base_url: str | None = None

    @property
    def api_url(self) -> str:
        """The JSON-RPC endpoint; users may give the frontend URL or the endpoint itself."""
        if self.url.rstrip("/").endswith(API_PATH):
            return self.url.rstrip("/")
        return self.url.rstrip("/") + "/" + API_PATH


def config_path() -> Path:
    """Return the user's opstui config file (config.toml in the platform config folder)."""
    return config_file_path()


def read_zabbix_section(path: Path | None = None) -> dict:
    """Return the [zabbix] table of the config file, or {} when the file is absent."""
    return config_section(SECTION, path or config_path())


def load_zabbix_settings(path: Path | None = None, environ: Mapping[str, str] | None = None) -> ZabbixSettings:
    """Merge the config file and the environment, check every value, and return the settings."""
    path = path or config_path()
    environ = os.environ if environ is None else environ
    values = dict(read_zabbix_section(path))

    unknown = sorted(set(values) - set(ENVIRONMENT_VARIABLES))
    if unknown:
        raise UserError(
            f"config file {path}: unknown key(s) {', '.join(unknown)} in [{SECTION}]; "
            f"known keys are {', '.join(ENVIRONMENT_VARIABLES)}"
        )

    for key, variable in ENVIRONMENT_VARIABLES.items():
        if environ.get(variable):
            values[key] = environ[variable]

    url = _text(values, "url")
    if not url:
        raise UserError(
            f"no Zabbix URL is set; add url = \"https://zabbix.example.com\" under [{SECTION}] in {path} "
            "or set OPSTUI_ZABBIX_URL"
        )
    if not re.match(r"https?://[^/\s]+", url):
        raise UserError(f"Zabbix URL {url!r} is invalid; it must start with https:// or http://")

    token = _text(values, "token")
    user = _text(values, "user")
    password = _text(values, "password")
    if not token and not (user and password):
        raise UserError(
            f"no Zabbix credentials are set; add token = \"...\" (an API token) under [{SECTION}] in {path}, "
            "or set OPSTUI_ZABBIX_TOKEN, or OPSTUI_ZABBIX_USER and OPSTUI_ZABBIX_PASSWORD"
        )

    ca_bundle = _text(values, "ca_bundle")
    if ca_bundle:
        ca_bundle = str(Path(ca_bundle).expanduser())
        if not Path(ca_bundle).is_file():
            raise UserError(f"Zabbix ca_bundle {ca_bundle} is not a file; give the path of a PEM CA certificate")

    base_url = _text(values, "instruction_base_url")
    if base_url and not re.match(r"https?://[^/\s]+", base_url):
        raise UserError(f"instruction_base_url {base_url!r} is invalid; it must start with https:// or http://")

    return ZabbixSettings(
        url=url,
        token=token,
        user=user,
        password=password,
        verify=_boolean(values, "verify", True),
        ca_bundle=ca_bundle,
        timeout=_timeout(values),
        instruction_base_url=base_url,
    )


def save_zabbix_settings(updates: Mapping[str, object], path: Path | None = None) -> Path:
    """Write keys into the [zabbix] table, keeping the rest of the file, with mode 0600.

    Only the [zabbix] table is rewritten, so comments and other sections stay as they
    were. A value of None removes the key.
    """
    path = path or config_path()
    unknown = sorted(set(updates) - set(ENVIRONMENT_VARIABLES))
    if unknown:
        raise UserError(f"unknown Zabbix setting(s) {', '.join(unknown)}; known settings are {', '.join(ENVIRONMENT_VARIABLES)}")

    values = dict(read_zabbix_section(path))
    for key, value in updates.items():
        if value is None:
            values.pop(key, None)
        else:
            values[key] = value

    old_text = path.read_text(encoding="utf-8") if path.exists() else ""
    new_text = _replace_section(old_text, _format_section(values))
    tomllib.loads(new_text)

    ensure_private_config_file(path)
    temporary = path.with_name(path.name + ".tmp")
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
        handle.write(new_text)
    os.chmod(temporary, 0o600)
    os.replace(temporary, path)
    return path


def config_permission_problem(path: Path | None = None) -> str | None:
    """Return a warning when the config file holds a secret and others can read it."""
    path = path or config_path()
    if not path.exists():
        return None
    mode = stat.S_IMODE(path.stat().st_mode)
    section = read_zabbix_section(path)
    if mode & 0o077 and any(section.get(key) for key in SECRET_KEYS):
        return f"config file {path} holds a Zabbix secret but has mode {mode:04o}; run: chmod 600 {path}"
    return None


def _text(values: Mapping, key: str) -> str | None:
    value = values.get(key)
    if value is None:
        return None
    if not isinstance(value, str):
        raise UserError(f"Zabbix setting {key} = {value!r} is invalid; it must be a string in quotes")
    return value.strip() or None


def _boolean(values: Mapping, key: str, default: bool) -> bool:
    value = values.get(key, default)
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in TRUE_TEXTS:
        return True
    if text in FALSE_TEXTS:
        return False
    raise UserError(f"Zabbix setting {key} = {value!r} is invalid; use true or false")


def _timeout(values: Mapping) -> float:
    value = values.get("timeout", DEFAULT_TIMEOUT_SECONDS)
    try:
        seconds = float(value)
    except (TypeError, ValueError):
        seconds = -1.0
    if isinstance(value, bool) or not 0 < seconds <= 3600:
        raise UserError(f"Zabbix timeout {value!r} is invalid; give seconds between 1 and 3600, e.g. 30")
    return seconds


def _format_value(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    text = str(value)
    escaped = text.replace("\\", "\\\\").replace('"', '\\"')
    escaped = "".join(character if character.isprintable() else f"\\u{ord(character):04x}" for character in escaped)
    return f'"{escaped}"'


def _format_section(values: Mapping[str, object]) -> str:
    lines = [f"[{SECTION}]"]
    lines += [f"{key} = {_format_value(value)}" for key, value in values.items()]
    return "\n".join(lines) + "\n"


def _replace_section(text: str, section_text: str) -> str:
    """Replace the [zabbix] table in ``text`` (or append it), leaving every other line alone."""
    lines = text.splitlines(keepends=True)
    header = re.compile(r"^\s*\[\s*" + SECTION + r"\s*\]\s*(#.*)?$")
    any_header = re.compile(r"^\s*\[")

    start = next((index for index, line in enumerate(lines) if header.match(line.rstrip("\n"))), None)
    if start is None:
        separator = "" if not text or text.endswith("\n\n") else ("\n" if text.endswith("\n") else "\n\n")
        return text + separator + section_text

    end = start + 1
    while end < len(lines) and not any_header.match(lines[end]):
        end += 1
    trailing_blank = "\n" if end < len(lines) else ""
    return "".join(lines[:start]) + section_text + trailing_blank + "".join(lines[end:])
