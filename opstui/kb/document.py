"""Read a Markdown file into a Document: front matter, body, title, with checked input.

Every file the knowledge base takes in (imports, attachments shown as text, runbooks)
passes through load_document, so bad bytes are rejected in one place with one message.
"""

import re
from dataclasses import dataclass, field
from pathlib import Path

from opstui.errors import UserError
from opstui.kb.frontmatter import split_front_matter
from opstui.kb.markdown import inline_plain_text, parse_tokens

# A runbook larger than this is almost certainly a log or a data dump saved with a .md
# name. The viewer is tested with 1 MB documents, so 8 MiB leaves ample room.
MAX_DOCUMENT_BYTES = 8 * 1024 * 1024

# Markers of template-engine headings such as "# <%= current_page.data.title %>", which
# are not a title a person would recognise.
TEMPLATE_TAG_MARKERS = ("<%", "{{", "{%")

# Lines that could open or underline a level-1 heading, after any list or quote markers:
# "# Title" or a setext "===" underline. Over-matching (a "# comment" in code) only costs
# a larger parse; a line this misses cannot be part of a level-1 heading.
LEVEL_1_CANDIDATE = re.compile(r"^[\s>*+\-\d.)]*(?:#(?:[ \t]|$)|=+[ \t]*$)")
REFERENCE_DEFINITION = re.compile(r"^ {0,3}\[[^\]]+\]:")
# The first prefix of the body parsed when looking for the title, in lines. It doubles
# until a usable heading is found, so all the parses together cost at most about twice
# the last one.
FIRST_PREFIX_LINES = 200


@dataclass
class Document:
    """A parsed Markdown file.

    ``body_line_offset`` is the number of file lines before the body (the front matter
    block), so that a body line index plus the offset gives the file's line number - 1.
    """

    title: str
    body: str
    front_matter: dict = field(default_factory=dict)
    source: str = "document"
    body_line_offset: int = 0


def check_document_size(size: int, source: str, max_bytes: int = MAX_DOCUMENT_BYTES) -> None:
    """Raise UserError when a document of size bytes is over the limit."""
    if size > max_bytes:
        raise UserError(
            f"{source}: the file is {size:,} bytes, more than the {max_bytes:,}-byte "
            f"limit for a Markdown document; split it or attach it as a file instead"
        )


def decode_markdown(data: bytes, source: str, max_bytes: int = MAX_DOCUMENT_BYTES) -> str:
    """Decode file bytes as UTF-8 text with LF line ends, rejecting huge or binary input."""
    check_document_size(len(data), source, max_bytes)

    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        bad_byte = data[error.start]
        raise UserError(
            f"{source}: the file is not UTF-8 text (byte 0x{bad_byte:02x} at offset {error.start}); "
            f"convert it, for example with 'iconv -f LATIN1 -t UTF-8'"
        ) from None

    if "\x00" in text:
        raise UserError(f"{source}: the file contains NUL bytes, so it is binary, not Markdown")

    return text.replace("\r\n", "\n").replace("\r", "\n")


def parse_document(text: str, source: str = "document", fallback_title: str = "") -> Document:
    """Split text into front matter and body, and choose the document's title.

    The title is the front matter's ``title``, else the first level-1 heading that is
    not a template tag, else fallback_title, else 'Untitled instruction'.
    """
    front_matter, body, offset = split_front_matter(text, source)

    title = str(front_matter.get("title") or "").strip()
    if not title:
        title = first_heading_title(body)
    if not title:
        title = fallback_title.strip() or "Untitled instruction"

    return Document(title=title, body=body, front_matter=front_matter, source=source,
                    body_line_offset=offset)


def load_document(path: Path, max_bytes: int = MAX_DOCUMENT_BYTES) -> Document:
    """Read and parse a Markdown file; the file name stem is the last-resort title."""
    path = Path(path)
    try:
        check_document_size(path.stat().st_size, str(path), max_bytes)
        data = path.read_bytes()
    except OSError as error:
        raise UserError(f"{path}: cannot read the file ({error.strerror}); check the path and its permissions") from None

    text = decode_markdown(data, str(path), max_bytes)
    return parse_document(text, source=str(path), fallback_title=title_from_file_name(path))


def first_heading_title(body: str) -> str:
    """Return the plain text of the first usable level-1 heading, or ''.

    markdown-it needs seconds for a 1 MB body, so only a prefix that ends at a blank
    line is parsed, with the document's link reference definitions appended so that
    links in the heading resolve as in the whole document. A heading that ends before
    the cut is the same in the prefix as in the whole body, because block structure
    depends only on the lines read so far.
    """
    lines = body.split("\n")
    candidates = [index for index, line in enumerate(lines) if LEVEL_1_CANDIDATE.match(line)]
    if not candidates:
        return ""
    references = "\n".join(line for line in lines if REFERENCE_DEFINITION.match(line))

    cut = 0
    while cut < len(lines):
        cut = _blank_line_after(lines, max(FIRST_PREFIX_LINES, 2 * cut, candidates[0] + 2))
        is_whole_body = cut >= len(lines)
        prefix = body if is_whole_body else "\n".join(lines[:cut]) + "\n\n" + references
        tokens = parse_tokens(prefix)
        for index, token in enumerate(tokens):
            if token.type != "heading_open" or token.tag != "h1" or token.map is None:
                continue
            if not is_whole_body and token.map[1] > cut:
                break
            title = inline_plain_text(tokens[index + 1])
            if title and not any(marker in title for marker in TEMPLATE_TAG_MARKERS):
                return title
    return ""


def _blank_line_after(lines: list[str], start: int) -> int:
    """Return the index of the first blank line at or after start, or len(lines)."""
    for index in range(start, len(lines)):
        if not lines[index].strip():
            return index
    return len(lines)


def title_from_file_name(path: Path) -> str:
    """Return a readable title from a file name such as 'disk-cleanup.html.md.erb'."""
    name = path.name
    for suffix in (".erb", ".md", ".markdown", ".html"):
        if name.lower().endswith(suffix):
            name = name[: -len(suffix)]
    return " ".join(name.replace("_", " ").replace("-", " ").split())
