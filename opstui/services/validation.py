"""Checks of user input shared by the CLI and the TUI; each error names the value and the fix."""

from datetime import date

from opstui.errors import UserError
from opstui.services.process_steps import STAGES

MAX_TITLE_LENGTH = 200
MAX_TEXT_LENGTH = 1_000_000
SOURCES = ("deployment", "infrastructure", "customer")
SOURCE_TITLES = {
    "deployment": "Internal deployment",
    "infrastructure": "Internal infrastructure change",
    "customer": "Customer request",
}
PRIORITIES = ("low", "normal", "high", "urgent")


def clean_title(title: str, what: str = "title") -> str:
    cleaned = " ".join((title or "").split())
    if not cleaned:
        raise UserError(f"{what} is empty; give a short summary such as 'Upgrade PostgreSQL to 16'")
    if len(cleaned) > MAX_TITLE_LENGTH:
        raise UserError(f"{what} is {len(cleaned)} characters long; shorten it to at most {MAX_TITLE_LENGTH}"
                        " and put the details in the description")
    return cleaned


def clean_text(text: str, what: str = "description") -> str:
    text = text or ""
    if len(text) > MAX_TEXT_LENGTH:
        raise UserError(f"{what} is {len(text)} characters long; the limit is {MAX_TEXT_LENGTH}")
    return text


def parse_stage(value: str) -> str:
    stage = (value or "").strip().lower()
    if stage not in STAGES:
        raise UserError(f"unknown stage '{value}'; use one of: {', '.join(STAGES)}")
    return stage


def parse_source(value: str) -> str:
    source = (value or "").strip().lower()
    if source not in SOURCES:
        raise UserError(f"unknown request source '{value}'; use one of: {', '.join(SOURCES)}")
    return source


def parse_priority(value: str) -> str:
    priority = (value or "").strip().lower()
    if priority not in PRIORITIES:
        raise UserError(f"unknown priority '{value}'; use one of: {', '.join(PRIORITIES)}")
    return priority


def parse_date(value: str | None, what: str = "due date") -> str | None:
    """Accept an ISO date (YYYY-MM-DD) or nothing; return it normalised."""
    if value is None or not str(value).strip():
        return None
    text = str(value).strip()
    try:
        return date.fromisoformat(text).isoformat()
    except ValueError:
        raise UserError(f"invalid {what} '{text}'; write it as YYYY-MM-DD, e.g. 2026-12-31") from None


def parse_task_id(value: str | int) -> int:
    text = str(value).strip().lstrip("#")
    if not text.isdigit() or int(text) <= 0:
        raise UserError(f"invalid task id '{value}'; use the number shown on the card or in `opstui task list`")
    return int(text)
