"""Helpers shared by the notes tests: a real database file with users and a master task."""

from pathlib import Path

from opstui.services import tasks as task_service
from opstui.services.session import Session, open_session


def open_as(database: Path, login: str) -> Session:
    return open_session(database, login=login)


def make_task(session: Session, title: str = "Upgrade PostgreSQL to 16") -> int:
    return task_service.create_request(session, title)
