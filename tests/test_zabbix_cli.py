"""`opstui zabbix` commands, run as a subprocess like a user would."""

import os
import stat
import subprocess
import sys

import pytest

from opstui.kb.template import render_template
from opstui.services import kb as kb_service
from opstui.services import tasks as task_service
from opstui.services.session import open_session
from opstui.zabbix.settings import config_path, read_zabbix_section
from zabbix_server import (  # noqa: F401 (fixtures)
    ADMIN_PASSWORD,
    ADMIN_USER,
    admin_client,
    admin_settings,
    create_host_with_trigger,
    unique_name,
    zabbix_url,
)


def run_opstui(database, *arguments, stdin: str = "", environ: dict | None = None):
    return subprocess.run(
        [sys.executable, "-m", "opstui", "--db", str(database), *arguments],
        input=stdin, capture_output=True, text=True, timeout=60, env={**os.environ, **(environ or {})},
    )


@pytest.fixture
def database(tmp_path):
    return tmp_path / "opstui.db"


@pytest.fixture
def task_id(database):
    session = open_session(database, login="alice")
    try:
        task_id = task_service.create_request(session, "Add a PostgreSQL replica")
        body = render_template("PostgreSQL replica", {
            "What to watch": "Replication lag.", "Failure criteria": "Lag above 30 s.", "Action on failure": "Page the DBA.",
        })
        instruction_id = kb_service.create_instruction(session, "PostgreSQL replica", body=body, task_id=task_id)
        kb_service.publish(session, instruction_id)
    finally:
        session.close()
    return task_id


def test_check_without_settings_fails(database):
    result = run_opstui(database, "zabbix", "check")
    assert result.returncode == 1
    assert "no Zabbix URL is set" in result.stderr


def test_config_saves_private_file(database):
    result = run_opstui(database, "zabbix", "config", "--url", "https://zabbix.example.com", "--token-stdin",
                        "--timeout", "15", stdin="f" * 64 + "\n")

    assert result.returncode == 0, result.stderr
    assert "f" * 64 not in result.stdout
    assert stat.S_IMODE(config_path().stat().st_mode) == 0o600
    assert read_zabbix_section() == {"url": "https://zabbix.example.com", "timeout": 15.0, "token": "f" * 64}


def test_link_requires_master_task(database):
    result = run_opstui(database, "zabbix", "unlink", "999", "host", "1")
    assert result.returncode == 1
    assert "task 999 not found" in result.stderr


@pytest.fixture
def zabbix_environment(zabbix_url):
    return {"OPSTUI_ZABBIX_URL": zabbix_url, "OPSTUI_ZABBIX_USER": ADMIN_USER, "OPSTUI_ZABBIX_PASSWORD": ADMIN_PASSWORD}


@pytest.mark.zabbix
def test_check_prints_version_and_user(database, zabbix_environment):
    result = run_opstui(database, "zabbix", "check", environ=zabbix_environment)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("Zabbix ")
    assert "logged in as Admin" in result.stdout


@pytest.mark.zabbix
def test_check_bad_token(database, zabbix_url):
    result = run_opstui(database, "zabbix", "check", environ={"OPSTUI_ZABBIX_URL": zabbix_url, "OPSTUI_ZABBIX_TOKEN": "0" * 64})
    assert result.returncode == 1
    assert "Not authorized" in result.stderr
    assert "API tokens" in result.stderr


@pytest.mark.zabbix
def test_check_unreachable(database):
    result = run_opstui(database, "zabbix", "check", environ={"OPSTUI_ZABBIX_URL": "http://127.0.0.1:9", "OPSTUI_ZABBIX_TOKEN": "x"})
    assert result.returncode == 1
    assert "cannot connect" in result.stderr


@pytest.mark.zabbix
def test_link_dry_run_push_and_repeat(database, task_id, zabbix_environment, admin_client):
    objects = create_host_with_trigger(admin_client)
    script_name = unique_name("opstui restart")

    linked = run_opstui(database, "zabbix", "link", str(task_id), "trigger", objects["triggerid"], environ=zabbix_environment)
    assert linked.returncode == 0, linked.stderr
    assert "Replication lag high" in linked.stdout

    added = run_opstui(database, "zabbix", "script", "add", str(task_id), "--name", script_name, "--command", "true",
                       "--scope", "host", environ=zabbix_environment)
    assert added.returncode == 0, added.stderr

    dry = run_opstui(database, "zabbix", "push", str(task_id), "--dry-run", environ=zabbix_environment)
    assert dry.returncode == 0, dry.stderr
    assert "UPDATE    trigger" in dry.stdout
    assert "CREATE    script" in dry.stdout
    assert "+Failure criteria:" in dry.stdout
    assert "2 of 2 object(s) to change" in dry.stdout
    assert admin_client.get_triggers([objects["triggerid"]])[objects["triggerid"]]["comments"] == ""

    pushed = run_opstui(database, "zabbix", "push", str(task_id), environ=zabbix_environment)
    assert pushed.returncode == 0, pushed.stderr
    assert "ticked step(s) 9, 10" in pushed.stdout
    assert "Lag above 30 s." in admin_client.get_triggers([objects["triggerid"]])[objects["triggerid"]]["comments"]

    again = run_opstui(database, "zabbix", "push", str(task_id), "--dry-run", environ=zabbix_environment)
    assert "0 of 2 object(s) to change" in again.stdout

    shown = run_opstui(database, "zabbix", "show", str(task_id), environ=zabbix_environment)
    assert script_name in shown.stdout
    assert " ok " in shown.stdout


@pytest.mark.zabbix
def test_push_failure_exits_nonzero(database, task_id, zabbix_environment, admin_client):
    objects = create_host_with_trigger(admin_client)
    run_opstui(database, "zabbix", "link", str(task_id), "host", objects["hostid"], environ=zabbix_environment)
    admin_client.call("host.delete", [objects["hostid"]])

    result = run_opstui(database, "zabbix", "push", str(task_id), environ=zabbix_environment)

    assert result.returncode == 1
    assert "MISSING" in result.stdout
    assert "1 object(s) failed" in result.stderr
