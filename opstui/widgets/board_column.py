"""One board column: a virtualised list of cards that renders only the visible lines.

A widget per card costs about 1 ms and 25 KiB each, so thousands of cards would
take seconds to mount. This column draws its cards line by line instead
(Textual's Line API), so its cost follows the screen's height, not the card count.
"""

from bisect import bisect_left
from operator import attrgetter

from rich.cells import cell_len, set_cell_size
from rich.segment import Segment
from rich.style import Style
from textual.geometry import Size
from textual.reactive import reactive
from textual.scroll_view import ScrollView
from textual.strip import Strip

from opstui.widgets.card import PRIORITY_LABELS, Card

_task_id = attrgetter("task_id")
CARD_HEIGHT = 4  # three lines of text and one blank line between cards


class BoardColumn(ScrollView, can_focus=False):
    DEFAULT_CSS = """
    BoardColumn {
        border: round $panel;
        border-title-color: $text;
        border-title-style: bold;
        height: 1fr;
        width: 1fr;
        padding: 0 0;
        scrollbar-size-vertical: 0;
        overflow-x: hidden;
        border-subtitle-color: $text-muted;
    }
    BoardColumn.-active {
        border: round $accent;
    }
    """

    cursor: reactive[int] = reactive(0, always_update=True)

    def __init__(self, stage: str, title: str, **kwargs):
        super().__init__(**kwargs)
        self.stage = stage
        self.stage_title = title
        self.cards: list[Card] = []
        self.has_cursor = False
        self._card_styles: dict[str, Style] = {}

    # -- data --------------------------------------------------------------

    def set_cards(self, cards: list[Card], keep_task_id: int | None = None, total: int | None = None) -> None:
        """Replace the cards, keeping the cursor on ``keep_task_id`` when it is still here.

        ``total`` is the column's size while only its first cards are read.
        """
        title = f"{self.stage_title} ({len(cards) if total is None else max(total, len(cards))})"
        if title == self.border_title and _same_cards(cards, self.cards):
            # A move changes two columns: the others keep their drawn lines.
            self.cards = cards
            return
        self.cards = cards
        if keep_task_id is not None:
            index = self.index_of(keep_task_id)
            if index is not None:
                self.cursor = index
        self.cursor = max(0, min(self.cursor, len(cards) - 1))
        self.virtual_size = _virtual_size(cards)
        self.border_title = title
        self._show_position()
        self.refresh()

    def index_of(self, task_id: int) -> int | None:
        """Find a card by task id; cards are in task id order, so a binary search does."""
        index = bisect_left(self.cards, task_id, key=_task_id)
        if index < len(self.cards) and self.cards[index].task_id == task_id:
            return index
        return None

    @property
    def current_card(self) -> Card | None:
        if not self.cards:
            return None
        return self.cards[self.cursor]

    def move_cursor(self, offset: int) -> None:
        if self.cards:
            self.cursor = max(0, min(len(self.cards) - 1, self.cursor + offset))

    def watch_cursor(self, _old: int, _new: int) -> None:
        self.scroll_to_cursor()
        self._show_position()
        self.refresh()

    def _show_position(self) -> None:
        # The position in the bottom border replaces a scroll bar, which would be one
        # more widget per column for the compositor to cut every line at.
        self.border_subtitle = f"{self.cursor + 1}/{len(self.cards)}" if self.cards else ""

    def scroll_to_cursor(self) -> None:
        top = self.cursor * CARD_HEIGHT
        height = self.scrollable_content_region.height
        if top < self.scroll_y:
            self.scroll_to(y=top, animate=False)
        elif top + CARD_HEIGHT > self.scroll_y + height:
            self.scroll_to(y=top + CARD_HEIGHT - height, animate=False)

    def set_active(self, active: bool) -> None:
        self.has_cursor = active
        self.set_class(active, "-active")
        self.refresh()

    # -- rendering -----------------------------------------------------------

    def _style(self, name: str) -> Style:
        style = self._card_styles.get(name)
        if style is None:
            style = self._make_style(name)
            self._card_styles[name] = style
        return style

    def _make_style(self, name: str) -> Style:
        colors = self.app.current_theme
        base = Style(color=colors.foreground or "white")
        cursor_background = colors.primary or "blue"
        table = {
            "title": base + Style(bold=True),
            "dim": Style(color="grey62"),
            "overdue": Style(color=colors.error or "red", bold=True),
            "high": Style(color=colors.warning or "yellow", bold=True),
            "urgent": Style(color=colors.error or "red", bold=True),
            "normal": Style(color="grey70"),
            "low": Style(color="grey50"),
            "cursor": Style(bgcolor=cursor_background),
        }
        return table[name]

    def notify_style_update(self) -> None:
        self._card_styles.clear()
        super().notify_style_update()

    def render_line(self, y: int) -> Strip:
        width = self.scrollable_content_region.width
        absolute_y = y + int(self.scroll_y)
        index, line = divmod(absolute_y, CARD_HEIGHT)
        if index >= len(self.cards) or line == CARD_HEIGHT - 1:
            return Strip.blank(width)
        card = self.cards[index]
        segments = self._card_line(card, line, width)
        strip = Strip(segments).adjust_cell_length(width)
        if self.has_cursor and index == self.cursor:
            strip = strip.apply_style(self._style("cursor"))
        return strip

    def _card_line(self, card: Card, line: int, width: int) -> list[Segment]:
        if line == 0:
            prefix = f"#{card.task_id} "
            return [Segment(prefix, self._style("dim")),
                    Segment(_fit(card.title, width - cell_len(prefix)), self._style("title"))]
        if line == 1:
            progress = card.progress
            assignee_width = max(0, width - cell_len(progress) - 1)
            return [Segment(_fit(card.assignees, assignee_width).ljust(assignee_width), self._style("dim")),
                    Segment(" "), Segment(progress, self._style("dim"))]
        texts = [(PRIORITY_LABELS.get(card.priority, card.priority), card.priority)]
        if card.due_text:
            texts.append((card.due_text, "overdue" if card.overdue else "dim"))
        if card.activity:
            texts.append((card.activity, "high"))

        # Narrow columns get one space between the parts, then an ellipsis on the last.
        separator = "  " if sum(cell_len(text) for text, _ in texts) + 2 * (len(texts) - 1) <= width else " "
        parts: list[Segment] = []
        used = 0
        for number, (text, style) in enumerate(texts):
            if number:
                parts.append(Segment(separator))
                used += len(separator)
            shown = _fit(text, max(0, width - used))
            parts.append(Segment(shown, self._style(style)))
            used += cell_len(shown)
        return list(Segment.adjust_line_length(parts, width))


def _virtual_size(cards: list[Card]) -> Size:
    """Return the scrolled size of these cards.

    Its width is 0 because the column never scrolls sideways. A width that followed
    the column's own would change once the first layout sizes the column, and Textual
    would lay out and draw the whole screen again just after its first frame.
    """
    return Size(0, len(cards) * CARD_HEIGHT)


def _same_cards(new: list[Card], old: list[Card]) -> bool:
    """Tell whether two card lists hold the same Card objects; a re-read card is a new object."""
    return len(new) == len(old) and all(a is b for a, b in zip(new, old))


def _fit(text: str, width: int) -> str:
    if width <= 0:
        return ""
    if cell_len(text) <= width:
        return text
    return set_cell_size(text, max(0, width - 1)) + "…"
