"""The board's shared card cache: first page then the rest, and refreshes from events."""

from datetime import date

from opstui.app import build_app
from opstui.screens import board_cache
from opstui.screens.board import BoardScreen
from opstui.services import tasks
from opstui.services.session import open_session
from opstui.widgets.card import Card
from tests.helpers import team_session


def column_titles(app) -> dict[str, str]:
    return {column.stage: str(column.border_title) for column in app.screen.board.columns}


async def test_big_board_reads_rest_in_thread(tmp_path, monkeypatch):
    monkeypatch.setattr(board_cache, "READ_AT_ONCE_LIMIT", 5)
    monkeypatch.setattr(board_cache, "FIRST_PAGE_CARDS", 3)
    session = team_session(tmp_path / "board.db")
    ids = [tasks.create_request(session, f"Request {number}") for number in range(12)]
    app = build_app(session, poll_interval=3600)
    async with app.run_test(size=(100, 30)) as pilot:
        cache = board_cache.board_cache(app)
        for _ in range(100):
            if cache.complete:
                break
            await pilot.pause(0.05)
        assert cache.complete
        assert list(cache.cards) == ids
        assert [card.task_id for card in app.screen.board.current_column.cards] == ids
        assert column_titles(app)["request"] == "Request (12)"


async def test_first_page_shows_column_totals(tmp_path, monkeypatch):
    monkeypatch.setattr(board_cache, "READ_AT_ONCE_LIMIT", 5)
    monkeypatch.setattr(board_cache, "FIRST_PAGE_CARDS", 3)
    session = team_session(tmp_path / "board.db")
    ids = [tasks.create_request(session, f"Request {number}") for number in range(8)]
    app = build_app(session, poll_interval=3600)
    # Keep the thread from starting so the first page stays on screen.
    monkeypatch.setattr(app, "run_worker", lambda *arguments, **options: None)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        assert [card.task_id for card in app.screen.board.current_column.cards] == ids[:3]
        assert column_titles(app)["request"] == "Request (8)"


async def test_events_refresh_named_cards_only(tmp_path):
    session = team_session(tmp_path / "board.db")
    first = tasks.create_request(session, "Rotate keys")
    second = tasks.create_request(session, "Patch kernels")
    app = build_app(session, poll_interval=3600)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        cache = board_cache.board_cache(app)
        untouched = cache.cards[second]
        tasks.move_task(session, first, "discovery", reason="test")
        app.poll_events()
        await pilot.pause()
        assert cache.cards[first].stage == "discovery"
        assert cache.cards[second] is untouched
        assert [card.task_id for card in app.screen.board.columns[1].cards] == [first]


async def test_second_board_screen_shares_cards(tmp_path):
    session = team_session(tmp_path / "board.db")
    task_id = tasks.create_request(session, "Rotate keys")
    app = build_app(session, poll_interval=3600)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        tasks.create_request(session, "Patch kernels")
        await app.push_screen(BoardScreen())
        await pilot.pause()
        shown = [card.title for card in app.screen.board.current_column.cards]
        assert shown == ["Rotate keys", "Patch kernels"]
        await app.pop_screen()
        await pilot.pause()
        assert app.screen.board.current_card.task_id == task_id
        assert len(app.screen.board.current_column.cards) == 2


async def test_card_moved_during_full_read(tmp_path, monkeypatch):
    monkeypatch.setattr(board_cache, "READ_AT_ONCE_LIMIT", 5)
    monkeypatch.setattr(board_cache, "FIRST_PAGE_CARDS", 3)
    session = team_session(tmp_path / "board.db")
    ids = [tasks.create_request(session, f"Request {number}") for number in range(8)]
    app = build_app(session, poll_interval=3600)
    started = []
    monkeypatch.setattr(app, "run_worker", lambda work, **options: started.append(work))
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        cache = board_cache.board_cache(app)
        assert started, "the full read starts once the first page is shown"
        assert cache.loading and not cache.complete
        # The thread's rows, read before another user moves a card it has not reached yet.
        stale = {row["id"]: Card.from_row(row, date.today()) for row in tasks.board_cards(session)}
        other = open_session(tmp_path / "board.db", login="bob")
        tasks.move_task(other, ids[6], "discovery", reason="test")
        other.close()
        app.poll_events()
        await pilot.pause()
        cache._install_from_thread(cache._read_number, stale, date.today())
        await pilot.pause()
        assert cache.complete
        assert cache.cards[ids[6]].stage == "discovery"
        assert [card.task_id for card in app.screen.board.columns[1].cards] == [ids[6]]
        assert column_titles(app)["request"] == "Request (7)"
