"""Links between knowledge-base articles, tasks and notes inside Markdown text.

They are written as ordinary Markdown links with a short scheme, for example
``[disk cleanup](instruction:12)`` or ``[the change](task:40)``, so they survive an
export to plain files and the viewer can follow them. Runbooks imported from a folder
link to each other by relative file name instead; match_file_link finds the
instruction that came from such a file.
"""

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote

from opstui.kb.frontmatter import slugify, stable_file_name

LINK_KINDS = ("instruction", "task", "note")

LINK_PATTERN = re.compile(r"^(instruction|task|note):(\d+)$")


def make_link(kind: str, record_id: int) -> str:
    """Return the href for a record, for example 'task:40'."""
    if kind not in LINK_KINDS:
        raise ValueError(f"unknown link kind {kind!r}; expected one of {', '.join(LINK_KINDS)}")
    return f"{kind}:{int(record_id)}"


def markdown_link(kind: str, record_id: int, label: str) -> str:
    """Return a Markdown link to a record, with brackets in the label escaped."""
    escaped = label.replace("\\", "\\\\").replace("[", "\\[").replace("]", "\\]")
    return f"[{escaped}]({make_link(kind, record_id)})"


def parse_link(href: str) -> tuple[str, int] | None:
    """Return (kind, id) for an opstui link, or None for any other href."""
    match = LINK_PATTERN.match(href.strip())
    if match is None:
        return None
    return match.group(1), int(match.group(2))


# Imported runbooks link to each other by file, as in ``[restore](../db/restore.md#step-2)``.
MARKDOWN_FILE_SUFFIXES = (".md", ".markdown", ".md.erb")
URL_SCHEME = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.\-]*:")
EXPORTED_NAME = re.compile(r"^(\d+)-[a-z0-9\-]+\.md$")


@dataclass(frozen=True)
class FileLink:
    """A relative link to a Markdown file: the path as written, its file name and anchor."""

    path: str
    file_name: str
    anchor: str | None


def parse_file_link(href: str) -> FileLink | None:
    """Return the file and anchor of a link to a Markdown file, or None for any other href.

    Links with a scheme (https:, mailto:, task:) and bare anchors are not file links.
    """
    href = href.strip()
    if not href or href.startswith(("#", "//")) or URL_SCHEME.match(href):
        return None
    path, _, anchor = href.partition("#")
    path = unquote(path.split("?", 1)[0])
    file_name = re.split(r"[/\\]", path)[-1]
    if not file_name.lower().endswith(MARKDOWN_FILE_SUFFIXES):
        return None
    return FileLink(path=path, file_name=file_name, anchor=unquote(anchor) or None)


def match_file_link(link: FileLink, instructions: Iterable[Mapping[str, Any]]) -> int | None:
    """Return the id of the instruction a file link points to, or None.

    Each instruction needs id, title, draft_title and import_source. The matches are
    tried in this order:

    - the file it was imported from, first with the same case, then ignoring case;
    - the stable name that `opstui kb export` gives it;
    - the id at the front of an exported name, because its title may have changed;
    - the slug of its title, against the file name without suffix or exported id.
    """
    rows = list(instructions)
    name = link.file_name
    folded = name.casefold()

    for row in rows:
        if row.get("import_source") == name:
            return row["id"]
    for row in rows:
        if (row.get("import_source") or "").casefold() == folded:
            return row["id"]

    for row in rows:
        titles = {row["title"], row.get("draft_title") or row["title"]}
        if any(stable_file_name(title, row["id"]) == name for title in titles):
            return row["id"]

    exported = EXPORTED_NAME.match(name)
    if exported:
        for row in rows:
            if row["id"] == int(exported.group(1)):
                return row["id"]

    stem = folded
    for suffix in MARKDOWN_FILE_SUFFIXES:
        if stem.endswith(suffix):
            stem = stem[: -len(suffix)]
            break
    stem_slug = slugify(stem.split("-", 1)[1] if exported else stem)
    for row in rows:
        titles = {row["title"], row.get("draft_title") or row["title"]}
        if any(slugify(title) == stem_slug for title in titles):
            return row["id"]
    return None


# -- every link of a document, for following them by keyboard --------------

_FENCE = re.compile(r"^\s{0,3}(`{3,}|~{3,})")
_CODE_SPAN = re.compile(r"(`+)(?:(?!\1).)+?\1")
_INLINE_LINK = re.compile(r"(!?)\[((?:\\.|[^\]\\])*)\]\(\s*<?([^)\s>]+)>?(?:\s+(?:\"[^\"]*\"|'[^']*'))?\s*\)")
_REFERENCE_LINK = re.compile(r"(!?)\[((?:\\.|[^\]\\])+)\]\[((?:\\.|[^\]\\])*)\]")
_REFERENCE_DEFINITION = re.compile(r"^\s{0,3}\[((?:\\.|[^\]\\])+)\]:\s*<?(\S+?)>?(?:\s+.*)?$")
_AUTOLINK = re.compile(r"<((?:https?|ftp|mailto):[^>\s]+)>")
_ESCAPED = re.compile(r"\\(.)")


@dataclass(frozen=True)
class DocumentLink:
    """One link in a Markdown body: its 0-based line, its text and its target."""

    line: int
    text: str
    href: str


def document_links(body: str) -> list[DocumentLink]:
    """Return the links of a Markdown body in reading order, without images and code.

    Inline links, reference links (resolved through their definitions) and
    <autolinks> are found line by line, so a link whose text spans two lines is
    missed: this list is for following links by keyboard, and the mouse still
    follows every link the renderer draws.
    """
    lines = body.split("\n")
    in_code = _code_lines(lines)
    definitions: dict[str, str] = {}
    for number, line in enumerate(lines):
        definition = None if in_code[number] else _REFERENCE_DEFINITION.match(line)
        if definition:
            definitions.setdefault(_reference_key(definition.group(1)), definition.group(2))

    found: list[tuple[int, int, DocumentLink]] = []
    for number, line in enumerate(lines):
        if in_code[number] or _REFERENCE_DEFINITION.match(line):
            continue
        text = _CODE_SPAN.sub(lambda span: " " * len(span.group(0)), line)
        for match in _INLINE_LINK.finditer(text):
            if not match.group(1):
                found.append((number, match.start(), DocumentLink(number, _label(match.group(2)), match.group(3))))
        for match in _REFERENCE_LINK.finditer(text):
            key = _reference_key(match.group(3) or match.group(2))
            if not match.group(1) and key in definitions:
                found.append((number, match.start(), DocumentLink(number, _label(match.group(2)), definitions[key])))
        for match in _AUTOLINK.finditer(text):
            found.append((number, match.start(), DocumentLink(number, match.group(1), match.group(1))))

    found.sort(key=lambda item: (item[0], item[1]))
    return [link for _line, _column, link in found]


def _code_lines(lines: list[str]) -> list[bool]:
    """Mark the lines inside fenced code blocks, fences included."""
    marks: list[bool] = []
    fence: str | None = None
    for line in lines:
        opening = _FENCE.match(line)
        if fence is None and opening:
            fence = opening.group(1)
            marks.append(True)
        elif fence is not None:
            marks.append(True)
            if opening and opening.group(1)[0] == fence[0] and len(opening.group(1)) >= len(fence):
                fence = None
        else:
            marks.append(False)
    return marks


def _reference_key(label: str) -> str:
    return " ".join(label.split()).casefold()


def _label(text: str) -> str:
    return _ESCAPED.sub(r"\1", text).strip() or "(no text)"
