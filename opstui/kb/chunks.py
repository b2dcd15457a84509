"""Cut a long Markdown document into chunks the viewer can render one at a time.

Textual's Markdown widget mounts one widget per block, so a 1 MB runbook would mount
tens of thousands of widgets at once. The viewer mounts only the chunks near the
screen. The cut is a line scan, not a full parse, because markdown-it needs seconds
for a 1 MB document. One scan finds both the cuts and the ``#`` headings for the
table of contents. Cuts fall only before a line at column 0 that follows a blank
line outside a fenced code block or HTML comment, so no code block is split. Every
chunk repeats the document's link reference definitions so that ``[text][ref]``
links still resolve.
"""

import re
from bisect import bisect_right
from dataclasses import dataclass

FENCE = re.compile(r"^\s*(`{3,}|~{3,})")
REFERENCE_DEFINITION = re.compile(r"^ {0,3}\[[^\]]+\]:\s*\S")
ATX_HEADING = re.compile(r"^ {0,3}(#{1,6})[ \t]+(.*?)(?:[ \t]+#+)?[ \t]*$")

# A document up to this size, with up to this many blocks (counted as lines that
# follow a blank line), renders whole as one chunk in Textual's Markdown widget. That
# widget mounts two or three widgets per block, at about 5 ms of CPU each on the 2-core
# test machine. Every corpus runbook stays whole, because the most blocks one has is 165.
SINGLE_CHUNK_BYTES = 64 * 1024
SINGLE_CHUNK_BLOCKS = 180

# Target size of a chunk of a long document. A chunk ends at the first block boundary
# after this many characters, so a single huge code block still makes one chunk.
# 2 KB of dense runbook fills four or five 40-line screens, and Rich renders it in
# roughly 30 to 50 ms of CPU on the test machine (an estimate from scratch runs).
CHUNK_CHARACTERS = 2048


@dataclass(frozen=True)
class Chunk:
    """Lines start_line (inclusive) to end_line (exclusive) of the body, as Markdown."""

    start_line: int
    end_line: int
    text: str

    @property
    def line_count(self) -> int:
        return self.end_line - self.start_line


@dataclass(frozen=True)
class HeadingLine:
    """An ATX heading found by the line scan: level, text as written, body line."""

    level: int
    title: str
    line: int


@dataclass(frozen=True)
class ScannedDocument:
    """The result of one line scan: the chunks to render and the headings to list."""

    chunks: list[Chunk]
    headings: list[HeadingLine]


def scan_document(body: str, chunk_characters: int = CHUNK_CHARACTERS,
                  single_chunk_bytes: int = SINGLE_CHUNK_BYTES,
                  single_chunk_blocks: int = SINGLE_CHUNK_BLOCKS) -> ScannedDocument:
    """Return the chunks and the ``#`` headings of body from a single pass over its lines.

    Short documents give exactly one chunk. Headings inside fenced code are skipped.
    Setext headings (text underlined with === or ---) are not found, so the table of
    contents of a long document can miss them.
    """
    lines = body.split("\n")
    small = len(body) <= single_chunk_bytes and len(body.encode("utf-8")) <= single_chunk_bytes
    cut_size = len(body) + 1 if small and single_chunk_blocks < 0 else chunk_characters

    boundaries = [0]
    headings: list[HeadingLine] = []
    blocks = 0
    size = 0
    fence: str | None = None
    in_comment = False
    previous_blank = False
    for index, line in enumerate(lines):
        if (size >= cut_size and fence is None and not in_comment and previous_blank
                and line and not line[0].isspace() and index > 0):
            boundaries.append(index)
            size = 0
        size += len(line) + 1
        blank = not line.strip()
        blocks += previous_blank and not blank
        previous_blank = blank

        fence_match = FENCE.match(line) if ("`" in line or "~" in line) else None
        if fence is None and fence_match:
            fence = fence_match.group(1)
            continue
        if fence is not None:
            if fence_match and fence_match.group(1).startswith(fence) and not line.strip().strip(fence[0]):
                fence = None
            continue

        if "<!--" in line or in_comment:
            in_comment = (in_comment or "<!--" in line) and "-->" not in line.split("<!--")[-1]
        if "#" in line[:4]:
            heading = ATX_HEADING.match(line)
            if heading:
                headings.append(HeadingLine(len(heading.group(1)), heading.group(2).strip(), index))
    boundaries.append(len(lines))

    if small and (single_chunk_blocks < 0 or blocks <= single_chunk_blocks):
        return ScannedDocument([Chunk(0, len(lines), body)], headings)

    references = "\n".join(line for line in lines if "]:" in line and REFERENCE_DEFINITION.match(line))
    chunks = []
    for start, end in zip(boundaries, boundaries[1:]):
        text = "\n".join(lines[start:end])
        if references:
            text = text + "\n\n" + references
        chunks.append(Chunk(start, end, text))
    return ScannedDocument(chunks, headings)


def split_into_chunks(body: str, chunk_characters: int = CHUNK_CHARACTERS,
                      single_chunk_bytes: int = SINGLE_CHUNK_BYTES) -> list[Chunk]:
    """Return the chunks of body in order. A short document gives exactly one chunk."""
    return scan_document(body, chunk_characters, single_chunk_bytes).chunks


def scan_headings(body: str) -> list[HeadingLine]:
    """Return the ``#`` headings of body outside fenced code."""
    return scan_document(body, single_chunk_bytes=len(body.encode("utf-8")), single_chunk_blocks=-1).headings


def chunk_index_for_line(chunks: list[Chunk], line: int) -> int:
    """Return the index of the chunk that contains body line, or the last chunk."""
    starts = [chunk.start_line for chunk in chunks]
    return max(0, min(len(chunks) - 1, bisect_right(starts, line) - 1))


def label_bare_fences(text: str, language: str = "text") -> str:
    """Give code fences without an info string a language, for display only.

    Textual's Markdown widget guesses the language of an unlabelled fence with
    Pygments' guess_lexer, which tries every lexer and costs tens of
    milliseconds per block: a runbook with thousands of command blocks stalled.
    """
    lines = text.split("\n")
    open_fence = ""
    for index, line in enumerate(lines):
        match = FENCE.match(line) if ("`" in line or "~" in line) else None
        if not match:
            continue
        marker = match.group(1)
        if not open_fence:
            open_fence = marker
            if not line[match.end():].strip():
                lines[index] = line + language
        elif marker[0] == open_fence[0] and len(marker) >= len(open_fence) and not line[match.end():].strip():
            open_fence = ""
    return "\n".join(lines)
