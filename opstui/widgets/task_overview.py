"""Task screen tab: the request's details and the task's description as Markdown."""

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.widgets import Static

from opstui.sanitize import one_line
from opstui.services import tasks
from opstui.services.validation import SOURCE_TITLES
from opstui.widgets.literal_markdown import LiteralMarkdown

TAB_TITLE = "Overview"
TAB_ORDER = 10


def build(task_id: int) -> "TaskOverview":
    return TaskOverview(task_id)


class TaskOverview(VerticalScroll):
    DEFAULT_CSS = """
    TaskOverview #request-details { height: auto; padding: 0 1 1 1; }
    TaskOverview Markdown { padding: 0 1; }
    """

    def __init__(self, task_id: int):
        super().__init__(id="task-overview")
        self.task_id = task_id

    def compose(self) -> ComposeResult:
        yield Static(id="request-details", markup=False)
        yield LiteralMarkdown(id="task-description", open_links=False)

    def on_mount(self) -> None:
        self.reload()

    def reload(self) -> None:
        task = tasks.get_task(self.app.session, self.task_id)
        details = Text()
        rows = []
        if task.get("source"):
            rows += [
                ("Source", SOURCE_TITLES.get(task["source"], task["source"])),
                ("Requester", task["requester"] or "—"),
                ("External reference", task["external_ref"] or "—"),
                ("Received", task["received_on"] or "—"),
            ]
        rows += [
            ("Assignees", ", ".join(task["assignees"]) or "nobody"),
            ("Created", f"{task['created_at'][:16].replace('T', ' ')} UTC by {task['created_by']}"),
        ]
        for label, value in rows:
            details.append(f"{label:<20}", style="bold")
            details.append(one_line(str(value)) + "\n")
        self.query_one("#request-details", Static).update(details)
        description = task["description"].strip() or "*No description yet. Press e to write one.*"
        self.query_one(LiteralMarkdown).update(description)
