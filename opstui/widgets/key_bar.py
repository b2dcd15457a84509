"""A one-line footer of the screen's keys, drawn by one widget.

Textual 8.2's Footer mounts one widget per key and mounts them all again
whenever the bindings change, and the old key widgets stay referenced by its
data bindings. Returning to the board cost about 200 ms of CPU with it and
about 70 ms with this bar (bench/board.py, 10,000 cards). This bar draws the
same keys as one line of text from the same bindings. A click on a key presses
it, as in the Footer.
"""

from rich.text import Text
from textual import events
from textual.widget import Widget

# The key that lists every other key stays on the bar when the rest does not fit.
HELP_ACTION = "app.show_keys"


class KeyBar(Widget):
    COMPONENT_CLASSES = {"key-bar--key"}
    DEFAULT_CSS = """
    KeyBar {
        dock: bottom;
        height: 1;
        background: $footer-background;
        color: $footer-description-foreground;
    }
    KeyBar > .key-bar--key {
        color: $footer-key-foreground;
        text-style: bold;
    }
    """

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        # Each shown key as (first cell, end cell, key to press), for clicks.
        self._spans: list[tuple[int, int, str]] = []

    def on_mount(self) -> None:
        self.screen.bindings_updated_signal.subscribe(self, self._bindings_changed)

    def on_unmount(self) -> None:
        self.screen.bindings_updated_signal.unsubscribe(self)

    def _bindings_changed(self, _screen: object) -> None:
        self.refresh()

    def visible_keys(self) -> list[tuple[str, str, str, bool]]:
        """Return (key to press, key as shown, description, enabled) for each key the footer shows."""
        seen: set[str] = set()
        keys = []
        for namespace, binding, enabled, _tooltip in self.screen.active_bindings.values():
            if not binding.show or binding.action in seen:
                continue
            seen.add(binding.action)
            action = f"app.{binding.action}" if namespace is self.app else binding.action
            keys.append((binding.key, self.app.get_key_display(binding), binding.description, enabled, action))
        help_keys = [key for key in keys if key[4] == HELP_ACTION]
        return [key[:4] for key in keys if key[4] != HELP_ACTION] + [key[:4] for key in help_keys]

    def render(self) -> Text:
        width = self.size.width
        key_style = self.get_component_rich_style("key-bar--key", partial=True)
        keys = self.visible_keys()
        pieces = [(key, f" {shown} ", f"{description} ", enabled) for key, shown, description, enabled in keys]
        # Drop keys before the last (the help key) until the line fits.
        while len(pieces) > 1 and sum(len(shown) + len(text) for _, shown, text, _ in pieces) > width:
            del pieces[-2]
        line = Text(no_wrap=True, overflow="ellipsis")
        self._spans = []
        for key, shown, text, enabled in pieces:
            start = line.cell_len
            line.append(shown, style=key_style if enabled else "dim")
            line.append(text, style="" if enabled else "dim")
            self._spans.append((start, line.cell_len, key))
        return line

    def on_click(self, event: events.Click) -> None:
        for start, end, key in self._spans:
            if start <= event.x < end:
                self.app.simulate_key(key.split(",")[0])
                return
