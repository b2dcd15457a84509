"""The note editor, history, archive and search screens driven by keys under Pilot."""

import pytest

from opstui.app import build_app
from opstui.screens.note_editor import NoteEditorScreen
from opstui.screens.note_conflict import NoteConflictScreen
from opstui.screens.search import SearchScreen
from opstui.services import note_drafts, note_lifecycle, notes
from opstui.services import tasks as task_service
from opstui.widgets.literal_text_area import picture_controls
from tests.helpers import team_session, type_text


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


async def test_type_and_save(session, task_id):
    note_id = notes.add_note(session, task_id, "Cabling", "ports 1-24\n")
    app = build_app(session)
    async with app.run_test(size=(120, 35)) as pilot:
        editor = await open_editor(app, pilot, note_id)
        editor.body_area.move_cursor((1, 0))
        await type_text(pilot, "uplink on 48")
        status = str(editor.query_one("#note-status").render())
        assert "modified" in status
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert editor.base_version == 2
    note = notes.get_note(session, note_id)
    assert note["body"] == "ports 1-24\nuplink on 48"
    assert note["version"] == 2


async def test_counts_in_status(session, task_id):
    note_id = notes.add_note(session, task_id, "Cabling", "one two three\nfour\n")
    app = build_app(session)
    async with app.run_test(size=(120, 35)) as pilot:
        editor = await open_editor(app, pilot, note_id)
        status = str(editor.query_one("#note-status").render())
        assert "4 words" in status
        assert "2 lines" in status


async def test_live_reload_without_edits(session, tmp_path, task_id):
    note_id = notes.add_note(session, task_id, "Cabling", "old text")
    app = build_app(session, poll_interval=0.05)
    other = team_session(tmp_path / "notes.db", login="bob")
    async with app.run_test(size=(120, 35)) as pilot:
        editor = await open_editor(app, pilot, note_id)
        notes.save_note(other, note_id, 1, title="Cabling", body="bob's new text")
        for _ in range(20):
            await pilot.pause(0.05)
            if editor.body_area.text == "bob's new text":
                break
        assert editor.body_area.text == "bob's new text"
        assert editor.base_version == 2
    other.close()


async def test_newer_save_with_edits_goes_to_conflict(session, tmp_path, task_id):
    note_id = notes.add_note(session, task_id, "Cabling", "line a\nmiddle\nline b\n")
    app = build_app(session, poll_interval=0.05)
    other = team_session(tmp_path / "notes.db", login="bob")
    async with app.run_test(size=(120, 35)) as pilot:
        editor = await open_editor(app, pilot, note_id)
        editor.body_area.move_cursor((0, 6))
        await type_text(pilot, " alice")
        notes.save_note(other, note_id, 1, title="Cabling", body="line a\nmiddle\nline b bob\n")
        await pilot.pause(0.3)
        assert editor.body_area.text.startswith("line a alice")
        assert "saved a newer version" in str(editor.query_one("#note-status").render())

        await pilot.press("ctrl+s")
        await pilot.pause()
        assert isinstance(app.screen, NoteConflictScreen)
        await pilot.press("m")
        await pilot.pause()
        assert editor.body_area.text == "line a alice\nmiddle\nline b bob\n"
        await pilot.press("ctrl+s")
        await pilot.pause()
    other.close()
    bodies = [notes.revision(session, note_id, version)["body"] for version in (1, 2, 3, 4)]
    assert bodies == ["line a\nmiddle\nline b\n", "line a\nmiddle\nline b bob\n",
                      "line a alice\nmiddle\nline b\n", "line a alice\nmiddle\nline b bob\n"]


async def test_conflict_keep_mine(session, tmp_path, task_id):
    note_id = notes.add_note(session, task_id, "Cabling", "base")
    app = build_app(session, poll_interval=60)
    other = team_session(tmp_path / "notes.db", login="bob")
    async with app.run_test(size=(120, 35)) as pilot:
        editor = await open_editor(app, pilot, note_id)
        editor.body_area.move_cursor((0, 4))
        await type_text(pilot, " mine")
        notes.save_note(other, note_id, 1, title="Cabling", body="theirs")
        await pilot.press("ctrl+s")
        await pilot.pause()
        conflict = app.screen
        assert isinstance(conflict, NoteConflictScreen)
        assert conflict.texts.theirs_body == "theirs"
        await pilot.press("y")
        await pilot.pause()
        assert editor.base_version == 3
    other.close()
    assert notes.get_note(session, note_id)["body"] == "base mine"
    assert notes.revision(session, note_id, 2)["body"] == "theirs"


async def test_draft_offered_on_reopen(session, task_id):
    note_id = notes.add_note(session, task_id, "Cabling", "saved")
    note_drafts.save_draft(session, note_id, title="Cabling", body="unsaved words", base_version=1)
    app = build_app(session)
    async with app.run_test(size=(120, 35)) as pilot:
        editor = await open_editor(app, pilot, note_id)
        await pilot.pause()
        await pilot.press("y")
        await pilot.pause()
        assert editor.body_area.text == "unsaved words"
        assert editor.dirty


async def test_close_keeps_draft(session, task_id):
    note_id = notes.add_note(session, task_id, "Cabling", "saved")
    app = build_app(session)
    async with app.run_test(size=(120, 35)) as pilot:
        editor = await open_editor(app, pilot, note_id)
        await type_text(pilot, "typed ")
        await pilot.press("escape")
        assert not editor.body_area.has_focus
        await pilot.press("escape")
        await pilot.pause()
        assert not isinstance(app.screen, NoteEditorScreen)
    assert note_drafts.get_draft(session, note_id)["body"] == "typed saved"
    assert notes.get_note(session, note_id)["body"] == "saved"


async def test_app_exit_keeps_draft(session, task_id):
    note_id = notes.add_note(session, task_id, "Cabling", "saved")
    app = build_app(session)
    async with app.run_test(size=(120, 35)) as pilot:
        await open_editor(app, pilot, note_id)
        await type_text(pilot, "typed ")
        await pilot.press("ctrl+q")
        await pilot.pause()
    assert note_drafts.get_draft(session, note_id)["body"] == "typed saved"


async def test_presence_of_other_user_shown(session, tmp_path, task_id):
    note_id = notes.add_note(session, task_id, "Cabling", "x")
    other = team_session(tmp_path / "notes.db", login="bob")
    note_drafts.mark_open(other, note_id, "elsewhere:1")
    app = build_app(session)
    async with app.run_test(size=(120, 35)) as pilot:
        editor = await open_editor(app, pilot, note_id)
        assert "also open: Bob Okafor" in str(editor.query_one("#note-status").render())
        assert [row["login"] for row in note_drafts.others_present(other, note_id)] == ["alice"]
    other.close()
    assert note_drafts.others_present(other_session := team_session(tmp_path / "notes.db", login="bob"),
                                      note_id) == []
    other_session.close()


async def test_find_selects_match(session, task_id):
    note_id = notes.add_note(session, task_id, "Cabling", "alpha\nbeta gamma\n")
    app = build_app(session)
    async with app.run_test(size=(120, 35)) as pilot:
        editor = await open_editor(app, pilot, note_id)
        await pilot.press("ctrl+f")
        await type_text(pilot, "gamma")
        await pilot.press("enter")
        await pilot.pause()
        assert editor.body_area.selected_text == "gamma"


async def test_markup_and_escapes_shown_literally(session, task_id):
    body = "[b]not bold[/b] [@click=app.quit]stay[/]\n\x1b[31mred\x1b]0;title\x07\n"
    note_id = notes.add_note(session, task_id, "[@click=app.quit]Title[/]", body)
    app = build_app(session)
    async with app.run_test(size=(120, 35)) as pilot:
        editor = await open_editor(app, pilot, note_id)
        first_line = "".join(segment.text for segment in editor.body_area.render_line(0))
        second_line = "".join(segment.text for segment in editor.body_area.render_line(1))
        assert "[@click=app.quit]stay[/]" in first_line
        assert "[b]not bold[/b]" in first_line
        assert "\x1b" not in second_line
        assert "\x07" not in second_line
        assert "␛[31mred" in second_line
        assert editor.title_input.value == "[@click=app.quit]Title[/]"

        await pilot.press("ctrl+r")
        await pilot.pause(0.5)
        rendered = "".join(str(widget.render()) for widget in editor.query("MarkdownParagraph"))
        assert "[@click=app.quit]stay[/]" in rendered
        assert "\x1b" not in rendered
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert app.is_running
    assert notes.get_note(session, note_id)["body"] == body


def test_picture_controls_keeps_length():
    assert picture_controls("a\x1bb\x7f") == "a␛b␡"
    assert picture_controls("plain") == "plain"


async def test_history_restore(session, task_id):
    note_id = notes.add_note(session, task_id, "Cabling", "first")
    notes.save_note(session, note_id, 1, title="Cabling", body="second")
    from opstui.screens.note_history import NoteHistoryScreen
    app = build_app(session)
    async with app.run_test(size=(120, 35)) as pilot:
        await pilot.pause()
        history = NoteHistoryScreen(note_id)
        app.push_screen(history)
        await pilot.pause()
        assert "1 → 2" in str(history.query_one("#history-caption").render())
        await pilot.press("down")
        await pilot.press("r")
        await pilot.pause()
        await pilot.press("y")
        await pilot.pause()
    note = notes.get_note(session, note_id)
    assert note["version"] == 3
    assert note["body"] == "first"


async def test_search_screen_opens_note(session, task_id):
    note_id = notes.add_note(session, task_id, "Cabling", "the spanning tree root moved\n")
    retired = notes.add_note(session, task_id, "Old", "spanning tree notes from 2019")
    note_lifecycle.retire_note(session, retired, reason="obsolete")
    app = build_app(session)
    async with app.run_test(size=(120, 35)) as pilot:
        await pilot.pause()
        await pilot.press("s")
        await pilot.pause()
        assert isinstance(app.screen, SearchScreen)
        await type_text(pilot, "spanning tree")
        screen = app.screen
        for _ in range(40):
            await pilot.pause(0.05)
            if screen.hits and screen.hits[0].plain_line:
                break
        assert [(hit.kind, hit.ref_id) for hit in screen.hits] == [("note", note_id)]
        assert screen.hits[0].plain_line == "the spanning tree root moved"
        await pilot.press("enter")
        await pilot.pause()
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, NoteEditorScreen)
        assert app.screen.note_id == note_id


async def test_notes_tab_lists_and_creates(session, task_id):
    notes.add_note(session, task_id, "Existing [b]note[/b]", "x")
    from opstui.screens.task import TaskScreen
    app = build_app(session)
    async with app.run_test(size=(120, 35)) as pilot:
        await pilot.pause()
        app.push_screen(TaskScreen(task_id))
        await pilot.pause()
        app.screen.query_one("#task-tabs").active = "tab-notes_tab"
        await pilot.pause()
        table = app.screen.query_one("#notes-table")
        table.focus()
        assert table.row_count == 1
        assert "Existing [b]note[/b]" in str(table.get_row_at(0)[1])
        await pilot.press("n")
        await pilot.pause()
        await type_text(pilot, "Second note")
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, NoteEditorScreen)
    assert [row["title"] for row in notes.list_notes(session, task_id)] == ["Existing [b]note[/b]", "Second note"]


async def test_notes_tab_secret_title_asks(session, task_id):
    from opstui.screens.secret_warning import SecretWarningScreen
    from opstui.screens.task import TaskScreen

    app = build_app(session)
    async with app.run_test(size=(120, 35)) as pilot:
        await pilot.pause()
        app.push_screen(TaskScreen(task_id))
        await pilot.pause()
        app.screen.query_one("#task-tabs").active = "tab-notes_tab"
        await pilot.pause()
        app.screen.query_one("#notes-table").focus()
        await pilot.press("n")
        await pilot.pause()
        await type_text(pilot, "db1 password=Sup3rSecret99")
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, SecretWarningScreen)
        assert notes.list_notes(session, task_id) == []

        await pilot.press("m")
        await pilot.pause()
        assert isinstance(app.screen, NoteEditorScreen)

    titles = [row["title"] for row in notes.list_notes(session, task_id)]
    assert len(titles) == 1
    assert "Sup3rSecret99" not in titles[0]


async def test_archive_unretire_and_purge(session, task_id):
    from opstui.screens.notes_archive import NotesArchiveScreen
    kept = notes.add_note(session, task_id, "Kept", "x")
    gone = notes.add_note(session, task_id, "Gone", "y")
    note_lifecycle.retire_note(session, kept, reason="r")
    note_lifecycle.retire_note(session, gone, reason="r")
    app = build_app(session)
    async with app.run_test(size=(120, 35)) as pilot:
        await pilot.pause()
        archive = NotesArchiveScreen(task_id)
        app.push_screen(archive)
        await pilot.pause()
        rows = [row["id"] for row in archive.rows]
        archive.table.move_cursor(row=rows.index(kept))
        await pilot.press("u")
        await pilot.pause()
        archive.table.move_cursor(row=0)
        await pilot.press("P")
        await pilot.pause()
        await pilot.press("y")
        await pilot.pause()
    assert [row["id"] for row in notes.list_notes(session, task_id)] == [kept]
    assert notes.get_note(session, gone, include_purged=True)["state"] == "purged"
