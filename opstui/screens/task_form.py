"""One form for a new request, a new or edited subtask, and task details.

The form calls ``submit(values)``; a UserError keeps the form open with the
message under the fields, so nothing typed is lost.
"""

from collections.abc import Callable
from typing import Any

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.widgets import Button, Input, Label, Select, Static, TextArea

from opstui.sanitize import visible_text
from opstui.screens.submit_form import SubmitForm
from opstui.services.validation import PRIORITIES, SOURCE_TITLES
from opstui.widgets.literal import literal_line
from opstui.widgets.literal_text_area import LiteralTextArea

FIELDS_BY_KIND = {
    "request": ("title", "source", "requester", "external_ref", "received_on", "priority", "due_on",
                "description"),
    "subtask": ("title", "assignee", "priority", "due_on", "description"),
    "edit": ("title", "priority", "due_on", "description"),
}

LABELS = {
    "title": "Title",
    "source": "Source",
    "requester": "Requester",
    "external_ref": "Reference",
    "received_on": "Received",
    "priority": "Priority",
    "due_on": "Due date",
    "description": "Description",
    "assignee": "Assignee",
}


class TaskForm(SubmitForm):
    BINDINGS = [
        Binding("escape", "cancel", "Cancel", id="form.cancel"),
        Binding("ctrl+s", "save", "Save", id="form.save"),
    ]
    DEFAULT_CSS = """
    TaskForm { align: center middle; }
    TaskForm VerticalScroll { height: auto; max-height: 100%; }
    TaskForm .form-row { height: auto; }
    TaskForm .form-row .field-label { width: 14; padding: 0 1 0 0; }
    TaskForm Input { border: none; height: 1; width: 1fr; padding: 0 1; background: $boost; }
    TaskForm Input:focus { border: none; background: $accent 30%; }
    TaskForm Select { width: 1fr; }
    TaskForm SelectCurrent { border: none; height: 1; padding: 0 1; background: $boost; }
    TaskForm Select:focus > SelectCurrent { background: $accent 30%; }
    TaskForm TextArea { height: 6; width: 1fr; }
    """

    def __init__(self, heading: str, kind: str, submit: Callable[[dict[str, Any]], Any], *,
                 initial: dict[str, Any] | None = None, users: list[dict[str, Any]] | None = None):
        super().__init__()
        self.heading = heading
        self.kind = kind
        self.submit = submit
        self.initial = initial or {}
        self.users = users or []

    def compose(self) -> ComposeResult:
        with VerticalScroll(classes="dialog"):
            yield Static(self.heading, classes="dialog-title", markup=False)
            for name in FIELDS_BY_KIND[self.kind]:
                with Horizontal(classes="form-row"):
                    yield Label(LABELS[name], classes="field-label")
                    yield self._field(name)
            yield Label("", id="form-error", classes="error-text", markup=False)
            with Horizontal(classes="dialog-buttons"):
                yield Button("Cancel", id="cancel")
                yield Button("Save (ctrl+s)", variant="primary", id="save")

    def _field(self, name: str):
        value = self.initial.get(name)
        if name == "source":
            return Select([(title, key) for key, title in SOURCE_TITLES.items()], value=value or "infrastructure",
                          allow_blank=False, id="field-source")
        if name == "priority":
            return Select([(priority, priority) for priority in PRIORITIES], value=value or "normal",
                          allow_blank=False, id="field-priority")
        if name == "assignee":
            options = [(literal_line(f"{user['display_name']} ({user['login']})", 60), user["login"])
                       for user in self.users if user["active"]]
            return Select(options, value=value if value else Select.NULL, prompt="Nobody yet",
                          id="field-assignee")
        if name == "description":
            return LiteralTextArea(value or "", language="markdown", id="field-description", soft_wrap=True)
        placeholder = {"received_on": "YYYY-MM-DD (empty: today)", "due_on": "YYYY-MM-DD (optional)", "title": "what changes, in a few words"}
        # An Input would send control characters of a stored title to the
        # terminal, so it shows them escaped. values() restores the original
        # when the field was left as it was.
        return Input(value=visible_text(value or ""), placeholder=placeholder.get(name, ""), id=f"field-{name}")

    def on_mount(self) -> None:
        self.query_one("#field-title").focus()

    def values(self) -> dict[str, Any]:
        result: dict[str, Any] = {}
        for name in FIELDS_BY_KIND[self.kind]:
            widget = self.query_one(f"#field-{name}")
            if isinstance(widget, Select):
                result[name] = None if widget.value is Select.NULL else widget.value
            elif isinstance(widget, TextArea):
                result[name] = widget.text
            else:
                original = self.initial.get(name) or ""
                result[name] = original if widget.value == visible_text(original) else widget.value
        return result
