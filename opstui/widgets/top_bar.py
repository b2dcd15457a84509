"""The one-line bar at the top of every main screen: where you are, who you are, what runs.

Other parts of the app put short texts into named segments (a running timer,
the unread count) with ``app.set_status(name, text)``; every bar shows them.
"""

from rich.text import Text
from textual.widgets import Static

from opstui.sanitize import one_line


class TopBar(Static):
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
        super().__init__("", markup=False, **kwargs)
        self.location = location

    def on_mount(self) -> None:
        self.app.status_changed.subscribe(self, self._on_status_changed)
        self.update_bar()

    def _on_status_changed(self, _value: object) -> None:
        self.update_bar()

    def set_location(self, location: str) -> None:
        self.location = location
        self.update_bar()

    def update_bar(self) -> None:
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
        width = max(0, self.size.width - 2)
        gap = max(1, width - left.cell_len - right.cell_len)
        line = left + Text(" " * gap) + right
        line.truncate(max(width, 1))
        self.update(line)

    def on_resize(self) -> None:
        self.update_bar()
