"""First-use dialog for display name and e-mail, under Pilot on a real database."""

import sys
from pathlib import Path

import time

import pytest

from opstui.app import build_app
from opstui.screens.profile_prompt import ProfileDialog, ask_profile_if_new
from opstui.services import users
from opstui.services.session import open_session
from tests.helpers import team_session, type_text
from tests.tmux_terminal import TmuxTerminal

OPSTUI = str(Path(sys.executable).parent / "opstui")


def _new_user_session(tmp_path):
    """Return a session whose user was registered without a confirmed profile."""
    session = open_session(tmp_path / "profile.db", login="alice")
    assert not users.current_user(session)["profile_confirmed"]
    return session


async def _open_dialog(app, pilot, results):
    await pilot.pause()
    app.push_screen(ProfileDialog(users.current_user(app.session)), results.append)
    await pilot.pause()


async def _replace(pilot, selector, text):
    pilot.app.screen.query_one(selector).value = ""
    pilot.app.screen.query_one(selector).focus()
    await type_text(pilot, text)


async def test_profile_saved(tmp_path):
    session = _new_user_session(tmp_path)
    app = build_app(session)
    results = []
    async with app.run_test(size=(100, 30)) as pilot:
        await _open_dialog(app, pilot, results)
        await _replace(pilot, "#profile-name", "Alice Martin")
        await _replace(pilot, "#profile-email", "alice@example.org")
        await pilot.press("ctrl+s")
        await pilot.pause()

    user = users.current_user(session)
    assert results == [True]
    assert user["display_name"] == "Alice Martin"
    assert user["email"] == "alice@example.org"
    assert user["profile_confirmed"]


async def test_invalid_email_keeps_dialog(tmp_path):
    session = _new_user_session(tmp_path)
    app = build_app(session)
    results = []
    async with app.run_test(size=(100, 30)) as pilot:
        await _open_dialog(app, pilot, results)
        await _replace(pilot, "#profile-email", "not-an-address")
        await pilot.press("ctrl+s")
        await pilot.pause()
        error = str(app.screen.query_one("#profile-error").render())
        assert isinstance(app.screen, ProfileDialog)

    assert "invalid e-mail address 'not-an-address'" in error
    assert results == []
    assert not users.current_user(session)["profile_confirmed"]


async def test_later_leaves_profile(tmp_path):
    session = _new_user_session(tmp_path)
    app = build_app(session)
    results = []
    async with app.run_test(size=(100, 30)) as pilot:
        await _open_dialog(app, pilot, results)
        await pilot.press("escape")
        await pilot.pause()

    assert results == [False]
    assert not users.current_user(session)["profile_confirmed"]


async def test_no_prompt_when_headless(tmp_path):
    session = _new_user_session(tmp_path)
    app = build_app(session)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        ask_profile_if_new(app)
        await pilot.pause()

        assert not isinstance(app.screen, ProfileDialog)


def _type_into_focused_input(terminal, text: str) -> None:
    """Type ``text`` until the screen shows it; keys sent while focus moves can be lost."""
    for _attempt in range(10):
        terminal.send("C-u")
        terminal.type(text)
        try:
            terminal.wait_for(text, timeout=2)
            return
        except AssertionError:
            continue
    raise AssertionError(f"{text!r} never appeared in the focused input")


@pytest.mark.tmux
def test_prompt_in_real_terminal(tmp_path, isolated_home):
    path = tmp_path / "profile.db"
    team_session(path).close()
    environment = {
        "XDG_CONFIG_HOME": str(isolated_home / "config"),
        "XDG_DATA_HOME": str(isolated_home / "data"),
        "XDG_STATE_HOME": str(isolated_home / "state"),
        "USER": "dave",
        "LOGNAME": "dave",
        "TERM": "xterm-256color",
    }
    terminal = TmuxTerminal([OPSTUI, "--db", str(path)], width=100, height=30, environment=environment)
    try:
        terminal.wait_for("Welcome to opstui, dave.")
        # The dialog is drawn before its name field takes focus; keys sent in
        # between would reach the board underneath.
        time.sleep(0.5)
        _type_into_focused_input(terminal, "Dave Lister")
        terminal.send("enter")
        # Give the focus time to reach the e-mail field: a ctrl+u handled before
        # it moves would clear the name instead.
        time.sleep(1.0)
        _type_into_focused_input(terminal, "dave@example.org")
        terminal.wait_for("Dave Lister")
        terminal.send("C-s")
        terminal.wait_for("Dave Lister (dave, sysadmin)")
        terminal.send("q")
        terminal.wait_for("[exited with status 0 ]")
    finally:
        terminal.close()

    session = open_session(path, login="alice")
    dave = users.get_user(session, "dave")
    session.close()
    assert (dave["display_name"], dave["email"], dave["profile_confirmed"]) == ("Dave Lister", "dave@example.org", 1)
