"""The note editor and the comment dialog ask before saving text that looks like a secret."""

import contextlib

import pytest
from textual.widgets import TextArea

from opstui.app import build_app
from opstui.screens import task_tabs
from opstui.screens.comment_dialog import CommentDialog
from opstui.screens.note_conflict import NoteConflictScreen
from opstui.screens.note_editor import NoteEditorScreen
from opstui.screens.secret_warning import SecretWarningScreen
from opstui.screens.task import TaskScreen
from opstui.secret_scan import MASK
from opstui.services import activity, comments, notes
from opstui.services import tasks as task_service
from tests.helpers import team_session

PASSWORD = "Tr0ub4dor"
SECRET_TEXT = f"Log in to the switch:\npassword={PASSWORD}\nthen save the config.\n"
MASKED_TEXT = SECRET_TEXT.replace(PASSWORD, MASK)


@pytest.fixture
def session(tmp_path):
    session = team_session(tmp_path / "notes.db")
    yield session
    session.close()


@pytest.fixture
def task_id(session):
    return task_service.create_request(session, "Replace the core switch")


async def open_editor(app, pilot, note_id: int) -> NoteEditorScreen:
    await pilot.pause()
    editor = NoteEditorScreen(note_id)
    app.push_screen(editor)
    await pilot.pause()
    return editor


async def save_secret_text(app, pilot, editor: NoteEditorScreen) -> SecretWarningScreen:
    editor.body_area.load_text(SECRET_TEXT)
    await pilot.press("ctrl+s")
    await pilot.pause()
    warning = app.screen
    assert isinstance(warning, SecretWarningScreen)
    return warning


# -- note editor -----------------------------------------------------------------------

async def test_editor_mask_saves_masked(session, task_id):
    note_id = notes.add_note(session, task_id, "Switch", "clean")
    app = build_app(session)
    async with app.run_test(size=(120, 35)) as pilot:
        editor = await open_editor(app, pilot, note_id)
        warning = await save_secret_text(app, pilot, editor)
        assert [finding.line for finding in warning.findings] == [2]

        await pilot.press("m")
        await pilot.pause()
        assert app.screen is editor
        assert editor.body_area.text == MASKED_TEXT
        assert editor.base_version == 2
        assert not editor.dirty
    note = notes.get_note(session, note_id)
    assert note["body"] == MASKED_TEXT
    assert note["version"] == 2


async def test_editor_keep_saves_as_typed(session, task_id):
    note_id = notes.add_note(session, task_id, "Switch", "clean")
    app = build_app(session)
    async with app.run_test(size=(120, 35)) as pilot:
        editor = await open_editor(app, pilot, note_id)
        await save_secret_text(app, pilot, editor)

        await pilot.press("k")
        await pilot.pause()
        assert app.screen is editor
        assert editor.body_area.text == SECRET_TEXT
        assert editor.base_version == 2
    assert notes.get_note(session, note_id)["body"] == SECRET_TEXT


async def test_editor_cancel_keeps_text(session, task_id):
    note_id = notes.add_note(session, task_id, "Switch", "clean")
    app = build_app(session)
    async with app.run_test(size=(120, 35)) as pilot:
        editor = await open_editor(app, pilot, note_id)
        await save_secret_text(app, pilot, editor)

        await pilot.press("escape")
        await pilot.pause()
        assert app.screen is editor
        assert editor.body_area.text == SECRET_TEXT
        assert editor.base_version == 1
        assert editor.dirty
    note = notes.get_note(session, note_id)
    assert note["body"] == "clean"
    assert note["version"] == 1


async def test_external_editor_save_asks(session, task_id, monkeypatch):
    note_id = notes.add_note(session, task_id, "Switch", "clean")
    monkeypatch.setattr("opstui.screens.note_editor.edit_text", lambda body: SECRET_TEXT)
    app = build_app(session)
    # The headless test driver cannot suspend the terminal, and edit_text is replaced above.
    monkeypatch.setattr(app, "suspend", contextlib.nullcontext)
    async with app.run_test(size=(120, 35)) as pilot:
        editor = await open_editor(app, pilot, note_id)
        await pilot.press("ctrl+g")
        await pilot.pause()
        assert isinstance(app.screen, SecretWarningScreen)

        await pilot.press("m")
        await pilot.pause()
        assert editor.body_area.text == MASKED_TEXT
    assert notes.get_note(session, note_id)["body"] == MASKED_TEXT
    assert notes.revision(session, note_id, 2)["kind"] == "external"


async def test_conflict_keep_mine_asks(session, tmp_path, task_id):
    note_id = notes.add_note(session, task_id, "Switch", "base")
    app = build_app(session, poll_interval=60)
    other = team_session(tmp_path / "notes.db", login="bob")
    async with app.run_test(size=(120, 35)) as pilot:
        editor = await open_editor(app, pilot, note_id)
        editor.body_area.load_text(SECRET_TEXT)
        notes.save_note(other, note_id, 1, title="Switch", body="theirs")
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert isinstance(app.screen, SecretWarningScreen)
        await pilot.press("m")
        await pilot.pause()

        # The conflict screen compares the masked text, and "keep mine" shows no second warning.
        conflict = app.screen
        assert isinstance(conflict, NoteConflictScreen)
        assert conflict.texts.mine_body == MASKED_TEXT
        await pilot.press("y")
        await pilot.pause()
        assert app.screen is editor
        assert editor.body_area.text == MASKED_TEXT
        assert editor.base_version == 3
    other.close()
    assert notes.get_note(session, note_id)["body"] == MASKED_TEXT
    assert notes.revision(session, note_id, 2)["body"] == "theirs"


async def test_merge_save_asks(session, tmp_path, task_id):
    note_id = notes.add_note(session, task_id, "Switch", "base\n")
    app = build_app(session, poll_interval=60)
    other = team_session(tmp_path / "notes.db", login="bob")
    async with app.run_test(size=(120, 35)) as pilot:
        editor = await open_editor(app, pilot, note_id)
        editor.body_area.load_text("base\n" + SECRET_TEXT)
        notes.save_note(other, note_id, 1, title="Switch", body="bob first\nbase\n")
        await pilot.press("ctrl+s")
        await pilot.pause()
        await pilot.press("k")
        await pilot.pause()
        assert isinstance(app.screen, NoteConflictScreen)
        await pilot.press("m")
        await pilot.pause()
        assert editor.conflict_mine is not None

        # Saving the merged text is a new save, so the warning comes again.

        await pilot.press("ctrl+s")
        await pilot.pause()
        assert isinstance(app.screen, SecretWarningScreen)
        await pilot.press("escape")
        await pilot.pause()
        assert editor.conflict_mine is not None
        assert notes.get_note(session, note_id)["version"] == 2

        await pilot.press("ctrl+s")
        await pilot.pause()
        await pilot.press("m")
        await pilot.pause()
        assert editor.conflict_mine is None
        assert PASSWORD not in editor.body_area.text
    other.close()
    for version in (3, 4):
        assert PASSWORD not in notes.revision(session, note_id, version)["body"]
    assert notes.get_note(session, note_id)["body"] == "bob first\nbase\n" + MASKED_TEXT


# -- comment dialog ----------------------------------------------------------------------

@pytest.fixture
def comments_tab_only(monkeypatch):
    monkeypatch.setattr(task_tabs, "TAB_MODULES", ["opstui.widgets.task_overview", "opstui.widgets.comment_list"])


async def open_comment_dialog(app, pilot, task_id: int, key: str) -> CommentDialog:
    app.push_screen(TaskScreen(task_id))
    await pilot.pause()
    await pilot.press("]")
    await pilot.pause()
    await pilot.press(key)
    await pilot.pause()
    dialog = app.screen
    assert isinstance(dialog, CommentDialog)
    dialog.query_one(TextArea).load_text(SECRET_TEXT)
    await pilot.press("ctrl+s")
    await pilot.pause()
    assert isinstance(app.screen, SecretWarningScreen)
    return dialog


@pytest.mark.parametrize("key, expected", [("m", MASKED_TEXT), ("k", SECRET_TEXT)])
async def test_comment_dialog_choice_saves(session, task_id, comments_tab_only, key, expected):
    app = build_app(session)
    async with app.run_test(size=(120, 36)) as pilot:
        await open_comment_dialog(app, pilot, task_id, "c")
        await pilot.press(key)
        await pilot.pause()
        assert not isinstance(app.screen, (CommentDialog, SecretWarningScreen))
    assert [row["body"] for row in comments.list_comments(session, task_id)] == [expected.strip("\n")]


async def test_comment_dialog_cancel_keeps_text(session, task_id, comments_tab_only):
    app = build_app(session)
    async with app.run_test(size=(120, 36)) as pilot:
        dialog = await open_comment_dialog(app, pilot, task_id, "c")
        await pilot.press("escape")
        await pilot.pause()
        assert app.screen is dialog
        assert dialog.query_one(TextArea).text == SECRET_TEXT
    assert comments.list_comments(session, task_id) == []


async def test_summary_dialog_masks(session, task_id, comments_tab_only):
    activity_id = activity.create_activity(session, task_id, reason="hotfix")
    app = build_app(session)
    async with app.run_test(size=(120, 36)) as pilot:
        await open_comment_dialog(app, pilot, activity_id, "S")
        await pilot.press("m")
        await pilot.pause()
    assert comments.get_summary(session, activity_id)["body"] == MASKED_TEXT.strip("\n")
