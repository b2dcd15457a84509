"""SQL for team-wide settings (JSON values keyed by name)."""

import json
from typing import Any

from opstui.store.clock import now_iso
from opstui.store.database import Store, Transaction


def get_setting(store: Store | Transaction, key: str) -> dict[str, Any] | None:
    row = store.query_one("SELECT key, value, updated_by, updated_at, version FROM team_settings WHERE key = ?",
                          (key,))
    if row is not None:
        row["value"] = json.loads(row["value"])
    return row


def all_settings(store: Store) -> list[dict[str, Any]]:
    rows = store.query("SELECT key, value, updated_by, updated_at, version FROM team_settings ORDER BY key")
    for row in rows:
        row["value"] = json.loads(row["value"])
    return rows


def put_setting(transaction: Transaction, key: str, value: Any, expected_version: int | None) -> bool:
    """Insert or update a setting; False when ``expected_version`` no longer matches."""
    encoded = json.dumps(value, sort_keys=True)
    if expected_version is None:
        cursor = transaction.execute(
            "INSERT INTO team_settings (key, value, updated_by, updated_at) VALUES (?, ?, ?, ?)"
            " ON CONFLICT(key) DO NOTHING",
            (key, encoded, transaction.actor, now_iso()),
        )
        return cursor.rowcount == 1
    cursor = transaction.execute(
        "UPDATE team_settings SET value = ?, updated_by = ?, updated_at = ?, version = version + 1"
        " WHERE key = ? AND version = ?",
        (encoded, transaction.actor, now_iso(), key, expected_version),
    )
    return cursor.rowcount == 1
