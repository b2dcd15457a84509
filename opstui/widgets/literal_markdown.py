"""A Markdown widget for text from the database, with control characters made visible.

Textual's Markdown widget copies text into its blocks as it is, so an escape
sequence in an instruction (a colour change, an OSC 52 clipboard write) would
reach the reader's terminal. Every text given to this widget goes through
visible_text first, so ESC shows as "\\x1b" and does nothing.
"""

from textual.await_complete import AwaitComplete
from textual.widgets import Markdown

from opstui.sanitize import visible_text


class LiteralMarkdown(Markdown):
    """Markdown of user text: rendered, but never able to drive the terminal."""

    def __init__(self, markdown: str | None = None, **kwargs):
        super().__init__(None if markdown is None else visible_text(markdown), **kwargs)

    def update(self, markdown: str) -> AwaitComplete:
        return super().update(visible_text(markdown))

    def append(self, markdown: str) -> AwaitComplete:
        return super().append(visible_text(markdown))
