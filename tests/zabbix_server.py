"""Fixtures that start the real Zabbix API from scripts/zabbix-test-server.

Import them into a test module with ``from zabbix_server import ...``. Tests that use
them are marked ``zabbix``; they skip only when the packages are missing and CI is
unset, because CI installs the packages and must run them. ZABBIX_TEST_VERSION=7.0
in the environment runs them against Zabbix 7.0 instead of 6.0.
"""

import os
import subprocess
import uuid
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parent.parent
SERVER_SCRIPT = REPO_ROOT / "scripts" / "zabbix-test-server"
TLS_PROXY_SCRIPT = REPO_ROOT / "scripts" / "tls-proxy"
EXIT_NOT_INSTALLED = 3
ADMIN_USER = "Admin"
ADMIN_PASSWORD = "zabbix"


def run_server_script(command: str) -> subprocess.CompletedProcess:
    return subprocess.run([str(SERVER_SCRIPT), command], capture_output=True, text=True, timeout=600)


@pytest.fixture(scope="session")
def zabbix_url() -> str:
    """Start (or reuse) the test server once per session and return its API URL."""
    result = run_server_script("start")
    if result.returncode == EXIT_NOT_INSTALLED and not os.environ.get("CI"):
        version = os.environ.get("ZABBIX_TEST_VERSION", "6.0")
        pytest.skip(f"Zabbix {version} test packages are not installed; "
                    f"run: sudo ZABBIX_TEST_VERSION={version} scripts/zabbix-test-server install")
    if result.returncode != 0:
        pytest.fail(f"scripts/zabbix-test-server start failed ({result.returncode}): {result.stderr.strip()}")

    reset = run_server_script("reset")
    if reset.returncode != 0:
        pytest.fail(f"scripts/zabbix-test-server reset failed: {reset.stderr.strip()}")
    return result.stdout.strip().splitlines()[-1]


@pytest.fixture
def admin_settings(zabbix_url):
    from opstui.zabbix.settings import ZabbixSettings

    return ZabbixSettings(url=zabbix_url, user=ADMIN_USER, password=ADMIN_PASSWORD, timeout=30)


@pytest.fixture
def admin_client(admin_settings):
    from opstui.zabbix.adapter import ZabbixClient

    client = ZabbixClient(admin_settings)
    client.connect()
    yield client
    client.close()


@pytest.fixture
def api_token(admin_client) -> str:
    """Create an API token for Admin and return its secret."""
    name = f"opstui-test-{uuid.uuid4().hex[:8]}"
    token_id = admin_client.call("token.create", {"name": name, "userid": admin_client.identity.userid})["tokenids"][0]
    return admin_client.call("token.generate", [token_id])[0]["token"]


def unique_name(prefix: str) -> str:
    return f"{prefix} {uuid.uuid4().hex[:8]}"


def create_host_with_trigger(client, name: str | None = None) -> dict:
    """Create a host in a new group with one item and one trigger; return their ids."""
    name = name or unique_name("opstui host")
    group_id = client.call("hostgroup.create", {"name": unique_name("opstui group")})["groupids"][0]
    host_id = client.call("host.create", {
        "host": name.replace(" ", "-"), "name": name, "groups": [{"groupid": group_id}],
        "tags": [{"tag": "team", "value": "db"}], "inventory_mode": 0,
    })["hostids"][0]
    client.call("item.create", {
        "hostid": host_id, "name": "Replication lag", "key_": "pg.lag", "type": 2, "value_type": 0,
    })
    host = name.replace(" ", "-")
    trigger_id = client.call("trigger.create", {
        "description": f"Replication lag high on {name}", "expression": f"last(/{host}/pg.lag)>30", "priority": 3,
    })["triggerids"][0]
    return {"groupid": group_id, "hostid": host_id, "triggerid": trigger_id, "host": host, "name": name}


def create_template(client, name: str | None = None) -> dict:
    name = name or unique_name("opstui template")
    group_id = client.call("templategroup.create" if client.version >= (6, 2) else "hostgroup.create",
                           {"name": unique_name("opstui templates")})["groupids"][0]
    template_id = client.call("template.create", {
        "host": name.replace(" ", "-"), "name": name, "groups": [{"groupid": group_id}],
    })["templateids"][0]
    return {"templateid": template_id, "name": name}
