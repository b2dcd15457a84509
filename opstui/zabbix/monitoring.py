"""Build the text opstui writes into Zabbix from an instruction's monitoring section.

The monitoring section is a dict with the keys ``what_to_watch``, ``failure_criteria``
and ``action_on_failure`` (the "Monitoring" heading of an official instruction and its
three subheadings). opstui's text goes between marker lines, so a later push replaces
its own block and keeps whatever else people wrote in the same field.
"""

from __future__ import annotations

import re
from urllib.parse import quote

from opstui.errors import UserError

SECTION_KEYS = ("what_to_watch", "failure_criteria", "action_on_failure")
SECTION_TITLES = {
    "what_to_watch": "What to watch",
    "failure_criteria": "Failure criteria",
    "action_on_failure": "Action on failure",
}
# Length of the text columns (triggers.comments, hosts.description) in Zabbix 6.0 and 7.0.
TEXT_FIELD_MAX_LENGTH = 65535
URL_NAME_MAX_LENGTH = 64
BLOCK_BEGIN = "--- opstui: {key} ---"
BLOCK_END = "--- end of opstui: {key} ---"


def check_monitoring_section(section: dict) -> dict[str, str]:
    """Return the three texts stripped; raise when keys are unknown or all are empty."""
    unknown = sorted(set(section) - set(SECTION_KEYS))
    if unknown:
        raise UserError(f"monitoring section has unknown key(s) {', '.join(unknown)}; use {', '.join(SECTION_KEYS)}")

    texts = {key: str(section.get(key) or "").strip() for key in SECTION_KEYS}
    if not any(texts.values()):
        raise UserError(
            "the instruction's monitoring section is empty; write the 'What to watch', "
            "'Failure criteria' and 'Action on failure' subheadings under 'Monitoring'"
        )
    return texts


def instruction_url(base_url: str | None, instruction_path: str) -> str | None:
    """Join the configured knowledge-base URL and one instruction's path or slug."""
    if not base_url:
        return None
    return base_url.rstrip("/") + "/" + quote(instruction_path.lstrip("/"), safe="/#?=&")


def build_trigger_comments(section: dict, instruction_url: str | None, title: str | None = None) -> str:
    """Return the trigger comments: what fires it, the failure criteria and what to do."""
    texts = check_monitoring_section(section)
    parts = [f"{SECTION_TITLES[key]}:\n{texts[key]}" for key in SECTION_KEYS if texts[key]]
    parts.append(_instruction_line(instruction_url, title))
    return _limit("trigger comments", "\n\n".join(part for part in parts if part))


def build_host_description(section: dict, instruction_url: str | None, title: str | None = None) -> str:
    """Return the host description: what to watch on this host and where the instruction is."""
    texts = check_monitoring_section(section)
    parts = [f"{SECTION_TITLES[key]}:\n{texts[key]}" for key in SECTION_KEYS if texts[key]]
    parts.append(_instruction_line(instruction_url, title))
    return _limit("host description", "\n\n".join(part for part in parts if part))


def build_url_name(title: str | None) -> str:
    """Return the label of the trigger URL (Zabbix 7.0+), cut to its 64 characters."""
    label = f"Instruction: {title}" if title else "Instruction"
    if len(label) > URL_NAME_MAX_LENGTH:
        label = label[: URL_NAME_MAX_LENGTH - 1] + "…"
    return label


def merge_block(existing: str | None, key: str, block: str) -> str:
    """Put ``block`` between opstui's markers for ``key`` inside ``existing`` text.

    A block already there for the same key is replaced in place, text outside the
    markers is kept, and a new block is appended after a blank line.
    """
    existing = existing or ""
    begin = BLOCK_BEGIN.format(key=key)
    end = BLOCK_END.format(key=key)
    wrapped = f"{begin}\n{block.strip()}\n{end}"

    pattern = re.compile(re.escape(begin) + r".*?" + re.escape(end), re.DOTALL)
    if pattern.search(existing):
        merged = pattern.sub(lambda _match: wrapped, existing, count=1)
    elif existing.strip():
        merged = existing.rstrip() + "\n\n" + wrapped
    else:
        merged = wrapped
    return _limit("merged text", merged)


def _instruction_line(url: str | None, title: str | None) -> str:
    if url and title:
        return f"Instruction: {title}\n{url}"
    if url:
        return f"Instruction: {url}"
    if title:
        return f"Instruction: {title}"
    return ""


def _limit(what: str, text: str) -> str:
    if len(text) > TEXT_FIELD_MAX_LENGTH:
        raise UserError(
            f"{what} would be {len(text)} characters, more than Zabbix's {TEXT_FIELD_MAX_LENGTH}; "
            "shorten the instruction's monitoring section"
        )
    return text
