"""Build a draft instruction from a task's discovery notes.

Each part of a note goes under the template heading that its own heading suggests, for
example "Rollback plan" under Rollback. Every part starts with a link back to its note,
so the reviewer can see where each line came from.
"""

import re
from dataclasses import dataclass

from opstui.kb import template
from opstui.kb.links import markdown_link
from opstui.kb.markdown import parse_tokens
from opstui.kb.sections import split_sections

# Keywords of a note heading, checked in this order, and the template heading they
# select. The order matters: "Post-install checks" is Verification, not Installation.
HEADING_KEYWORDS: tuple[tuple[str, tuple[str, ...]], ...] = (
    (template.ROLLBACK, ("rollback", "roll back", "roll-back", "revert", "back out", "backout", "undo")),
    (template.ACTION_ON_FAILURE, ("action on failure", "on failure", "remediation", "escalation")),
    (template.FAILURE_CRITERIA, ("failure criteria", "failure", "threshold")),
    (template.WHAT_TO_WATCH, ("what to watch", "watch")),
    (template.MONITORING, ("monitor", "alert", "zabbix", "metric")),
    (template.VERIFICATION, ("verif", "validat", "test", "check", "smoke")),
    (template.PREREQUISITES, ("prereq", "requirement", "before you start", "preparation", "access")),
    (template.INSTALLATION, ("install", "setup", "set up", "deploy")),
    (template.COMPONENTS, ("component", "affected", "hosts", "servers", "services", "inventory")),
    (template.STEPS, ("steps", "procedure", "execution", "runbook", "how to", "commands")),
    (template.SUMMARY, ("summary", "overview", "background", "context", "goal", "purpose", "about")),
)


@dataclass(frozen=True)
class NoteSource:
    """A discovery note as the draft builder needs it."""

    note_id: int
    title: str
    body: str


def classify_heading(title: str) -> str | None:
    """Return the template heading a note heading belongs under, or None."""
    folded = " ".join(title.casefold().split())
    for heading, keywords in HEADING_KEYWORDS:
        if any(keyword in folded for keyword in keywords):
            return heading
    return None


def build_draft_from_notes(title: str, notes: list[NoteSource]) -> str:
    """Return a template instruction holding the text of every note, with links back.

    Text under a heading that matches no template heading goes to Steps when it contains
    a numbered or task list, and to Summary otherwise. That heading becomes a bold line.
    """
    gathered: dict[str, list[str]] = {}

    for note in notes:
        for heading, text in _note_parts(note.body):
            link = markdown_link("note", note.note_id, note.title or f"note {note.note_id}")
            gathered.setdefault(heading, []).append(f"*From note {link}:*\n\n{text}")

    sections = {heading: "\n\n".join(parts) for heading, parts in gathered.items()}
    return template.render_template(title, sections)


def _note_parts(body: str) -> list[tuple[str, str]]:
    """Split a note into (template heading, Markdown) parts, in note order."""
    lines = body.replace("\r\n", "\n").split("\n")
    sections = split_sections(body)

    parts: list[tuple[str, str]] = []
    first_line = sections[0].line if sections else len(lines)
    _add_part(parts, None, "\n".join(lines[:first_line]))

    targets: list[str | None] = []
    for index, section in enumerate(sections):
        target = classify_heading(section.title)
        if target is None:
            target = _enclosing_target(sections, targets, index)

        targets.append(target)
        next_line = sections[index + 1].line if index + 1 < len(sections) else len(lines)
        text = "\n".join(lines[section.content_start:next_line])

        if classify_heading(section.title) is None:
            text = f"**{section.title}**\n\n{text.strip()}" if text.strip() else ""
        _add_part(parts, target, text)

    return parts


def _enclosing_target(sections, targets: list[str | None], index: int) -> str | None:
    section = sections[index]
    for earlier in range(index - 1, -1, -1):
        outer = sections[earlier]
        if outer.level < section.level and outer.line < section.line < outer.end:
            return targets[earlier]
    return None


def _add_part(parts: list[tuple[str, str]], target: str | None, text: str) -> None:
    text = text.strip("\n")
    if not text.strip():
        return
    if target is None:
        target = template.STEPS if _has_step_list(text) else template.SUMMARY

    # Merge consecutive text bound for the same heading into one part.
    if parts and parts[-1][0] == target:
        parts[-1] = (target, parts[-1][1] + "\n\n" + text)
    else:
        parts.append((target, text))


def _has_step_list(text: str) -> bool:
    for token in parse_tokens(text):
        if token.type == "ordered_list_open":
            return True
        if token.type == "inline" and re.match(r"^\[[ xX]\]\s", token.content):
            return True
    return False
