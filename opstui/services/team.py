"""Managing the team: adding people, changing roles, deactivating leavers.

Each change checks the manager role (through the team's manager-only actions),
checks the row's version so two managers cannot overwrite each other, and records
an event, so the audit trail names who changed whom.
"""

from __future__ import annotations

from typing import Any

from opstui.errors import ConflictError, UserError
from opstui.services import permissions, tasks, users
from opstui.services.session import Session
from opstui.store import team as team_rows
from opstui.store import users as user_rows


def add_member(session: Session, login: str, *, display_name: str | None = None, email: str = "",
               role: str = "sysadmin") -> dict[str, Any]:
    """Add a person to the team; needs the right to manage users."""
    permissions.require(session, "manage_users")
    if role == "manager":
        permissions.require(session, "change_roles")
    return users.add_user(session, login, display_name=display_name, email=email, role=role)


def set_role(session: Session, login: str, role: str) -> dict[str, Any]:
    """Give ``login`` the role manager or sysadmin; the last active manager keeps the role."""
    if role not in users.ROLES:
        raise UserError(f"unknown role '{role}'; use manager or sysadmin")
    permissions.require(session, "change_roles")
    user = users.get_user(session, login)

    def write(transaction) -> None:
        current = user_rows.get_user(transaction, login)
        if current["role"] == role:
            return
        if current["role"] == "manager" and current["active"]:
            _keep_one_manager(transaction, login, "lose the manager role")
        if not user_rows.update_user(transaction, login, user["version"], role=role):
            raise ConflictError(f"user '{login}' was changed by someone else; look again and retry",
                                current=current)
        transaction.event("user.role_changed", entity="user", entity_id=login,
                          data={"login": login, "from": current["role"], "to": role})

    session.store.write(session.login, write)
    return users.get_user(session, login)


def deactivate_user(session: Session, login: str) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """Deactivate a leaver: keep their history and return their open tasks for reassignment.

    A deactivated user cannot be given new work, and their existing assignments
    stay as they are so that the audit trail and time log still show them.
    """
    permissions.require(session, "manage_users")
    user = users.get_user(session, login)

    def write(transaction) -> None:
        current = user_rows.get_user(transaction, login)
        if not current["active"]:
            return
        if current["role"] == "manager":
            _keep_one_manager(transaction, login, "be deactivated")
        if not user_rows.update_user(transaction, login, user["version"], active=0):
            raise ConflictError(f"user '{login}' was changed by someone else; look again and retry",
                                current=current)
        transaction.event("user.deactivated", entity="user", entity_id=login, data={"login": login})

    session.store.write(session.login, write)
    return users.get_user(session, login), open_tasks_of(session, login)


def reactivate_user(session: Session, login: str) -> dict[str, Any]:
    """Let a deactivated user work again."""
    permissions.require(session, "manage_users")
    user = users.get_user(session, login)

    def write(transaction) -> None:
        current = user_rows.get_user(transaction, login)
        if current["active"]:
            return
        if not user_rows.update_user(transaction, login, user["version"], active=1):
            raise ConflictError(f"user '{login}' was changed by someone else; look again and retry",
                                current=current)
        transaction.event("user.reactivated", entity="user", entity_id=login, data={"login": login})

    session.store.write(session.login, write)
    return users.get_user(session, login)


def open_tasks_of(session: Session, login: str) -> list[dict[str, Any]]:
    """Return the open tasks assigned to ``login`` (master tasks, subtasks and activities)."""
    return tasks.list_tasks(session, status="open", assignee=login)


def _keep_one_manager(transaction, login: str, change: str) -> None:
    if team_rows.active_manager_logins(transaction) == [login]:
        raise UserError(
            f"'{login}' is the team's only active manager and cannot {change}; "
            f"make someone else manager first with `opstui user set-role LOGIN manager`"
        )
