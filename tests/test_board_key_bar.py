"""The board's one-line key bar: the same keys as the bindings, kept short, and clickable."""

from opstui.app import build_app
from opstui.screens.task_form import TaskForm
from opstui.widgets.key_bar import KeyBar
from tests.helpers import team_session


def bar_text(app) -> str:
    return app.screen.query_one(KeyBar).render().plain


async def test_bar_lists_the_shown_bindings_in_order(tmp_path):
    app = build_app(team_session(tmp_path / "board.db"))
    async with app.run_test(size=(160, 30)) as pilot:
        await pilot.pause()
        text = bar_text(app)
        expected = [binding.description for binding in app.screen.BINDINGS if binding.show]
        expected += [binding.description for binding in app.BINDINGS if binding.show and binding.description != "Keys"]
        positions = [text.index(description) for description in expected]
        assert positions == sorted(positions)
        assert text.rstrip().endswith("? Keys")
        # Keys not meant for the footer stay off the bar.
        assert "Previous stage" not in text
        assert "Commands" not in text


async def test_narrow_bar_keeps_the_help_key(tmp_path):
    app = build_app(team_session(tmp_path / "board.db"))
    async with app.run_test(size=(60, 20)) as pilot:
        await pilot.pause()
        text = bar_text(app)
        assert len(text) <= 60
        assert text.rstrip().endswith("? Keys")
        assert "Open" in text
        assert "Search" not in text


async def test_bar_follows_the_focused_widget(tmp_path):
    app = build_app(team_session(tmp_path / "board.db"))
    async with app.run_test(size=(160, 30)) as pilot:
        await pilot.pause()
        assert "New request" in bar_text(app)
        await pilot.press("slash")
        await pilot.pause()
        # In the filter field the letters are typed, so their keys leave the bar.
        assert "New request" not in bar_text(app)
        await pilot.press("escape")
        await pilot.pause()
        assert "New request" in bar_text(app)


async def test_click_on_a_key_presses_it(tmp_path):
    app = build_app(team_session(tmp_path / "board.db"))
    async with app.run_test(size=(160, 30)) as pilot:
        await pilot.pause()
        text = bar_text(app)
        await pilot.click(KeyBar, offset=(text.index("New request"), 0))
        await pilot.pause()
        assert isinstance(app.screen, TaskForm)
