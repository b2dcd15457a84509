"""Read an instruction: rendered Markdown, a table of contents, search and links.

Long documents are cut into chunks (opstui.kb.chunks). Every chunk gets a slot whose
height is estimated from its line count, and a slot renders its Markdown only when it
comes near the viewport, or when the reader jumps to a heading or search match in it.
A rendered slot that falls far behind the viewport drops its widgets and keeps its
measured height. So the widget count, and with it the cost of each layout pass, stays
small wherever the reader goes in a 1 MB runbook.
"""

import logging

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import Screen
from textual.widgets import Footer, Input, Markdown, OptionList, Static
from textual.widgets.option_list import Option

from opstui.kb.chunks import (
    Chunk,
    HeadingLine,
    chunk_index_for_line,
    label_bare_fences,
    scan_headings,
    split_into_chunks,
)
from opstui.kb.links import parse_link
from opstui.screens.service_calls import ServiceCalls
from opstui.widgets.literal import literal_line

log = logging.getLogger(__name__)

# Render chunks within this many screen heights above and below the viewport.
PRELOAD_SCREENS = 1

# Drop the widgets of rendered chunks more than this many screen heights away from the
# viewport. Textual lays out every mounted widget on each layout pass, so each chunk
# kept rendered makes every later page down slower.
UNLOAD_SCREENS = 3


class ChunkSlot(Vertical):
    """The place of one chunk: an empty box of estimated height until it is rendered."""

    DEFAULT_CSS = "ChunkSlot { height: auto; }"

    def __init__(self, index: int, chunk: Chunk, *, id: str):
        super().__init__(id=id)
        self.index = index
        self.chunk = chunk
        self.loaded = False
        self.styles.height = max(1, chunk.end_line - chunk.start_line)

    def load(self) -> None:
        if self.loaded:
            return
        self.loaded = True
        self.styles.height = "auto"
        self.mount(Markdown(label_bare_fences(self.chunk.text), open_links=False))

    def unload(self) -> None:
        """Remove the rendered Markdown but keep the measured height, so nothing moves."""
        height = self.outer_size.height
        if not self.loaded or not height:
            return
        self.loaded = False
        self.styles.height = height
        self.remove_children()

# An OptionList of thousands of entries takes seconds to build, and is no use to read,
# so the table of contents of a huge document keeps its upper levels up to this many.
MAX_TOC_ENTRIES = 400


class InstructionViewer(ServiceCalls, Screen):
    """A read-only view of one instruction's text in force (or of given Markdown)."""

    BINDINGS = [
        Binding("escape", "app.pop_screen", "Back", id="viewer.back"),
        Binding("t", "toggle_toc", "Contents", id="viewer.toc"),
        Binding("slash", "search", "Search", id="viewer.search"),
        Binding("n", "next_match", "Next match", id="viewer.next"),
        Binding("N", "previous_match", "Previous match", id="viewer.previous"),
        Binding("e", "edit", "Edit draft", id="viewer.edit"),
        Binding("R", "run", "Run", id="viewer.run"),
    ]

    DEFAULT_CSS = """
    InstructionViewer #viewer-toc { width: 36; border-right: solid $primary; }
    InstructionViewer #viewer-toc.hidden { display: none; }
    InstructionViewer #viewer-search { dock: bottom; display: none; }
    InstructionViewer #viewer-search.visible { display: block; }
    InstructionViewer #viewer-title { height: 1; background: $boost; padding: 0 1; }
    InstructionViewer #viewer-status { height: 1; color: $text-muted; padding: 0 1; }
    """

    def __init__(self, instruction_id: int | None = None, *, title: str = "", body: str | None = None,
                 prefer_draft: bool = False, task_id: int | None = None):
        super().__init__()
        self.instruction_id = instruction_id
        self.task_id = task_id
        self.prefer_draft = prefer_draft
        self.document_title = title
        self.body = body
        self.chunks: list[Chunk] = []
        self.headings: list[HeadingLine] = []
        self.matches: list[int] = []
        self.match_index = -1
        self.slots: list[ChunkSlot] = []
        self.status_text = ""
        self._scroll_generation = 0

    def compose(self) -> ComposeResult:
        yield Static(id="viewer-title")
        with Horizontal():
            yield OptionList(id="viewer-toc")
            yield VerticalScroll(id="viewer-body")
        yield Static(id="viewer-status")
        yield Input(placeholder="Search this document; Enter to find, Escape to close", id="viewer-search")
        yield Footer()

    def on_mount(self) -> None:
        if self.body is None and self.instruction_id is not None:
            self.load_instruction()
        self.render_document()
        self.watch(self.query_one("#viewer-body"), "scroll_y", self.on_body_scrolled, init=False)
        # The document takes the keys first, so Page Down reads on; Tab reaches the contents.
        self.query_one("#viewer-body").focus()

    def load_instruction(self) -> None:
        from opstui.services import kb

        instruction = self.call_service(kb.get_instruction, self.app.session, self.instruction_id)
        if instruction is None:
            self.body = ""
            return
        self.document_title, self.body = kb.current_text(instruction, prefer_draft=self.prefer_draft)
        self.status_label = instruction["status"]
        self.revision = instruction["official_revision"]

    def render_document(self) -> None:
        body = self.body or ""
        revision = getattr(self, "revision", None)
        suffix = f"  (r{revision}, {getattr(self, 'status_label', '')})" if revision else ""
        self.query_one("#viewer-title", Static).update(literal_line(f"{self.document_title}{suffix}"))

        self.chunks = split_into_chunks(body)
        self.headings = scan_headings(body)
        toc = self.query_one("#viewer-toc", OptionList)
        toc.clear_options()
        toc.add_options([Option(literal_line("  " * (heading.level - 1) + heading.title), id=str(index))
                         for index, heading in self.toc_entries()])

        container = self.query_one("#viewer-body", VerticalScroll)
        container.remove_children()
        self.slots = [ChunkSlot(index, chunk, id=f"chunk-{index}") for index, chunk in enumerate(self.chunks)]
        container.mount_all(self.slots)
        if len(self.slots) == 1:
            self.slots[0].load()
        else:
            self.call_after_refresh(self.load_visible_chunks)
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
        """The number of chunks rendered so far."""
        return sum(1 for slot in self.slots if slot.loaded)

    def load_chunk(self, index: int) -> ChunkSlot:
        slot = self.slots[index]
        slot.load()
        self.update_status()
        return slot

    def load_visible_chunks(self) -> None:
        """Render chunks within PRELOAD_SCREENS screen heights of the viewport.

        Rendered chunks beyond UNLOAD_SCREENS screen heights are dropped again.
        """
        container = self.query_one("#viewer-body", VerticalScroll)
        screen_height = container.size.height
        top = container.scroll_y - screen_height * PRELOAD_SCREENS
        bottom = container.scroll_y + screen_height * (1 + PRELOAD_SCREENS)
        keep_top = container.scroll_y - screen_height * UNLOAD_SCREENS
        keep_bottom = container.scroll_y + screen_height * (1 + UNLOAD_SCREENS)
        position = 0
        for slot in self.slots:
            height = slot.outer_size.height or int(slot.styles.height.value)
            is_near = position + height >= top and position <= bottom
            if is_near and not slot.loaded:
                slot.load()
            elif slot.loaded and (position + height < keep_top or position > keep_bottom):
                slot.unload()
            position += height
        self.update_status()

    def on_body_scrolled(self, scroll_y: float) -> None:
        self.load_visible_chunks()

    def update_status(self) -> None:
        parts = [f"{len(self.headings)} headings"]
        if len(self.chunks) > 1:
            parts.append(f"rendered {self.mounted_chunks}/{len(self.chunks)} parts")
        if self.matches:
            parts.append(f"match {self.match_index + 1} of {len(self.matches)}")
        text = " · ".join(parts)

        # Updating a Static lays out the whole screen, which is slow with a long
        # document rendered, so the status changes only when its text does.
        if text != self.status_text:
            self.status_text = text
            self.query_one("#viewer-status", Static).update(text)

    # -- table of contents -------------------------------------------------

    def action_toggle_toc(self) -> None:
        self.query_one("#viewer-toc").toggle_class("hidden")

    @on(OptionList.OptionSelected, "#viewer-toc")
    def on_toc_selected(self, event: OptionList.OptionSelected) -> None:
        self.scroll_to_line(self.headings[int(event.option.id)].line)

    def scroll_to_line(self, line: int) -> None:
        """Mount the chunk that holds body line and scroll to the block nearest to it."""
        index = chunk_index_for_line(self.chunks, line)
        self.load_chunk(index)
        self.call_after_refresh(self._scroll_within_chunk, index, line)

    def _scroll_within_chunk(self, index: int, line: int, checks: int = 30) -> None:
        self._scroll_generation += 1
        generation = self._scroll_generation
        self._block_for_line(index, line).scroll_visible(top=True, animate=False, immediate=True)
        # Parts rendered near the target change the heights above it while Textual
        # lays them out, so keep checking for a while and scroll again when it
        # has moved out of view. A key press or a newer jump ends the checks.
        self.set_timer(0.05, lambda: self._check_scrolled(index, line, checks - 1, generation))

    def _check_scrolled(self, index: int, line: int, checks: int, generation: int) -> None:
        if generation != self._scroll_generation:
            return
        container = self.query_one("#viewer-body", VerticalScroll)
        target = self._block_for_line(index, line)
        top = target.region.y - container.region.y
        if not (0 <= top < container.size.height) or target is self.slots[index]:
            target.scroll_visible(top=True, animate=False, immediate=True)
        if checks > 0:
            self.set_timer(0.05, lambda: self._check_scrolled(index, line, checks - 1, generation))

    def _block_for_line(self, index: int, line: int):
        """Return the rendered block nearest to body line ``line``, or its part while not rendered."""
        slot = self.slots[index]
        chunk = self.chunks[index]
        markdown = slot.query(Markdown)
        blocks = list(markdown.first().children) if markdown else []
        if not blocks:
            return slot
        span = max(1, chunk.end_line - chunk.start_line)
        position = min(len(blocks) - 1, int((line - chunk.start_line) / span * len(blocks)))
        headings_before = [h for h in self.headings if chunk.start_line <= h.line <= line]
        headers = [block for block in blocks if type(block).__name__.startswith("MarkdownH")]
        if headings_before and len(headers) >= len(headings_before):
            return headers[len(headings_before) - 1]
        return blocks[position]

    # -- search ------------------------------------------------------------

    def action_search(self) -> None:
        search = self.query_one("#viewer-search", Input)
        search.add_class("visible")
        search.focus()

    @on(Input.Submitted, "#viewer-search")
    def on_search_submitted(self, event: Input.Submitted) -> None:
        self.find(event.value)

    def find(self, text: str) -> list[int]:
        """Find text (ignoring case) in the source lines; jump to the first match."""
        needle = text.casefold().strip()
        lines = (self.body or "").split("\n")
        self.matches = [index for index, line in enumerate(lines) if needle and needle in line.casefold()]
        self.match_index = -1
        if not self.matches:
            self.app.notify(f"'{text}' not found in this document", severity="warning")
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

    def on_key(self, event) -> None:
        if event.key in ("up", "down", "pageup", "pagedown", "home", "end", "space"):
            self._scroll_generation += 1  # the reader scrolls: stop correcting the last jump
        search = self.query_one("#viewer-search", Input)
        if event.key == "escape" and search.has_class("visible"):
            search.remove_class("visible")
            self.query_one("#viewer-body").focus()
            event.stop()

    # -- links and actions -------------------------------------------------

    @on(Markdown.LinkClicked)
    def on_link_clicked(self, event: Markdown.LinkClicked) -> None:
        event.stop()
        self.follow_link(event.href)

    def follow_link(self, href: str) -> None:
        """Open an instruction or task link, jump to an anchor, or copy any other URL."""
        target = parse_link(href)
        if target is not None and target[0] == "instruction":
            self.app.push_screen(InstructionViewer(target[1], task_id=self.task_id))
        elif target is not None and target[0] == "task":
            from opstui.screens.task import TaskScreen

            self.app.push_screen(TaskScreen(target[1]))
        elif target is not None:
            self.app.notify(f"note {target[1]}: open it from its task's Notes tab")
        elif href.startswith("#"):
            self._go_to_anchor(href[1:])
        else:
            self.app.copy_to_clipboard(href)
            self.app.notify(f"link copied to the clipboard: {href}", markup=False)

    def _go_to_anchor(self, anchor: str) -> None:
        from opstui.kb.sections import anchor_for

        for heading in self.headings:
            if anchor_for(heading.title) == anchor:
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
            self.render_document()
