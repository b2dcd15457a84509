"""The board driven by keys under Textual's Pilot, on a real database file."""

from opstui.app import build_app
from opstui.screens.board import BoardScreen
from opstui.screens.task import TaskScreen
from opstui.services import tasks
from tests.helpers import team_session, type_text


async def test_new_request_appears_in_request_column(tmp_path):
    session = team_session(tmp_path / "board.db")
    app = build_app(session)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("n")
        await pilot.pause()
        await type_text(pilot, "Patch OpenSSL on bastions")
        await pilot.press("ctrl+s")
        await pilot.pause()
        board = app.screen.board
        card = board.current_card
        assert card is not None
        assert card.title == "Patch OpenSSL on bastions"
        assert board.current_column.stage == "request"
    assert [row["title"] for row in tasks.list_tasks(session, kind="master")] == ["Patch OpenSSL on bastions"]


async def test_empty_title_keeps_form_open(tmp_path):
    session = team_session(tmp_path / "board.db")
    app = build_app(session)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("n")
        await pilot.pause()
        await pilot.press("ctrl+s")
        await pilot.pause()
        error = app.screen.query_one("#form-error")
        assert "title is empty" in str(error.render())
        await pilot.press("escape")
    assert tasks.list_tasks(session) == []


async def test_move_card_right_and_left(tmp_path):
    session = team_session(tmp_path / "board.db")
    task_id = tasks.create_request(session, "Rotate keys")
    app = build_app(session)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        # Steps 2 and 3 are open, so each forward move asks for a reason.
        await pilot.press("L")
        await pilot.pause()
        await type_text(pilot, "assigned later")
        await pilot.press("enter")
        await pilot.pause()
        assert tasks.get_task(session, task_id)["stage"] == "discovery"
        assert app.screen.board.current_column.stage == "discovery"
        await pilot.press("shift+right")
        await pilot.pause()
        await type_text(pilot, "no research")
        await pilot.press("enter")
        await pilot.pause()
        assert tasks.get_task(session, task_id)["stage"] == "sandbox"
        await pilot.press("H")
        await pilot.pause()
        assert tasks.get_task(session, task_id)["stage"] == "discovery"


async def test_assign_from_board(tmp_path):
    session = team_session(tmp_path / "board.db")
    task_id = tasks.create_request(session, "Rotate keys")
    app = build_app(session)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        await pilot.press("a")
        await pilot.pause()
        # The list is sorted by login: alice, bob, carol. Select bob.
        await pilot.press("down", "space", "enter")
        await pilot.pause()
    assert tasks.get_task(session, task_id)["assignees"] == ["bob"]


async def test_filter_by_text_and_mine(tmp_path):
    session = team_session(tmp_path / "board.db")
    tasks.create_request(session, "Upgrade PostgreSQL", assignees=["bob"])
    tasks.create_request(session, "Rotate certificates", assignees=["alice"])
    app = build_app(session)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        screen = app.screen
        await pilot.press("slash")
        await type_text(pilot, "postgres")
        await pilot.press("enter")
        await pilot.pause()
        assert [card.title for card in screen.board.columns[0].cards] == ["Upgrade PostgreSQL"]
        await pilot.press("slash")
        await pilot.press("ctrl+u")
        await type_text(pilot, "mine")
        await pilot.press("enter")
        await pilot.pause()
        assert [card.title for card in screen.board.columns[0].cards] == ["Rotate certificates"]
        await pilot.press("escape")
        await pilot.pause()
        assert len(screen.board.columns[0].cards) == 2


async def test_open_task_add_subtasks_and_back(tmp_path):
    session = team_session(tmp_path / "board.db")
    task_id = tasks.create_request(session, "Upgrade PostgreSQL")
    app = build_app(session)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, TaskScreen)
        await pilot.press("]", "]")
        await pilot.pause()
        await pilot.press("a")
        await pilot.pause()
        await type_text(pilot, "Check extensions")
        await pilot.press("ctrl+s")
        await pilot.pause()
        subtasks = tasks.task_detail(session, task_id)["subtasks"]
        assert [row["title"] for row in subtasks] == ["Check extensions"]
        await pilot.press("space")
        await pilot.pause()
        assert tasks.task_detail(session, task_id)["subtasks"][0]["status"] == "done"
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, BoardScreen)
        assert app.screen.board.current_card.progress == "1/1 done"


async def test_other_process_change_shows_without_key(tmp_path):
    path = tmp_path / "board.db"
    session = team_session(path)
    app = build_app(session, poll_interval=0.05)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        other = team_session(path, login="bob")
        tasks.create_request(other, "Created elsewhere")
        other.close()
        await pilot.pause(0.3)
        titles = [card.title for card in app.screen.board.columns[0].cards]
        assert titles == ["Created elsewhere"]


async def test_hostile_title_shown_literally(tmp_path):
    session = team_session(tmp_path / "board.db")
    tasks.create_request(session, "[@click=app.quit] [b]bold\x1b[31m")
    app = build_app(session)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        card = app.screen.board.current_card
        assert card.title == "[@click=app.quit] [b]bold\\x1b[31m"
        lines = [app.screen.board.current_column.render_line(0).text]
        assert "[@click=app.quit]" in lines[0]
        assert app.is_running


async def test_edit_form_keeps_untouched_control_characters(tmp_path):
    session = team_session(tmp_path / "board.db")
    task_id = tasks.create_request(session, "Bell\x07 in title", description="ESC \x1b[31m kept")
    app = build_app(session)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        await pilot.press("enter")
        await pilot.pause()
        await pilot.press("e")
        await pilot.pause()
        assert app.screen.query_one("#field-title").value == "Bell\\x07 in title"
        await pilot.press("ctrl+s")
        await pilot.pause()
    task = tasks.get_task(session, task_id)
    assert task["title"] == "Bell\x07 in title"
    assert task["description"] == "ESC \x1b[31m kept"


async def test_cursor_starts_on_first_column_with_cards(tmp_path):
    session = team_session(tmp_path / "board.db")
    task_id = tasks.create_request(session, "Upgrade PostgreSQL")
    tasks.move_task(session, task_id, "discovery", reason="assigned later")
    app = build_app(session)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        board = app.screen.board
        assert board.current_column.stage == "discovery"
        assert board.current_card.task_id == task_id

        # Once the person has moved, a refresh leaves the cursor where they put it.
        await pilot.press("h")
        await pilot.pause()
        board.set_cards_by_stage({column.stage: column.cards for column in board.columns})
        await pilot.pause()
        assert board.current_column.stage == "request"
