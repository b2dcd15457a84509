"""The board's cards, read once per app and kept current from the event feed.

Reading 10,000 cards takes about half a second, so board screens share one
copy kept by the app. Events refresh only the cards they name. A full read
happens on the first open, when the date changes (overdue marks), on a user
event, or when a batch of events names more than REFRESH_ONE_BY_ONE_LIMIT cards. A big board
shows the first page of each column at once and reads the rest in a thread.
The first frame therefore comes early, and keys work while the rest loads.
"""

from bisect import bisect_left
from collections.abc import Callable, Iterable
from datetime import date
from operator import attrgetter
from typing import Any

from opstui.services import tasks
from opstui.services.process_steps import STAGES
from opstui.widgets.card import Card

_task_id = attrgetter("task_id")

# Boards up to this many cards are read at once, in the screen's own thread.
READ_AT_ONCE_LIMIT = 600
# Cards read per column before the rest of a big board: more than a tall terminal shows.
FIRST_PAGE_CARDS = 40
# Screen updates to wait for before the first full read starts: the first frame and its follow-up.
FRAMES_BEFORE_FIRST_READ = 2
# A batch of events naming more cards than this reads the whole board again.
REFRESH_ONE_BY_ONE_LIMIT = 200


class BoardCache:
    """The cards of the board by task id, in board order (task id), with a counter of changes."""

    def __init__(self, app):
        self.app = app
        self.cards: dict[int, Card] = {}
        self.complete = False
        self.loading = False
        self.today: date | None = None
        self.generation = 0
        self.applied_event_id = 0
        self.column_totals: dict[str, int] = {}
        self._refreshed_while_loading: set[int] = set()
        self._read_number = 0
        self._by_stage: dict[str, list[Card]] | None = None

    @property
    def session(self):
        return self.app.session

    # -- full reads ----------------------------------------------------------

    def ensure_current(self) -> None:
        """Read every card unless the cache contains today's full board (or is reading it)."""
        if self.loading:
            return
        if self.complete and self.today == date.today():
            return
        self.load_all()

    def load_all(self) -> None:
        """Read every card: at once for a small board, else the first page now and the rest in a thread."""
        self.applied_event_id = max(self.applied_event_id, self.app.feed.last_id)
        today = date.today()
        count = tasks.board_card_count(self.session)
        if count <= READ_AT_ONCE_LIMIT:
            rows = tasks.board_cards(self.session)
            self._install({row["id"]: Card.from_row(row, today) for row in rows}, today)
            return
        first_read = not self.complete
        if first_read:
            self._show_first_pages(today)
        self.loading = True
        self._refreshed_while_loading = set()
        self._read_number += 1
        # The first read waits until the first page is on screen: a thread reading
        # 10,000 cards slows the main thread and the terminal drawing that frame.
        self._start_read(self._read_number, FRAMES_BEFORE_FIRST_READ if first_read else 0)

    def _start_read(self, number: int, frames_to_wait: int) -> None:
        """Start the thread that reads every card, after ``frames_to_wait`` screen updates."""
        if number != self._read_number:
            return  # A later read was started in the meantime.
        if frames_to_wait:
            self.app.call_after_refresh(self._start_read, number, frames_to_wait - 1)
            return
        self.app.run_worker(lambda: self._read_in_thread(number), name="board-cards", group="board-cards",
                            thread=True, exit_on_error=False)

    def _show_first_pages(self, today: date) -> None:
        first_ids: list[int] = []
        for stage in STAGES:
            first_ids.extend(tasks.board_first_card_ids(self.session, stage, FIRST_PAGE_CARDS))
        rows = tasks.board_cards(self.session, first_ids) if first_ids else []
        self.cards = {row["id"]: Card.from_row(row, today) for row in rows}
        self._by_stage = None
        self.column_totals = tasks.board_column_totals(self.session)
        self.today = today
        self.generation += 1

    def _read_in_thread(self, number: int) -> None:
        # Runs in a worker thread, on that thread's own database connection.
        today = date.today()
        rows = tasks.board_cards(self.session)
        cards = {row["id"]: Card.from_row(row, today) for row in rows}
        try:
            self.app.call_from_thread(self._install_from_thread, number, cards, today)
        except RuntimeError:
            pass  # The app has stopped.

    def _install_from_thread(self, number: int, cards: dict[int, Card], today: date) -> None:
        if number != self._read_number:
            return  # A later read was started; its rows are newer.
        self.loading = False
        again = self._refreshed_while_loading
        self._refreshed_while_loading = set()
        self._keep(cards, today)
        if again:
            # Changes read while the thread was reading may be newer than its rows.
            self.refresh(again)
        self._tell_boards()

    def _install(self, cards: dict[int, Card], today: date) -> None:
        self._keep(cards, today)
        self._tell_boards()

    def _keep(self, cards: dict[int, Card], today: date) -> None:
        self.cards = cards
        self._by_stage = None
        self.column_totals = {}
        self.complete = True
        self.today = today
        self.generation += 1

    def _tell_boards(self) -> None:
        for screen in self.app.screen_stack:
            shown = getattr(screen, "show_board_cache", None)
            if shown is not None:
                shown()

    # -- partial reads -------------------------------------------------------

    def refresh(self, task_ids: Iterable[int]) -> None:
        """Read the cards of ``task_ids`` again; a task no longer on the board loses its card."""
        task_ids = set(task_ids)
        if not task_ids:
            return
        if self.loading:
            self._refreshed_while_loading |= task_ids
        today = self.today or date.today()
        rows = tasks.board_cards(self.session, sorted(task_ids))
        found = {row["id"]: row for row in rows}
        new_ids = False
        for task_id in task_ids:
            row = found.get(task_id)
            old = self.cards.get(task_id)
            if old is not None:
                self._unlist(old)
            if row is None:
                self.cards.pop(task_id, None)
                continue
            card = Card.from_row(row, today)
            new_ids = new_ids or old is None
            self.cards[task_id] = card  # an existing id keeps its place in id order
            self._list(card)
        if new_ids and any(a > b for a, b in zip(self.cards, list(self.cards)[1:])):
            self.cards = dict(sorted(self.cards.items()))
        self.generation += 1

    def stage_lists(self) -> dict[str, list[Card]]:
        """Return each stage's cards in id order, kept up to date card by card (do not change them)."""
        if self._by_stage is None:
            self._by_stage = cards_by_stage(self.cards.values())
        return self._by_stage

    def _unlist(self, card: Card) -> None:
        if self._by_stage is None:
            return
        column = self._by_stage[card.stage]
        index = bisect_left(column, card.task_id, key=_task_id)
        if index < len(column) and column[index].task_id == card.task_id:
            del column[index]

    def _list(self, card: Card) -> None:
        if self._by_stage is None:
            return
        column = self._by_stage[card.stage]
        column.insert(bisect_left(column, card.task_id, key=_task_id), card)

    def apply_events(self, events: list[dict[str, Any]]) -> None:
        """Refresh the cards these events name, once per event however many screens pass them on."""
        fresh = [event for event in events if event["id"] > self.applied_event_id]
        if not fresh:
            return
        self.applied_event_id = fresh[-1]["id"]
        affected = self._master_ids(fresh)
        if affected is None or len(affected) > REFRESH_ONE_BY_ONE_LIMIT:
            self.load_all()
        elif affected:
            self.refresh(affected)

    def _master_ids(self, events: list[dict[str, Any]]) -> set[int] | None:
        """Map the events' tasks to the master tasks whose cards show them (None: read every card)."""
        masters: set[int] = set()
        for event in events:
            task_id = event["task_id"]
            if task_id is None:
                if event["entity"] == "user":
                    return None
                continue
            parent_id = event["data"].get("parent_id")
            masters.add(parent_id or task_id)
        unknown = {task_id for task_id in masters if task_id not in self.cards}
        # A subtask or activity event whose parent is not in the event data:
        # ask the service which master task it belongs to.
        for task_id in unknown:
            masters.discard(task_id)
            try:
                task = tasks.get_task(self.session, task_id)
            except Exception:
                masters.add(task_id)
                continue
            masters.add(task["parent_id"] or task_id)
        return masters


def board_cache(app) -> BoardCache:
    """Return the app's board cache, creating it on first use."""
    cache = getattr(app, "board_cache", None)
    if cache is None:
        cache = BoardCache(app)
        app.board_cache = cache
    return cache


def cards_by_stage(cards: Iterable[Card], keep: Callable[[Card], bool] | None = None) -> dict[str, list[Card]]:
    """Split cards over the stage columns, in the order given, keeping those ``keep`` accepts."""
    by_stage: dict[str, list[Card]] = {stage: [] for stage in STAGES}
    if keep is None:
        for card in cards:
            by_stage[card.stage].append(card)
    else:
        for card in cards:
            if keep(card):
                by_stage[card.stage].append(card)
    return by_stage
