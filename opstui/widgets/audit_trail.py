"""Task screen tab: every event of the task and its subtasks (who, when, what)."""

import json
from datetime import datetime

from textual.widgets import DataTable

from opstui.services.live import audit_trail
from opstui.widgets.literal import literal_cell

TAB_TITLE = "Audit"
TAB_ORDER = 90


def build(task_id: int) -> "AuditTrail":
    return AuditTrail(task_id)


def describe(event: dict) -> str:
    """Turn an event into a short sentence for people."""
    data = event["data"]
    kind = event["kind"]
    if kind == "task.moved":
        text = f"moved from {data.get('from')} to {data.get('to')}"
        return text + (f" (reason: {data['reason']})" if data.get("reason") else "")
    if kind in ("task.assigned", "task.unassigned"):
        verb = "assigned" if kind == "task.assigned" else "unassigned"
        return f"{verb} {data.get('login')} on #{event['task_id']}"
    if kind == "task.created":
        return f"created {data.get('kind', 'task')} #{event['task_id']} {data.get('title', '')}"
    if kind == "task.edited":
        return "edited " + ", ".join(sorted(data))
    if kind == "task.done":
        return f"ticked #{event['task_id']} {data.get('title', '')} done"
    if kind == "task.reopened":
        return f"reopened #{event['task_id']} {data.get('title', '')}"
    if kind == "request.recorded":
        return f"recorded a {data.get('source')} request from {data.get('requester') or 'unknown requester'}"
    summary = json.dumps(data, ensure_ascii=False, sort_keys=True) if data else ""
    return f"{kind} {summary}".strip()


def local_time(iso_text: str) -> str:
    moment = datetime.fromisoformat(iso_text.replace("Z", "+00:00")).astimezone()
    return moment.strftime("%Y-%m-%d %H:%M")


class AuditTrail(DataTable):
    def __init__(self, task_id: int):
        super().__init__(id="audit-trail", cursor_type="row", zebra_stripes=True)
        self.task_id = task_id

    def on_mount(self) -> None:
        self.add_columns("When", "Who", "What")
        self.reload()

    def reload(self) -> None:
        row = self.cursor_row
        self.clear()
        for event in audit_trail(self.app.session, self.task_id):
            self.add_row(local_time(event["at"]), literal_cell(event["actor_name"], 30),
                         literal_cell(describe(event), 300), key=str(event["id"]))
        if self.row_count:
            self.move_cursor(row=min(row, self.row_count - 1))
