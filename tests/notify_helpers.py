"""Shared setup for notification tests: a real database file with three users."""

from __future__ import annotations

from pathlib import Path

from opstui.services import tasks, users
from opstui.services.session import Session, open_session


def open_team(database: Path) -> dict[str, Session]:
    """Open one session per user: alice (manager, first user), bob and carol (sysadmins)."""
    alice = open_session(database, login="alice")
    users.update_profile(alice, "alice", display_name="Alice Martin", email="alice@example.org")
    users.add_user(alice, "bob", display_name="Bob Smith", email="bob@example.org")
    users.add_user(alice, "carol", display_name="Zoë Ångström", email="zoe@example.org")
    return {
        "alice": alice,
        "bob": open_session(database, login="bob"),
        "carol": open_session(database, login="carol"),
    }


def make_master(session: Session, title: str = "Upgrade PostgreSQL on db-3") -> int:
    return tasks.create_request(session, title, source="infrastructure", priority="high",
                                due_on="2030-06-01")
