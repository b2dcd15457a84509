"""Evernote ENEX exports: a streaming reader and an ENML-to-Markdown converter."""

from opstui.enex.enml import AttachmentLink, enml_to_markdown, tasks_to_markdown
from opstui.enex.reader import EnexFormatError, EnexNote, EnexResource, EnexTask, parse_enex_date, read_enex

__all__ = [
    "AttachmentLink",
    "EnexFormatError",
    "EnexNote",
    "EnexResource",
    "EnexTask",
    "enml_to_markdown",
    "parse_enex_date",
    "read_enex",
    "tasks_to_markdown",
]
