"""Convert Evernote's ENML note bodies to Markdown.

markdownify (on BeautifulSoup) does the HTML-to-Markdown work: it already handles
headings, lists, tables, links, emphasis and code, and is easier to trust than a
hand-written converter. This module only rewrites the Evernote-specific parts of the
tree first (checkboxes, code-block divs, lists nested directly in lists, en-media
attachments) and tidies the output after.
"""

from __future__ import annotations

import re
import warnings
from dataclasses import dataclass
from typing import Sequence
from urllib.parse import quote

from bs4 import (BeautifulSoup, Comment, Declaration, Doctype, NavigableString, ProcessingInstruction, Tag,
                 XMLParsedAsHTMLWarning)
from markdownify import MarkdownConverter

from opstui.enex.reader import EnexTask

# Private-use characters mark checkboxes while markdownify runs; they cannot occur in
# ENML text that matters and markdownify leaves them alone. They become "[ ]"/"[x]".
UNCHECKED_MARK = "\ue000"
CHECKED_MARK = "\ue001"

BLOCK_TAGS = {"div", "p", "li", "td", "th", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "en-note"}
LIST_TAGS = {"ul", "ol"}


@dataclass(frozen=True)
class AttachmentLink:
    """Link target and label of a stored attachment, keyed by the MD5 that ENML uses."""

    hash: str
    url: str
    name: str
    mime: str = "application/octet-stream"


def enml_to_markdown(enml: str, attachments: Sequence[AttachmentLink] = ()) -> str:
    """Return Markdown for an ENML body, linking each <en-media> to its attachment.

    An <en-media> whose hash matches no attachment takes the next attachment that no
    other reference used (some exporters write a hash that does not match the data).
    Attachments that the text never references are listed at the end, so no file is
    left unreachable.
    """
    # ENML is XHTML with an XML prolog. html.parser reads it, and also the damaged
    # bodies that a recovered export can have, where a strict XML parser would fail.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", XMLParsedAsHTMLWarning)
        soup = BeautifulSoup(enml or "", "html.parser")
    _drop_prolog(soup)
    root = soup.find("en-note") or soup

    _mark_checkboxes(root)
    _nest_lists(root)
    _convert_code_blocks(root)
    _drop_trailing_breaks(root)
    _flatten_blocks_in_cells(root)
    unreferenced = _link_media(root, soup, list(attachments))
    _replace_encrypted(root, soup)

    markdown = _EnmlConverter(
        heading_style="ATX",
        bullets="-",
        table_infer_header=True,
        escape_underscores=False,
        newline_style="backslash",
    ).convert_soup(root)
    markdown = _finish_markdown(markdown)

    if unreferenced:
        lines = [_attachment_markdown(link) for link in unreferenced]
        markdown = (markdown + "\n\n" if markdown else "") + "Attachments:\n\n" + "\n".join(f"- {line}" for line in lines)
    return markdown.rstrip("\n") + "\n" if markdown else ""


class _EnmlConverter(MarkdownConverter):
    """markdownify with ENML's unknown tags rendered as their text."""

    def convert_en_note(self, el, text, parent_tags):
        return text


def _drop_prolog(soup: BeautifulSoup) -> None:
    for node in list(soup.contents):
        if isinstance(node, (Doctype, Declaration, ProcessingInstruction, Comment)):
            node.extract()
    for comment in soup.find_all(string=lambda value: isinstance(value, Comment)):
        comment.extract()


def _style_flags(tag: Tag) -> str:
    return (tag.get("style") or "").replace(" ", "").lower()


def _mark_checkboxes(root: Tag) -> None:
    """Replace <en-todo> and Evernote 10's "--en-todo" lists with checkbox marks."""
    for todo in root.find_all("en-todo"):
        checked = (todo.get("checked") or "").lower() == "true"
        item = todo.find_parent(["li", "div", "p"])
        mark = CHECKED_MARK if checked else UNCHECKED_MARK
        todo.replace_with(NavigableString(mark))
        if item is not None and item.name == "li":
            _move_mark_to_start(item, mark)

    for todo_list in root.find_all(["ul", "ol"]):
        if "--en-todo:true" not in _style_flags(todo_list):
            continue
        for item in todo_list.find_all("li", recursive=False):
            checked = "--en-checked:true" in _style_flags(item)
            item.insert(0, NavigableString(CHECKED_MARK if checked else UNCHECKED_MARK))


def _move_mark_to_start(item: Tag, mark: str) -> None:
    """Put a checkbox mark that sat inside <b> or <i> at the start of its list item."""
    for string in item.find_all(string=True):
        if mark in string:
            string.replace_with(NavigableString(string.replace(mark, "", 1)))
            break
    item.insert(0, NavigableString(mark))


def _nest_lists(root: Tag) -> None:
    """Move a list written directly inside another list into the item before it.

    Evernote writes <ul><li>a</li><ul><li>b</li></ul></ul>; Markdown needs the inner
    list inside the "a" item to indent it.
    """
    for inner in root.find_all(LIST_TAGS):
        parent = inner.parent
        if parent is None or parent.name not in LIST_TAGS:
            continue
        previous = inner.find_previous_sibling()
        if previous is not None and previous.name == "li":
            previous.append(inner.extract())
        else:
            wrapper = Tag(name="li")
            inner.replace_with(wrapper)
            wrapper.append(inner)


def _convert_code_blocks(root: Tag) -> None:
    """Turn Evernote's "--en-codeblock" divs (one child div per line) into <pre>."""
    for block in root.find_all("div"):
        if block.parent is None or "--en-codeblock:true" not in _style_flags(block):
            continue
        lines = _code_lines(block)
        pre = Tag(name="pre")
        code = Tag(name="code")
        code.append(NavigableString("\n".join(lines)))
        pre.append(code)
        block.replace_with(pre)


def _code_lines(block: Tag) -> list[str]:
    children = [child for child in block.children if not (isinstance(child, NavigableString) and not child.strip())]
    if children and all(isinstance(child, Tag) and child.name in ("div", "p") for child in children):
        lines = []
        for child in children:
            for br in child.find_all("br"):
                br.replace_with(NavigableString("\n"))
            lines.extend(child.get_text().split("\n") if child.get_text() else [""])
        return lines
    for br in block.find_all("br"):
        br.replace_with(NavigableString("\n"))
    return block.get_text().split("\n")


def _drop_trailing_breaks(root: Tag) -> None:
    """Remove a <br> that ends a block: Evernote adds one to keep empty lines open."""
    for br in root.find_all("br"):
        block = br.find_parent(list(BLOCK_TAGS))
        if block is not None and not _has_content_after(br, block):
            br.extract()


def _has_content_after(node: Tag, block: Tag) -> bool:
    for following in node.next_elements:
        if block not in following.parents:
            return False
        if isinstance(following, NavigableString) and following.strip():
            return True
        if isinstance(following, Tag) and following.name in ("br", "en-media", "img", "hr"):
            return True
    return False


def _flatten_blocks_in_cells(root: Tag) -> None:
    """Unwrap divs inside list items and table cells, joining them with line breaks.

    Evernote writes a div per line. Inside an item or a cell those divs would
    otherwise make a loose list or break the table row.
    """
    for container in root.find_all(["li", "td", "th"]):
        blocks = [child for child in container.find_all(["div", "p"], recursive=False)]
        for number, block in enumerate(blocks):
            if number < len(blocks) - 1 and block.get_text().strip():
                block.append(Tag(name="br"))
            block.unwrap()


def _link_media(root: Tag, soup: BeautifulSoup, attachments: list[AttachmentLink]) -> list[AttachmentLink]:
    by_hash = {link.hash: link for link in attachments}
    used: set[str] = set()
    media_tags = root.find_all("en-media")

    for media in media_tags:
        link = by_hash.get((media.get("hash") or "").lower())
        if link is not None:
            used.add(link.hash)

    for media in media_tags:
        link = by_hash.get((media.get("hash") or "").lower())
        if link is None:
            link = next((candidate for candidate in attachments if candidate.hash not in used), None)
            if link is not None:
                used.add(link.hash)
        if link is None:
            missing = media.get("hash") or "without a hash"
            media.replace_with(NavigableString(f"(missing attachment {missing})"))
            continue
        media.replace_with(NavigableString(_attachment_markdown(link)))

    return [link for link in attachments if link.hash not in used]


def _attachment_markdown(link: AttachmentLink) -> str:
    label = _escape_label(link.name or link.hash)
    target = _link_target(link.url)
    if link.mime.startswith("image/"):
        return f"![{label}]({target})"
    return f"[{label}]({target})"


def _escape_label(label: str) -> str:
    return re.sub(r"([\[\]\\])", r"\\\1", label)


def _link_target(url: str) -> str:
    return quote(url, safe=":/?#@!$&'*+,;=%~-._")


def _replace_encrypted(root: Tag, soup: BeautifulSoup) -> None:
    for crypt in root.find_all("en-crypt"):
        crypt.replace_with(NavigableString("(encrypted Evernote text, not imported)"))


def tasks_to_markdown(tasks: Sequence[EnexTask]) -> str:
    """Return Evernote 10 tasks (kept outside the note body) as a task list, in sort order."""
    ordered = sorted(tasks, key=lambda task: task.sort_weight)
    lines = [f"- [{'x' if task.completed else ' '}] {task.title}" for task in ordered]
    return "\n".join(lines) + ("\n" if lines else "")


def _finish_markdown(markdown: str) -> str:
    lines = []
    for line in markdown.split("\n"):
        lines.append(_checkbox_line(line).rstrip())
    text = "\n".join(lines)
    text = re.sub(r"\n{3,}", "\n\n", text)
    return text.strip("\n")


_LIST_ITEM_MARK = re.compile(r"^(?P<indent>\s*)(?P<bullet>(?:[-*+]|\d+[.)])\s+)?(?P<mark>[\ue000\ue001])\s*(?P<rest>.*)$")


def _checkbox_line(line: str) -> str:
    if UNCHECKED_MARK not in line and CHECKED_MARK not in line:
        return line
    match = _LIST_ITEM_MARK.match(line)
    if match is None:
        return line.replace(UNCHECKED_MARK, "[ ] ").replace(CHECKED_MARK, "[x] ")
    box = "[x]" if match["mark"] == CHECKED_MARK else "[ ]"
    bullet = match["bullet"] or "- "
    rest = match["rest"].replace(UNCHECKED_MARK, "[ ] ").replace(CHECKED_MARK, "[x] ")
    return f"{match['indent']}{bullet}{box} {rest}".rstrip()
