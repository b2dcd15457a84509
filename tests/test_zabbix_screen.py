"""The Monitoring tab and the Zabbix review dialog under Textual's Pilot."""

import pytest

from opstui.app import build_app
from opstui.kb.template import render_template
from opstui.screens.task import TaskScreen
from opstui.screens.zabbix import MonitoringTab, ZabbixReviewScreen
from opstui.services import kb as kb_service
from opstui.services import tasks as task_service
from opstui.services import zabbix as service
from opstui.services.session import open_session
from zabbix_server import (  # noqa: F401 (fixtures)
    ADMIN_PASSWORD,
    ADMIN_USER,
    admin_client,
    admin_settings,
    create_host_with_trigger,
    zabbix_url,
)


@pytest.fixture(autouse=True)
def only_monitoring_tab(monkeypatch):
    """Build the task screen with the Monitoring tab alone, so other tabs cannot break these tests."""
    from opstui.screens import task_tabs

    monkeypatch.setattr(task_tabs, "TAB_MODULES", ["opstui.screens.zabbix"])


@pytest.fixture
def session(tmp_path):
    session = open_session(tmp_path / "screen.db", login="alice")
    yield session
    session.close()


@pytest.fixture
def task_id(session):
    task_id = task_service.create_request(session, "Add a PostgreSQL replica")
    body = render_template("PostgreSQL replica", {
        "What to watch": "Replication lag.", "Failure criteria": "Lag above 30 s.", "Action on failure": "Page the DBA.",
    })
    instruction_id = kb_service.create_instruction(session, "PostgreSQL replica", body=body, task_id=task_id)
    kb_service.publish(session, instruction_id)
    return task_id


async def wait_until(pilot, condition, seconds: float = 20.0) -> None:
    """Let the app run until ``condition()`` holds; thread workers finish in the background."""
    import time

    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "condition not met in time"
        await pilot.pause(0.05)


async def open_monitoring_tab(app, pilot, task_id):
    await app.push_screen(TaskScreen(task_id))
    await pilot.pause()
    app.screen.query_one("#task-tabs").active = "tab-zabbix"
    await pilot.pause()
    tab = app.screen.query_one(MonitoringTab)
    tab.focus()
    await pilot.pause()
    return tab


def summary(app) -> str:
    return str(app.screen.query_one("#zabbix-summary").render())


async def test_tab_lists_links_and_manual_items(session, task_id):
    service.link_object(session, task_id, "host", "10084", "Zabbix server [bold]x[/bold]")
    service.add_manual_item(session, task_id, "userparameter", "db-2:/etc/zabbix/pg.conf", "UserParameter=pg.lag,/bin/true")
    app = build_app(session)

    async with app.run_test(size=(120, 40)) as pilot:
        await open_monitoring_tab(app, pilot, task_id)
        text = summary(app)

    assert "Zabbix server [bold]x[/bold] [10084]" in text
    assert "UserParameter=pg.lag,/bin/true" in text
    assert "(OPEN)" in text
    assert "Not pushed yet" in text


async def test_review_without_settings_shows_error(session, task_id):
    app = build_app(session)
    async with app.run_test(size=(120, 40)) as pilot:
        await open_monitoring_tab(app, pilot, task_id)
        await pilot.press("r")
        await wait_until(pilot, lambda: any("Zabbix URL" in item.message for item in app._notifications))
        messages = [notification.message for notification in app._notifications]
        assert not isinstance(app.screen, ZabbixReviewScreen)
    assert any("no Zabbix URL is set" in message for message in messages)


@pytest.mark.zabbix
async def test_review_then_push(session, task_id, admin_client, zabbix_url, monkeypatch):
    monkeypatch.setenv("OPSTUI_ZABBIX_URL", zabbix_url)
    monkeypatch.setenv("OPSTUI_ZABBIX_USER", ADMIN_USER)
    monkeypatch.setenv("OPSTUI_ZABBIX_PASSWORD", ADMIN_PASSWORD)
    objects = create_host_with_trigger(admin_client)
    service.link_object(session, task_id, "trigger", objects["triggerid"], "lag trigger")
    app = build_app(session)

    async with app.run_test(size=(120, 40)) as pilot:
        await open_monitoring_tab(app, pilot, task_id)
        await pilot.press("r")
        await wait_until(pilot, lambda: isinstance(app.screen, ZabbixReviewScreen) and bool(app.screen.query("#zabbix-review-diff")))
        diff = str(app.screen.query_one("#zabbix-review-diff").render())
        assert "UPDATE    trigger lag trigger" in diff
        assert admin_client.get_triggers([objects["triggerid"]])[objects["triggerid"]]["comments"] == ""

        await pilot.press("p")
        await wait_until(pilot, lambda: "Last push" in summary(app))
        text = summary(app)

    assert "Last push: ok by alice" in text
    assert "Lag above 30 s." in admin_client.get_triggers([objects["triggerid"]])[objects["triggerid"]]["comments"]


@pytest.mark.zabbix
async def test_review_cancel_sends_nothing(session, task_id, admin_client, zabbix_url, monkeypatch):
    monkeypatch.setenv("OPSTUI_ZABBIX_URL", zabbix_url)
    monkeypatch.setenv("OPSTUI_ZABBIX_USER", ADMIN_USER)
    monkeypatch.setenv("OPSTUI_ZABBIX_PASSWORD", ADMIN_PASSWORD)
    objects = create_host_with_trigger(admin_client)
    service.link_object(session, task_id, "trigger", objects["triggerid"], "lag trigger")
    app = build_app(session)

    async with app.run_test(size=(120, 40)) as pilot:
        await open_monitoring_tab(app, pilot, task_id)
        await pilot.press("r")
        await wait_until(pilot, lambda: isinstance(app.screen, ZabbixReviewScreen) and bool(app.screen.query("#zabbix-review-diff")))
        await pilot.press("escape")
        await wait_until(pilot, lambda: not isinstance(app.screen, ZabbixReviewScreen))

    assert service.list_pushes(session, task_id) == []
    assert admin_client.get_triggers([objects["triggerid"]])[objects["triggerid"]]["comments"] == ""
