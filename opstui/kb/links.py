"""Links between knowledge-base articles, tasks and notes inside Markdown text.

They are written as ordinary Markdown links with a short scheme, for example
``[disk cleanup](instruction:12)`` or ``[the change](task:40)``, so they survive an
export to plain files and the viewer can follow them.
"""

import re

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
