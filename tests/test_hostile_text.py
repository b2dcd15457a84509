"""Hostile user text on every screen that shows it: shown literally, never acting.

Titles, descriptions, names, notes, comments and time-entry comments get Textual
markup, Rich markup, a click action, ANSI CSI and OSC sequences, C1 controls, bidi
controls and a long line. Each screen is rendered under Pilot and its rendered
lines are checked: the markup is there as typed, every control character shows as
a visible escape, no raw control character reaches the terminal, every line is
exactly the terminal's width, and the app is still running.
"""

from __future__ import annotations

import pytest

from opstui.app import build_app
from opstui.sanitize import needs_escape, one_line
from opstui.services import tasks, users
from tests.helpers import team_session

# (kind, text) pairs. Each text is short, so that its start fits on a board card.
HOSTILE = [
    ("textual markup", "[bold]B1[/bold]"),
    ("click action", "[@click=app.quit]Q2[/]"),
    ("rich style", "[red on white]R3[/]"),
    ("link markup", "[link=https://x.test]L4[/link]"),
    ("ansi csi", "\x1b[31mC5\x1b[0m"),
    ("ansi osc title", "\x1b]0;O6\x07"),
    ("osc 52 clipboard", "\x1b]52;c;ZXZpbA==\x07"),
    ("c1 csi", "\x9b2JK7"),
    ("bidi override", "a\u202eb8\u2066c"),
]
LONG_LINE = "W" * 190 + "_end"
SIZE = (160, 48)


def screen_lines(app) -> list[str]:
    """Return the text of every rendered line of the current screen.

    NOTE: uses Textual's private compositor (textual 8.2), because Pilot has no
    public way to read the rendered text.
    """
    strips = app.screen._compositor.render_strips()
    widths = {strip.cell_length for strip in strips}
    assert widths == {app.size.width}, f"rendered lines of widths {widths}, expected {app.size.width}"
    return ["".join(segment.text for segment in strip) for strip in strips]


def assert_literal(app, texts: list[str], *, prefix: int = 12) -> str:
    """Check the rendered screen shows each of ``texts`` literally; return the screen text."""
    assert app.is_running, "the app stopped: user text acted as a command"
    lines = screen_lines(app)
    rendered = "\n".join(lines)

    raw = sorted({f"U+{ord(c):04X}" for c in rendered if c != "\n" and needs_escape(c)})
    assert not raw, f"raw control characters reached the terminal: {raw}"

    for text in texts:
        expected = one_line(text)[:prefix]
        assert expected in rendered, f"{expected!r} not shown literally"
    return rendered


@pytest.fixture
def session(tmp_path):
    session = team_session(tmp_path / "hostile.db")
    yield session
    session.close()


async def test_board_cards_show_titles_literally(session):
    for _kind, text in HOSTILE:
        tasks.create_request(session, text)
    for index, (_kind, text) in enumerate(HOSTILE[:4]):
        task_id = tasks.create_request(session, f"{text} moved")
        tasks.move_task(session, task_id, "discovery")
    tasks.create_request(session, LONG_LINE)

    app = build_app(session)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert_literal(app, [text for _kind, text in HOSTILE])
        # Clicking the card whose title carries a click action must not run it.
        await pilot.click(offset=(6, 3))
        await pilot.pause()
        assert app.is_running


async def test_top_bar_shows_display_name_literally(session):
    users.update_profile(session, "alice", display_name="[@click=app.quit]Al\x1b[5m\u202eice", email="")

    app = build_app(session)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        rendered = assert_literal(app, ["[@click=app.quit]Al\x1b[5m"], prefix=40)

    assert "\\x1b[5m<U+202E>ice" in rendered


async def test_task_screen_tabs_literal(session):
    every = " ".join(text for _kind, text in HOSTILE)
    users.update_profile(session, "bob", display_name=f"Bob {HOSTILE[1][1]}{HOSTILE[4][1]}", email="bob@example.org")
    task_id = tasks.create_request(session, f"T {every}"[:200], requester=f"req {HOSTILE[0][1]}",
                                   external_ref=f"ref {HOSTILE[5][1]}",
                                   description="\n".join(f"line {text}" for _kind, text in HOSTILE) + "\n" + LONG_LINE,
                                   assignees=["bob"])
    for _kind, text in HOSTILE:
        tasks.add_subtask(session, task_id, f"sub {text}", assignee="bob", description=f"sub body {text}")
        _add_other_parts(session, task_id, text)

    app = build_app(session)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.press("enter")
        await pilot.pause()
        assert type(app.screen).__name__ == "TaskScreen"
        assert_literal(app, [f"T {HOSTILE[0][1]}"])

        seen_tabs = set()
        every_tab_text = []
        tab_count = len(app.screen.tab_widgets)
        for _ in range(tab_count):
            seen_tabs.add(app.screen.query_one("#task-tabs").active)
            every_tab_text.append(assert_literal(app, []))
            await pilot.press("]")
            await pilot.pause()
        assert len(seen_tabs) == tab_count

    shown = "\n".join(every_tab_text)
    for part in ("sub", "comment", "note", "time"):
        expected = one_line(f"{part} {HOSTILE[1][1]}")
        assert expected in shown, f"{expected!r} not shown on any tab ({sorted(seen_tabs)})"


def _add_other_parts(session, task_id: int, text: str) -> None:
    """Add a note, a comment and a time entry with hostile text, through their services."""
    from opstui.services import comments, notes, timelog

    notes.add_note(session, task_id, f"note {text}", f"# heading {text}\n\nbody {text}\n")
    comments.add_comment(session, task_id, f"comment {text}\n{LONG_LINE}")
    timelog.add_entry(session, task_id, "15m", comment=f"time {text}")


async def test_overview_shows_description_literally(session):
    text = "".join(t for _kind, t in HOSTILE[:3])
    task_id = tasks.create_request(session, "Overview check", description=f"{text}\n\x1b[2J\x1b[Hcleared?")

    app = build_app(session)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.press("enter")
        await pilot.pause()
        assert app.screen.task_id == task_id
        rendered = assert_literal(app, [text], prefix=40)

    assert "\\x1b[2J\\x1b[Hcleared?" in rendered


async def test_assign_dialog_shows_names_literally(session):
    users.update_profile(session, "bob", display_name="[bold]Bob[/bold]\x1b]0;x\x07", email="bob@example.org")
    users.update_profile(session, "carol", display_name="Carol \u202eloraC", email="carol@example.org")
    tasks.create_request(session, "Needs people")

    app = build_app(session)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.press("a")
        await pilot.pause()
        assert_literal(app, ["[bold]Bob[/bold]\x1b]0;x\x07", "Carol \u202eloraC"], prefix=30)


async def test_inbox_shows_titles_literally(tmp_path):
    team_session(tmp_path / "inbox.db").close()
    bob = team_session(tmp_path / "inbox.db", login="bob")
    for _kind, text in HOSTILE:
        tasks.create_request(bob, f"for alice {text}", assignees=["alice"])
    bob.close()
    alice = team_session(tmp_path / "inbox.db", login="alice")

    app = build_app(alice)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.press("i")
        await pilot.pause()
        assert type(app.screen).__name__ == "InboxScreen"
        assert_literal(app, [f"for alice {text}" for _kind, text in HOSTILE], prefix=20)
    alice.close()


async def test_live_toast_shows_title_literally(session, tmp_path):
    app = build_app(session)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await pilot.pause()
        other = team_session(session.store.path, login="bob")
        tasks.create_request(other, "[@click=app.quit]toast\x1b[31m", assignees=["alice"])
        other.close()
        for _ in range(20):
            await pilot.pause(0.1)
            if "toast" in "\n".join(screen_lines(app)):
                break
        assert_literal(app, ["[@click=app.quit]toast\x1b[31m"], prefix=30)


async def test_profile_dialog_shows_name_literally(session):
    from opstui.screens.profile_prompt import ProfileDialog

    users.update_profile(session, "alice", display_name="[bold]A[/bold]\x1b[31m", email="")
    app = build_app(session)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        app.push_screen(ProfileDialog(users.current_user(session)))
        await pilot.pause()
        assert_literal(app, ["[bold]A[/bold]"])


async def test_edit_form_shows_title_literally(session):
    text = "[bold]E[/bold]\x1b[31m\u202eX"
    tasks.create_request(session, text, description=f"body {text}")

    app = build_app(session)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.press("enter")
        await pilot.pause()
        await pilot.press("e")
        await pilot.pause()
        assert type(app.screen).__name__ == "TaskForm"
        assert_literal(app, ["[bold]E[/bold]"])
