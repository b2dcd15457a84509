"""Stream the notes out of an Evernote ENEX export without loading the whole file.

lxml's iterparse builds one <note> element at a time; each finished note is turned
into an EnexNote and its element is dropped, so memory contains one note (with its
attachments) however large the export is.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import BinaryIO, Iterator

from lxml import etree

from opstui.errors import UserError

ENEX_DATE_FORMAT = "%Y%m%dT%H%M%SZ"


class EnexFormatError(UserError):
    """The ENEX file is not well formed; the message names the note and the line."""

    def __init__(self, message: str, *, note_title: str | None, note_position: int, line: int | None):
        super().__init__(message)
        self.note_title = note_title
        self.note_position = note_position
        self.line = line


@dataclass(frozen=True)
class EnexResource:
    """One attachment of a note: its bytes and the MD5 that <en-media hash=...> refers to."""

    mime: str
    file_name: str | None
    data: bytes
    hash: str

    @property
    def size(self) -> int:
        return len(self.data)


@dataclass(frozen=True)
class EnexTask:
    """An Evernote 10 task: stored beside the note body, not inside its ENML."""

    title: str
    completed: bool
    sort_weight: str = ""


@dataclass(frozen=True)
class EnexNote:
    """One note of an export, with its ENML body still unconverted."""

    title: str
    content: str
    created: datetime | None = None
    updated: datetime | None = None
    tags: tuple[str, ...] = ()
    author: str | None = None
    source_url: str | None = None
    resources: tuple[EnexResource, ...] = ()
    tasks: tuple[EnexTask, ...] = ()
    position: int = 0
    line: int | None = None
    recovered: bool = field(default=False, compare=False)

    def resource_by_hash(self) -> dict[str, EnexResource]:
        return {resource.hash: resource for resource in self.resources}


def parse_enex_date(text: str | None) -> datetime | None:
    """Parse Evernote's compact UTC timestamp (20230121T235548Z); empty text gives None."""
    if text is None or not text.strip():
        return None
    parsed = datetime.strptime(text.strip(), ENEX_DATE_FORMAT)
    return parsed.replace(tzinfo=timezone.utc)


def read_enex(source: str | Path | BinaryIO, *, recover: bool = False) -> Iterator[EnexNote]:
    """Yield each note of an ENEX export in file order.

    With recover=False a malformed file raises EnexFormatError naming the note being
    read (its title when already seen, its position and the line). With recover=True
    lxml's recovering parser is used instead: damaged markup inside a note's content
    is kept as text where possible and the note is marked recovered=True.
    """
    if isinstance(source, Path):
        source = str(source)
    parser_events = etree.iterparse(
        source,
        events=("start", "end"),
        huge_tree=True,
        recover=recover,
        resolve_entities=False,
        load_dtd=False,
        no_network=True,
        remove_comments=True,
    )
    state = _ReaderState()
    try:
        yield from _walk_events(parser_events, state, recover)
    except etree.XMLSyntaxError as error:
        raise _format_error(error, _locate_note(source, error.lineno, state)) from error
    if state.position == 0 and not state.saw_export:
        raise EnexFormatError(
            f"{_source_name(source)} is not an Evernote export: no <en-export> element; export the notebook again as ENEX",
            note_title=None, note_position=0, line=None,
        )


@dataclass
class _ReaderState:
    position: int = 0
    title: str | None = None
    line: int | None = None
    saw_export: bool = False
    in_note: bool = False


def _walk_events(parser_events, state: _ReaderState, recover: bool) -> Iterator[EnexNote]:
    for event, element in parser_events:
        tag = element.tag if isinstance(element.tag, str) else ""

        if event == "start":
            if tag == "en-export":
                state.saw_export = True
            elif tag == "note":
                state.position += 1
                state.title = None
                state.line = element.sourceline
                state.in_note = True
            continue

        if tag == "title" and state.in_note and element.getparent() is not None and element.getparent().tag == "note":
            state.title = (element.text or "").strip()
        elif tag == "note":
            note = _build_note(element, state, recover)
            state.in_note = False
            _release(element)
            yield note


def _release(element) -> None:
    """Drop a finished note and every earlier sibling so the tree never grows."""
    element.clear(keep_tail=False)
    parent = element.getparent()
    if parent is None:
        return
    while element.getprevious() is not None:
        del parent[0]


def _build_note(element, state: _ReaderState, recover: bool) -> EnexNote:
    title = state.title if state.title is not None else ""
    content_element = element.find("content")
    content, content_recovered = _content_text(content_element)

    try:
        created = parse_enex_date(element.findtext("created"))
        updated = parse_enex_date(element.findtext("updated"))
    except ValueError as error:
        if not recover:
            raise _note_error(state, f"invalid date ({error})") from error
        created = updated = None

    tags = tuple(tag.text.strip() for tag in element.findall("tag") if tag.text and tag.text.strip())
    attributes = element.find("note-attributes")
    author = _optional_text(attributes, "author")
    source_url = _optional_text(attributes, "source-url")

    resources = []
    for number, resource_element in enumerate(element.findall("resource"), start=1):
        try:
            resources.append(_build_resource(resource_element))
        except ValueError as error:
            if not recover:
                raise _note_error(state, f"attachment {number} is invalid ({error})") from error

    tasks = tuple(
        EnexTask(
            title=(task.findtext("title") or "").strip(),
            completed=(task.findtext("taskStatus") or "").strip().lower() == "completed",
            sort_weight=(task.findtext("sortWeight") or "").strip(),
        )
        for task in element.findall("task")
    )

    return EnexNote(
        title=title,
        content=content,
        created=created,
        updated=updated,
        tags=tags,
        author=author,
        source_url=source_url,
        resources=tuple(resources),
        tasks=tasks,
        position=state.position,
        line=state.line,
        recovered=content_recovered,
    )


def _content_text(content_element) -> tuple[str, bool]:
    """Return the ENML inside <content>, and whether it had to be pieced together.

    A well-formed export has one CDATA block, so the element has text only. After
    recovery the parser may have turned part of the ENML into child elements, so they
    are serialised back in document order and no text is lost.
    """
    if content_element is None:
        return "", False
    parts = [content_element.text or ""]
    for child in content_element:
        parts.append(etree.tostring(child, encoding="unicode", with_tail=True))
    return "".join(parts).strip(), len(content_element) > 0


def _build_resource(resource_element) -> EnexResource:
    data_element = resource_element.find("data")
    encoded = data_element.text if data_element is not None and data_element.text else ""
    encoding = data_element.get("encoding", "base64") if data_element is not None else "base64"
    if encoding != "base64":
        raise ValueError(f"data encoding {encoding!r} is not base64")
    try:
        data = base64.b64decode("".join(encoded.split()), validate=True)
    except (binascii.Error, ValueError) as error:
        raise ValueError(f"its base64 data cannot be decoded: {error}") from error

    mime = (resource_element.findtext("mime") or "application/octet-stream").strip()
    file_name = _optional_text(resource_element.find("resource-attributes"), "file-name")
    return EnexResource(mime=mime, file_name=file_name, data=data, hash=hashlib.md5(data).hexdigest())


def _optional_text(parent, tag: str) -> str | None:
    if parent is None:
        return None
    text = parent.findtext(tag)
    if text is None or not text.strip():
        return None
    return text.strip()


def _note_label(state: _ReaderState) -> str:
    if state.position == 0:
        return "before the first note"
    title = f" {state.title!r}" if state.title else " (title not read yet)"
    line = f" starting at line {state.line}" if state.line else ""
    return f"note {state.position}{title}{line}"


def _note_error(state: _ReaderState, problem: str) -> EnexFormatError:
    return EnexFormatError(
        f"ENEX {_note_label(state)}: {problem}; fix the export, or import it with --recover",
        note_title=state.title, note_position=state.position, line=state.line,
    )


def _format_error(error: etree.XMLSyntaxError, state: _ReaderState) -> EnexFormatError:
    line = error.lineno
    where = _note_label(state) if state.in_note else (
        f"after note {state.position}" if state.position else "before the first note")
    message = (
        f"malformed ENEX {where}: {error.msg} at line {line}; "
        "fix the export, or import it with --recover to keep what can be read"
    )
    return EnexFormatError(message, note_title=state.title if state.in_note else None,
                           note_position=state.position, line=line)


def _locate_note(source, line: int | None, state: _ReaderState) -> _ReaderState:
    """Find the note that contains a syntax error's line.

    iterparse reads ahead in blocks, so when lxml raises, the events of the note being
    parsed may not have been delivered yet. A second, recovering pass over the start of
    the file finds the last note that began on or before the failing line (lxml gives
    no end lines, so an error between two notes is put on the earlier one).
    Unseekable sources keep the state from the first pass.
    """
    if line is None:
        return state
    if hasattr(source, "seek"):
        if not (hasattr(source, "seekable") and source.seekable()):
            return state
        source.seek(0)
    located = _ReaderState()
    try:
        for event, element in etree.iterparse(source, events=("start", "end"), recover=True,
                                              huge_tree=True, resolve_entities=False,
                                              load_dtd=False, no_network=True):
            if element.sourceline is not None and element.sourceline > line:
                break
            if event == "start" and element.tag == "note":
                located = _ReaderState(position=located.position + 1, line=element.sourceline, in_note=True)
            elif event == "end" and element.tag == "title" and located.in_note and located.title is None:
                located.title = (element.text or "").strip()
    except etree.XMLSyntaxError:
        return state
    return located


def _source_name(source) -> str:
    return getattr(source, "name", None) or str(source)
