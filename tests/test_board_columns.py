"""A column skips redrawing when its cards are unchanged, and redraws a re-read card."""

from dataclasses import replace

from opstui.app import build_app
from opstui.services import tasks
from tests.helpers import team_session


async def test_column_redraws_only_changed_cards(tmp_path):
    session = team_session(tmp_path / "board.db")
    tasks.create_request(session, "Rotate keys")
    tasks.create_request(session, "Renew certificates")
    app = build_app(session)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        column = app.screen.board.columns[0]
        cards = list(column.cards)
        assert column.border_title == "Request (2)"

        column.set_cards(list(cards))
        assert column.cards == cards
        assert column.border_subtitle == "1/2"

        renamed = replace(cards[1], title="Recertified")
        column.set_cards([cards[0], renamed])
        await pilot.pause()
        assert column.cards[1] is renamed
        # The screen shows the new title, so the column was redrawn, not only given the list.
        assert "Recertified" in app.export_screenshot()

        column.set_cards([cards[0]])
        await pilot.pause()
        assert column.border_title == "Request (1)"
        assert column.border_subtitle == "1/1"
