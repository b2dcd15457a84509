"""The actions reserved for the manager role: a team setting that only managers change.

Roles guard against mistakes, not against a hostile member of the group: anyone
who can write the database file can change it with the sqlite3 tool.
"""

from typing import Any

from opstui.errors import ConflictError, PermissionDenied, UserError
from opstui.services.session import Session
from opstui.store import settings as setting_rows
from opstui.store import users as user_rows

MANAGER_ONLY_SETTING = "manager_only_actions"

ACTIONS = {
    "publish_instruction": "publish official instructions",
    "complete_master_task": "complete a master task",
    "delete_task": "delete a task",
    "change_roles": "change a user's role",
    "create_master_task": "create a master task",
    "change_team_settings": "change team settings",
    "manage_users": "add or deactivate users",
}

DEFAULT_MANAGER_ONLY = [
    "publish_instruction",
    "complete_master_task",
    "delete_task",
    "change_roles",
    "change_team_settings",
    "manage_users",
]

# Actions that stay manager-only whatever the setting contains, so that the team
# cannot lock itself out of its own settings.
ALWAYS_MANAGER_ONLY = {"change_team_settings", "change_roles"}


def manager_only_actions(session: Session) -> list[str]:
    row = setting_rows.get_setting(session.store, MANAGER_ONLY_SETTING)
    actions = list(DEFAULT_MANAGER_ONLY) if row is None else list(row["value"])
    return sorted(set(actions) | ALWAYS_MANAGER_ONLY)


def is_allowed(session: Session, action: str) -> bool:
    if action not in ACTIONS:
        raise ValueError(f"unknown action {action!r}")
    user = user_rows.get_user(session.store, session.login)
    if user is None or not user["active"]:
        return False
    if user["role"] == "manager":
        return True
    return action not in manager_only_actions(session)


def require(session: Session, action: str) -> None:
    """Raise PermissionDenied with a clear message unless the user may do ``action``."""
    if is_allowed(session, action):
        return
    if action in ALWAYS_MANAGER_ONLY:
        raise PermissionDenied(f"only a manager can {ACTIONS[action]}; ask a manager of your team")
    raise PermissionDenied(
        f"only a manager can {ACTIONS[action]}; ask a manager, or a manager can open it to everyone"
        f" with `opstui team set {MANAGER_ONLY_SETTING} ...` listing the actions that stay reserved"
    )


def set_manager_only_actions(session: Session, actions: list[str]) -> list[str]:
    require(session, "change_team_settings")
    unknown = [action for action in actions if action not in ACTIONS]
    if unknown:
        raise UserError(f"unknown action(s) {', '.join(unknown)}; use some of: {', '.join(sorted(ACTIONS))}")
    wanted = sorted(set(actions) | ALWAYS_MANAGER_ONLY)

    def write(transaction):
        row = setting_rows.get_setting(transaction, MANAGER_ONLY_SETTING)
        if not setting_rows.put_setting(transaction, MANAGER_ONLY_SETTING, wanted,
                                        None if row is None else row["version"]):
            raise ConflictError("team settings changed meanwhile; reload and retry")
        transaction.event("settings.changed", entity="setting", entity_id=MANAGER_ONLY_SETTING,
                          data={"value": wanted})

    session.store.write(session.login, write)
    return wanted


def team_settings(session: Session) -> list[dict[str, Any]]:
    return setting_rows.all_settings(session.store)
