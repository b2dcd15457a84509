"""The one exception type for everything that goes wrong talking to Zabbix."""

from opstui.errors import OpstuiError

# Kinds let the CLI and screens add a hint without parsing the message.
KIND_API = "api"
KIND_AUTH = "auth"
KIND_UNREACHABLE = "unreachable"
KIND_TLS = "tls"
KIND_TIMEOUT = "timeout"
KIND_HTTP = "http"
KIND_VERSION = "version"
KIND_CLIENT = "client"
KIND_CONFIG = "config"


class ZabbixError(OpstuiError):
    """A Zabbix call failed: ``call`` names the API method, ``message`` is Zabbix's text."""

    def __init__(self, call: str, message: str, kind: str = KIND_API, code: int | None = None):
        super().__init__(f"Zabbix {call} failed: {message}")
        self.call = call
        self.message = message
        self.kind = kind
        self.code = code
