"""SQL for team management that the users table module does not cover."""

from opstui.store.database import Store, Transaction


def active_manager_logins(store: Store | Transaction) -> list[str]:
    rows = store.query("SELECT login FROM users WHERE role = 'manager' AND active = 1 ORDER BY login")
    return [row["login"] for row in rows]
