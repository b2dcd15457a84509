"""A scrolling Markdown view that renders only the chunks of a long document near the screen.

Textual's Markdown widget mounts one widget per block, and every layout pass visits every
mounted widget, so a 1 MB runbook rendered whole stalls each key press. This view keeps
a contiguous window of rendered chunks with one empty spacer above and one below. The
spacers stand for the chunks that are not rendered: their heights are estimated from
line counts until a chunk has been rendered once, then measured. After every change of
the window the view scrolls back to the same chunk and offset, so the text under the
reader's eyes stays put while heights above it are corrected.

A document of one chunk is a single Textual Markdown widget, with no window and no
spacers. The chunks of a longer document are RenderedChunk widgets, one widget each.
"""

import asyncio
from bisect import bisect_right
from itertools import accumulate

from textual.containers import VerticalScroll
from textual.message import Message
from textual.timer import Timer
from textual.widget import Widget
from textual.widgets.markdown import MarkdownBlock, MarkdownFence

from opstui.kb.chunks import Chunk, chunk_index_for_line, label_bare_fences
from opstui.widgets.literal_markdown import LiteralMarkdown
from opstui.widgets.rendered_chunk import RenderedChunk

# Render the chunks within this many screen heights above and below the viewport.
PRELOAD_SCREENS = 1

# Keep up to this many chunks rendered, and drop one only when the window must grow
# past it. Then keep those within this many screen heights of the viewport, so that
# scrolling back and forth over a chunk border does not render the same chunk again.
MAX_RENDERED_CHUNKS = 4
KEEP_SCREENS = 3

# A match is shown with its heading when the heading is at most this share of the
# screen above it. Otherwise the view starts this many lines above the match.
HEADING_CONTEXT_SHARE = 0.5
CONTEXT_LINES = 2

# The left and right padding of a RenderedChunk, in cells.
CHUNK_PADDING = 4

# Seconds after the view settles before the chunks next to the window are rendered ahead.
PREPARE_DELAY = 0.2

# Seconds between checks whether an animated scroll has finished.
ANIMATION_POLL_SECONDS = 0.02


class Spacer(Widget):
    """Empty space that stands for chunks that are not rendered."""

    DEFAULT_CSS = "Spacer { height: 0; }"


class LazyMarkdown(VerticalScroll):
    """Scrollable Markdown of a document cut into chunks (opstui.kb.chunks)."""

    class Settled(Message):
        """The rendered chunks match the viewport again, and the last jump has scrolled."""

    def __init__(self, *, id: str | None = None):
        super().__init__(id=id)
        self.chunks: list[Chunk] = []
        self.heights: list[int] = []
        self.measured: list[bool] = []
        self.window = (0, 0)
        self.rendered: dict[int, Widget] = {}
        self._target: tuple[int, int | None] | None = None
        self._sync_requested = False
        self._syncing = False
        # Counts calls of show(): a sync worker of an older document cleans up nothing.
        self._generation = 0
        self._settled = asyncio.Event()
        self._settled.set()
        self._measured_width = 0
        self._prepared: dict[int, RenderedChunk] = {}
        self._prepare_timer: Timer | None = None

    # -- public --------------------------------------------------------------

    @property
    def mounted_chunks(self) -> int:
        """The number of chunks rendered now."""
        return len(self.rendered)

    async def show(self, chunks: list[Chunk]) -> None:
        """Replace the document: render a single chunk whole, or start the window at the top."""
        self._generation += 1
        self.workers.cancel_group(self, "lazy-markdown")
        self._syncing = False
        self._sync_requested = False
        self._settled.set()
        await self.remove_children()
        self.styles.overflow_y = "auto"
        self.chunks = chunks
        self.heights = [max(1, chunk.line_count) for chunk in chunks]
        self.measured = [False] * len(chunks)
        self.rendered = {}
        self._prepared = {}
        self.window = (0, 0)
        self._target = None
        self.scroll_to(y=0, animate=False, immediate=True)

        if len(chunks) == 1:
            markdown = LiteralMarkdown(label_bare_fences(chunks[0].text), open_links=False, id="chunk-0")
            self.rendered[0] = markdown
            self.window = (0, 1)
            await self.mount(markdown)
            return

        # A scroll bar that is always there keeps the width, and so the rendered lines, stable.
        self.styles.overflow_y = "scroll"
        await self.mount(Spacer(id="lazy-above"), Spacer(id="lazy-below"))
        self.request_sync()

    def scroll_to_line(self, line: int, heading_line: int | None = None) -> None:
        """Render the chunk that contains body line, then scroll that line to the top.

        heading_line is the heading above it: when it is less than half a screen
        above the line, the view starts at the heading instead, so the reader sees
        which section the line belongs to.
        """
        if not self.chunks:
            return
        self._target = (line, heading_line)
        self.request_sync()

    @property
    def top_line(self) -> int:
        """Estimate the body line at the top of the viewport, from the chunk there and its height."""
        if not self.chunks:
            return 0
        index, offset = self._anchor()
        chunk = self.chunks[index]
        height = max(1, self.heights[index] if len(self.chunks) > 1 else self.virtual_size.height)
        return chunk.start_line + min(chunk.line_count, offset * chunk.line_count // height)

    async def wait_until_settled(self) -> None:
        """Wait until the window matches the viewport and any jump has finished."""
        await self._settled.wait()

    def request_sync(self) -> None:
        """Bring the rendered window in line with the viewport, in a worker."""
        self._sync_requested = True
        if self._syncing:
            return
        self._syncing = True
        self._settled.clear()
        self.run_worker(self._sync_loop(self._generation), group="lazy-markdown", exit_on_error=True)

    # -- events --------------------------------------------------------------

    def watch_scroll_y(self, old: float, new: float) -> None:
        super().watch_scroll_y(old, new)
        if len(self.chunks) > 1 and int(old) != int(new):
            self.request_sync()

    def on_resize(self) -> None:
        if len(self.chunks) > 1 and self.size.width != self._measured_width:
            self.request_sync()

    # -- the window ----------------------------------------------------------

    async def _sync_loop(self, generation: int) -> None:
        try:
            while self._sync_requested and self.is_attached and generation == self._generation:
                self._sync_requested = False
                target, self._target = self._target, None
                await self._sync_once(target)
        finally:
            if generation == self._generation:
                self._finish_sync()

    def _finish_sync(self) -> None:
        self._syncing = False
        self._settled.set()
        self.post_message(self.Settled())
        if len(self.chunks) > 1:
            if self._prepare_timer is not None:
                self._prepare_timer.stop()
            self._prepare_timer = self.set_timer(PREPARE_DELAY, self._prepare_neighbours)

    async def _sync_once(self, target: tuple[int, int | None] | None) -> None:
        target_line = None if target is None else target[0]
        if len(self.chunks) <= 1:
            if target is not None and self.rendered:
                await self._wait_for_layout()
                self._scroll_to_block(0, target_line)
            return

        await self._wait_for_size()
        await self._wait_for_scroll_animation()
        if self.size.width != self._measured_width:
            self._forget_measurements()

        if target_line is not None:
            anchor = (chunk_index_for_line(self.chunks, target_line), 0)
        else:
            anchor = self._anchor()
        anchor_y = self._tops()[anchor[0]] + anchor[1]

        lo, hi = self._window_for(anchor_y)
        if (lo, hi) != self.window:
            # Render the new chunks' lines first, so that their heights and the spacers
            # are right in the same layout pass that mounts them.
            width = self.scrollable_content_region.width - CHUNK_PADDING
            new = {index: self._markdown_for(index) for index in range(lo, hi) if index not in self.rendered}
            for index, widget in new.items():
                self.heights[index] = len(widget.lines_at(width))
                self.measured[index] = True
            self._estimate_heights()
            await self._render_window(lo, hi, new)
            await self._wait_for_layout()
            if self._measure():
                await self._wait_for_layout()

        if target is not None:
            self._scroll_to_chunk_line(anchor[0], *target)
        else:
            self._restore_anchor(anchor)

    def _tops(self) -> list[int]:
        """Return the top of each chunk in the scrolled content, and the total height last."""
        return [0, *accumulate(self.heights)]

    def _anchor(self) -> tuple[int, int]:
        """Return the chunk at the top of the viewport and the offset into it."""
        tops = self._tops()
        y = int(self.scroll_y)
        index = max(0, min(len(self.chunks) - 1, bisect_right(tops, y) - 1))
        return index, y - tops[index]

    def _window_for(self, y: int) -> tuple[int, int]:
        tops = self._tops()
        screen = max(1, self.size.height)

        def covering(top: int, bottom: int) -> tuple[int, int]:
            first = max(0, bisect_right(tops, top) - 1)
            last = max(first + 1, min(len(self.chunks), bisect_right(tops, bottom)))
            return min(first, len(self.chunks) - 1), last

        needed_lo, needed_hi = covering(y - screen * PRELOAD_SCREENS, y + screen * (1 + PRELOAD_SCREENS))
        lo, hi = self.window
        if lo < hi and lo <= needed_lo and needed_hi <= hi:
            return lo, hi
        if lo == hi or hi < needed_lo or needed_hi < lo:
            return needed_lo, needed_hi

        # Grow the window, and drop chunks far from the screen only when it contains too many,
        # so that no layout pass is spent on a removal alone.
        lo, hi = min(lo, needed_lo), max(hi, needed_hi)
        if hi - lo > MAX_RENDERED_CHUNKS:
            keep_lo, keep_hi = covering(y - screen * KEEP_SCREENS, y + screen * (1 + KEEP_SCREENS))
            lo, hi = max(lo, keep_lo), min(hi, keep_hi)
        if hi - lo > MAX_RENDERED_CHUNKS:
            return needed_lo, needed_hi
        return lo, hi

    async def _render_window(self, lo: int, hi: int, new: dict[int, RenderedChunk]) -> None:
        """Mount the new chunks of lo..hi-1, remove the chunks outside it, size the spacers."""
        removed = [self.rendered.pop(index) for index in list(self.rendered) if not lo <= index < hi]
        if removed:
            await self.remove_children(removed)

        above = self.query_one("#lazy-above", Spacer)
        below = self.query_one("#lazy-below", Spacer)
        first_kept = min(self.rendered, default=hi)
        new_before = [widget for index, widget in new.items() if index < first_kept]
        new_after = [widget for index, widget in new.items() if index >= first_kept]
        self.rendered.update(new)

        above.styles.height = sum(self.heights[:lo])
        below.styles.height = sum(self.heights[hi:])
        self.window = (lo, hi)
        if new_before:
            await self.mount_all(new_before, after=above)
        if new_after:
            await self.mount_all(new_after, before=below)

    def _markdown_for(self, index: int) -> RenderedChunk:
        widget = self._prepared.pop(index, None)
        if widget is None:
            widget = RenderedChunk(self.chunks[index].text, id=f"chunk-{index}")
            widget.chunk_index = index
        return widget

    def _prepare_neighbours(self) -> None:
        """Render the lines of the chunks just outside the window while the reader reads.

        The next Page Down that grows the window then only mounts them.
        """
        if self._syncing or len(self.chunks) <= 1:
            return
        lo, hi = self.window
        width = self.scrollable_content_region.width - CHUNK_PADDING
        for index in (hi, lo - 1):
            if 0 <= index < len(self.chunks) and index not in self.rendered:
                widget = self._prepared.get(index) or self._markdown_for(index)
                widget.lines_at(width)
                self._prepared[index] = widget
        for index in [index for index in self._prepared if index not in (hi, lo - 1)]:
            del self._prepared[index]

    def _remember_height(self, index: int) -> None:
        height = self.rendered[index].outer_size.height
        if height:
            self.heights[index] = height
            self.measured[index] = True

    def _measure(self) -> bool:
        """Record the heights of rendered chunks as laid out, and re-estimate the others.

        Returns True when a spacer changed height, so that the caller waits for the layout.
        """
        for index in self.rendered:
            self._remember_height(index)
        self._measured_width = self.size.width
        self._estimate_heights()

        lo, hi = self.window
        above = self.query_one("#lazy-above", Spacer)
        below = self.query_one("#lazy-below", Spacer)
        new_above, new_below = sum(self.heights[:lo]), sum(self.heights[hi:])
        changed = (above.styles.height.value, below.styles.height.value) != (new_above, new_below)
        above.styles.height = new_above
        below.styles.height = new_below
        return changed

    def _estimate_heights(self) -> None:
        """Estimate each chunk not yet rendered from its line count and the measured ratio."""
        measured_lines = sum(chunk.line_count for chunk, done in zip(self.chunks, self.measured) if done)
        measured_height = sum(height for height, done in zip(self.heights, self.measured) if done)
        ratio = measured_height / measured_lines if measured_lines else 1.0
        for index, chunk in enumerate(self.chunks):
            if not self.measured[index]:
                self.heights[index] = max(1, round(chunk.line_count * ratio))

    def _forget_measurements(self) -> None:
        """Heights measured at another width no longer hold: estimate them again."""
        self.measured = [index in self.rendered for index in range(len(self.chunks))]

    async def _wait_for_layout(self) -> None:
        await self.wait_for_refresh()

    async def _wait_for_scroll_animation(self) -> None:
        """Wait until an animated scroll (Page Down, Home, End) has reached its target.

        Scrolling back to the anchor mid-way would stop the animation at its current position.
        """
        animator = self.app.animator
        while animator.is_being_animated(self, "scroll_y"):
            await asyncio.sleep(ANIMATION_POLL_SECONDS)

    async def _wait_for_size(self) -> None:
        """Wait until the view has been laid out: before that its width and height are 0."""
        for _ in range(100):
            if self.size.height and self.scrollable_content_region.width > CHUNK_PADDING:
                return
            await self._wait_for_layout()
            await asyncio.sleep(0.01)

    def _restore_anchor(self, anchor: tuple[int, int]) -> None:
        index, offset = anchor
        offset = min(offset, max(0, self.heights[index] - 1))
        y = self._tops()[index] + offset
        if int(self.scroll_y) != y:
            self.scroll_to(y=y, animate=False, immediate=True)

    def _scroll_to_block(self, index: int, line: int) -> None:
        """Scroll the block that contains body line to the top, with its heading when near."""
        markdown = self.rendered.get(index)
        if markdown is None:
            return
        relative = line - self.chunks[index].start_line
        blocks = list(markdown.query(MarkdownBlock))
        holding = [block for block in blocks if block.source_range[0] <= relative < block.source_range[1]]
        started = [block for block in blocks if block.source_range[0] <= relative]
        target = (min(holding, key=lambda block: block.source_range[1] - block.source_range[0])
                  if holding else (started[-1] if started else markdown))

        content_top = self.region.y - int(self.scroll_y)
        y = target.region.y - content_top
        headings = [block for block in started if type(block).__name__.startswith("MarkdownH")]
        heading_y = headings[-1].region.y - content_top if headings else None
        if heading_y is not None and 0 <= y - heading_y <= self.size.height * HEADING_CONTEXT_SHARE:
            y = heading_y
        elif target is not markdown:
            y = max(0, y - CONTEXT_LINES)
        self.scroll_to(y=y, animate=False, immediate=True)

    def _scroll_to_chunk_line(self, index: int, line: int, heading_line: int | None) -> None:
        """Scroll a rendered chunk's line to the top, or its heading when that is near."""
        widget = self.rendered.get(index)
        if not isinstance(widget, RenderedChunk):
            return
        chunk = self.chunks[index]
        chunk_top = self._tops()[index] + widget.styles.padding.top
        y = chunk_top + widget.line_offset(line - chunk.start_line)
        if heading_line is not None and chunk.start_line <= heading_line <= line:
            heading_y = chunk_top + widget.line_offset(heading_line - chunk.start_line)
            if y - heading_y <= self.size.height * HEADING_CONTEXT_SHARE:
                y = heading_y
        self.scroll_to(y=y, animate=False, immediate=True)

    def visible_text(self) -> str:
        """Return the text of the rendered lines inside the viewport, for checks and tests."""
        viewport = self.content_region
        lines: list[str] = []
        for widget in self.rendered.values():
            if isinstance(widget, RenderedChunk):
                overlap = widget.region.intersection(viewport)
                if overlap.height:
                    crop = overlap.translate((-widget.region.x, -widget.region.y))
                    lines.extend(strip.text for strip in widget.render_lines(crop))
            else:
                for block in widget.query(MarkdownBlock):
                    if not block.region.intersection(viewport).height:
                        continue
                    if isinstance(block, MarkdownFence):
                        lines.append(block.code)
                    elif not block.children:
                        lines.append(block._content.plain)
        return "\n".join(lines)
