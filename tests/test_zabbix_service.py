"""Zabbix service: links, scripts, manual items on a real SQLite file; review and push on a real Zabbix."""

import pytest

from opstui.errors import NotFoundError, UserError
from opstui.kb.template import render_template
from opstui.services import kb as kb_service
from opstui.services import process as process_service
from opstui.services import tasks as task_service
from opstui.services import zabbix as service
from opstui.services.session import open_session
from opstui.store import zabbix as zabbix_rows
from zabbix_server import (  # noqa: F401 (fixtures)
    admin_client,
    admin_settings,
    create_host_with_trigger,
    create_template,
    unique_name,
    zabbix_url,
)

MONITORING = {
    "What to watch": "Replication lag on the new replica.",
    "Failure criteria": "Lag above 30 s for 5 minutes.",
    "Action on failure": "Page the DBA on call and stop the application's writes.",
}


@pytest.fixture
def session(tmp_path):
    session = open_session(tmp_path / "opstui.db", login="alice")
    yield session
    session.close()


@pytest.fixture
def task_id(session):
    return task_service.create_request(session, "Add a PostgreSQL replica")


@pytest.fixture
def published_instruction(session, task_id):
    body = render_template("PostgreSQL replica", MONITORING)
    instruction_id = kb_service.create_instruction(session, "PostgreSQL replica", body=body, task_id=task_id)
    kb_service.publish(session, instruction_id)
    return instruction_id


def process_step(session, task_id, step):
    return session.store.query_one("SELECT state, by_login, at FROM process_steps WHERE task_id = ? AND step = ?",
                                   (task_id, step))


def step_events(session, task_id, step):
    """Return (kind, reason) of the step events of one step, oldest first."""
    rows = session.store.query(
        "SELECT kind, json_extract(data, '$.reason') AS reason FROM events"
        " WHERE task_id = ? AND entity = 'process_step' AND entity_id = ? ORDER BY id",
        (task_id, str(step)),
    )
    return [(row["kind"], row["reason"]) for row in rows]


def checklist_state(session, task_id, step):
    return process_service.checklist(session, task_id)[step - 1]["state"]


def test_link_rejects_subtask(session, task_id):
    subtask_id = task_service.add_subtask(session, task_id, "Install packages")
    with pytest.raises(UserError, match="master task"):
        service.link_object(session, subtask_id, "host", "10084", "Zabbix server")


def test_link_rejects_bad_kind_and_id(session, task_id):
    with pytest.raises(UserError, match="kind 'item' is invalid"):
        service.link_object(session, task_id, "item", "1", "x")
    with pytest.raises(UserError, match="ids are numbers"):
        service.link_object(session, task_id, "host", "db-1", "x")


def test_link_missing_task(session):
    with pytest.raises(NotFoundError):
        service.link_object(session, 999, "host", "1", "x")


def test_link_twice_keeps_one(session, task_id):
    first = service.link_object(session, task_id, "host", "10084", "Zabbix server", [{"tag": "a", "value": "1"}])
    second = service.link_object(session, task_id, "host", "10084", "Zabbix server")

    assert first is not None
    assert second is None
    links = service.list_links(session, task_id)
    assert len(links) == 1
    assert links[0]["tags"] == [{"tag": "a", "value": "1"}]
    assert links[0]["linked_by"] == "alice"


def test_unlink(session, task_id):
    service.link_object(session, task_id, "trigger", "5", "CPU")
    assert service.unlink_object(session, task_id, "trigger", "5") is True
    assert service.unlink_object(session, task_id, "trigger", "5") is False


def test_parse_tags():
    assert service.parse_tags(["service=postgresql", "owner"]) == [
        {"tag": "service", "value": "postgresql"}, {"tag": "owner", "value": ""},
    ]
    with pytest.raises(UserError, match="name=value"):
        service.parse_tags(["=x"])


def test_add_script_by_names(session, task_id):
    script_id = service.add_script(session, task_id, name="Restart nginx", type="ssh", scope="host",
                                   execute_on="server", command="systemctl restart nginx")
    script = zabbix_rows.get_script(session.store, script_id)

    assert (script["type"], script["scope"], script["execute_on"]) == (2, 2, 1)
    assert script["created_by"] == "alice"


def test_add_script_rejects_bad_values(session, task_id):
    with pytest.raises(UserError, match="type 'bash' is invalid"):
        service.add_script(session, task_id, name="x", type="bash", command="true")
    with pytest.raises(UserError, match="command is empty"):
        service.add_script(session, task_id, name="x", command=" ")
    service.add_script(session, task_id, name="x", command="true")
    with pytest.raises(UserError, match="already has a script named 'x'"):
        service.add_script(session, task_id, name="x", command="false")


def test_update_script_checks_version(session, task_id):
    script_id = service.add_script(session, task_id, name="x", command="true")
    updated = service.update_script(session, script_id, expected_version=1, command="echo ok")
    assert updated["command"] == "echo ok"

    from opstui.errors import ConflictError

    with pytest.raises(ConflictError):
        service.update_script(session, script_id, expected_version=1, command="echo late")


def test_manual_items_drive_step_ten(session, task_id):
    first = service.add_manual_item(session, task_id, "userparameter", "db-2", "UserParameter=pg.lag,/bin/true")
    second = service.add_manual_item(session, task_id, "external_check", "zbx:/usr/lib/zabbix/externalscripts/pg", "#!/bin/sh")

    service.set_manual_item_done(session, first, True)
    assert checklist_state(session, task_id, 10) == "open"

    service.set_manual_item_done(session, second, True)
    assert checklist_state(session, task_id, 10) == "done"

    service.set_manual_item_done(session, first, False)
    assert checklist_state(session, task_id, 10) == "open"

    service.set_manual_item_done(session, first, True)
    service.add_manual_item(session, task_id, "other", "db-2", "restart the agent")
    assert checklist_state(session, task_id, 10) == "open"

    kinds = [kind for kind, _reason in step_events(session, task_id, 10)]
    assert kinds == ["step.done", "step.reopened", "step.done", "step.reopened"]
    reasons = [reason for _kind, reason in step_events(session, task_id, 10)]
    assert reasons[0].startswith(f"manual item {second} done")
    assert reasons[-1].startswith("manual item")
    assert "added" in reasons[-1]


def test_skipped_step_ten_stays_skipped(session, task_id):
    process_service.skip_step(session, task_id, 10, "no monitoring scripts for this change")
    service.add_manual_item(session, task_id, "userparameter", "db-2", "UserParameter=pg.lag,/bin/true")

    assert checklist_state(session, task_id, 10) == "skipped"


def test_manual_item_tick_and_reopen(session, task_id):
    item_id = service.add_manual_item(session, task_id, "userparameter", "db-2:/etc/zabbix/zabbix_agentd.d/pg.conf",
                                      "UserParameter=pg.lag,/usr/local/bin/pg-lag")
    done = service.set_manual_item_done(session, item_id, True)
    assert done["done_by"] == "alice"
    assert done["done_at"]

    reopened = service.set_manual_item_done(session, item_id, False)
    assert reopened["done_at"] is None

    with pytest.raises(UserError, match="kind 'cron' is invalid"):
        service.add_manual_item(session, task_id, "cron", "x", "y")


def test_monitoring_source_from_official_instruction(session, task_id, published_instruction):
    source = service.monitoring_source(session, task_id, None)

    assert source.section["what_to_watch"] == MONITORING["What to watch"]
    assert source.section["action_on_failure"] == MONITORING["Action on failure"]
    assert source.title == "PostgreSQL replica"
    assert source.url is None


def test_monitoring_source_needs_published_revision(session, task_id):
    body = render_template("Draft only", MONITORING)
    kb_service.create_instruction(session, "Draft only", body=body, task_id=task_id)
    assert service.monitoring_source(session, task_id, None) is None


def test_instruction_link_templates():
    assert service.instruction_link("https://kb.example.com/i", 7, "PG Replica") == "https://kb.example.com/i/7"
    assert service.instruction_link("https://kb.example.com/{slug}.html", 7, "PG Replica!") == "https://kb.example.com/pg-replica.html"
    assert service.instruction_link(None, 7, "x") is None


# Real Zabbix server


@pytest.fixture
def client(admin_settings):
    from dataclasses import replace

    from opstui.zabbix.adapter import ZabbixClient

    client = ZabbixClient(replace(admin_settings, instruction_base_url="https://kb.example.com/instructions/{id}"))
    client.connect()
    yield client
    client.close()


@pytest.mark.zabbix
def test_push_documentation_and_scripts(session, task_id, published_instruction, client):
    objects = create_host_with_trigger(client)
    template = create_template(client)
    script_name = unique_name("opstui restart")
    client.update_trigger(objects["triggerid"], {"comments": "Written by hand before opstui."})

    service.link_object(session, task_id, "trigger", objects["triggerid"], "lag trigger")
    service.link_object(session, task_id, "host", objects["hostid"], objects["name"], [{"tag": "change", "value": str(task_id)}])
    service.link_object(session, task_id, "template", template["templateid"], template["name"])
    service.add_script(session, task_id, name=script_name, type="script", scope="host", execute_on="server",
                       command="systemctl restart nginx", menu_path="opstui/db", confirmation="Restart nginx?")

    review = service.build_review(session, client, task_id)
    assert [change.action for change in review.changes] == ["update", "update", "update", "create"]

    result = service.push(session, client, review)
    assert result.outcome == "ok"
    assert result.ticked_steps == [9, 10]

    trigger = client.get_triggers([objects["triggerid"]])[objects["triggerid"]]
    assert trigger["comments"].startswith("Written by hand before opstui.\n\n--- opstui: task")
    assert "Failure criteria:\nLag above 30 s for 5 minutes." in trigger["comments"]
    assert trigger["url"] == f"https://kb.example.com/instructions/{published_instruction}"

    host = client.get_hosts([objects["hostid"]])[objects["hostid"]]
    assert "Replication lag on the new replica." in host["description"]
    assert {(tag["tag"], tag["value"]) for tag in host["tags"]} == {("team", "db"), ("change", str(task_id))}

    script = client.get_scripts_by_name([script_name])[script_name]
    assert script["command"] == "systemctl restart nginx"
    assert script["menu_path"] == "opstui/db"

    step = process_step(session, task_id, 9)
    assert step["state"] == "done"
    assert step["by_login"] == "alice"
    assert checklist_state(session, task_id, 10) == "done"
    for number in (9, 10):
        events = step_events(session, task_id, number)
        assert [kind for kind, _reason in events] == ["step.done"]
        assert events[0][1].startswith(f"Zabbix push {result.push_id} to ")
    pushes = service.list_pushes(session, task_id)
    assert pushes[0]["outcome"] == "ok"
    assert pushes[0]["zabbix_user"] == "Admin"
    assert {item["status"] for item in pushes[0]["objects"]} == {"ok"}

    again = service.build_review(session, client, task_id)
    assert again.pending == []
    second = service.push(session, client, again)
    assert {item["status"] for item in second.objects} == {"unchanged"}
    assert second.ticked_steps == []
    assert len(step_events(session, task_id, 9)) == 1


@pytest.mark.zabbix
def test_partial_failure_then_retry(session, task_id, published_instruction, client):
    kept = create_host_with_trigger(client)
    doomed = create_host_with_trigger(client)
    service.link_object(session, task_id, "trigger", kept["triggerid"], "kept")
    service.link_object(session, task_id, "trigger", doomed["triggerid"], "doomed")
    service.add_script(session, task_id, name=unique_name("opstui url"), type="url", scope="host",
                       command="https://kb.example.com")
    client.call("host.delete", [doomed["hostid"]])

    result = service.push(session, client, service.build_review(session, client, task_id))

    assert result.outcome == "partial"
    assert result.ticked_steps == []
    statuses = {item["object_name"]: item["status"] for item in result.objects}
    assert statuses["kept"] == "ok"
    assert statuses["doomed"] == "missing"
    url_script = [item for item in result.objects if item["object_kind"] == "script"][0]
    if client.supports_url_scripts:
        assert url_script["status"] == "ok"
    else:
        assert url_script["status"] == "failed"
        assert "7.0" in url_script["answer"]
    assert process_step(session, task_id, 9) is None or process_step(session, task_id, 9)["state"] != "done"

    service.unlink_object(session, task_id, "trigger", doomed["triggerid"])
    for script in service.list_scripts(session, task_id):
        service.remove_script(session, script["id"])
    retry = service.push(session, client, service.build_review(session, client, task_id))

    assert retry.outcome == "ok"
    assert [item["status"] for item in retry.objects] == ["unchanged"]
    assert retry.ticked_steps == [9]


@pytest.mark.zabbix
def test_open_manual_item_keeps_step_ten(session, task_id, published_instruction, client):
    service.add_script(session, task_id, name=unique_name("opstui check"), command="true", scope="host")
    service.add_manual_item(session, task_id, "userparameter", "db-2", "UserParameter=pg.lag,/bin/true")

    result = service.push(session, client, service.build_review(session, client, task_id))

    assert result.outcome == "ok"
    assert 10 not in result.ticked_steps
    assert checklist_state(session, task_id, 10) == "open"

    item_id = service.list_manual_items(session, task_id)[0]["id"]
    service.set_manual_item_done(session, item_id, True)
    assert checklist_state(session, task_id, 10) == "done"


@pytest.mark.zabbix
def test_manual_item_waits_for_a_good_push(session, task_id, published_instruction, client):
    service.add_script(session, task_id, name=unique_name("opstui check"), command="true", scope="host")
    item_id = service.add_manual_item(session, task_id, "userparameter", "db-2", "UserParameter=pg.lag,/bin/true")

    service.set_manual_item_done(session, item_id, True)
    assert checklist_state(session, task_id, 10) == "open"

    result = service.push(session, client, service.build_review(session, client, task_id))
    assert result.ticked_steps == [10]
    assert checklist_state(session, task_id, 10) == "done"


@pytest.mark.zabbix
def test_unknown_host_group_reported(session, task_id, client):
    service.add_script(session, task_id, name=unique_name("opstui grp"), command="true", host_group="No such group")
    review = service.build_review(session, client, task_id)

    assert review.changes[0].action == "missing"
    assert "No such group" in review.changes[0].message


def host_inventory(client, host_id):
    return client.call("host.get", {"output": ["hostid", "inventory_mode"], "hostids": [host_id],
                                    "selectInventory": ["notes"]})[0]


@pytest.mark.zabbix
@pytest.mark.parametrize("mode", ["0", "1"])
def test_push_inventory_notes_keeps_own_text(session, task_id, published_instruction, client, mode):
    objects = create_host_with_trigger(client)
    client.call("host.update", {"hostid": objects["hostid"], "inventory_mode": int(mode),
                                "inventory": {"notes": "Rack 4, row B. Written by hand."}})
    service.link_object(session, task_id, "host", objects["hostid"], objects["name"])

    review = service.build_review(session, client, task_id)
    change = review.changes[0]
    assert change.action == "update"
    assert {field_change.field for field_change in change.changes} == {"description", "inventory"}
    assert "Rack 4, row B." in str(change.changes[1].current)

    result = service.push(session, client, review)
    assert result.outcome == "ok"

    host = host_inventory(client, objects["hostid"])
    assert host["inventory_mode"] == mode
    assert host["inventory"]["notes"].startswith("Rack 4, row B. Written by hand.\n\n--- opstui: task")
    assert "Action on failure:\nPage the DBA on call" in host["inventory"]["notes"]

    again = service.build_review(session, client, task_id)
    assert again.pending == []


@pytest.mark.zabbix
def test_push_leaves_disabled_inventory_alone(session, task_id, published_instruction, client):
    objects = create_host_with_trigger(client)
    client.call("host.update", {"hostid": objects["hostid"], "inventory_mode": -1})
    service.link_object(session, task_id, "host", objects["hostid"], objects["name"])

    review = service.build_review(session, client, task_id)
    assert [field_change.field for field_change in review.changes[0].changes] == ["description"]
    assert "inventory" not in review.changes[0].params

    result = service.push(session, client, review)
    assert result.outcome == "ok"
    host = host_inventory(client, objects["hostid"])
    assert host["inventory_mode"] == "-1"
    assert host["inventory"] == []
    assert "Replication lag on the new replica." in client.get_hosts([objects["hostid"]])[objects["hostid"]]["description"]
