"""Knowledge-base routes in the TUI: the global key, drafts from notes, publish confirmation,
the viewer's contents and find keys, and the ? help screen at 80x24."""

from textual.widgets import DataTable, OptionList

from opstui.app import build_app
from opstui.screens.help import HelpScreen, screen_title
from opstui.screens.instruction_list import InstructionList
from opstui.screens.publish_confirm import PublishConfirm
from opstui.screens.instruction_viewer import InstructionViewer
from opstui.services import kb, notes, tasks
from tests.helpers import team_session
from tests.kb_helpers import RUNBOOK


def help_rows(app) -> dict[str, str]:
    table = app.screen.query_one(DataTable)
    return {str(table.get_row_at(index)[1]): str(table.get_row_at(index)[0]) for index in range(table.row_count)}


async def test_board_key_opens_knowledge_base(tmp_path):
    session = team_session(tmp_path / "route.db")
    kb.create_instruction(session, "Restart unbound", body=RUNBOOK)
    app = build_app(session)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        await pilot.press("K")
        await pilot.pause()

        assert isinstance(app.screen, InstructionList)
        assert app.screen.task_id is None
        assert [row["title"] for row in app.screen.rows] == ["Restart unbound"]

        await pilot.press("K")
        await pilot.pause()
        assert len([screen for screen in app.screen_stack if isinstance(screen, InstructionList)]) == 1


async def test_knowledge_base_key_in_help_and_palette(tmp_path):
    session = team_session(tmp_path / "palette.db")
    app = build_app(session)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        board = app.screen
        commands = [command.title for command in app.get_system_commands(board)]

        await pilot.press("question_mark")
        await pilot.pause()

        assert "Knowledge base" in commands
        assert help_rows(app)["Knowledge base"] == "K"


async def test_list_drafts_from_task_notes(tmp_path):
    session = team_session(tmp_path / "notes.db")
    task_id = tasks.create_request(session, "Upgrade PostgreSQL")
    note_id = notes.add_note(session, task_id, "Sandbox rehearsal", "pg_upgrade --link took 4 minutes.")
    app = build_app(session)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = InstructionList(task_id)
        await app.push_screen(screen)
        await pilot.pause()
        await pilot.press("D")
        await pilot.pause()

        assert [row["title"] for row in screen.rows] == ["Upgrade PostgreSQL"]
        assert screen.selected_id() == screen.rows[0]["id"]

    (row,) = kb.list_instructions(session)
    instruction = kb.get_instruction(session, row["id"])
    assert "pg_upgrade --link took 4 minutes." in instruction["draft_body"]
    assert notes.get_note(session, note_id)["outcome"] == "taken"


async def test_draft_from_notes_hidden_without_task(tmp_path):
    session = team_session(tmp_path / "hidden.db")
    app = build_app(session)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = InstructionList()
        await app.push_screen(screen)
        await pilot.pause()
        actions = {active.binding.action for active in screen.active_bindings.values()}

        await pilot.press("D")
        await pilot.pause()

        assert "draft_from_notes" not in actions
        assert kb.list_instructions(session) == []


async def test_notes_tab_drafts_from_notes(tmp_path):
    from opstui.screens.task import TaskScreen

    session = team_session(tmp_path / "tab.db")
    task_id = tasks.create_request(session, "Upgrade PostgreSQL")
    notes.add_note(session, task_id, "Extension inventory", "pg_stat_statements and postgis.")
    app = build_app(session)
    async with app.run_test(size=(120, 35)) as pilot:
        await pilot.pause()
        app.push_screen(TaskScreen(task_id))
        await pilot.pause()
        app.screen.query_one("#task-tabs").active = "tab-notes_tab"
        await pilot.pause()
        table = app.screen.query_one("#notes-table")
        table.focus()
        await pilot.press("D")
        await pilot.pause()

        assert "→ instruction #" in str(table.get_row_at(0)[2])

    (row,) = kb.list_instructions(session)
    assert "pg_stat_statements and postgis." in kb.get_instruction(session, row["id"])["draft_body"]


async def test_publish_asks_first(tmp_path):
    session = team_session(tmp_path / "publish.db")
    instruction_id = kb.create_instruction(session, "Restart unbound", body=RUNBOOK)
    app = build_app(session)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = InstructionList()
        await app.push_screen(screen)
        await pilot.pause()

        await pilot.press("P")
        await pilot.pause()
        assert isinstance(app.screen, PublishConfirm)
        assert "Restart unbound" in app.screen.question
        assert "revision 1" in app.screen.question
        await pilot.press("escape")
        await pilot.pause()
        assert app.screen is screen
        assert kb.get_instruction(session, instruction_id)["official_revision"] is None

        await pilot.press("P")
        await pilot.pause()
        await pilot.press("enter")
        await pilot.pause()
        assert app.screen is screen
        assert screen.rows[0]["status"] == "official"
    assert kb.get_instruction(session, instruction_id)["official_revision"] == 1


async def test_publish_question_names_next_revision(tmp_path):
    session = team_session(tmp_path / "second.db")
    instruction_id = kb.create_instruction(session, "Restart unbound", body=RUNBOOK)
    kb.publish(session, instruction_id)
    kb.start_draft(session, instruction_id)
    app = build_app(session)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = InstructionList()
        await app.push_screen(screen)
        await pilot.pause()
        await pilot.press("P")
        await pilot.pause()

        assert "revision 2" in app.screen.question
        await pilot.press("y")
        await pilot.pause()
    assert kb.get_instruction(session, instruction_id)["official_revision"] == 2


async def test_viewer_contents_key_moves_focus(tmp_path):
    session = team_session(tmp_path / "toc.db")
    instruction_id = kb.create_instruction(session, "Restart unbound", body=RUNBOOK)
    app = build_app(session)
    async with app.run_test(size=(80, 24)) as pilot:
        viewer = InstructionViewer(instruction_id)
        await app.push_screen(viewer)
        await pilot.pause()
        toc = viewer.query_one("#viewer-toc", OptionList)
        assert viewer.focused is viewer.document_view

        await pilot.press("t")
        await pilot.pause()
        assert toc.display
        assert viewer.focused is toc
        assert "Tab" in viewer.status_text

        await pilot.press("t")
        await pilot.pause()
        assert not toc.display
        assert viewer.focused is viewer.document_view

        await pilot.press("t")
        await pilot.pause()
        assert toc.display
        assert viewer.focused is toc


async def test_viewer_find_footer_has_no_duplicates(tmp_path):
    session = team_session(tmp_path / "find.db")
    instruction_id = kb.create_instruction(session, "Restart unbound", body=RUNBOOK)
    app = build_app(session)
    async with app.run_test(size=(80, 24)) as pilot:
        viewer = InstructionViewer(instruction_id)
        await app.push_screen(viewer)
        await pilot.pause()
        await pilot.press("slash")
        await pilot.pause()
        shown = [active.binding.description for active in viewer.active_bindings.values() if active.binding.show]

        assert len(shown) == len(set(shown))
        assert "Close find" in shown
        assert "Back" not in shown
        assert "Find" not in shown

        await pilot.press("escape")
        await pilot.pause()
        assert app.screen is viewer
        assert viewer.focused is viewer.document_view


async def test_help_keeps_find_and_search_apart(tmp_path):
    session = team_session(tmp_path / "help.db")
    instruction_id = kb.create_instruction(session, "Restart unbound", body=RUNBOOK)
    app = build_app(session)
    async with app.run_test(size=(80, 24)) as pilot:
        await app.push_screen(InstructionViewer(instruction_id))
        await pilot.pause()
        await pilot.press("question_mark")
        await pilot.pause()
        rows = help_rows(app)

        assert rows["Find"] == "/"
        assert rows["Search"] == "s"
        assert "Keys: instruction viewer" in str(app.screen.query_one(".dialog-title").render())


async def test_help_fits_80x24_and_scrolls(tmp_path):
    session = team_session(tmp_path / "fit.db")
    instruction_id = kb.create_instruction(session, "Restart unbound", body=RUNBOOK)
    app = build_app(session)
    async with app.run_test(size=(80, 24)) as pilot:
        await app.push_screen(InstructionViewer(instruction_id))
        await pilot.pause()
        await pilot.press("question_mark")
        await pilot.pause()
        help_screen = app.screen
        table = help_screen.query_one(DataTable)
        dialog = help_screen.query_one(".dialog")
        hint = help_screen.query_one("#help-hint")

        assert isinstance(help_screen, HelpScreen)
        assert dialog.region.bottom <= 24
        assert hint.region.bottom <= dialog.region.bottom
        assert hint.region.height >= 1
        assert table.row_count > table.scrollable_content_region.height

        await pilot.press("ctrl+end")
        await pilot.pause()
        assert table.cursor_row == table.row_count - 1
        assert table.scroll_y == table.max_scroll_y > 0


def test_screen_titles_read_as_words():
    class BoardScreen:
        pass

    class InstructionViewer:
        pass

    assert screen_title(BoardScreen()) == "board"
    assert screen_title(InstructionViewer()) == "instruction viewer"


async def test_help_shows_every_key_at_120x40(tmp_path):
    session = team_session(tmp_path / "tall.db")
    instruction_id = kb.create_instruction(session, "Restart unbound", body=RUNBOOK)
    app = build_app(session)
    async with app.run_test(size=(120, 40)) as pilot:
        await app.push_screen(InstructionViewer(instruction_id))
        await pilot.pause()
        await pilot.press("question_mark")
        await pilot.pause()
        table = app.screen.query_one(DataTable)

        assert table.max_scroll_y == 0
        assert table.region.height == table.row_count + 1
