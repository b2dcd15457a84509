"""Request templates: the subtasks, default assignees and due offsets a new master task starts from.

There is one template per request source (deployment, infrastructure, customer),
stored as a team setting, so only managers change it. Due offsets are whole days
after the day the master task is created. A template starts empty.
"""

import logging
from datetime import date, timedelta
from typing import Any

from opstui.errors import ConflictError, UserError
from opstui.services import permissions
from opstui.services.session import Session
from opstui.services.validation import PRIORITIES, SOURCES, clean_text, clean_title, parse_source
from opstui.store import Transaction
from opstui.store import settings as setting_rows
from opstui.store import users as user_rows

log = logging.getLogger(__name__)

SETTING_PREFIX = "request_template."
MAX_DUE_DAYS = 3650
MAX_SUBTASKS = 100


def setting_key(source: str) -> str:
    return SETTING_PREFIX + source


def empty_template() -> dict[str, Any]:
    return {"assignees": [], "due_days": None, "subtasks": []}


def get_template(session: Session, source: str) -> dict[str, Any]:
    """Return the template of ``source`` with its setting version (0 when never set)."""
    source = parse_source(source)
    row = setting_rows.get_setting(session.store, setting_key(source))
    template = normalize_template(row["value"]) if row else empty_template()
    template["source"] = source
    template["version"] = row["version"] if row else 0
    return template


def all_templates(session: Session) -> list[dict[str, Any]]:
    return [get_template(session, source) for source in SOURCES]


def set_template(session: Session, source: str, template: dict[str, Any], *,
                 expected_version: int | None = None) -> dict[str, Any]:
    """Replace the template of ``source`` (managers only); refuse a stale ``expected_version``."""
    permissions.require(session, "change_team_settings")
    source = parse_source(source)
    cleaned = normalize_template(template)
    for login in [*cleaned["assignees"], *(item["assignee"] for item in cleaned["subtasks"] if item["assignee"])]:
        user = user_rows.get_user(session.store, login)
        if user is None or not user["active"]:
            raise UserError(f"template assignee '{login}' is not an active user; see `opstui user list`")
    key = setting_key(source)

    def write(transaction: Transaction) -> None:
        row = setting_rows.get_setting(transaction, key)
        current_version = row["version"] if row else 0
        if expected_version is not None and expected_version != current_version:
            raise ConflictError(f"the {source} template was changed by {row['updated_by'] if row else 'someone'}"
                                " meanwhile; look at it again and retry", current=row or {})
        if not setting_rows.put_setting(transaction, key, cleaned, row["version"] if row else None):
            raise ConflictError(f"the {source} template changed meanwhile; look at it again and retry")
        transaction.event("settings.changed", entity="setting", entity_id=key, data={"value": cleaned})

    session.store.write(session.login, write)
    return get_template(session, source)


def normalize_template(value: Any) -> dict[str, Any]:
    """Check a template given as a dict (from JSON, YAML or a form) and return its clean form."""
    if not isinstance(value, dict):
        raise UserError("a template is a mapping with 'assignees', 'due_days' and 'subtasks'")
    unknown = set(value) - {"assignees", "due_days", "subtasks", "source", "version"}
    if unknown:
        raise UserError(f"unknown template field(s) {', '.join(sorted(unknown))};"
                        " use assignees, due_days and subtasks")
    subtasks = value.get("subtasks") or []
    if not isinstance(subtasks, list):
        raise UserError("template 'subtasks' must be a list")
    if len(subtasks) > MAX_SUBTASKS:
        raise UserError(f"a template has at most {MAX_SUBTASKS} subtasks, not {len(subtasks)}")
    return {
        "assignees": _logins(value.get("assignees") or [], "assignees"),
        "due_days": _due_days(value.get("due_days"), "due_days"),
        "subtasks": [_subtask(item, index) for index, item in enumerate(subtasks, start=1)],
    }


def _subtask(item: Any, index: int) -> dict[str, Any]:
    if isinstance(item, str):
        item = {"title": item}
    if not isinstance(item, dict):
        raise UserError(f"template subtask {index} must be a title or a mapping with 'title'")
    unknown = set(item) - {"title", "assignee", "due_days", "description", "priority"}
    if unknown:
        raise UserError(f"template subtask {index} has unknown field(s) {', '.join(sorted(unknown))};"
                        " use title, assignee, due_days, description and priority")
    priority = str(item.get("priority") or "normal").strip().lower()
    if priority not in PRIORITIES:
        raise UserError(f"template subtask {index} has unknown priority '{priority}'; use one of:"
                        f" {', '.join(PRIORITIES)}")
    assignee = item.get("assignee") or None
    if assignee is not None:
        assignee = _logins([assignee], f"subtask {index} assignee")[0]
    return {
        "title": clean_title(str(item.get("title") or ""), f"template subtask {index} title"),
        "assignee": assignee,
        "due_days": _due_days(item.get("due_days"), f"subtask {index} due_days"),
        "description": clean_text(str(item.get("description") or "")),
        "priority": priority,
    }


def _logins(values: Any, what: str) -> list[str]:
    if isinstance(values, str):
        values = values.replace(",", " ").split()
    if not isinstance(values, list):
        raise UserError(f"template {what} must be a list of logins")
    logins = []
    for value in values:
        login = str(value).strip().lstrip("@")
        if not login or any(character.isspace() for character in login):
            raise UserError(f"invalid login '{value}' in template {what}")
        if login not in logins:
            logins.append(login)
    return logins


def _due_days(value: Any, what: str) -> int | None:
    if value is None or value == "":
        return None
    try:
        days = int(str(value).strip().lstrip("+").removesuffix("d"))
    except ValueError:
        raise UserError(f"invalid {what} '{value}'; give a whole number of days such as 3") from None
    if not 0 <= days <= MAX_DUE_DAYS:
        raise UserError(f"invalid {what} {days}; use 0 to {MAX_DUE_DAYS} days")
    return days


def parse_subtask_spec(text: str) -> dict[str, Any]:
    """Read a subtask typed on the command line: "Title words @login +3" (assignee and days optional)."""
    words = text.split()
    assignee = None
    due_days = None
    while words and (words[-1].startswith("@") or words[-1].startswith("+")):
        word = words.pop()
        if word.startswith("@"):
            assignee = word[1:]
        else:
            due_days = word
    return _subtask({"title": " ".join(words), "assignee": assignee, "due_days": due_days}, 1)


# -- starting a master task from its template ----------------------------------

def apply_template(transaction: Transaction, task_id: int, source: str, *, due_on: str | None) -> dict[str, Any]:
    """Add the template's subtasks and assignees to a new master task, inside its creation transaction.

    Returns what was applied. A template user who is no longer active is left out
    and logged, so an old template never blocks recording a request.
    """
    from opstui.services import tasks
    from opstui.store import tasks as task_rows

    row = setting_rows.get_setting(transaction, setting_key(source))
    if row is None:
        return {"subtasks": [], "assignees": [], "due_on": due_on}
    template = normalize_template(row["value"])
    today = date.today()
    master = task_rows.get_task(transaction, task_id)

    if due_on is None and template["due_days"] is not None:
        due_on = (today + timedelta(days=template["due_days"])).isoformat()
        task_rows.update_task(transaction, task_id, None, due_on=due_on)

    assigned = []
    for login in template["assignees"]:
        if _active(transaction, login, task_id) and tasks._assign(transaction, task_id, login, master["title"]):
            assigned.append(login)

    subtask_ids = []
    for position, item in enumerate(template["subtasks"], start=1):
        subtask_due = due_on
        if item["due_days"] is not None:
            subtask_due = (today + timedelta(days=item["due_days"])).isoformat()
        subtask_id = task_rows.insert_task(transaction, kind="subtask", title=item["title"],
                                           description=item["description"], parent_id=task_id,
                                           stage=master["stage"], priority=item["priority"], due_on=subtask_due,
                                           position=position)
        transaction.event("task.created", task_id=subtask_id, entity="task", entity_id=subtask_id,
                          data={"kind": "subtask", "title": item["title"], "parent_id": task_id,
                                "template": source})
        if item["assignee"] and _active(transaction, item["assignee"], task_id):
            tasks._assign(transaction, subtask_id, item["assignee"], item["title"])
        subtask_ids.append(subtask_id)
    return {"subtasks": subtask_ids, "assignees": assigned, "due_on": due_on}


def _active(transaction: Transaction, login: str, task_id: int) -> bool:
    user = user_rows.get_user(transaction, login)
    if user is None or not user["active"]:
        log.warning("template of task %s names %s, who is not an active user; left out", task_id, login)
        return False
    return True
