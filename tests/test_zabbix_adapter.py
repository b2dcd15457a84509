"""The pyzabbix adapter: unit checks, then calls against the real test server."""

import subprocess
from urllib.parse import urlparse

import pytest
import requests

from opstui.zabbix import adapter
from opstui.zabbix.adapter import ZabbixClient, check_pyzabbix_distribution, parse_version
from opstui.zabbix.errors import KIND_AUTH, KIND_CLIENT, KIND_HTTP, KIND_TLS, KIND_UNREACHABLE, KIND_VERSION, ZabbixError
from opstui.zabbix.settings import ZabbixSettings
from zabbix_server import (  # noqa: F401 (fixtures)
    TLS_PROXY_SCRIPT,
    admin_client,
    admin_settings,
    api_token,
    create_host_with_trigger,
    create_template,
    unique_name,
    zabbix_url,
)


def test_parse_version():
    assert parse_version("6.0.14") == (6, 0)
    assert parse_version("7.0.0rc1") == (7, 0)
    with pytest.raises(ZabbixError, match="unknown version"):
        parse_version("latest")


def test_distribution_check_accepts_pyzabbix():
    assert parse_version(check_pyzabbix_distribution()) >= (1, 3)


def test_distribution_check_rejects_py_zabbix(monkeypatch):
    monkeypatch.setattr(adapter.importlib.metadata, "packages_distributions", lambda: {"pyzabbix": ["py-zabbix"]})
    with pytest.raises(ZabbixError) as raised:
        check_pyzabbix_distribution()
    assert raised.value.kind == KIND_CLIENT
    assert "pip uninstall py-zabbix" in str(raised.value)


def test_distribution_check_missing(monkeypatch):
    monkeypatch.setattr(adapter.importlib.metadata, "packages_distributions", lambda: {})
    with pytest.raises(ZabbixError, match="not installed"):
        check_pyzabbix_distribution()


def test_api_error_names_call_and_message():
    from pyzabbix import ZabbixAPIException

    error = ZabbixAPIException("x", -32602, error={"code": -32602, "message": "Invalid params.", "data": "Not authorized."})
    converted = adapter._error_from_exception("host.get", "http://z", error)

    assert str(converted) == "Zabbix host.get failed: Not authorized."
    assert converted.kind == KIND_AUTH
    assert converted.code == -32602


def test_call_before_connect_rejected():
    client = ZabbixClient(ZabbixSettings(url="http://127.0.0.1:9", token="t"))
    with pytest.raises(ZabbixError, match="not logged in"):
        client.call("host.get", {})


def test_unreachable_server_reported():
    with socket_closed_port() as port:
        client = ZabbixClient(ZabbixSettings(url=f"http://127.0.0.1:{port}", token="t", timeout=5))
        with pytest.raises(ZabbixError) as raised:
            client.connect()
    assert raised.value.kind == KIND_UNREACHABLE
    assert "Connection refused" in str(raised.value)


class socket_closed_port:
    """A loopback port that was just free, so nothing listens on it."""

    def __enter__(self):
        import socket

        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            return probe.getsockname()[1]

    def __exit__(self, *exc_info):
        return False


# Real server




@pytest.mark.zabbix
def test_password_login(admin_settings):
    client = ZabbixClient(admin_settings)
    identity = client.connect()

    assert identity.username == "Admin"
    assert identity.auth_method == "password"
    assert identity.version_tuple >= (6, 0)
    client.close()


@pytest.mark.zabbix
def test_token_login(zabbix_url, api_token):
    client = ZabbixClient(ZabbixSettings(url=zabbix_url, token=api_token))
    identity = client.connect()

    assert identity.username == "Admin"
    assert identity.auth_method == "token"
    assert client.call("host.get", {"output": ["hostid"], "limit": 1})


@pytest.mark.zabbix
def test_bad_token_rejected(zabbix_url):
    client = ZabbixClient(ZabbixSettings(url=zabbix_url, token="0" * 64))
    with pytest.raises(ZabbixError) as raised:
        client.connect()
    assert raised.value.kind == KIND_AUTH
    assert "Not authorized" in str(raised.value)


@pytest.mark.zabbix
def test_bad_password_rejected(zabbix_url):
    client = ZabbixClient(ZabbixSettings(url=zabbix_url, user="Admin", password="wrong"))
    with pytest.raises(ZabbixError) as raised:
        client.connect()
    assert raised.value.kind == KIND_AUTH
    assert raised.value.call == "user.login"
    assert "Incorrect user name or password" in str(raised.value)


@pytest.mark.zabbix
def test_wrong_path_reported_as_http(zabbix_url):
    root = zabbix_url.rsplit("/", 1)[0]
    client = ZabbixClient(ZabbixSettings(url=root + "/nothing-here/api_jsonrpc.php", token="t"))
    with pytest.raises(ZabbixError) as raised:
        client.connect()
    assert raised.value.kind == KIND_HTTP
    assert "HTTP status 404" in str(raised.value)


@pytest.mark.zabbix
def test_version_features_match_server(admin_client):
    seven = admin_client.version >= (7, 0)
    assert admin_client.supports_trigger_url_name is seven
    assert admin_client.supports_url_scripts is seven
    assert admin_client.trigger_url_max_length == (2048 if seven else 255)


@pytest.mark.zabbix
def test_list_parameters_unpacked(admin_client):
    objects = create_host_with_trigger(admin_client)

    # A list passed as one positional argument would be nested and fail on the server.
    deleted = admin_client.call("host.delete", [objects["hostid"]])

    assert deleted["hostids"] == [objects["hostid"]]
    assert admin_client.get_hosts([objects["hostid"]]) == {}


@pytest.mark.zabbix
def test_api_error_from_server(admin_client):
    with pytest.raises(ZabbixError) as raised:
        admin_client.call("host.update", {"hostid": "999999999", "description": "x"})
    assert raised.value.call == "host.update"
    assert "No permissions to referred object or it does not exist!" in raised.value.message


@pytest.mark.zabbix
def test_search_and_read_linked_objects(admin_client):
    objects = create_host_with_trigger(admin_client)
    template = create_template(admin_client)

    hosts = admin_client.search_hosts(objects["name"])
    triggers = admin_client.search_triggers("Replication lag high on " + objects["name"])
    templates = admin_client.search_templates(template["name"])

    assert [host["hostid"] for host in hosts] == [objects["hostid"]]
    assert [trigger["triggerid"] for trigger in triggers] == [objects["triggerid"]]
    assert [row["templateid"] for row in templates] == [template["templateid"]]
    # Zabbix 7.0 adds "automatic": "0" to each host tag, so compare the pairs.
    tags = admin_client.get_hosts([objects["hostid"]])[objects["hostid"]]["tags"]
    assert [(tag["tag"], tag["value"]) for tag in tags] == [("team", "db")]
    assert admin_client.get_triggers([objects["triggerid"]])[objects["triggerid"]]["hosts"][0]["hostid"] == objects["hostid"]


@pytest.mark.zabbix
def test_search_finds_part_of_name(admin_client):
    objects = create_host_with_trigger(admin_client)
    suffix = objects["name"].split()[-1]

    by_part = admin_client.search_triggers(suffix)
    by_wildcard = admin_client.search_triggers(f"Replication*{suffix}")
    by_anchored = admin_client.search_triggers(f"{suffix}*")

    assert [trigger["triggerid"] for trigger in by_part] == [objects["triggerid"]]
    assert [trigger["triggerid"] for trigger in by_wildcard] == [objects["triggerid"]]
    assert by_anchored == []


@pytest.mark.zabbix
def test_trigger_update_read_back(admin_client):
    objects = create_host_with_trigger(admin_client)

    admin_client.update_trigger(objects["triggerid"], {
        "comments": "Page the DBA", "url": "https://kb.example.com/pg", "url_name": "Instruction",
    })
    trigger = admin_client.get_triggers([objects["triggerid"]])[objects["triggerid"]]

    assert trigger["comments"] == "Page the DBA"
    assert trigger["url"] == "https://kb.example.com/pg"
    if admin_client.supports_trigger_url_name:
        assert trigger["url_name"] == "Instruction"


@pytest.mark.zabbix
def test_trigger_url_too_long_rejected(admin_client):
    objects = create_host_with_trigger(admin_client)
    url = "https://kb.example.com/" + "x" * admin_client.trigger_url_max_length

    with pytest.raises(ZabbixError, match="longer than"):
        admin_client.update_trigger(objects["triggerid"], {"url": url})


@pytest.mark.zabbix
def test_host_update_inventory_and_tags(admin_client):
    objects = create_host_with_trigger(admin_client)

    admin_client.update_host(objects["hostid"], {
        "description": "watch lag", "inventory": {"notes": "see runbook"},
        "tags": [{"tag": "team", "value": "db"}, {"tag": "change", "value": "T-1"}],
    })
    host = admin_client.get_hosts([objects["hostid"]])[objects["hostid"]]

    assert host["description"] == "watch lag"
    assert host["inventory"]["notes"] == "see runbook"
    assert {(tag["tag"], tag["value"]) for tag in host["tags"]} == {("team", "db"), ("change", "T-1")}


@pytest.mark.zabbix
def test_script_create_update_and_scripts_by_host(admin_client):
    objects = create_host_with_trigger(admin_client)
    name = unique_name("opstui restart")

    script_id = admin_client.create_script({
        "name": name, "type": 0, "scope": 2, "execute_on": 1, "command": "systemctl restart nginx",
        "groupid": objects["groupid"], "confirmation": "Restart nginx?",
    })
    admin_client.update_script(script_id, {"description": "Restarts nginx"})

    stored = admin_client.get_scripts_by_name([name])[name]
    assert stored["scriptid"] == script_id
    assert stored["description"] == "Restarts nginx"
    assert stored["execute_on"] == "1"

    by_host = admin_client.get_scripts_for_hosts([objects["hostid"]])
    assert name in {script["name"] for script in by_host[objects["hostid"]]}


@pytest.mark.zabbix
def test_trigger_url_limit_matches_server(admin_client):
    objects = create_host_with_trigger(admin_client)
    limit = admin_client.trigger_url_max_length
    longest = "https://kb.example.com/" + "x" * (limit - len("https://kb.example.com/"))

    admin_client.update_trigger(objects["triggerid"], {"url": longest})
    stored = admin_client.get_triggers([objects["triggerid"]])[objects["triggerid"]]["url"]
    assert len(stored) == limit

    # Past the guard in update_trigger, the server itself rejects one character more.
    with pytest.raises(ZabbixError, match="url"):
        admin_client.call("trigger.update", {"triggerid": objects["triggerid"], "url": longest + "x"})


@pytest.mark.zabbix
def test_url_script_on_seven(admin_client):
    if not admin_client.supports_url_scripts:
        pytest.skip("URL scripts need Zabbix 7.0 or newer")
    objects = create_host_with_trigger(admin_client)
    name = unique_name("opstui url")

    admin_client.create_script({"name": name, "type": 6, "scope": 2, "url": "https://kb.example.com/pg",
                                "groupid": objects["groupid"]})

    stored = admin_client.get_scripts_by_name([name])[name]
    assert stored["url"] == "https://kb.example.com/pg"
    by_host = admin_client.get_scripts_for_hosts([objects["hostid"]])
    assert name in {script["name"] for script in by_host[objects["hostid"]]}


@pytest.mark.zabbix
def test_url_script_needs_seven(admin_client):
    if admin_client.supports_url_scripts:
        pytest.skip("the server supports URL scripts (Zabbix 7.0 or newer)")
    with pytest.raises(ZabbixError) as raised:
        admin_client.create_script({"name": unique_name("url"), "type": 6, "scope": 2, "url": "https://x"})
    assert raised.value.kind == KIND_VERSION


@pytest.fixture
def tls_proxy(zabbix_url, tmp_path):
    """Start scripts/tls-proxy in front of the test server; yield (https URL, cert path)."""
    upstream = urlparse(zabbix_url)
    process = subprocess.Popen(
        [str(TLS_PROXY_SCRIPT), "--upstream", f"127.0.0.1:{upstream.port}", "--cert-dir", str(tmp_path / "tls")],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    try:
        line = process.stdout.readline().split()
        if len(line) != 2:
            pytest.fail(f"tls-proxy did not start: {process.stderr.read() if process.poll() is not None else ''}")
        yield line[0] + upstream.path, line[1]
    finally:
        process.terminate()
        process.wait(timeout=10)


@pytest.mark.zabbix
def test_tls_self_signed_rejected(tls_proxy):
    url, _cert = tls_proxy
    client = ZabbixClient(ZabbixSettings(url=url, user="Admin", password="zabbix"))
    with pytest.raises(ZabbixError) as raised:
        client.connect()
    assert raised.value.kind == KIND_TLS
    assert "CERTIFICATE_VERIFY_FAILED" in str(raised.value)
    assert "ca_bundle" in str(raised.value)


@pytest.mark.zabbix
def test_tls_with_ca_bundle(tls_proxy, monkeypatch):
    url, cert = tls_proxy
    # The environment's bundle must not replace the configured one.
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", requests.certs.where())
    client = ZabbixClient(ZabbixSettings(url=url, user="Admin", password="zabbix", ca_bundle=cert))
    assert client.connect().username == "Admin"
    client.close()


@pytest.mark.zabbix
def test_tls_verify_off(tls_proxy):
    url, _cert = tls_proxy
    client = ZabbixClient(ZabbixSettings(url=url, user="Admin", password="zabbix", verify=False))
    assert client.connect().username == "Admin"
    client.close()
