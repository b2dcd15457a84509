"""Cut a long Markdown document into chunks the viewer can render one at a time.

Textual's Markdown widget mounts one widget per block, so a 1 MB runbook would mount
tens of thousands of widgets at once. The viewer mounts chunks as the reader scrolls.
The cut is a line scan, not a full parse, because markdown-it needs seconds for a 1 MB
document. Cuts fall only before a line at column 0 that follows a blank line outside a
fenced code block or HTML comment, so no code block is split. Every chunk repeats the
document's link reference definitions so that ``[text][ref]`` links still resolve.
"""

import re
from dataclasses import dataclass

FENCE = re.compile(r"^\s*(`{3,}|~{3,})")
REFERENCE_DEFINITION = re.compile(r"^ {0,3}\[[^\]]+\]:\s*\S")
# Documents up to this size render as one chunk. Textual mounts about 100 widgets per
# kilobyte of dense Markdown, measured under Pilot on this project's test machine.
SINGLE_CHUNK_BYTES = 16 * 1024

# Target size of a chunk of a long document. A chunk ends at the first block boundary
# after this many characters, so a single huge code block still makes one chunk.
CHUNK_CHARACTERS = 4 * 1024


@dataclass(frozen=True)
class Chunk:
    """Lines start_line (inclusive) to end_line (exclusive) of the body, as Markdown."""

    start_line: int
    end_line: int
    text: str


def split_into_chunks(body: str, chunk_characters: int = CHUNK_CHARACTERS,
                      single_chunk_bytes: int = SINGLE_CHUNK_BYTES) -> list[Chunk]:
    """Return the chunks of body in order; short documents give exactly one chunk."""
    lines = body.split("\n")
    if len(body.encode("utf-8")) <= single_chunk_bytes:
        return [Chunk(0, len(lines), body)]

    references = "\n".join(line for line in lines if REFERENCE_DEFINITION.match(line))
    boundaries = [0]
    size = 0
    fence: str | None = None
    in_comment = False
    for index, line in enumerate(lines):
        if fence is None and not in_comment and size >= chunk_characters and _is_cut_line(lines, index):
            boundaries.append(index)
            size = 0
        size += len(line) + 1

        fence_match = FENCE.match(line)
        if fence_match and fence is None:
            fence = fence_match.group(1)
        elif fence_match and fence is not None and fence_match.group(1).startswith(fence) \
                and not line.strip().strip(fence[0]):
            fence = None
        elif fence is None:
            in_comment = (in_comment or "<!--" in line) and "-->" not in line.split("<!--")[-1]
    boundaries.append(len(lines))

    chunks = []
    for start, end in zip(boundaries, boundaries[1:]):
        text = "\n".join(lines[start:end])
        if references:
            text = text + "\n\n" + references
        chunks.append(Chunk(start, end, text))
    return chunks


def chunk_index_for_line(chunks: list[Chunk], line: int) -> int:
    """Return the index of the chunk that contains body line, or the last chunk."""
    for index, chunk in enumerate(chunks):
        if chunk.start_line <= line < chunk.end_line:
            return index
    return len(chunks) - 1


def _is_cut_line(lines: list[str], index: int) -> bool:
    line = lines[index]
    return index > 0 and not lines[index - 1].strip() and bool(line) and not line[0].isspace()


ATX_HEADING = re.compile(r"^ {0,3}(#{1,6})[ \t]+(.*?)(?:[ \t]+#+)?[ \t]*$")


@dataclass(frozen=True)
class HeadingLine:
    """An ATX heading found by the line scan: level, text as written, body line."""

    level: int
    title: str
    line: int


def scan_headings(body: str) -> list[HeadingLine]:
    """Return the ``#`` headings of body outside fenced code, fast enough for 1 MB.

    Setext headings (text underlined with === or ---) are not found; the table of
    contents of a long document can miss them.
    """
    headings = []
    fence: str | None = None
    for index, line in enumerate(body.split("\n")):
        fence_match = FENCE.match(line)
        if fence_match and fence is None:
            fence = fence_match.group(1)
            continue
        if fence is not None:
            if fence_match and fence_match.group(1).startswith(fence) and not line.strip().strip(fence[0]):
                fence = None
            continue
        heading = ATX_HEADING.match(line)
        if heading:
            headings.append(HeadingLine(len(heading.group(1)), heading.group(2).strip(), index))
    return headings


def label_bare_fences(text: str, language: str = "text") -> str:
    """Give code fences without an info string a language, for display only.

    Textual's Markdown widget guesses the language of an unlabelled fence with
    Pygments' guess_lexer, which tries every lexer and costs tens of
    milliseconds per block: a runbook with thousands of command blocks stalled.
    """
    lines = text.split("\n")
    open_fence = ""
    for index, line in enumerate(lines):
        match = FENCE.match(line)
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
