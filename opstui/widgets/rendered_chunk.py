"""One part of a long document, drawn by Rich's Markdown renderer as a single widget.

Textual's Markdown widget mounts a widget per block, and each costs about 5 ms of CPU
to style and lay out on the project's 2-core test machine: a screenful of a dense
runbook took half a second. Rich renders the same Markdown into lines in about 10 ms
per kilobyte, and one widget per part keeps every layout pass small. The lines are
rendered once per width and kept, so scrolling only picks lines. Links stay
clickable: their targets become click actions that post LinkClicked.
"""

from rich.console import Console, ConsoleOptions, RenderableType, RenderResult
from rich.markdown import Markdown as RichMarkdown
from rich.segment import Segment
from rich.style import Style
from rich.theme import Theme
from textual.geometry import Size
from textual.message import Message
from textual.strip import Strip
from textual.widget import Widget

from opstui.kb.chunks import FENCE
from opstui.sanitize import visible_text

CODE_THEME = "ansi_dark"


class ClickableLinks:
    """Wrap a renderable so that its hyperlinks run the widget's link action when clicked."""

    def __init__(self, renderable: RenderableType):
        self.renderable = renderable

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        for segment in console.render(self.renderable, options):
            style = segment.style
            if style is not None and style.link:
                click = Style.from_meta({"@click": ("link", (style.link,))})
                style = style.update_link(None) + click
                segment = Segment(segment.text, style, segment.control)
            yield segment


class RenderedChunk(Widget):
    """A chunk of Markdown rendered as one block of lines."""

    DEFAULT_CSS = "RenderedChunk { height: auto; padding: 0 2; }"

    class LinkClicked(Message):
        """A link in the chunk was clicked. href is its target as written."""

        def __init__(self, href: str):
            super().__init__()
            self.href = href

    def __init__(self, text: str, *, id: str | None = None):
        super().__init__(id=id)
        self.source = visible_text(text)
        self._lines: list[Strip] = []
        self._lines_key: tuple[int, str] | None = None

    def lines_at(self, width: int) -> list[Strip]:
        """Return the rendered lines at a content width, rendering only when width or theme changed."""
        width = max(1, width)
        key = (width, self.app.theme)
        if key != self._lines_key:
            console = self.app.console
            options = console.options.update(width=width, height=None)
            with console.use_theme(self._rich_theme()):
                rendered = console.render_lines(ClickableLinks(self._markdown(self.source)), options, pad=True)
            self._lines = [Strip(line, width) for line in rendered]
            self._lines_key = key
        return self._lines

    def get_content_height(self, container: Size, viewport: Size, width: int) -> int:
        return len(self.lines_at(width))

    def render_line(self, y: int) -> Strip:
        width = self.content_size.width
        lines = self.lines_at(width)
        line = lines[y] if 0 <= y < len(lines) else Strip.blank(width)
        # Unstyled text would show the terminal's own colours instead of the app's.
        return line.apply_style(self.rich_style)

    def _rich_theme(self) -> Theme:
        """Colour headings, links and code from the app's theme, as Textual's Markdown does."""
        theme = self.app.current_theme
        primary = theme.primary
        warning = theme.warning or primary
        return Theme({
            "markdown.h1": f"bold {primary}",
            "markdown.h2": f"bold underline {primary}",
            "markdown.h3": f"bold {primary}",
            "markdown.h4": f"italic {primary}",
            "markdown.h5": f"italic {primary}",
            "markdown.h6": f"dim italic {primary}",
            "markdown.link": f"underline {theme.accent or primary}",
            "markdown.link_url": f"underline {theme.accent or primary}",
            "markdown.code": warning,
            "markdown.item.bullet": primary,
            "markdown.item.number": primary,
            "markdown.block_quote": "italic",
        })

    def action_link(self, href: str) -> None:
        self.post_message(self.LinkClicked(href))

    def line_offset(self, line: int) -> int:
        """Return how many rendered lines come before source line ``line`` of this chunk."""
        lines = self.source.split("\n")[:line]
        open_fence = None
        for index, text in enumerate(lines):
            if FENCE.match(text):
                open_fence = None if open_fence is not None else index
        if open_fence is not None:
            lines = lines[:open_fence]
        while lines and not lines[-1].strip():
            lines.pop()
        if not lines:
            return 0
        width = max(1, self.content_size.width)
        console = self.app.console
        rendered = console.render_lines(self._markdown("\n".join(lines)), console.options.update_width(width),
                                        pad=False)
        return len(rendered) + 1

    def _markdown(self, text: str) -> RichMarkdown:
        return RichMarkdown(text, code_theme=CODE_THEME, hyperlinks=True)
