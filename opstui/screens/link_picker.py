"""Pick one of a document's links by keyboard, starting at the part being read."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from opstui.kb.links import DocumentLink
from opstui.widgets.key_bar import KeyBar
from opstui.widgets.literal import literal_line

# An OptionList of thousands of entries is slow to build and no use to read,
# so a document with more links lists this many around the reading position.
MAX_LISTED_LINKS = 300


def links_around(links: list[DocumentLink], line: int, limit: int = MAX_LISTED_LINKS) -> tuple[list[DocumentLink], int]:
    """Return up to limit links around body line, and the index of the first at or after it."""
    first_after = next((index for index, link in enumerate(links) if link.line >= line), max(0, len(links) - 1))
    start = max(0, min(first_after - limit // 3, len(links) - limit))
    return links[start:start + limit], first_after - start


def _describe(link: DocumentLink) -> str:
    if link.text == link.href:
        return f"line {link.line + 1}: {link.href}"
    return f"line {link.line + 1}: {link.text}  →  {link.href}"


class LinkPicker(ModalScreen[str | None]):
    """Dismiss with the chosen link's target, or None on escape."""

    BINDINGS = [
        Binding("escape", "dismiss(None)", "Back", id="links.back"),
    ]

    DEFAULT_CSS = """
    LinkPicker { align: center middle; }
    LinkPicker > Vertical {
        width: 90%; max-width: 110; height: 80%;
        border: thick $primary; background: $surface; padding: 0 1;
    }
    LinkPicker #links-heading { height: auto; }
    LinkPicker OptionList { height: 1fr; }
    """

    def __init__(self, links: list[DocumentLink], line: int):
        super().__init__()
        self.total = len(links)
        self.links, self.first_index = links_around(links, line)

    def compose(self) -> ComposeResult:
        count_text = f"{len(self.links)} of {self.total}" if len(self.links) < self.total else str(self.total)
        with Vertical():
            yield Static(f"Links in this document ({count_text}). Enter follows the highlighted one.",
                         id="links-heading", markup=False)
            yield OptionList(*[Option(literal_line(_describe(link)), id=str(index))
                               for index, link in enumerate(self.links)], id="links-list")
        yield KeyBar()

    def on_mount(self) -> None:
        options = self.query_one(OptionList)
        options.highlighted = self.first_index
        options.focus()

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.dismiss(self.links[int(event.option.id)].href)
