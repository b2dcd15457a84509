"""Read an instruction: rendered Markdown, a table of contents, search and links.

Long documents are cut into chunks by one line scan (opstui.kb.chunks), which also
finds the headings for the table of contents. The body is a LazyMarkdown view that
renders only the chunks near the screen, so opening and paging a 1 MB runbook cost
about the same as a short one.
"""

import logging
from bisect import bisect_right

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.screen import Screen
from textual.widgets import Input, Markdown, OptionList, Static
from textual.widgets.option_list import Option

from opstui.kb.chunks import Chunk, HeadingLine, scan_document
from opstui.kb.links import DocumentLink, FileLink, document_links, parse_file_link, parse_link
from opstui.screens.service_calls import ServiceCalls
from opstui.widgets.key_bar import KeyBar
from opstui.widgets.lazy_markdown import LazyMarkdown
from opstui.widgets.literal import literal_line
from opstui.widgets.rendered_chunk import RenderedChunk
from opstui.widgets.top_bar import TopBar

log = logging.getLogger(__name__)

# An OptionList of thousands of entries takes seconds to build, and is no use to read,
# so the table of contents of a huge document keeps its upper levels up to this many.
MAX_TOC_ENTRIES = 400


class InstructionViewer(ServiceCalls, Screen):
    """A read-only view of one instruction's text in force (or of given Markdown)."""

    # Escape closes the find box while it is open, else goes back. check_action shows
    # one of the two, so the footer never lists both.
    BINDINGS = [
        Binding("escape", "close_find", "Close find", id="viewer.close-find"),
        Binding("escape", "back", "Back", id="viewer.back"),
        Binding("t", "toggle_toc", "Contents", id="viewer.toc"),
        Binding("slash", "search", "Find", id="viewer.search"),
        Binding("n", "next_match", "Next match", id="viewer.next"),
        Binding("N", "previous_match", "Previous match", id="viewer.previous"),
        Binding("f", "links", "Links", id="viewer.links"),
        Binding("e", "edit", "Edit draft", id="viewer.edit"),
        Binding("R", "run", "Run", id="viewer.run"),
    ]

    # The document takes the keys first, so Page Down reads on. t or Tab reaches the contents.
    AUTO_FOCUS = "#viewer-body"

    DEFAULT_CSS = """
    InstructionViewer #viewer-toc { width: 34%; max-width: 40; min-width: 20; border-right: solid $primary; }
    InstructionViewer #viewer-toc.hidden { display: none; }
    InstructionViewer #viewer-search { dock: bottom; display: none; }
    InstructionViewer #viewer-search.visible { display: block; }
    InstructionViewer #viewer-status { height: 1; color: $text-muted; padding: 0 1; }
    """

    def __init__(self, instruction_id: int | None = None, *, title: str = "", body: str | None = None,
                 prefer_draft: bool = False, task_id: int | None = None, anchor: str | None = None):
        super().__init__()
        self.instruction_id = instruction_id
        self.task_id = task_id
        self.prefer_draft = prefer_draft
        self.document_title = title
        self.body = body
        self.start_anchor = anchor
        self.chunks: list[Chunk] = []
        self.headings: list[HeadingLine] = []
        self.matches: list[int] = []
        self.match_index = -1
        self.status_text = ""
        self._folded_lines: list[str] | None = None
        self._links: list[DocumentLink] | None = None

    def compose(self) -> ComposeResult:
        yield TopBar("Instruction", id="viewer-title")
        with Horizontal():
            yield OptionList(id="viewer-toc")
            yield LazyMarkdown(id="viewer-body")
        yield Static(id="viewer-status")
        yield Input(placeholder="Find in this document; Enter to find, Escape to close", id="viewer-search")
        yield KeyBar()

    async def on_mount(self) -> None:
        if self.body is None and self.instruction_id is not None:
            self.load_instruction()
        await self.render_document()
        if self.start_anchor:
            self._go_to_anchor(self.start_anchor)

    @property
    def document_view(self) -> LazyMarkdown:
        return self.query_one("#viewer-body", LazyMarkdown)

    def load_instruction(self) -> None:
        from opstui.services import kb

        instruction = self.call_service(kb.get_instruction, self.app.session, self.instruction_id)
        if instruction is None:
            self.body = ""
            return
        self.document_title, self.body = kb.current_text(instruction, prefer_draft=self.prefer_draft)
        self.status_label = instruction["status"]
        self.revision = instruction["official_revision"]

    async def render_document(self) -> None:
        body = self.body or ""
        revision = getattr(self, "revision", None)
        suffix = f"  (r{revision}, {getattr(self, 'status_label', '')})" if revision else ""
        self.query_one("#viewer-title", TopBar).set_location(f"{self.document_title}{suffix}")

        scanned = scan_document(body)
        self.chunks = scanned.chunks
        self.headings = scanned.headings
        self._folded_lines = None
        self._links = None
        toc = self.query_one("#viewer-toc", OptionList)
        toc.clear_options()
        toc.add_options([Option(literal_line("  " * (heading.level - 1) + heading.title), id=str(index))
                         for index, heading in self.toc_entries()])

        await self.document_view.show(self.chunks)
        self.update_status()

    def toc_entries(self) -> list[tuple[int, HeadingLine]]:
        """Return (index, heading) pairs for the contents: the deepest levels that fit."""
        entries = list(enumerate(self.headings))
        for deepest in range(6, 0, -1):
            if len(entries) <= MAX_TOC_ENTRIES:
                break
            entries = [(index, heading) for index, heading in entries if heading.level < deepest]
        return entries[:MAX_TOC_ENTRIES]

    @property
    def mounted_chunks(self) -> int:
        """The number of chunks rendered now."""
        return self.document_view.mounted_chunks

    async def wait_until_settled(self) -> None:
        """Wait until the rendered parts match the screen and the last jump has scrolled."""
        await self.document_view.wait_until_settled()

    def on_lazy_markdown_settled(self) -> None:
        self.update_status()

    def update_status(self) -> None:
        parts = [f"{len(self.headings)} headings"]
        if len(self.chunks) > 1:
            parts.append(f"rendered {self.mounted_chunks}/{len(self.chunks)} parts")
        if self.matches:
            parts.append(f"match {self.match_index + 1} of {len(self.matches)}")
        if self.query_one("#viewer-toc").display:
            parts.append("Tab: contents ↔ document")
        text = " · ".join(parts)

        # Updating a Static lays out the whole screen, so the status changes only when
        # its text does.
        if text != self.status_text:
            self.status_text = text
            self.query_one("#viewer-status", Static).update(text)

    # -- table of contents -------------------------------------------------

    def action_toggle_toc(self) -> None:
        """Show and focus the contents; when they already have the focus, hide them.

        A press while the contents show but the document has the focus moves the focus
        to the contents, so ``t`` always ends with the focus where the eye is.
        """
        toc = self.query_one("#viewer-toc", OptionList)
        if toc.display and toc.has_focus:
            toc.add_class("hidden")
            self.document_view.focus()
        else:
            toc.remove_class("hidden")
            toc.focus()
        self.update_status()

    @on(OptionList.OptionSelected, "#viewer-toc")
    def on_toc_selected(self, event: OptionList.OptionSelected) -> None:
        self.scroll_to_line(self.headings[int(event.option.id)].line)

    def scroll_to_line(self, line: int) -> None:
        """Render the part that contains body line and scroll it into view once laid out."""
        position = bisect_right([heading.line for heading in self.headings], line)
        heading_line = self.headings[position - 1].line if position else None
        self.document_view.scroll_to_line(line, heading_line)

    # -- search ------------------------------------------------------------

    def action_search(self) -> None:
        search = self.query_one("#viewer-search", Input)
        search.add_class("visible")
        search.focus()
        self.refresh_bindings()

    def action_close_find(self) -> None:
        self.query_one("#viewer-search", Input).remove_class("visible")
        self.document_view.focus()
        self.refresh_bindings()

    def action_back(self) -> None:
        self.app.pop_screen()

    @property
    def find_open(self) -> bool:
        # Textual calls check_action for the key bar before compose has run.
        found = self.query("#viewer-search")
        return bool(found) and found.first().has_class("visible")

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Offer Close find only while the find box is open, and Back and Find only while it is not."""
        if action == "close_find":
            return self.find_open
        if action in ("back", "search"):
            return not self.find_open
        return True

    @on(Input.Submitted, "#viewer-search")
    def on_search_submitted(self, event: Input.Submitted) -> None:
        self.find(event.value)

    def find(self, text: str) -> list[int]:
        """Find text (ignoring case) in the source lines; jump to the first match."""
        needle = text.casefold().strip()
        if self._folded_lines is None:
            self._folded_lines = (self.body or "").casefold().split("\n")
        self.matches = [index for index, line in enumerate(self._folded_lines) if needle and needle in line]
        self.match_index = -1
        if not self.matches:
            self.app.notify(f"'{text}' not found in this document", severity="warning", markup=False)
            self.update_status()
            return self.matches
        self.action_next_match()
        return self.matches

    def action_next_match(self) -> None:
        self._step_match(1)

    def action_previous_match(self) -> None:
        self._step_match(-1)

    def _step_match(self, offset: int) -> None:
        if not self.matches:
            return
        self.match_index = (self.match_index + offset) % len(self.matches)
        self.scroll_to_line(self.matches[self.match_index])
        self.update_status()

    # -- links and actions -------------------------------------------------

    @on(Markdown.LinkClicked)
    @on(RenderedChunk.LinkClicked)
    def on_link_clicked(self, event: Markdown.LinkClicked | RenderedChunk.LinkClicked) -> None:
        event.stop()
        self.follow_link(event.href)

    def follow_link(self, href: str) -> None:
        """Open an instruction, task or Markdown file link, jump to an anchor, or copy any other URL."""
        target = parse_link(href)
        file_link = parse_file_link(href)
        if file_link is not None:
            self._open_file_link(file_link)
        elif target is not None and target[0] == "instruction":
            self.app.push_screen(InstructionViewer(target[1], task_id=self.task_id))
        elif target is not None and target[0] == "task":
            from opstui.screens.task import TaskScreen

            self.app.push_screen(TaskScreen(target[1]))
        elif target is not None:
            self._open_note(target[1])
        elif href.startswith("#"):
            self._go_to_anchor(href[1:])
        else:
            self.app.copy_to_clipboard(href)
            self.app.notify(f"link copied to the clipboard: {href}", markup=False)

    def action_links(self) -> None:
        """List the document's links, from the part on screen, to follow one by keyboard."""
        from opstui.screens.link_picker import LinkPicker

        if self._links is None:
            self._links = document_links(self.body or "")
        if not self._links:
            self.app.notify("this document has no links", severity="warning")
            return

        def chosen(href: str | None) -> None:
            if href:
                self.follow_link(href)

        self.app.push_screen(LinkPicker(self._links, self.document_view.top_line), chosen)

    def _open_note(self, note_id: int) -> None:
        from opstui.screens.note_editor import NoteEditorScreen
        from opstui.services import notes

        if self.call_service(notes.get_note, self.app.session, note_id) is not None:
            self.app.push_screen(NoteEditorScreen(note_id))

    def _open_file_link(self, link: FileLink) -> None:
        from opstui.services import kb

        instruction_id = self.call_service(kb.resolve_file_link, self.app.session, link)
        if instruction_id is None:
            self.app.notify(f"{link.path} is not in the knowledge base; import its folder with "
                            f"`opstui kb import` to follow this link", severity="warning", markup=False)
            return
        self.app.push_screen(InstructionViewer(instruction_id, task_id=self.task_id, anchor=link.anchor))

    def _go_to_anchor(self, anchor: str) -> None:
        from opstui.kb.sections import anchor_for

        for heading in self.headings:
            if anchor_for(heading.title) == anchor.lower():
                self.scroll_to_line(heading.line)
                return
        self.app.notify(f"no heading '{anchor}' in this document", severity="warning", markup=False)

    def action_edit(self) -> None:
        if self.instruction_id is None:
            return
        from opstui.screens.instruction_editor import InstructionEditor

        self.app.push_screen(InstructionEditor(self.instruction_id))

    def action_run(self) -> None:
        if self.instruction_id is None or self.task_id is None:
            self.app.notify("open the instruction from an activity task to run it", severity="warning")
            return
        from opstui.screens.run import start_run_screen

        start_run_screen(self, self.instruction_id, self.task_id)

    def on_events_arrived(self, message) -> None:
        if self.instruction_id is None:
            return
        touched = any(event["entity"] == "instruction" and str(event["entity_id"]) == str(self.instruction_id)
                      for event in message.events)
        if touched:
            self.body = None
            self.load_instruction()
            self.call_next(self.render_document)
