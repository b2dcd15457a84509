"""One Markdown parser configuration for every knowledge-base module.

Sections, steps and the viewer must agree on what a heading or a list is, so they all
parse with the same CommonMark rules plus GitHub-style tables and strikethrough.
"""

from functools import lru_cache

from markdown_it import MarkdownIt
from markdown_it.token import Token


@lru_cache(maxsize=1)
def markdown_parser() -> MarkdownIt:
    """Return the shared parser: CommonMark with tables and strikethrough."""
    return MarkdownIt("commonmark").enable("table").enable("strikethrough")


@lru_cache(maxsize=8)
def _cached_tokens(text: str) -> tuple[Token, ...]:
    return tuple(markdown_parser().parse(text))


def parse_tokens(text: str) -> list[Token]:
    """Parse Markdown text into the flat block-token stream of markdown-it.

    Sections and steps of one document both need the tokens, and parsing a 1 MB runbook
    takes seconds, so recent results are cached. The Token objects are shared between
    callers and must be treated as read-only.
    """
    return list(_cached_tokens(text))


def inline_plain_text(inline: Token) -> str:
    """Return the visible text of an inline token: markup removed, code spans kept."""
    parts: list[str] = []
    for child in inline.children or []:
        if child.type in ("text", "code_inline", "html_inline"):
            parts.append(child.content)
        elif child.type in ("softbreak", "hardbreak"):
            parts.append(" ")
    return "".join(parts).strip()


def source_slice(lines: list[str], start: int, end: int) -> str:
    """Return lines[start:end] joined, without leading or trailing blank lines."""
    return "\n".join(lines[start:end]).strip("\n")
