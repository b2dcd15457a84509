"""The board: six stage columns, of which as many are shown as fit legibly."""

from textual.app import ComposeResult
from textual.message import Message
from textual.widget import Widget

from opstui.services.process_steps import STAGE_TITLES, STAGES
from opstui.widgets.board_column import BoardColumn
from opstui.widgets.card import Card

MIN_COLUMN_WIDTH = 22


class KanbanBoard(Widget, can_focus=True):
    """Keeps the cursor (a column and a card) and shows the focused stage with its neighbours."""

    # The columns sit directly in the board, without a Horizontal container: Textual
    # draws every widget under a line and cuts it at every widget edge on that line,
    # so each extra full-width container adds that much work to every frame.
    DEFAULT_CSS = """
    KanbanBoard { height: 1fr; layout: horizontal; }
    """

    class CursorMoved(Message):
        """The highlighted card changed (or the board has none)."""

        def __init__(self, card: Card | None):
            super().__init__()
            self.card = card

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.columns = [BoardColumn(stage, STAGE_TITLES[stage], id=f"column-{stage}") for stage in STAGES]
        self.column_index = 0
        self.first_visible = 0
        # Until the person moves, the cursor starts on the first column that has cards.
        self.cursor_placed = False

    def compose(self) -> ComposeResult:
        yield from self.columns

    def on_mount(self) -> None:
        self._activate(0)

    # -- data --------------------------------------------------------------

    def set_cards(self, cards: list[Card]) -> None:
        """Distribute cards over the columns, keeping the cursor on the same task if it is shown."""
        by_stage: dict[str, list[Card]] = {stage: [] for stage in STAGES}
        for card in cards:
            by_stage[card.stage].append(card)
        self.set_cards_by_stage(by_stage)

    def set_cards_by_stage(self, by_stage: dict[str, list[Card]], totals: dict[str, int] | None = None) -> None:
        """Show each column's cards; ``totals`` gives column sizes while only a first page is read."""
        keep = self.current_card.task_id if self.current_card else None
        for column in self.columns:
            total = totals.get(column.stage, 0) if totals else None
            column.set_cards(by_stage[column.stage], keep_task_id=keep, total=total)
        if keep is not None:
            for index, column in enumerate(self.columns):
                if column.current_card and column.current_card.task_id == keep:
                    self._activate(index)
                    break
        elif not self.cursor_placed:
            first_with_cards = next((index for index, column in enumerate(self.columns) if column.current_card), None)
            if first_with_cards is not None:
                self.cursor_placed = True
                self._activate(first_with_cards)
        self.post_message(self.CursorMoved(self.current_card))

    @property
    def current_column(self) -> BoardColumn:
        return self.columns[self.column_index]

    @property
    def current_card(self) -> Card | None:
        return self.current_column.current_card

    def focus_task(self, task_id: int) -> bool:
        for index, column in enumerate(self.columns):
            row = column.index_of(task_id)
            if row is not None:
                column.cursor = row
                self.cursor_placed = True
                self._activate(index)
                return True
        return False

    # -- cursor ------------------------------------------------------------

    def move_column(self, offset: int) -> None:
        self.cursor_placed = True
        self._activate(max(0, min(len(self.columns) - 1, self.column_index + offset)))

    def move_row(self, offset: int) -> None:
        self.current_column.move_cursor(offset)
        self.post_message(self.CursorMoved(self.current_card))

    def jump_row(self, last: bool) -> None:
        column = self.current_column
        column.cursor = max(0, len(column.cards) - 1) if last else 0
        self.post_message(self.CursorMoved(self.current_card))

    def page(self, direction: int) -> None:
        rows = max(1, self.current_column.scrollable_content_region.height // 4)
        self.move_row(direction * rows)

    def _activate(self, index: int) -> None:
        self.columns[self.column_index].set_active(False)
        self.column_index = index
        self.columns[index].set_active(True)
        self._layout_columns()
        self.post_message(self.CursorMoved(self.current_card))

    # -- layout ------------------------------------------------------------

    def on_resize(self) -> None:
        self._layout_columns()

    def visible_count(self) -> int:
        # Before the first layout the board has no size yet: it will span the screen.
        width = self.size.width or self.app.size.width
        return max(1, min(len(self.columns), width // MIN_COLUMN_WIDTH))

    def _layout_columns(self) -> None:
        """Show a window of columns that contains the active one, sliding it sideways as needed."""
        count = self.visible_count()
        if self.column_index < self.first_visible:
            self.first_visible = self.column_index
        elif self.column_index >= self.first_visible + count:
            self.first_visible = self.column_index - count + 1
        # Keep a neighbour on each side of the active column when there is room.
        if count >= 3:
            self.first_visible = max(0, min(self.column_index - 1, len(self.columns) - count))
        self.first_visible = max(0, min(self.first_visible, len(self.columns) - count))
        for index, column in enumerate(self.columns):
            column.display = self.first_visible <= index < self.first_visible + count
