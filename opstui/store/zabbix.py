"""SQL for Zabbix links, scripts, manual items and the push record."""

from __future__ import annotations

import json
import sqlite3
from typing import Any

from opstui.store.clock import now_iso
from opstui.store.database import Store, Transaction

SCRIPT_FIELDS = ("name", "type", "scope", "execute_on", "command", "menu_path", "host_group", "confirmation", "description")
SCRIPT_COLUMNS = "id, task_id, " + ", ".join(SCRIPT_FIELDS) + ", created_by, created_at, updated_at, version"
MANUAL_COLUMNS = "id, task_id, kind, target, body, note, done_by, done_at, created_by, created_at, version"


def _decode_tags(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    for row in rows:
        row["tags"] = json.loads(row["tags"] or "[]")
    return rows


# Links


def insert_link(transaction: Transaction, task_id: int, object_kind: str, object_id: str, object_name: str,
                tags: list[dict]) -> int | None:
    """Link one Zabbix object to a task; return None when it is linked already."""
    try:
        cursor = transaction.execute(
            "INSERT INTO zabbix_links (task_id, object_kind, object_id, object_name, tags, linked_by, linked_at)"
            " VALUES (?, ?, ?, ?, ?, ?, ?)",
            (task_id, object_kind, object_id, object_name, json.dumps(tags, ensure_ascii=False),
             transaction.actor, now_iso()),
        )
    except sqlite3.IntegrityError:
        return None
    return cursor.lastrowid


def delete_link(transaction: Transaction, task_id: int, object_kind: str, object_id: str) -> bool:
    cursor = transaction.execute(
        "DELETE FROM zabbix_links WHERE task_id = ? AND object_kind = ? AND object_id = ?",
        (task_id, object_kind, object_id),
    )
    return cursor.rowcount == 1


def links_for_task(store: Store | Transaction, task_id: int) -> list[dict[str, Any]]:
    return _decode_tags(store.query(
        "SELECT id, task_id, object_kind, object_id, object_name, tags, linked_by, linked_at"
        " FROM zabbix_links WHERE task_id = ? ORDER BY object_kind, object_name, id",
        (task_id,),
    ))


# Scripts


def insert_script(transaction: Transaction, task_id: int, fields: dict[str, Any]) -> int:
    now = now_iso()
    names = ", ".join(fields)
    marks = ", ".join("?" for _ in fields)
    cursor = transaction.execute(
        f"INSERT INTO zabbix_scripts (task_id, {names}, created_by, created_at, updated_at)"
        f" VALUES (?, {marks}, ?, ?, ?)",
        (task_id, *fields.values(), transaction.actor, now, now),
    )
    return cursor.lastrowid


def update_script(transaction: Transaction, script_id: int, expected_version: int | None, fields: dict[str, Any]) -> bool:
    """Update a script if it is still at ``expected_version``; False means someone changed it first."""
    unknown = set(fields) - set(SCRIPT_FIELDS)
    if unknown:
        raise ValueError(f"unknown script fields: {sorted(unknown)}")
    assignments = ", ".join(f"{name} = ?" for name in fields)
    sql = f"UPDATE zabbix_scripts SET {assignments}, updated_at = ?, version = version + 1 WHERE id = ?"
    parameters: list[Any] = [*fields.values(), now_iso(), script_id]
    if expected_version is not None:
        sql += " AND version = ?"
        parameters.append(expected_version)
    return transaction.execute(sql, parameters).rowcount == 1


def delete_script(transaction: Transaction, script_id: int) -> bool:
    return transaction.execute("DELETE FROM zabbix_scripts WHERE id = ?", (script_id,)).rowcount == 1


def get_script(store: Store | Transaction, script_id: int) -> dict[str, Any] | None:
    return store.query_one(f"SELECT {SCRIPT_COLUMNS} FROM zabbix_scripts WHERE id = ?", (script_id,))


def find_script(store: Store | Transaction, task_id: int, name: str) -> dict[str, Any] | None:
    return store.query_one(f"SELECT {SCRIPT_COLUMNS} FROM zabbix_scripts WHERE task_id = ? AND name = ?", (task_id, name))


def scripts_for_task(store: Store | Transaction, task_id: int) -> list[dict[str, Any]]:
    return store.query(f"SELECT {SCRIPT_COLUMNS} FROM zabbix_scripts WHERE task_id = ? ORDER BY name", (task_id,))


# Manual items


def insert_manual_item(transaction: Transaction, task_id: int, kind: str, target: str, body: str, note: str) -> int:
    cursor = transaction.execute(
        "INSERT INTO zabbix_manual_items (task_id, kind, target, body, note, created_by, created_at)"
        " VALUES (?, ?, ?, ?, ?, ?, ?)",
        (task_id, kind, target, body, note, transaction.actor, now_iso()),
    )
    return cursor.lastrowid


def set_manual_item_done(transaction: Transaction, item_id: int, done: bool) -> bool:
    if done:
        cursor = transaction.execute(
            "UPDATE zabbix_manual_items SET done_by = ?, done_at = ?, version = version + 1 WHERE id = ?",
            (transaction.actor, now_iso(), item_id),
        )
    else:
        cursor = transaction.execute(
            "UPDATE zabbix_manual_items SET done_by = NULL, done_at = NULL, version = version + 1 WHERE id = ?",
            (item_id,),
        )
    return cursor.rowcount == 1


def get_manual_item(store: Store | Transaction, item_id: int) -> dict[str, Any] | None:
    return store.query_one(f"SELECT {MANUAL_COLUMNS} FROM zabbix_manual_items WHERE id = ?", (item_id,))


def manual_items_for_task(store: Store | Transaction, task_id: int) -> list[dict[str, Any]]:
    return store.query(f"SELECT {MANUAL_COLUMNS} FROM zabbix_manual_items WHERE task_id = ? ORDER BY id", (task_id,))


# Pushes


def insert_push(transaction: Transaction, task_id: int, *, started_at: str, zabbix_url: str, zabbix_user: str,
                server_version: str, outcome: str, objects: list[dict[str, Any]]) -> int:
    """Record one push and its per-object results in the same transaction."""
    cursor = transaction.execute(
        "INSERT INTO zabbix_pushes (task_id, pushed_by, started_at, finished_at, zabbix_url, zabbix_user,"
        " server_version, outcome) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        (task_id, transaction.actor, started_at, now_iso(), zabbix_url, zabbix_user, server_version, outcome),
    )
    push_id = cursor.lastrowid
    for item in objects:
        transaction.execute(
            "INSERT INTO zabbix_push_objects (push_id, object_kind, object_key, object_name, action, sent, status, answer)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (push_id, item["object_kind"], item["object_key"], item["object_name"], item["action"],
             json.dumps(item.get("sent") or {}, ensure_ascii=False, sort_keys=True), item["status"], item.get("answer", "")),
        )
    return push_id


def pushes_for_task(store: Store | Transaction, task_id: int, limit: int = 50) -> list[dict[str, Any]]:
    return store.query(
        "SELECT id, task_id, pushed_by, started_at, finished_at, zabbix_url, zabbix_user, server_version, outcome"
        " FROM zabbix_pushes WHERE task_id = ? ORDER BY id DESC LIMIT ?",
        (task_id, limit),
    )


def push_objects(store: Store | Transaction, push_id: int) -> list[dict[str, Any]]:
    rows = store.query(
        "SELECT id, push_id, object_kind, object_key, object_name, action, sent, status, answer"
        " FROM zabbix_push_objects WHERE push_id = ? ORDER BY id",
        (push_id,),
    )
    for row in rows:
        row["sent"] = json.loads(row["sent"] or "{}")
    return rows


# The official instruction a task's monitoring text comes from


def official_instructions_for_task(store: Store | Transaction, task_id: int) -> list[dict[str, Any]]:
    """Return the in-force official revision of each instruction linked to the task.

    The knowledge-base tables may be absent from an older database, which reads as
    no instruction.
    """
    try:
        return store.query(
            "SELECT i.id AS instruction_id, r.number AS revision, r.title, r.body"
            " FROM instruction_tasks it"
            " JOIN instructions i ON i.id = it.instruction_id"
            " JOIN instruction_revisions r ON r.instruction_id = i.id AND r.kind = 'official'"
            "  AND r.number = i.official_revision"
            " WHERE it.task_id = ? GROUP BY i.id ORDER BY i.id",
            (task_id,),
        )
    except sqlite3.OperationalError as error:
        if "no such table" in str(error):
            return []
        raise

