"""Extract the ordered steps of an instruction for guided execution.

Steps are written three ways in real runbooks, and all three are recognised:

- "Step N" headings such as "### Step 2: Check MDS metrics" or "### OPTIONAL Step 3".
  Numbered headings such as "## 1) Taint resources" count when there are at least two.
  Such a step runs to the next heading of the same or a higher level.
- top-level numbered lists: each item is one step, and nested items are its notes.
- task lists ("- [ ] ..." or "1. [ ] ..."): each top-level item is one step.

A step heading whose section contains a numbered or task list of two or more items is only
a group title, and the list items are the steps. When the document has a level-2 "Steps" heading (the
standard template), only that section is read.
"""

import re
import textwrap
from bisect import bisect_left
from dataclasses import dataclass

from markdown_it.token import Token

from opstui.errors import UserError
from opstui.kb import template
from opstui.kb.markdown import source_slice
from opstui.kb.sections import Section, find_section, parse_blocks, split_sections

STEP_HEADING = re.compile(r"^\s*(?:[a-z]+\s+)?step\s+\d+(?:\.\d+)*\b", re.IGNORECASE)
NUMBERED_HEADING = re.compile(r"^\s*\d+[.)]\s+\S")
STEP_PREFIX = re.compile(r"^\s*(?:step\s+\d+(?:\.\d+)*\s*[:.)\-–]|\d+[.)])\s+(?=\S)", re.IGNORECASE)
CHECKBOX = re.compile(r"^\[([ xX])\]\s+")
LIST_MARKER = re.compile(r"^\s*(?:[-*+]|\d+[.)])\s?")

CODE_TOKENS = ("fence", "code_block")


class NoStepsError(UserError):
    """The document has nothing that reads as an ordered step, so it cannot be run."""


@dataclass(frozen=True)
class CodeBlock:
    """A fenced or indented code block: usually the commands of a step."""

    language: str
    code: str


@dataclass(frozen=True)
class Step:
    """One checklist item of guided execution.

    ``text`` is the instruction itself (one line of Markdown), ``notes`` the other prose
    of the step, ``markdown`` the step's whole source for display, ``line`` its 0-based
    line in the body and ``checked`` whether the source already ticked it ("[x]").
    """

    number: int
    text: str
    commands: tuple[CodeBlock, ...]
    notes: tuple[str, ...]
    section: str
    line: int
    markdown: str
    checked: bool = False


def extract_steps(body: str, section: str | None = None, source: str = "document") -> list[Step]:
    """Return the ordered steps of body, numbered from 1.

    section limits the search to one heading's section (matched ignoring case and
    punctuation); without it the template's "Steps" section is used when present.
    Raises NoStepsError when nothing reads as a step, and UserError for an unknown
    section.
    """
    lines = body.split("\n")
    parsed = parse_blocks(body)
    sections = split_sections(body, parsed)
    scope_start, scope_end, scope_name = _scope(sections, section, len(lines), source)

    tokens = list(parsed.tokens)
    heading_steps = _step_headings(sections, scope_start, scope_end)
    # Block tokens come in document order, so their first lines never decrease and each
    # step heading finds its tokens by binary search. Should that ever not hold, every
    # heading scans all tokens instead.
    mapped = [index for index, token in enumerate(tokens) if token.map is not None]
    mapped_lines: list[int] | None = [tokens[index].map[0] for index in mapped]
    if any(later < earlier for earlier, later in zip(mapped_lines, mapped_lines[1:])):
        mapped_lines = None

    # A step heading whose section contains a list of two or more steps only groups them.
    # With one list item or none, the heading is the step and the item is a note of it.
    drafts = _list_steps(tokens, lines, scope_start, scope_end)
    drafts.sort(key=lambda draft: draft["line"])
    draft_lines = [draft["line"] for draft in drafts]
    dropped: set[int] = set()
    heading_drafts = []
    for heading in heading_steps:
        first = bisect_left(draft_lines, heading.line)
        after = bisect_left(draft_lines, heading.end)
        if after - first < 2:
            dropped.update(range(first, after))
            heading_drafts.append(_heading_step(heading, tokens, lines, mapped, mapped_lines))
    drafts = [draft for index, draft in enumerate(drafts) if index not in dropped] + heading_drafts

    if not drafts:
        where = f"in the '{scope_name}' section" if scope_name else "in the document"
        raise NoStepsError(
            f"{source}: no steps found {where}; write them as a numbered list, "
            f"a task list ('- [ ] ...') or 'Step N' headings"
        )

    drafts.sort(key=lambda draft: draft["line"])
    section_lines = [section.line for section in sections]
    return [
        Step(number=index, section=_section_title(sections, section_lines, draft["line"]), **draft)
        for index, draft in enumerate(drafts, start=1)
    ]


def _scope(sections: list[Section], name: str | None, line_count: int, source: str) -> tuple[int, int, str]:
    if name:
        chosen = find_section(sections, name)
        if chosen is None:
            titles = ", ".join(s.title for s in sections[:12]) or "none"
            raise UserError(f"{source}: no section named '{name}'; the headings are: {titles}")
        return chosen.line, chosen.end, chosen.title

    steps_section = find_section(sections, template.STEPS, level=2)
    if steps_section is not None:
        return steps_section.line, steps_section.end, steps_section.title
    return 0, line_count, ""


def _step_headings(sections: list[Section], start: int, end: int) -> list[Section]:
    inside = [s for s in sections if start <= s.line < end]
    named = [s for s in inside if STEP_HEADING.match(s.title)]
    numbered = [s for s in inside if NUMBERED_HEADING.match(s.title)]

    chosen = named + (numbered if len(numbered) >= 2 else [])
    chosen.sort(key=lambda s: s.line)

    # A step heading nested in another step heading is part of the outer step. Sections
    # either nest or do not overlap, so only the last outermost heading can contain it.
    outermost: list[Section] = []
    for heading in chosen:
        if not outermost or not outermost[-1].line < heading.line < outermost[-1].end:
            outermost.append(heading)
    return outermost


def _heading_step(heading: Section, tokens: list[Token], lines: list[str], mapped: list[int],
                  mapped_lines: list[int] | None) -> dict:
    commands: list[CodeBlock] = []
    notes: list[str] = []

    first, last = 0, len(mapped)
    if mapped_lines is not None:
        first = bisect_left(mapped_lines, heading.content_start)
        last = bisect_left(mapped_lines, heading.end)
    for token in (tokens[index] for index in mapped[first:last]):
        if not heading.content_start <= token.map[0] < heading.end:
            continue
        if token.type in CODE_TOKENS:
            commands.append(CodeBlock(token.info.strip(), token.content))
        elif token.level == 0 and token.type.endswith("_open") and token.type != "heading_open":
            notes.append(source_slice(lines, token.map[0], token.map[1]))

    text = STEP_PREFIX.sub("", heading.title) or heading.title
    return {
        "text": text,
        "commands": tuple(commands),
        "notes": tuple(note for note in notes if note.strip()),
        "line": heading.line,
        "markdown": source_slice(lines, heading.line, heading.end),
        "checked": False,
    }


def _list_steps(tokens: list[Token], lines: list[str], start: int, end: int) -> list[dict]:
    drafts: list[dict] = []
    list_depth = 0
    index = 0

    while index < len(tokens):
        token = tokens[index]

        if token.type in ("bullet_list_open", "ordered_list_open"):
            close = _matching_close(tokens, index)
            is_candidate = (
                list_depth == 0
                and token.map is not None
                and start <= token.map[0] < end
            )
            items = _list_items(tokens, index, close)
            if is_candidate and (token.type == "ordered_list_open" or _is_task_list(tokens, items)):
                for item_open, item_close in items:
                    drafts.append(_item_step(tokens, item_open, item_close, lines))
                _attach_following_code(tokens, close, drafts[-1])
                index = close + 1
                continue
            list_depth += 1

        elif token.type in ("bullet_list_close", "ordered_list_close"):
            list_depth -= 1

        index += 1

    return drafts


def _matching_close(tokens: list[Token], open_index: int) -> int:
    opener = tokens[open_index]
    closer_type = opener.type.replace("_open", "_close")
    for index in range(open_index + 1, len(tokens)):
        if tokens[index].type == closer_type and tokens[index].level == opener.level:
            return index
    return len(tokens) - 1


def _list_items(tokens: list[Token], list_open: int, list_close: int) -> list[tuple[int, int]]:
    item_level = tokens[list_open].level + 1
    items = []
    for index in range(list_open + 1, list_close):
        if tokens[index].type == "list_item_open" and tokens[index].level == item_level:
            items.append((index, _matching_close(tokens, index)))
    return items


def _first_inline(tokens: list[Token], item_open: int) -> Token | None:
    following = tokens[item_open + 1: item_open + 3]
    if len(following) == 2 and following[0].type == "paragraph_open" and following[1].type == "inline":
        return following[1]
    return None


def _is_task_list(tokens: list[Token], items: list[tuple[int, int]]) -> bool:
    for item_open, _ in items:
        inline = _first_inline(tokens, item_open)
        if inline is not None and CHECKBOX.match(inline.content):
            return True
    return False


def _item_step(tokens: list[Token], item_open: int, item_close: int, lines: list[str]) -> dict:
    item = tokens[item_open]
    inline = _first_inline(tokens, item_open)

    text = inline.content if inline is not None else ""
    checked = False
    box = CHECKBOX.match(text)
    if box:
        checked = box.group(1).lower() == "x"
        text = text[box.end():]

    commands: list[CodeBlock] = []
    notes: list[str] = []
    for index in range(item_open + 1, item_close):
        token = tokens[index]
        if token.type in CODE_TOKENS:
            commands.append(CodeBlock(token.info.strip(), token.content))
            continue
        is_child_block = token.level == item.level + 1 and token.map is not None
        is_first_paragraph = inline is not None and index == item_open + 1
        if is_child_block and token.type.endswith("_open") and not is_first_paragraph:
            notes.append(_dedented(lines, token.map[0], token.map[1]))

    item_end = item.map[1] if item.map else item.map[0] + 1
    markdown = _item_markdown(lines, item.map[0], item_end)
    return {
        "text": " ".join(text.split("\n")).strip() or markdown.split("\n")[0],
        "commands": tuple(commands),
        "notes": tuple(note for note in notes if note.strip()),
        "line": item.map[0],
        "markdown": markdown,
        "checked": checked,
    }


def _attach_following_code(tokens: list[Token], list_close: int, last_step: dict) -> None:
    """Give the last step the code blocks that directly follow its list.

    Runbooks often put a command's fence right under a list item without indenting
    it, which ends the list in CommonMark although the command belongs to the item.
    """
    extra = []
    index = list_close + 1
    while index < len(tokens) and tokens[index].type in CODE_TOKENS:
        extra.append(CodeBlock(tokens[index].info.strip(), tokens[index].content))
        index += 1
    if extra:
        last_step["commands"] = last_step["commands"] + tuple(extra)


def _item_markdown(lines: list[str], start: int, end: int) -> str:
    first = LIST_MARKER.sub("", lines[start], count=1)
    first = CHECKBOX.sub("", first.lstrip(), count=1)
    rest = textwrap.dedent("\n".join(lines[start + 1:end]))
    return (first + "\n" + rest).strip("\n")


def _dedented(lines: list[str], start: int, end: int) -> str:
    return textwrap.dedent("\n".join(lines[start:end])).strip("\n")


def _section_title(sections: list[Section], section_lines: list[int], line: int) -> str:
    """Return the title of the innermost heading that encloses line, or ''.

    section_lines contains the heading line of each section, in order, for a binary search:
    a document with thousands of steps and headings would be quadratic otherwise.
    """
    index = bisect_left(section_lines, line) - 1
    while index >= 0 and sections[index].end <= line:
        index -= 1
    return sections[index].title if index >= 0 else ""
