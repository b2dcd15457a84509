"""Split a Markdown document into sections by heading, and read the template's parts.

Headings come from the markdown-it token stream, so a ``#`` comment inside a fenced
code block is never taken for a heading.
"""

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from markdown_it import MarkdownIt
from markdown_it.token import Token

from opstui.kb import template
from opstui.kb.markdown import inline_plain_text, markdown_parser, parse_tokens, source_slice


@dataclass(frozen=True)
class Section:
    """One heading and the lines it governs.

    Line numbers are 0-based indexes into the body. ``content_start`` is the first line
    after the heading, and ``end`` is the line of the next heading at the same or a
    higher level (or the end of the body), so a section includes its subsections.
    """

    level: int
    title: str
    anchor: str
    line: int
    content_start: int
    end: int


def heading_key(title: str) -> str:
    """Return a title folded for comparison: lowercase letters and digits only."""
    return re.sub(r"[^0-9a-z]+", "", title.casefold())


def anchor_for(title: str) -> str:
    """Return the GitHub-style anchor of a heading: lowercase, spaces to hyphens."""
    lowered = title.strip().lower()
    without_punctuation = re.sub(r"[^\w\- ]", "", lowered)
    return without_punctuation.replace(" ", "-")


@lru_cache(maxsize=1)
def _block_parser() -> MarkdownIt:
    return MarkdownIt("commonmark").enable("table").enable("strikethrough").disable("inline")


# Parsed documents up to this many characters stay cached. The tokens of a 1 MB runbook
# are hundreds of thousands of objects, and each of Python's full garbage collections
# then took about 300 ms while the viewer scrolled.
CACHED_DOCUMENT_CHARACTERS = 256 * 1024


@dataclass(frozen=True)
class BlockParse:
    """Block tokens of a document, whose inline tokens have their text but no children.

    env holds the link reference definitions, which heading titles need. The tokens may
    be shared through a cache, so they are read-only.
    """

    tokens: tuple[Token, ...]
    env: dict[str, Any]


def parse_blocks(text: str) -> BlockParse:
    """Parse Markdown into block tokens only, caching documents of moderate size.

    Inline parsing is about a third of markdown-it's time on a long runbook, and steps
    and sections read only the text of inline tokens, except for heading titles, which
    split_sections parses on their own.
    """
    if len(text) <= CACHED_DOCUMENT_CHARACTERS:
        return _cached_parse_blocks(text)
    return _parse_blocks(text)


@lru_cache(maxsize=8)
def _cached_parse_blocks(text: str) -> BlockParse:
    return _parse_blocks(text)


def _parse_blocks(text: str) -> BlockParse:
    env: dict[str, Any] = {}
    return BlockParse(tuple(_block_parser().parse(text, env)), env)


def split_sections(body: str, parsed: BlockParse | None = None) -> list[Section]:
    """Return every heading of body in document order, with unique anchors.

    Repeated headings get ``-1``, ``-2``... suffixes, as GitHub does, so a table of
    contents can link each of them. parsed is body's parse_blocks result, when the
    caller has it already.
    """
    parsed = parsed or parse_blocks(body)
    tokens, env = parsed.tokens, parsed.env
    line_count = len(body.split("\n"))

    found: list[tuple[int, str, int, int]] = []
    for index, token in enumerate(tokens):
        if token.type != "heading_open" or token.map is None:
            continue
        inline = markdown_parser().parseInline(tokens[index + 1].content, dict(env))[0]
        title = inline_plain_text(inline)
        found.append((int(token.tag[1]), title, token.map[0], token.map[1]))

    seen: dict[str, int] = {}
    sections: list[Section] = []
    for position, (level, title, line, content_start) in enumerate(found):
        end = line_count
        for later in range(position + 1, len(found)):
            if found[later][0] <= level:
                end = found[later][2]
                break

        base = anchor_for(title) or "section"
        count = seen.get(base, 0)
        seen[base] = count + 1
        anchor = base if count == 0 else f"{base}-{count}"

        sections.append(Section(level, title, anchor, line, content_start, end))

    return sections


def find_section(sections: list[Section], title: str, level: int | None = None) -> Section | None:
    """Return the first section whose title matches, ignoring case and punctuation."""
    expected = heading_key(title)
    for section in sections:
        if heading_key(section.title) == expected and (level is None or section.level == level):
            return section
    return None


def section_text(body: str, section: Section) -> str:
    """Return the Markdown under a heading, subsections included, without the heading."""
    return source_slice(body.split("\n"), section.content_start, section.end)


def preamble_text(body: str, sections: list[Section]) -> str:
    """Return the Markdown before the first heading."""
    first = sections[0].line if sections else len(body.split("\n"))
    return source_slice(body.split("\n"), 0, first)


def template_section_text(body: str, heading: str) -> str:
    """Return the text under a level-2 template heading, or '' when it is absent."""
    section = find_section(split_sections(body), heading, level=2)
    if section is None:
        return ""
    return _without_html_comments(section_text(body, section))


def monitoring_details(body: str) -> dict[str, str]:
    """Return the Monitoring section as the three fields the Zabbix push sends.

    Keys are what_to_watch, failure_criteria and action_on_failure. Each value is the
    Markdown under the matching level-3 heading inside the level-2 Monitoring section,
    or '' when that heading is missing or holds only the template hint.
    """
    sections = split_sections(body)
    details = {key: "" for key in template.MONITORING_KEYS.values()}

    monitoring = find_section(sections, template.MONITORING, level=2)
    if monitoring is None:
        return details

    inside = [s for s in sections if monitoring.line < s.line < monitoring.end]
    for heading, key in template.MONITORING_KEYS.items():
        section = find_section(inside, heading, level=3)
        if section is not None:
            details[key] = _without_html_comments(section_text(body, section))
    return details


def components_list(body: str) -> list[str]:
    """Return the items of the Components affected section, in order, without repeats.

    List items give one component each. A section written as plain lines gives one
    component per non-empty line instead.
    """
    text = template_section_text(body, template.COMPONENTS)
    if not text:
        return []

    tokens = parse_tokens(text)
    components: list[str] = []
    depth = 0
    for index, token in enumerate(tokens):
        if token.type in ("bullet_list_open", "ordered_list_open"):
            depth += 1
        elif token.type in ("bullet_list_close", "ordered_list_close"):
            depth -= 1
        elif token.type == "inline" and depth == 1 and tokens[index - 2].type == "list_item_open":
            components.append(inline_plain_text(token).split("\n")[0])

    if not any(token.type == "list_item_open" for token in tokens):
        components = [line.strip() for line in text.split("\n") if line.strip()]

    unique: list[str] = []
    for component in components:
        if component and component not in unique:
            unique.append(component)
    return unique


def missing_template_headings(body: str) -> list[str]:
    """Return the template headings absent from body, Monitoring subheadings included."""
    sections = split_sections(body)
    missing = [h for h in template.TEMPLATE_HEADINGS if find_section(sections, h, level=2) is None]

    monitoring = find_section(sections, template.MONITORING, level=2)
    inside = [] if monitoring is None else [
        s for s in sections if monitoring.line < s.line < monitoring.end
    ]
    for heading in template.MONITORING_HEADINGS:
        if find_section(inside, heading, level=3) is None:
            missing.append(f"{template.MONITORING} / {heading}")
    return missing


def _without_html_comments(text: str) -> str:
    return re.sub(r"<!--.*?-->", "", text, flags=re.DOTALL).strip()
