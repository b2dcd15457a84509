"""The board's first layout is its final one: the top bar and the columns need no second pass."""

from opstui.app import build_app
from opstui.screens.board import BoardScreen
from opstui.services import tasks
from opstui.widgets.top_bar import TopBar
from tests.helpers import team_session


async def test_board_first_screen_fits_columns(tmp_path):
    session = team_session(tmp_path / "board.db")
    tasks.create_request(session, "Rotate keys")
    app = build_app(session, poll_interval=3600)
    async with app.run_test(size=(100, 30)) as pilot:
        assert isinstance(app.screen, BoardScreen)
        assert len(app.screen_stack) == 1
        # Four columns of at least 22 cells fit in 100; the board knew it before its own size.
        shown = [column.stage for column in app.screen.board.columns if column.display]
        assert shown == ["request", "discovery", "sandbox", "production"]
        await pilot.pause()
        assert [column.stage for column in app.screen.board.columns if column.display] == shown
        assert app.screen.board.columns[0].virtual_size.height == 4


async def test_top_bar_follows_its_width_location_and_status(tmp_path):
    session = team_session(tmp_path / "board.db")
    app = build_app(session, poll_interval=3600)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        bar = app.screen.query_one(TopBar)
        assert str(bar.render()).rstrip().endswith("(alice, manager)")
        assert len(str(bar.render())) == 98

        await pilot.resize_terminal(120, 40)
        await pilot.pause()
        assert len(str(bar.render())) == 118

        app.set_status("timer", "⏱ 0:05 #1")
        bar.set_location("Board  filter: keys")
        await pilot.pause()
        line = str(bar.render())
        assert line.startswith("opstui │ Board  filter: keys")
        assert "⏱ 0:05 #1" in line
        # The bar's text also reaches the screen, not only its render method.
        assert "filter:&#160;keys" in app.export_screenshot()

        bar.set_location("Draft of instruction 12: " + "a very long title " * 8)
        await pilot.pause()
        line = str(bar.render())
        assert line.rstrip().endswith("(alice, manager)")
        assert "…" in line
        assert len(line) == 118
