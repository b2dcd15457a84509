"""People: the OS login, a display name, an e-mail and a role (manager or sysadmin)."""

import pwd
from typing import Any

from opstui.errors import ConflictError, NotFoundError, UserError
from opstui.services.session import Session
from opstui.store import users as user_rows

ROLES = ("manager", "sysadmin")


def passwd_name(login: str) -> str:
    """Return the full name from the passwd entry, or the login when there is none."""
    try:
        gecos = pwd.getpwnam(login).pw_gecos
    except KeyError:
        return login
    name = gecos.split(",")[0].strip()
    return name or login


def ensure_user(session: Session) -> dict[str, Any]:
    """Register the session's login on first use; the first user of a database is its manager."""
    user = user_rows.get_user(session.store, session.login)
    if user is not None:
        return user

    def register(transaction):
        if user_rows.get_user(transaction, session.login) is not None:
            return
        role = "manager" if user_rows.count_users(transaction) == 0 else "sysadmin"
        user_rows.insert_user(transaction, session.login, passwd_name(session.login), "", role,
                              profile_confirmed=False)
        transaction.event("user.registered", entity="user", entity_id=session.login, data={"role": role})

    session.store.write(session.login, register)
    return user_rows.get_user(session.store, session.login)


def get_user(session: Session, login: str) -> dict[str, Any]:
    user = user_rows.get_user(session.store, login)
    if user is None:
        raise NotFoundError(f"unknown user '{login}'; see `opstui user list`, or add them with `opstui user add {login}`")
    return user


def require_active_user(session: Session, login: str) -> dict[str, Any]:
    user = get_user(session, login)
    if not user["active"]:
        raise UserError(f"user '{login}' is deactivated; assign the work to an active member of the team")
    return user


def list_users(session: Session, *, include_inactive: bool = True) -> list[dict[str, Any]]:
    return user_rows.list_users(session.store, include_inactive=include_inactive)


def current_user(session: Session) -> dict[str, Any]:
    return get_user(session, session.login)


def is_manager(session: Session) -> bool:
    user = user_rows.get_user(session.store, session.login)
    return bool(user and user["role"] == "manager" and user["active"])


def add_user(session: Session, login: str, *, display_name: str | None = None, email: str = "",
             role: str = "sysadmin") -> dict[str, Any]:
    login = (login or "").strip()
    if not login or any(character.isspace() for character in login):
        raise UserError(f"invalid login '{login}'; use the person's Unix login name")
    if role not in ROLES:
        raise UserError(f"unknown role '{role}'; use manager or sysadmin")

    def insert(transaction):
        if user_rows.get_user(transaction, login) is not None:
            raise UserError(f"user '{login}' already exists; change them with `opstui user set-role`")
        user_rows.insert_user(transaction, login, display_name or passwd_name(login), email, role,
                              profile_confirmed=bool(display_name))
        transaction.event("user.added", entity="user", entity_id=login,
                          data={"role": role, "display_name": display_name or "", "email": email})

    session.store.write(session.login, insert)
    return get_user(session, login)


def update_profile(session: Session, login: str, *, display_name: str, email: str,
                   expected_version: int | None = None) -> dict[str, Any]:
    """Change a display name and e-mail, refusing if someone else changed the row first."""
    display_name = " ".join((display_name or "").split())
    email = (email or "").strip()
    if not display_name:
        raise UserError("display name is empty; give the name colleagues know you by")
    if email and ("@" not in email or " " in email):
        raise UserError(f"invalid e-mail address '{email}'; write it as name@example.org")

    def update(transaction):
        user = user_rows.get_user(transaction, login)
        if user is None:
            raise NotFoundError(f"unknown user '{login}'")
        version = user["version"] if expected_version is None else expected_version
        if not user_rows.update_user(transaction, login, version, display_name=display_name, email=email,
                                     profile_confirmed=1):
            raise ConflictError(f"user '{login}' was changed by someone else; reload and retry", current=user)
        transaction.event("user.profile_changed", entity="user", entity_id=login,
                          data={"display_name": display_name, "email": email})

    session.store.write(session.login, update)
    return get_user(session, login)
