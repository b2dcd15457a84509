"""The Monitoring tab and the Zabbix review dialog under Textual's Pilot."""

import pytest

from opstui.app import build_app
from opstui.kb.template import render_template
from opstui.screens.task import TaskScreen
from opstui.screens.reason_dialog import ConfirmDialog
from opstui.screens.zabbix import MonitoringTab, ZabbixReviewScreen
from opstui.screens.zabbix_forms import ManualItemForm, ScriptForm
from opstui.screens.zabbix_search import ZabbixSearchDialog
from opstui.services import process as process_service
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
    unique_name,
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


def detail(app) -> str:
    return str(app.screen.query_one("#zabbix-detail").render())


def rows_text(app) -> str:
    option_list = app.screen.query_one("#zabbix-rows")
    return "\n".join(str(option_list.get_option_at_index(index).prompt) for index in range(option_list.option_count))


async def highlight_row(app, pilot, option_id: str) -> None:
    option_list = app.screen.query_one("#zabbix-rows")
    option_list.highlighted = option_list.get_option_index(option_id)
    await pilot.pause()


def messages(app) -> list[str]:
    return [notification.message for notification in app._notifications]


def use_test_server(monkeypatch, url: str, password: str = ADMIN_PASSWORD) -> None:
    monkeypatch.setenv("OPSTUI_ZABBIX_URL", url)
    monkeypatch.setenv("OPSTUI_ZABBIX_USER", ADMIN_USER)
    monkeypatch.setenv("OPSTUI_ZABBIX_PASSWORD", password)


async def test_tab_lists_links_and_manual_items(session, task_id):
    service.link_object(session, task_id, "host", "10084", "Zabbix server [bold]x[/bold]")
    service.add_manual_item(session, task_id, "userparameter", "db-2:/etc/zabbix/pg.conf", "UserParameter=pg.lag,/bin/true")
    app = build_app(session)

    async with app.run_test(size=(120, 40)) as pilot:
        await open_monitoring_tab(app, pilot, task_id)
        rows = rows_text(app)
        first_detail = detail(app)
        item_id = service.list_manual_items(session, task_id)[0]["id"]
        await highlight_row(app, pilot, f"manual-{item_id}")
        manual_detail = detail(app)
        text = summary(app)

    assert "Zabbix server [bold]x[/bold] [10084]" in rows
    assert "(OPEN)" in rows
    assert "Linked by alice" in first_detail
    assert "Place on db-2:/etc/zabbix/pg.conf exactly this text:" in manual_detail
    assert "UserParameter=pg.lag,/bin/true" in manual_detail
    assert "Not pushed yet" in text


async def test_add_script_with_form(session, task_id):
    app = build_app(session)
    async with app.run_test(size=(120, 40)) as pilot:
        await open_monitoring_tab(app, pilot, task_id)
        await pilot.press("a")
        await pilot.pause()
        form = app.screen
        assert isinstance(form, ScriptForm)

        form.query_one("#field-name").value = "Restart replica"
        await pilot.press("ctrl+s")
        await pilot.pause()
        error = str(form.query_one("#form-error").render())
        assert isinstance(app.screen, ScriptForm)

        form.query_one("#field-type").value = "ssh"
        form.query_one("#field-scope").value = "event"
        form.query_one("#field-command").text = "systemctl restart postgresql"
        form.query_one("#field-menu_path").value = "Database/PostgreSQL"
        form.query_one("#field-confirmation").value = "Restart it?"
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert not isinstance(app.screen, ScriptForm)
        rows = rows_text(app)

    assert "command is empty" in error
    scripts = service.list_scripts(session, task_id)
    assert len(scripts) == 1
    assert scripts[0]["type"] == service.SCRIPT_TYPES["ssh"]
    assert scripts[0]["scope"] == service.SCRIPT_SCOPES["event"]
    assert scripts[0]["menu_path"] == "Database/PostgreSQL"
    assert scripts[0]["confirmation"] == "Restart it?"
    assert "Restart replica: systemctl restart postgresql" in rows


async def test_change_script_with_form(session, task_id):
    script_id = service.add_script(session, task_id, name="Check lag", command="pg-lag", type="script",
                                   scope="host", execute_on="agent")
    app = build_app(session)
    async with app.run_test(size=(120, 40)) as pilot:
        await open_monitoring_tab(app, pilot, task_id)
        await highlight_row(app, pilot, f"script-{script_id}")
        await pilot.press("c")
        await pilot.pause()
        form = app.screen
        assert isinstance(form, ScriptForm)
        assert form.query_one("#field-name").value == "Check lag"
        assert form.query_one("#field-execute_on").value == "agent"

        form.query_one("#field-command").text = "pg-lag --seconds"
        await pilot.press("ctrl+s")
        await pilot.pause()
        shown = detail(app)

    script = service.list_scripts(session, task_id)[0]
    assert script["command"] == "pg-lag --seconds"
    assert script["execute_on"] == service.SCRIPT_EXECUTE_ON["agent"]
    assert script["version"] == 2
    assert "pg-lag --seconds" in shown


async def test_change_script_conflict_keeps_form(session, task_id):
    script_id = service.add_script(session, task_id, name="Check lag", command="pg-lag")
    app = build_app(session)
    async with app.run_test(size=(120, 40)) as pilot:
        await open_monitoring_tab(app, pilot, task_id)
        await highlight_row(app, pilot, f"script-{script_id}")
        await pilot.press("c")
        await pilot.pause()
        service.update_script(session, script_id, None, command="changed elsewhere")

        app.screen.query_one("#field-command").text = "mine"
        await pilot.press("ctrl+s")
        await pilot.pause()
        still_open = isinstance(app.screen, ScriptForm)
        error = str(app.screen.query_one("#form-error").render())

    assert still_open
    assert "changed by someone else" in error
    assert service.list_scripts(session, task_id)[0]["command"] == "changed elsewhere"


async def test_manual_item_form_then_done(session, task_id):
    app = build_app(session)
    async with app.run_test(size=(120, 40)) as pilot:
        await open_monitoring_tab(app, pilot, task_id)
        await pilot.press("m")
        await pilot.pause()
        form = app.screen
        assert isinstance(form, ManualItemForm)

        form.query_one("#field-target").value = "db-2:/etc/zabbix/zabbix_agentd.d/pg.conf"
        form.query_one("#field-body").text = "pg.lag /usr/local/bin/pg-lag"
        await pilot.press("ctrl+s")
        await pilot.pause()
        error = str(form.query_one("#form-error").render())

        form.query_one("#field-body").text = "UserParameter=pg.lag,/usr/local/bin/pg-lag"
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert not isinstance(app.screen, ManualItemForm)

        item_id = service.list_manual_items(session, task_id)[0]["id"]
        await highlight_row(app, pilot, f"manual-{item_id}")
        await pilot.press("d")
        await pilot.pause()
        rows = rows_text(app)

        await pilot.press("d")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmDialog)
        await pilot.press("y")
        await pilot.pause()
        reopened_rows = rows_text(app)

    assert "line 1 of the UserParameter text is invalid" in error
    assert "done by alice" in rows
    assert "(OPEN)" in reopened_rows
    assert service.list_manual_items(session, task_id)[0]["done_at"] is None
    assert process_service.checklist(session, task_id)[9]["state"] == "open"


async def test_manual_item_done_ticks_step_ten(session, task_id):
    item_id = service.add_manual_item(session, task_id, "external_check", "zbx:/usr/lib/zabbix/externalscripts/pg",
                                      "#!/bin/sh\necho 1")
    app = build_app(session)
    async with app.run_test(size=(120, 40)) as pilot:
        await open_monitoring_tab(app, pilot, task_id)
        await highlight_row(app, pilot, f"manual-{item_id}")
        await pilot.press("enter")
        await pilot.pause()

    step = process_service.checklist(session, task_id)[9]
    assert step["state"] == "done"
    assert step["by_login"] == "alice"


async def test_unlink_selected_link(session, task_id):
    service.link_object(session, task_id, "host", "10084", "Zabbix server")
    link_id = service.list_links(session, task_id)[0]["id"]
    app = build_app(session)
    async with app.run_test(size=(120, 40)) as pilot:
        await open_monitoring_tab(app, pilot, task_id)
        await highlight_row(app, pilot, f"link-{link_id}")
        await pilot.press("u")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmDialog)
        await pilot.press("y")
        await pilot.pause()
        rows = rows_text(app)

    assert service.list_links(session, task_id) == []
    assert "Zabbix server" not in rows


async def test_keys_need_the_right_row(session, task_id):
    app = build_app(session)
    async with app.run_test(size=(120, 40)) as pilot:
        await open_monitoring_tab(app, pilot, task_id)
        for key in ("u", "c", "d"):
            await pilot.press(key)
            await pilot.pause()
        shown = messages(app)

    assert any("Select a linked host" in message for message in shown)
    assert any("Select a script first" in message for message in shown)
    assert any("Select a manual item first" in message for message in shown)


async def test_search_without_settings_shows_toast(session, task_id):
    app = build_app(session)
    async with app.run_test(size=(120, 40)) as pilot:
        await open_monitoring_tab(app, pilot, task_id)
        await pilot.press("l")
        await pilot.pause()
        assert isinstance(app.screen, ZabbixSearchDialog)
        app.screen.query_one("#zabbix-search-text").value = "lag"
        await pilot.press("enter")
        await wait_until(pilot, lambda: any("Zabbix URL" in message for message in messages(app)))
        still_open = isinstance(app.screen, ZabbixSearchDialog)

    assert still_open
    assert service.list_links(session, task_id) == []


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
async def test_search_and_link_trigger(session, task_id, admin_client, zabbix_url, monkeypatch):
    use_test_server(monkeypatch, zabbix_url)
    objects = create_host_with_trigger(admin_client, unique_name("opstui searched"))
    app = build_app(session)

    async with app.run_test(size=(120, 40)) as pilot:
        await open_monitoring_tab(app, pilot, task_id)
        await pilot.press("l")
        await pilot.pause()
        dialog = app.screen
        dialog.query_one("#zabbix-search-tags").value = "change=42"
        dialog.query_one("#zabbix-search-text").value = objects["name"]
        dialog.query_one("#zabbix-search-text").focus()
        await pilot.press("enter")
        await wait_until(pilot, lambda: dialog.query_one("#zabbix-search-results").option_count > 0)
        result_line = str(dialog.query_one("#zabbix-search-results").get_option_at_index(0).prompt)
        await pilot.press("enter")
        await wait_until(pilot, lambda: not isinstance(app.screen, ZabbixSearchDialog))
        rows = rows_text(app)

    assert f"Replication lag high on {objects['name']} [{objects['triggerid']}]" in result_line
    links = service.list_links(session, task_id)
    assert [(link["object_kind"], link["object_id"]) for link in links] == [("trigger", objects["triggerid"])]
    assert links[0]["tags"] == [{"tag": "change", "value": "42"}]
    assert objects["triggerid"] in rows


@pytest.mark.zabbix
async def test_search_with_bad_password_toast(session, task_id, zabbix_url, monkeypatch):
    use_test_server(monkeypatch, zabbix_url, password="wrong")
    app = build_app(session)

    async with app.run_test(size=(120, 40)) as pilot:
        await open_monitoring_tab(app, pilot, task_id)
        await pilot.press("l")
        await pilot.pause()
        app.screen.query_one("#zabbix-search-text").value = "lag"
        await pilot.press("enter")
        await wait_until(pilot, lambda: any("Zabbix user.login failed" in message for message in messages(app)))
        status = str(app.screen.query_one("#zabbix-search-status").render())

    assert "Search failed" in status


@pytest.mark.zabbix
async def test_review_then_push(session, task_id, admin_client, zabbix_url, monkeypatch):
    use_test_server(monkeypatch, zabbix_url)
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
    use_test_server(monkeypatch, zabbix_url)
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
