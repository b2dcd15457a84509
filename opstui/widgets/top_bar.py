"""The one-line bar at the top of every main screen: where you are, who you are, what runs.

Other parts of the app put short texts into named segments (a running timer,
the unread count) with ``app.set_status(name, text)``; every bar shows them.

The bar builds its line when it is drawn, at the width it is drawn at. A bar
that stored its text (a Static) would be laid out again on every change and
again once its width is known, and each of those layouts is one more full
frame just after the board's first one.
"""

from rich.text import Text
from textual.widget import Widget

from opstui.sanitize import one_line


class TopBar(Widget):
    DEFAULT_CSS = """
    TopBar {
        dock: top;
        height: 1;
        background: $panel;
        color: $text;
        padding: 0 1;
    }
    """

    def __init__(self, location: str = "", **kwargs):
        super().__init__(**kwargs)
        self.location = location

    def on_mount(self) -> None:
        self.app.status_changed.subscribe(self, self._on_status_changed)

    def _on_status_changed(self, _value: object) -> None:
        self.refresh()  # the height never changes, so no layout is needed

    def set_location(self, location: str) -> None:
        if location != self.location:
            self.location = location
            self.refresh()

    def render(self) -> Text:
        app = self.app
        left = Text()
        left.append("opstui", style="bold")
        if self.location:
            left.append(" │ " + one_line(self.location, 120))
        right = Text()
        for name in sorted(app.status_segments):
            text = app.status_segments[name]
            if text:
                right.append(one_line(text, 60), style="bold")
                right.append("  ")
        right.append(one_line(app.user_label, 40), style="dim")
        width = self.content_size.width

        # A long location (a document title) gives way, so the user and the timer stay shown.
        room = width - right.cell_len - 1
        if left.cell_len > room and room > len("opstui │ …"):
            left.truncate(room, overflow="ellipsis")
        gap = max(1, width - left.cell_len - right.cell_len)
        line = left + Text(" " * gap) + right
        line.truncate(max(width, 1))
        line.no_wrap = True
        return line
