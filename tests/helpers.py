"""Helpers shared by tests: a real database file with a small team."""

from pathlib import Path

from opstui.services import users
from opstui.services.session import Session, open_session


def team_session(path: Path, login: str = "alice") -> Session:
    """Open a database where ``login`` is the manager and bob and carol are sysadmins."""
    session = open_session(path, login=login)
    for other, name in (("bob", "Bob Okafor"), ("carol", "Carol Nguyen")):
        if other != login and not any(user["login"] == other for user in users.list_users(session)):
            users.add_user(session, other, display_name=name, email=f"{other}@example.org")
    return session


KEY_NAMES = {" ": "space", "/": "slash", "#": "number_sign", ":": "colon", "-": "minus", ".": "full_stop",
             "@": "at", "[": "left_square_bracket", "]": "right_square_bracket"}


async def type_text(pilot, text: str) -> None:
    """Type ``text`` key by key, as a person would."""
    await pilot.press(*(KEY_NAMES.get(character, character) for character in text))
