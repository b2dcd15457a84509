"""Two texts side by side, changed lines highlighted: for conflicts and revision history."""

from __future__ import annotations

from rich.text import Text
from textual.widgets import DataTable

from opstui.sanitize import visible_text
from opstui.textdiff import side_by_side

ROW_STYLES = {
    "equal": ("", ""),
    "replace": ("on #5f3f00", "on #5f3f00"),
    "delete": ("on #5f0000", ""),
    "insert": ("", "on #005f00"),
}
MAX_LINE_LENGTH = 500


def _cell(text: str | None, style: str) -> Text:
    # Text objects are never parsed as markup, and visible_text shows control characters.
    line = visible_text(text or "", keep_line_breaks=False)[:MAX_LINE_LENGTH]
    return Text(line, style=style if text is not None else "", no_wrap=True, overflow="ellipsis")


class SideBySideDiff(DataTable):
    """A read-only table: line number and text of the left version, then of the right one."""

    DEFAULT_CSS = "SideBySideDiff { height: 1fr; }"

    def __init__(self, left_label: str = "old", right_label: str = "new", **kwargs):
        super().__init__(cursor_type="row", zebra_stripes=False, **kwargs)
        self.left_label = left_label
        self.right_label = right_label
        self.changed_rows = 0
        self._texts: tuple[str, str] | None = None

    def on_mount(self) -> None:
        if not self.columns:
            self._add_columns()

    def _add_columns(self) -> None:
        self.add_column("#", key="left-number", width=5)
        self.add_column(Text(self.left_label), key="left", width=60)
        self.add_column("#", key="right-number", width=5)
        self.add_column(Text(self.right_label), key="right", width=60)

    def _text_width(self) -> int:
        """Return the width of each text column: half of what the number columns, padding and scroll bar leave."""
        return max(20, (self.size.width - 20) // 2) if self.size.width else 60

    def on_resize(self) -> None:
        # show() may run before the first layout, when the width is still unknown.
        if self._texts is not None and self.columns["left"].width != self._text_width():
            self.show(*self._texts)

    def show(self, left: str, right: str, left_label: str | None = None, right_label: str | None = None) -> None:
        """Replace the table with the diff of two texts."""
        self._texts = (left, right)
        if left_label is not None:
            self.left_label = left_label
        if right_label is not None:
            self.right_label = right_label
        self.clear(columns=True)
        self._add_columns()
        width = self._text_width()
        self.columns["left"].width = width
        self.columns["right"].width = width
        self.changed_rows = 0

        for row in side_by_side(left, right):
            left_style, right_style = ROW_STYLES[row.kind]
            if row.kind != "equal":
                self.changed_rows += 1
            self.add_row(
                str(row.old_number or ""), _cell(row.old_line, left_style),
                str(row.new_number or ""), _cell(row.new_line, right_style),
            )
