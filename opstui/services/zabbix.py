"""Zabbix for a master task: linked objects, scripts, manual items, review and push.

Steps 9 and 10 of the process. Everything that talks to Zabbix takes a connected
``ZabbixClient`` and is synchronous, so screens call it from a thread worker. A
review reads the current objects from Zabbix and computes what opstui would send;
a push sends exactly the reviewed parameters, records every object's result and
ticks steps 9 and 10 only when every object succeeded. Step 10 also waits for the
manual items (things the API cannot deploy): it reopens while one of them is open.
Steps change through the process service, which writes their events.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from typing import Any

from opstui.errors import NotFoundError, UserError
from opstui.kb.sections import monitoring_details
from opstui.services import process
from opstui.services.session import Session
from opstui.store import process as process_rows
from opstui.store import zabbix as store
from opstui.store.clock import now_iso
from opstui.store.database import Transaction
from opstui.store.tasks import get_task
from opstui.zabbix.adapter import ZabbixClient
from opstui.zabbix.diff import (
    ACTION_MISSING,
    ACTION_UNCHANGED,
    ObjectChange,
    diff_object,
    merge_tags,
)
from opstui.zabbix.errors import ZabbixError
from opstui.zabbix.monitoring import (
    build_host_description,
    build_trigger_comments,
    build_url_name,
    merge_block,
)
from opstui.zabbix.settings import ZabbixSettings

log = logging.getLogger(__name__)

OBJECT_KINDS = ("host", "template", "trigger")
SCRIPT_TYPES = {"script": 0, "ipmi": 1, "ssh": 2, "telnet": 3, "webhook": 5, "url": 6}
SCRIPT_SCOPES = {"action": 1, "host": 2, "event": 4}
SCRIPT_EXECUTE_ON = {"agent": 0, "server": 1, "proxy": 2}
MANUAL_KINDS = ("userparameter", "external_check", "alert_script", "other")
STEP_DOCUMENTATION = 9
STEP_SCRIPTS = 10
TAG_PATTERN = re.compile(r"^([^=]+)(?:=(.*))?$")
# The agent's format: UserParameter=<key>,<shell command>; the key may end in [*].
USER_PARAMETER_PATTERN = re.compile(r"^UserParameter=[^,=\s]+,\S.*$")


@dataclass
class MonitoringSource:
    """The monitoring section a push writes, and the instruction it comes from."""

    section: dict[str, str]
    title: str | None
    url: str | None
    block_key: str


@dataclass
class Review:
    """Every object's change for one task, computed against the live Zabbix server."""

    task_id: int
    changes: list[ObjectChange]
    manual_items: list[dict[str, Any]]
    source: MonitoringSource | None
    server_version: str
    notes: list[str] = field(default_factory=list)

    @property
    def pending(self) -> list[ObjectChange]:
        return [change for change in self.changes if change.needs_push]


@dataclass
class PushResult:
    """What a push did, per object, and whether steps 9 and 10 were ticked."""

    push_id: int
    outcome: str
    objects: list[dict[str, Any]]
    ticked_steps: list[int]

    @property
    def failed(self) -> list[dict[str, Any]]:
        return [item for item in self.objects if item["status"] in ("failed", "missing")]


# Helpers


def master_task(session: Session, task_id: int) -> dict[str, Any]:
    """Return the task, or raise when it is missing or not a master task."""
    task = get_task(session.store, task_id)
    if task is None or task.get("deleted_at"):
        raise NotFoundError(f"task {task_id} not found; list tasks with `opstui task list`")
    if task["kind"] != "master":
        parent = f" (its master task is {task['parent_id']})" if task.get("parent_id") else ""
        raise UserError(f"task {task_id} is a {task['kind']} task{parent}; Zabbix monitoring belongs to a master task")
    return task


def parse_tags(values: list[str] | tuple[str, ...]) -> list[dict[str, str]]:
    """Turn ``tag=value`` (or a bare ``tag``) strings into Zabbix tag objects."""
    tags = []
    for value in values:
        match = TAG_PATTERN.match(value.strip())
        if not match or not match.group(1).strip():
            raise UserError(f"tag {value!r} is invalid; write it as name=value, e.g. service=postgresql")
        tags.append({"tag": match.group(1).strip(), "value": (match.group(2) or "").strip()})
    return tags


def describe_object(kind: str, row: dict[str, Any]) -> dict[str, str]:
    """Return the id, name and (for triggers) host names of a host, template or trigger row."""
    if kind == "trigger":
        hosts = ", ".join(host["name"] for host in row.get("hosts", []))
        return {"kind": kind, "id": str(row["triggerid"]), "name": row["description"], "hosts": hosts}
    return {"kind": kind, "id": str(row[f"{kind}id"]), "name": row["name"], "hosts": ""}


def search_objects(client: ZabbixClient, kind: str, text: str) -> list[dict[str, str]]:
    """Find hosts, templates or triggers whose name contains ``text`` (* is a wildcard)."""
    if kind not in OBJECT_KINDS:
        raise UserError(f"Zabbix object kind {kind!r} is invalid; use one of {', '.join(OBJECT_KINDS)}")
    text = text.strip()
    if not text:
        raise UserError("the search text is empty; type part of a name, e.g. postgres")
    search = {"host": client.search_hosts, "template": client.search_templates, "trigger": client.search_triggers}[kind]
    return [describe_object(kind, row) for row in search(text)]


def check_manual_body(kind: str, body: str) -> None:
    """Check that a UserParameter text is lines of ``UserParameter=key,command`` (comments allowed)."""
    if kind != "userparameter":
        return
    for number, line in enumerate(body.splitlines(), start=1):
        line = line.strip()
        if line and not line.startswith("#") and not USER_PARAMETER_PATTERN.match(line):
            raise UserError(f"line {number} of the UserParameter text is invalid: {line[:80]!r}; "
                            "write UserParameter=key,command, e.g. UserParameter=pg.lag,/usr/local/bin/pg-lag")


def _choice(value: str | int, choices: dict[str, int], what: str) -> int:
    if isinstance(value, int) and value in choices.values():
        return value
    text = str(value).strip().lower()
    if text in choices:
        return choices[text]
    if text.isdigit() and int(text) in choices.values():
        return int(text)
    names = ", ".join(f"{name} ({number})" for name, number in choices.items())
    raise UserError(f"script {what} {value!r} is invalid; use one of {names}")


# Links


def link_object(session: Session, task_id: int, object_kind: str, object_id: str, object_name: str,
                tags: list[dict[str, str]] | None = None) -> int | None:
    """Link a Zabbix host, template or trigger to a master task; None when already linked."""
    master_task(session, task_id)
    if object_kind not in OBJECT_KINDS:
        raise UserError(f"Zabbix object kind {object_kind!r} is invalid; use one of {', '.join(OBJECT_KINDS)}")
    if not str(object_id).strip().isdigit():
        raise UserError(f"Zabbix {object_kind} id {object_id!r} is invalid; ids are numbers, find them with `opstui zabbix search`")

    def write(transaction: Transaction) -> int | None:
        link_id = store.insert_link(transaction, task_id, object_kind, str(object_id).strip(), object_name, tags or [])
        if link_id is not None:
            transaction.event("zabbix.linked", task_id=task_id, entity="zabbix_link", entity_id=link_id,
                              data={"kind": object_kind, "object_id": str(object_id), "name": object_name})
        return link_id

    return session.store.write(session.login, write)


def unlink_object(session: Session, task_id: int, object_kind: str, object_id: str) -> bool:
    master_task(session, task_id)

    def write(transaction: Transaction) -> bool:
        removed = store.delete_link(transaction, task_id, object_kind, str(object_id))
        if removed:
            transaction.event("zabbix.unlinked", task_id=task_id, entity="zabbix_link", entity_id=str(object_id),
                              data={"kind": object_kind, "object_id": str(object_id)})
        return removed

    return session.store.write(session.login, write)


def list_links(session: Session, task_id: int) -> list[dict[str, Any]]:
    return store.links_for_task(session.store, task_id)


def is_linked(session: Session, task_id: int, object_kind: str, object_id: str) -> bool:
    return any(link["object_kind"] == object_kind and link["object_id"] == str(object_id)
               for link in store.links_for_task(session.store, task_id))


# Scripts


def clean_script_fields(fields: dict[str, Any]) -> dict[str, Any]:
    """Check and normalize script fields given by name (type "ssh", scope "host", ...)."""
    cleaned: dict[str, Any] = {}
    for name, value in fields.items():
        if name not in store.SCRIPT_FIELDS:
            raise UserError(f"unknown script field {name!r}; use {', '.join(store.SCRIPT_FIELDS)}")
        if name == "type":
            cleaned[name] = _choice(value, SCRIPT_TYPES, "type")
        elif name == "scope":
            cleaned[name] = _choice(value, SCRIPT_SCOPES, "scope")
        elif name == "execute_on":
            cleaned[name] = _choice(value, SCRIPT_EXECUTE_ON, "execute_on")
        else:
            cleaned[name] = str(value if value is not None else "").strip()

    if "name" in cleaned and not cleaned["name"]:
        raise UserError("script name is empty; give the name shown in Zabbix's menu")
    if "command" in cleaned and not cleaned["command"]:
        raise UserError("script command is empty; give the command (or URL for type url) Zabbix runs")
    return cleaned


def add_script(session: Session, task_id: int, **fields: Any) -> int:
    """Keep a global script with the change; it is created in Zabbix at the next push."""
    master_task(session, task_id)
    cleaned = clean_script_fields(fields)
    if "name" not in cleaned or "command" not in cleaned:
        raise UserError("a script needs a name and a command")

    def write(transaction: Transaction) -> int:
        if store.find_script(transaction, task_id, cleaned["name"]):
            raise UserError(f"task {task_id} already has a script named {cleaned['name']!r}; change it with `opstui zabbix script edit`")
        script_id = store.insert_script(transaction, task_id, cleaned)
        transaction.event("zabbix.script_added", task_id=task_id, entity="zabbix_script", entity_id=script_id,
                          data={"name": cleaned["name"]})
        return script_id

    return session.store.write(session.login, write)


def update_script(session: Session, script_id: int, expected_version: int | None = None, **fields: Any) -> dict[str, Any]:
    cleaned = clean_script_fields(fields)

    def write(transaction: Transaction) -> None:
        script = store.get_script(transaction, script_id)
        if script is None:
            raise NotFoundError(f"Zabbix script {script_id} not found; list them with `opstui zabbix show TASK`")
        if not store.update_script(transaction, script_id, expected_version, cleaned):
            from opstui.errors import ConflictError

            raise ConflictError(f"script {script_id} was changed by someone else; reload and retry",
                                store.get_script(transaction, script_id))
        transaction.event("zabbix.script_changed", task_id=script["task_id"], entity="zabbix_script",
                          entity_id=script_id, data={"fields": sorted(cleaned)})

    session.store.write(session.login, write)
    return store.get_script(session.store, script_id)


def remove_script(session: Session, script_id: int) -> None:
    """Forget a script in opstui; the copy in Zabbix stays, because others may use it."""

    def write(transaction: Transaction) -> None:
        script = store.get_script(transaction, script_id)
        if script is None:
            raise NotFoundError(f"Zabbix script {script_id} not found")
        store.delete_script(transaction, script_id)
        transaction.event("zabbix.script_removed", task_id=script["task_id"], entity="zabbix_script",
                          entity_id=script_id, data={"name": script["name"]})

    session.store.write(session.login, write)


def list_scripts(session: Session, task_id: int) -> list[dict[str, Any]]:
    return store.scripts_for_task(session.store, task_id)


# Manual items


def add_manual_item(session: Session, task_id: int, kind: str, target: str, body: str, note: str = "") -> int:
    """Record something the API cannot deploy, with the exact text to place on the host."""
    master_task(session, task_id)
    if kind not in MANUAL_KINDS:
        raise UserError(f"manual item kind {kind!r} is invalid; use one of {', '.join(MANUAL_KINDS)}")
    if not target.strip() or not body.strip():
        raise UserError("a manual item needs a target (host and file path) and the text to place there")
    check_manual_body(kind, body)

    def write(transaction: Transaction) -> int:
        item_id = store.insert_manual_item(transaction, task_id, kind, target.strip(), body, note.strip())
        transaction.event("zabbix.manual_added", task_id=task_id, entity="zabbix_manual_item", entity_id=item_id,
                          data={"kind": kind, "target": target.strip()})
        _sync_step_ten(transaction, task_id, f"manual item {item_id} added")
        return item_id

    return session.store.write(session.login, write)


def set_manual_item_done(session: Session, item_id: int, done: bool = True) -> dict[str, Any]:
    """Tick a manual item (or open it again); step 10 follows the items' state."""

    def write(transaction: Transaction) -> None:
        item = store.get_manual_item(transaction, item_id)
        if item is None:
            raise NotFoundError(f"manual item {item_id} not found; list them with `opstui zabbix show TASK`")
        store.set_manual_item_done(transaction, item_id, done)
        transaction.event("zabbix.manual_done" if done else "zabbix.manual_reopened", task_id=item["task_id"],
                          entity="zabbix_manual_item", entity_id=item_id, data={"target": item["target"]})
        _sync_step_ten(transaction, item["task_id"], f"manual item {item_id} {'done' if done else 'reopened'}")

    session.store.write(session.login, write)
    return store.get_manual_item(session.store, item_id)


def list_manual_items(session: Session, task_id: int) -> list[dict[str, Any]]:
    return store.manual_items_for_task(session.store, task_id)


def list_pushes(session: Session, task_id: int, limit: int = 20) -> list[dict[str, Any]]:
    pushes = store.pushes_for_task(session.store, task_id, limit)
    for push in pushes:
        push["objects"] = store.push_objects(session.store, push["id"])
    return pushes


# Monitoring source


def instruction_link(base_url: str | None, instruction_id: int, title: str) -> str | None:
    """Return the instruction's URL from the configured base.

    The base may contain ``{id}`` and ``{slug}`` placeholders for knowledge bases
    whose exported pages are named differently; otherwise the id is appended.
    """
    if not base_url:
        return None
    slug = re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-")
    if "{id}" in base_url or "{slug}" in base_url:
        return base_url.replace("{id}", str(instruction_id)).replace("{slug}", slug)
    return base_url.rstrip("/") + "/" + str(instruction_id)


def monitoring_source(session: Session, task_id: int, settings: ZabbixSettings | None) -> MonitoringSource | None:
    """Return the monitoring section of the task's official instruction, or None."""
    instructions = store.official_instructions_for_task(session.store, task_id)
    base_url = settings.instruction_base_url if settings else None
    for instruction in instructions:
        section = monitoring_details(instruction["body"])
        if any(text.strip() for text in section.values()):
            return MonitoringSource(
                section=section,
                title=instruction["title"],
                url=instruction_link(base_url, instruction["instruction_id"], instruction["title"]),
                block_key=f"task {task_id}",
            )
    return None


# Review


def build_review(session: Session, client: ZabbixClient, task_id: int) -> Review:
    """Read every linked object and script from Zabbix and compute what a push would send."""
    master_task(session, task_id)
    source = monitoring_source(session, task_id, client.settings)
    links = store.links_for_task(session.store, task_id)
    scripts = store.scripts_for_task(session.store, task_id)
    review = Review(task_id, [], store.manual_items_for_task(session.store, task_id), source, client.identity.version)

    if links and source is None:
        review.notes.append(
            "no official instruction with a Monitoring section is linked to this task, "
            "so linked objects only get their tags; publish the instruction first"
        )

    review.changes += _review_links(client, links, source)
    review.changes += _review_scripts(client, scripts)
    if any(item["done_at"] is None for item in review.manual_items):
        review.notes.append("manual items are still open; step 10 stays open until someone ticks them")
    return review


def _review_links(client: ZabbixClient, links: list[dict], source: MonitoringSource | None) -> list[ObjectChange]:
    ids = {kind: [link["object_id"] for link in links if link["object_kind"] == kind] for kind in OBJECT_KINDS}
    current = {
        "trigger": client.get_triggers(ids["trigger"]),
        "host": client.get_hosts(ids["host"]),
        "template": client.get_templates(ids["template"]),
    }

    changes = []
    for link in links:
        kind = link["object_kind"]
        existing = current[kind].get(link["object_id"])
        wanted: dict[str, Any] = {}
        if existing is not None:
            wanted = _wanted_documentation(client, kind, existing, link, source)
        changes.append(diff_object(kind, link["object_id"], link["object_name"], existing, wanted))
    return changes


def _wanted_documentation(client: ZabbixClient, kind: str, existing: dict, link: dict,
                          source: MonitoringSource | None) -> dict[str, Any]:
    wanted: dict[str, Any] = {}
    if source is not None:
        if kind == "trigger":
            comments = build_trigger_comments(source.section, source.url, source.title)
            wanted["comments"] = merge_block(existing.get("comments"), source.block_key, comments)
            if source.url:
                wanted["url"] = source.url
                if client.supports_trigger_url_name:
                    wanted["url_name"] = build_url_name(source.title)
        else:
            description = build_host_description(source.section, source.url, source.title)
            wanted["description"] = merge_block(existing.get("description"), source.block_key, description)
            if kind == "host" and inventory_enabled(existing):
                notes = (existing.get("inventory") or {}).get("notes")
                wanted["inventory"] = {"notes": merge_block(notes, source.block_key, description)}
    if link["tags"]:
        wanted["tags"] = merge_tags(existing.get("tags"), link["tags"])
    return wanted


def inventory_enabled(host: dict) -> bool:
    """Tell whether a host keeps an inventory (mode 0 manual or 1 automatic, not -1 disabled).

    opstui reads the mode and never changes it, because turning an inventory on or off
    is the host owner's decision.
    """
    return str(host.get("inventory_mode", "-1")) != "-1" and isinstance(host.get("inventory"), dict)


def _script_params(client: ZabbixClient, script: dict, group_ids: dict[str, str]) -> dict[str, Any]:
    """Return the script.create parameters Zabbix accepts for the script's type and scope."""
    params: dict[str, Any] = {
        "name": script["name"],
        "type": script["type"],
        "scope": script["scope"],
        "description": script["description"],
        "groupid": group_ids.get(script["host_group"], "0") if script["host_group"] else "0",
    }
    if script["type"] == SCRIPT_TYPES["url"]:
        params["url"] = script["command"]
    else:
        params["command"] = script["command"]
    if script["type"] == SCRIPT_TYPES["script"]:
        params["execute_on"] = script["execute_on"]
    # Menu path and confirmation exist only for scripts people run by hand.
    if script["scope"] != SCRIPT_SCOPES["action"]:
        params["menu_path"] = script["menu_path"]
        params["confirmation"] = script["confirmation"]
    return params


def _review_scripts(client: ZabbixClient, scripts: list[dict]) -> list[ObjectChange]:
    if not scripts:
        return []

    group_names = sorted({script["host_group"] for script in scripts if script["host_group"]})
    group_ids: dict[str, str] = {}
    if group_names:
        rows = client.call("hostgroup.get", {"output": ["groupid", "name"], "filter": {"name": group_names}})
        group_ids = {row["name"]: row["groupid"] for row in rows}

    existing = client.get_scripts_by_name([script["name"] for script in scripts])
    changes = []
    for script in scripts:
        params = _script_params(client, script, group_ids)
        current = existing.get(script["name"])
        key = current["scriptid"] if current else script["name"]
        change = diff_object("script", key, script["name"], current, params, creatable=True)
        if script["host_group"] and script["host_group"] not in group_ids:
            change.action = ACTION_MISSING
            change.message = f"host group {script['host_group']!r} does not exist in Zabbix; create it or change the script's host group"
        changes.append(change)
    return changes


# Push


def push(session: Session, client: ZabbixClient, review: Review) -> PushResult:
    """Send the reviewed changes object by object, record the results, tick steps 9 and 10.

    A failure stops nothing: every object is tried and reported, so a retry sends only
    what is still different.
    """
    task_id = review.task_id
    master_task(session, task_id)
    started_at = now_iso()
    results = [_push_one(client, change) for change in review.changes]

    failed = [item for item in results if item["status"] in ("failed", "missing")]
    if not failed:
        outcome = "ok"
    elif len(failed) == len(results):
        outcome = "failed"
    else:
        outcome = "partial"

    manual_items = store.manual_items_for_task(session.store, task_id)
    manual_open = any(item["done_at"] is None for item in manual_items)
    due_steps = []
    if not failed:
        if any(item["object_kind"] in OBJECT_KINDS for item in results):
            due_steps.append(STEP_DOCUMENTATION)
        has_scripts = any(item["object_kind"] == "script" for item in results)
        if (has_scripts or manual_items) and not manual_open:
            due_steps.append(STEP_SCRIPTS)

    identity = client.identity
    ticked: list[int] = []

    def write(transaction: Transaction) -> int:
        push_id = store.insert_push(
            transaction, task_id, started_at=started_at, zabbix_url=identity.url, zabbix_user=identity.username,
            server_version=identity.version, outcome=outcome, objects=results,
        )
        transaction.event("zabbix.pushed", task_id=task_id, entity="zabbix_push", entity_id=push_id, data={
            "outcome": outcome, "url": identity.url,
            "sent": sum(1 for item in results if item["status"] == "ok"), "failed": len(failed),
        })
        reason = f"Zabbix push {push_id} to {identity.url} succeeded for every object"
        ticked.clear()
        ticked.extend(_tick_steps(transaction, task_id, due_steps, reason))
        return push_id

    push_id = session.store.write(session.login, write)
    log.info("Zabbix push %s of task %s to %s: %s (%d failed)", push_id, task_id, identity.url, outcome, len(failed))
    return PushResult(push_id, outcome, results, list(ticked))


def _push_one(client: ZabbixClient, change: ObjectChange) -> dict[str, Any]:
    result = {
        "object_kind": change.kind, "object_key": change.key, "object_name": change.label,
        "action": change.action, "sent": change.params, "status": "ok", "answer": "",
    }
    if change.action == ACTION_UNCHANGED:
        result["status"] = "unchanged"
        return result
    if change.action == ACTION_MISSING:
        result["status"] = "missing"
        result["answer"] = change.message
        return result

    try:
        if change.kind == "trigger":
            client.update_trigger(change.key, change.params)
        elif change.kind == "host":
            client.update_host(change.key, change.params)
        elif change.kind == "template":
            client.update_template(change.key, change.params)
        elif change.action == "create":
            script_id = client.create_script(change.params)
            result["object_key"] = script_id
            result["answer"] = f"created script {script_id}"
        else:
            client.update_script(change.key, change.params)
        result["answer"] = result["answer"] or "updated"
    except ZabbixError as error:
        log.warning("Zabbix push of %s %s failed: %s", change.kind, change.key, error)
        result["status"] = "failed"
        result["answer"] = error.message
    return result


def _tick_steps(transaction: Transaction, task_id: int, steps: list[int], reason: str) -> list[int]:
    """Tick the steps not yet done through the process service; return the ones it ticked.

    The process service writes the step.done event, so the checklist and the audit
    trail show a push like any other tick.
    """
    rows = process_rows.step_rows(transaction, task_id)
    ticked = []
    for step in steps:
        if process.step_state(rows, step) != "done":
            process.tick_for_action(transaction, task_id, step, reason)
            ticked.append(step)
    return ticked


def _scripts_pushed(transaction: Transaction, task_id: int) -> bool:
    """Tell whether the last push succeeded and every script kept with the task is unchanged since."""
    scripts = store.scripts_for_task(transaction, task_id)
    if not scripts:
        return True
    pushes = store.pushes_for_task(transaction, task_id, limit=1)
    if not pushes or pushes[0]["outcome"] != "ok":
        return False
    pushed = {item["object_name"] for item in store.push_objects(transaction, pushes[0]["id"])
              if item["object_kind"] == "script" and item["status"] in ("ok", "unchanged")}
    return all(script["name"] in pushed and script["updated_at"] <= pushes[0]["finished_at"] for script in scripts)


def _sync_step_ten(transaction: Transaction, task_id: int, because: str) -> None:
    """Keep step 10 in line with the manual items: open while one is open, done once all are.

    Only a done step is reopened: a step someone skipped with a reason stays skipped.
    """
    items = store.manual_items_for_task(transaction, task_id)
    state = process.step_state(process_rows.step_rows(transaction, task_id), STEP_SCRIPTS)
    if any(item["done_at"] is None for item in items):
        if state == "done":
            process.reopen_for_action(transaction, task_id, STEP_SCRIPTS, f"{because}; a manual Zabbix item is open")
    elif items and state == "open" and _scripts_pushed(transaction, task_id):
        process.tick_for_action(transaction, task_id, STEP_SCRIPTS, f"{because}; every manual Zabbix item is done")
