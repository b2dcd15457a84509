"""A session: the open store plus the person at the keyboard."""

import getpass
from dataclasses import dataclass
from pathlib import Path

from opstui.errors import UserError
from opstui.store import Store, open_store


@dataclass
class Session:
    store: Store
    login: str

    def close(self) -> None:
        self.store.close()


def current_login() -> str:
    """Return the operating-system login (over SSH, the SSH user)."""
    try:
        return getpass.getuser()
    except OSError as error:
        raise UserError("cannot tell who you are: set the USER variable to your login") from error


def open_session(database: Path, *, login: str | None = None, create: bool = True) -> Session:
    """Open the database and register the user without prompting (the CLI never blocks)."""
    from opstui.services.users import ensure_user

    store = open_store(database, create=create)
    session = Session(store=store, login=login or current_login())
    try:
        ensure_user(session)
    except BaseException:
        store.close()
        raise
    return session
