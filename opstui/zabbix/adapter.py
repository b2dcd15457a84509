"""A thin client over pyzabbix: the only module in opstui that imports it.

Rules it keeps, because pyzabbix 1.3.1 breaks otherwise (measured on real 6.0.14
and 7.0.9 servers):

- parameters go as keyword arguments, or a list unpacked; a list passed as one
  positional argument is nested one level too deep and the server returns HTTP 500;
- its context manager is never used, because ``__exit__`` swallows API errors;
- version detection stays on, so pyzabbix picks the ``auth`` body property or the
  ``Authorization: Bearer`` header (6.4+) by itself.

Every call is synchronous: screens run it in a thread worker, and the session carries
a timeout so a dead server cannot hang that worker forever.
"""

from __future__ import annotations

import importlib.metadata
import logging
import re
from dataclasses import dataclass
from typing import Any

import requests

from opstui.zabbix.errors import (
    KIND_API,
    KIND_AUTH,
    KIND_CLIENT,
    KIND_HTTP,
    KIND_TIMEOUT,
    KIND_TLS,
    KIND_UNREACHABLE,
    KIND_VERSION,
    ZabbixError,
)
from opstui.zabbix.settings import ZabbixSettings

log = logging.getLogger(__name__)

MINIMUM_VERSION = (6, 0)
PYZABBIX_MINIMUM = (1, 3)
SEARCH_LIMIT = 50

AUTH_FAILURE_TEXTS = (
    "not authorized",
    "not authorised",
    "session terminated",
    "incorrect user name or password",
    "api token expired",
)

TRIGGER_FIELDS = ["triggerid", "description", "expression", "comments", "url", "priority", "status", "templateid"]
HOST_FIELDS = ["hostid", "host", "name", "description", "status", "inventory_mode"]
TEMPLATE_FIELDS = ["templateid", "host", "name", "description"]
SCRIPT_FIELDS = [
    "scriptid", "name", "type", "scope", "execute_on", "command", "menu_path", "groupid",
    "usrgrpid", "host_access", "confirmation", "description",
]


@dataclass(frozen=True)
class ServerIdentity:
    """The logged-in user and the server version of one connection."""

    url: str
    version: str
    username: str
    userid: str
    user_type: int | None
    auth_method: str

    @property
    def version_tuple(self) -> tuple[int, int]:
        return parse_version(self.version)


def parse_version(text: str) -> tuple[int, int]:
    """Return (major, minor) of a Zabbix version string such as "6.0.14" or "7.0.0rc1"."""
    match = re.match(r"(\d+)\.(\d+)", text)
    if not match:
        raise ZabbixError("apiinfo.version", f"the server returned an unknown version {text!r}", KIND_VERSION)
    return int(match.group(1)), int(match.group(2))


def check_pyzabbix_distribution() -> str:
    """Return the installed pyzabbix version, or raise when the wrong package provides it.

    Two PyPI distributions install a module named ``pyzabbix``; the older ``py-zabbix``
    cannot log in to Zabbix 6.4 or newer.
    """
    fix = "run: pip uninstall py-zabbix pyzabbix && pip install 'pyzabbix>=1.3.1'"
    providers = importlib.metadata.packages_distributions().get("pyzabbix", [])
    normalized = {name.lower().replace("_", "-") for name in providers}

    if "py-zabbix" in normalized:
        raise ZabbixError("import pyzabbix", f"the py-zabbix package provides the pyzabbix module; {fix}", KIND_CLIENT)
    if "pyzabbix" not in normalized:
        raise ZabbixError("import pyzabbix", f"the pyzabbix package is not installed; {fix}", KIND_CLIENT)

    version = importlib.metadata.version("pyzabbix")
    if parse_version(version) < PYZABBIX_MINIMUM:
        raise ZabbixError("import pyzabbix", f"pyzabbix {version} is too old; {fix}", KIND_CLIENT)
    return version


class _ZabbixSession(requests.Session):
    """A requests session whose explicit TLS setting wins over REQUESTS_CA_BUNDLE.

    requests lets the environment's CA bundle replace the session's ``verify`` for every
    request pyzabbix sends, which would silently ignore the CA bundle or ``verify = false``
    from opstui's config.
    """

    def merge_environment_settings(self, url, proxies, stream, verify, cert):
        settings = super().merge_environment_settings(url, proxies, stream, verify, cert)
        if self.verify is not True:
            settings["verify"] = self.verify
        return settings


def _error_from_exception(call: str, url: str, error: Exception) -> ZabbixError:
    """Turn a requests or pyzabbix exception into one ZabbixError with Zabbix's own text."""
    if isinstance(error, requests.exceptions.SSLError):
        return ZabbixError(
            call,
            f"TLS verification failed for {url}: {_innermost_reason(error)}; "
            "set ca_bundle in the [zabbix] config section to the server's CA certificate",
            KIND_TLS,
        )
    if isinstance(error, requests.exceptions.Timeout):
        return ZabbixError(call, f"request to {url} timed out; raise timeout in the [zabbix] config section", KIND_TIMEOUT)
    if isinstance(error, requests.exceptions.ConnectionError):
        return ZabbixError(call, f"cannot connect to {url}: {_innermost_reason(error)}", KIND_UNREACHABLE)
    if isinstance(error, requests.exceptions.HTTPError):
        status = error.response.status_code if error.response is not None else "unknown"
        return ZabbixError(call, f"HTTP status {status} from {url}; check that the URL points at the Zabbix frontend", KIND_HTTP)

    details = getattr(error, "error", None)
    if isinstance(details, dict):
        data = str(details.get("data") or "").strip()
        summary = str(details.get("message") or "").strip()
        message = data if data and data != "No data" else summary
        kind = KIND_AUTH if any(text in message.lower() for text in AUTH_FAILURE_TEXTS) else KIND_API
        return ZabbixError(call, message or str(error), kind, details.get("code"))
    return ZabbixError(call, str(error) or type(error).__name__, KIND_API)


def _innermost_reason(error: BaseException) -> str:
    """Return the part of a requests error that names the problem (refused, unknown CA)."""
    text = str(error)
    for wrapped in error.args:
        reason = getattr(wrapped, "reason", None)
        if reason is not None:
            text = str(reason)
    errno_match = re.search(r"\[Errno -?\d+\][^'\")]*", text)
    if errno_match:
        return errno_match.group(0).strip()
    return text


def _contains_pattern(text: str) -> str:
    """Return ``*text*`` unless the user wrote a * wildcard of their own."""
    return text if "*" in text else f"*{text}*"


class ZabbixClient:
    """One logged-in connection to a Zabbix API."""

    def __init__(self, settings: ZabbixSettings):
        self.settings = settings
        self._api: Any = None
        self._identity: ServerIdentity | None = None

    # Connection

    def connect(self) -> ServerIdentity:
        """Log in, detect the server version and return who we are."""
        check_pyzabbix_distribution()
        from pyzabbix import ZabbixAPI

        session = _ZabbixSession()
        session.verify = self.settings.ca_bundle or self.settings.verify
        url = self.settings.api_url
        self._api = ZabbixAPI(server=url, session=session, timeout=self.settings.timeout, detect_version=True)

        if self.settings.token:
            auth_method = "token"
            self._guard("login", lambda: self._api.login(api_token=self.settings.token))
        else:
            auth_method = "password"
            self._guard("user.login", lambda: self._api.login(user=self.settings.user or "", password=self.settings.password or ""))

        version = str(self._api.version)
        if parse_version(version) < MINIMUM_VERSION:
            raise ZabbixError(
                "apiinfo.version",
                f"Zabbix {version} at {url} is too old; opstui needs {MINIMUM_VERSION[0]}.{MINIMUM_VERSION[1]} or newer",
                KIND_VERSION,
            )

        # pyzabbix does not check a token at login, so ask the server who it belongs to.
        if auth_method == "token":
            user = self._call("user.checkAuthentication", {"token": self.settings.token})
        else:
            user = self._call("user.checkAuthentication", {"sessionid": self._api.auth})

        self._identity = ServerIdentity(
            url=url,
            version=version,
            username=str(user.get("username") or user.get("alias") or ""),
            userid=str(user.get("userid", "")),
            user_type=int(user["type"]) if "type" in user else None,
            auth_method=auth_method,
        )
        log.info("logged in to Zabbix %s at %s as %s", version, url, self._identity.username)
        return self._identity

    def close(self) -> None:
        """Log out a password session; API tokens have no session to end."""
        if self._api is not None and self._identity and self._identity.auth_method == "password":
            try:
                self._call("user.logout", {})
            except ZabbixError as error:
                log.warning("Zabbix logout failed: %s", error)
        self._api = None
        self._identity = None

    @property
    def identity(self) -> ServerIdentity:
        if self._identity is None:
            raise ZabbixError("connect", "not logged in; call connect() first", KIND_CLIENT)
        return self._identity

    @property
    def version(self) -> tuple[int, int]:
        return self.identity.version_tuple

    # Version-specific features

    @property
    def supports_trigger_url_name(self) -> bool:
        """Trigger ``url_name`` (the link's label) exists from Zabbix 7.0."""
        return self.version >= (7, 0)

    @property
    def supports_url_scripts(self) -> bool:
        """Global scripts of type 6 (URL) exist from Zabbix 7.0."""
        return self.version >= (7, 0)

    @property
    def trigger_url_max_length(self) -> int:
        """Length of the triggers.url column: 255 on 6.0, 2048 from 7.0."""
        # Measured against real 6.0.14 and 7.0.9 servers: the server rejects one character more.
        return 2048 if self.version >= (7, 0) else 255

    # Generic call

    def call(self, method: str, params: dict | list | None = None) -> Any:
        """Call any API method; ``params`` is an object or an array, as the method expects."""
        if self._api is None or self._identity is None:
            raise ZabbixError(method, "not logged in; call connect() first", KIND_CLIENT)
        return self._call(method, params)

    def _call(self, method: str, params: dict | list | None) -> Any:
        object_name, _, verb = method.partition(".")
        function = self._api[object_name][verb]
        if isinstance(params, list):
            return self._guard(method, lambda: function(*params))
        return self._guard(method, lambda: function(**(params or {})))

    def _guard(self, call: str, action):
        try:
            return action()
        except ZabbixError:
            raise
        except Exception as error:  # pyzabbix raises requests errors and its own, nothing narrower
            zabbix_error = _error_from_exception(call, self.settings.api_url, error)
            # The caller shows or logs the error, so this only leaves a trace for debugging.
            log.info("Zabbix %s at %s failed: %s", call, self.settings.api_url, zabbix_error.message)
            raise zabbix_error from error

    # Searches used when linking objects to a task. With searchWildcardsEnabled Zabbix
    # matches the whole name, so text without a * is wrapped in * to find it anywhere.

    def search_hosts(self, text: str, limit: int = SEARCH_LIMIT) -> list[dict]:
        text = _contains_pattern(text)
        return self.call("host.get", {
            "output": HOST_FIELDS, "search": {"name": text, "host": text}, "searchByAny": True,
            "searchWildcardsEnabled": True, "sortfield": "name", "limit": limit,
        })

    def search_templates(self, text: str, limit: int = SEARCH_LIMIT) -> list[dict]:
        text = _contains_pattern(text)
        return self.call("template.get", {
            "output": TEMPLATE_FIELDS, "search": {"name": text, "host": text}, "searchByAny": True,
            "searchWildcardsEnabled": True, "sortfield": "name", "limit": limit,
        })

    def search_triggers(self, text: str, limit: int = SEARCH_LIMIT) -> list[dict]:
        text = _contains_pattern(text)
        return self.call("trigger.get", {
            "output": self._trigger_fields(), "search": {"description": text},
            "searchWildcardsEnabled": True, "selectHosts": ["hostid", "host", "name"],
            "sortfield": "description", "limit": limit,
        })

    # Reading the current state of linked objects

    def get_triggers(self, trigger_ids: list[str]) -> dict[str, dict]:
        """Return triggers by id, with their hosts and tags; ids not found are absent."""
        if not trigger_ids:
            return {}
        rows = self.call("trigger.get", {
            "output": self._trigger_fields(), "triggerids": list(trigger_ids),
            "selectHosts": ["hostid", "host", "name"], "selectTags": "extend",
        })
        return {row["triggerid"]: row for row in rows}

    def get_hosts(self, host_ids: list[str]) -> dict[str, dict]:
        if not host_ids:
            return {}
        rows = self.call("host.get", {
            "output": HOST_FIELDS, "hostids": list(host_ids), "selectTags": "extend",
            "selectInventory": ["notes", "url_a"],
        })
        return {row["hostid"]: row for row in rows}

    def get_templates(self, template_ids: list[str]) -> dict[str, dict]:
        if not template_ids:
            return {}
        rows = self.call("template.get", {
            "output": TEMPLATE_FIELDS, "templateids": list(template_ids), "selectTags": "extend",
        })
        return {row["templateid"]: row for row in rows}

    def get_scripts_by_name(self, names: list[str]) -> dict[str, dict]:
        if not names:
            return {}
        rows = self.call("script.get", {"output": self._script_fields(), "filter": {"name": list(names)}})
        return {row["name"]: row for row in rows}

    def get_scripts_for_hosts(self, host_ids: list[str]) -> dict[str, list[dict]]:
        """Return the scripts each host may run; 7.0 takes host objects, 6.0 bare ids."""
        if not host_ids:
            return {}
        if self.version >= (7, 0):
            return self.call("script.getscriptsbyhosts", [{"hostid": host_id} for host_id in host_ids])
        return self.call("script.getscriptsbyhosts", list(host_ids))

    # Writes

    def update_trigger(self, trigger_id: str, fields: dict) -> None:
        """Update comments, url, url_name (7.0+) or tags of one trigger."""
        fields = dict(fields)
        if "url_name" in fields and not self.supports_trigger_url_name:
            fields.pop("url_name")
        url = fields.get("url")
        if url and len(url) > self.trigger_url_max_length:
            raise ZabbixError(
                "trigger.update",
                f"trigger URL is {len(url)} characters, longer than {self.trigger_url_max_length} "
                f"allowed by Zabbix {self.identity.version}; shorten instruction_base_url",
                KIND_API,
            )
        self.call("trigger.update", {"triggerid": trigger_id, **fields})

    def update_host(self, host_id: str, fields: dict) -> None:
        """Update description, tags or inventory (notes, url_a) of one host; inventory_mode is never sent."""
        self.call("host.update", {"hostid": host_id, **fields})

    def update_template(self, template_id: str, fields: dict) -> None:
        self.call("template.update", {"templateid": template_id, **fields})

    def create_script(self, fields: dict) -> str:
        self._check_script_type(fields)
        result = self.call("script.create", dict(fields))
        return str(result["scriptids"][0])

    def update_script(self, script_id: str, fields: dict) -> None:
        self._check_script_type(fields)
        self.call("script.update", {"scriptid": script_id, **fields})

    def _check_script_type(self, fields: dict) -> None:
        if str(fields.get("type", "")) == "6" and not self.supports_url_scripts:
            raise ZabbixError(
                "script.create",
                f"URL scripts (type 6) need Zabbix 7.0 or newer; this server runs {self.identity.version}",
                KIND_VERSION,
            )

    def _trigger_fields(self) -> list[str]:
        if self.supports_trigger_url_name:
            return TRIGGER_FIELDS + ["url_name"]
        return TRIGGER_FIELDS

    def _script_fields(self) -> list[str]:
        if self.supports_url_scripts:
            return SCRIPT_FIELDS + ["url", "new_window"]
        return SCRIPT_FIELDS
