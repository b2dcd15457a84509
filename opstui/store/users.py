"""SQL for the users table."""

from typing import Any

from opstui.store.clock import now_iso
from opstui.store.database import Store, Transaction

USER_COLUMNS = "login, display_name, email, role, active, profile_confirmed, created_at, version"


def get_user(store: Store | Transaction, login: str) -> dict[str, Any] | None:
    return store.query_one(f"SELECT {USER_COLUMNS} FROM users WHERE login = ?", (login,))


def list_users(store: Store, *, include_inactive: bool = True) -> list[dict[str, Any]]:
    where = "" if include_inactive else "WHERE active = 1"
    return store.query(f"SELECT {USER_COLUMNS} FROM users {where} ORDER BY login")


def count_users(transaction: Transaction) -> int:
    return transaction.query_one("SELECT count(*) AS n FROM users")["n"]


def insert_user(transaction: Transaction, login: str, display_name: str, email: str, role: str,
                *, profile_confirmed: bool) -> None:
    transaction.execute(
        "INSERT INTO users (login, display_name, email, role, profile_confirmed, created_at)"
        " VALUES (?, ?, ?, ?, ?, ?)",
        (login, display_name, email, role, int(profile_confirmed), now_iso()),
    )


def update_user(transaction: Transaction, login: str, expected_version: int, **fields: Any) -> bool:
    """Apply ``fields`` if the row is still at ``expected_version``; return False if it moved on."""
    allowed = {"display_name", "email", "role", "active", "profile_confirmed"}
    unknown = set(fields) - allowed
    if unknown:
        raise ValueError(f"unknown user fields: {sorted(unknown)}")
    assignments = ", ".join(f"{name} = ?" for name in fields)
    cursor = transaction.execute(
        f"UPDATE users SET {assignments}, version = version + 1 WHERE login = ? AND version = ?",
        (*fields.values(), login, expected_version),
    )
    return cursor.rowcount == 1
