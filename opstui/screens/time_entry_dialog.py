"""A form to add or edit one time entry: start, duration, checklist step and comment."""

from collections.abc import Callable
from typing import Any

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, Static

from opstui.errors import OpstuiError
from opstui.timelog.durations import ACCEPTED_FORMS


class TimeEntryDialog(ModalScreen[Any]):
    """Collect the fields and pass them to submit; a UserError keeps the form open with its message.

    submit receives {"at", "duration", "step", "comment"} as typed (step None when
    empty) and its return value is the dialog's result. Escape returns None.
    """

    BINDINGS = [
        Binding("escape", "cancel", "Cancel", id="time-entry.cancel"),
        Binding("ctrl+s", "save", "Save", id="time-entry.save"),
    ]
    DEFAULT_CSS = "TimeEntryDialog { align: center middle; } TimeEntryDialog Input { width: 60; }"

    def __init__(self, title: str, submit: Callable[[dict[str, Any]], Any], initial: dict[str, str] | None = None):
        super().__init__()
        self.dialog_title = title
        self.submit = submit
        self.initial = initial or {}

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Static(self.dialog_title, classes="dialog-title", markup=False)
            yield Label("Start (YYYY-MM-DD HH:MM in your zone, or HH:MM today; empty: ends now)", markup=False)
            yield Input(self.initial.get("at", ""), id="entry-at")
            yield Label(f"Duration: {ACCEPTED_FORMS}", markup=False)
            yield Input(self.initial.get("duration", ""), id="entry-duration")
            yield Label("Checklist step (1-12, empty: the whole task)", markup=False)
            yield Input(self.initial.get("step", ""), id="entry-step")
            yield Label("Comment", markup=False)
            yield Input(self.initial.get("comment", ""), id="entry-comment")
            yield Label("", id="entry-error", classes="error-text", markup=False)
            with Horizontal(classes="dialog-buttons"):
                yield Button("Cancel", id="cancel")
                yield Button("Save", variant="primary", id="save")

    def on_mount(self) -> None:
        self.query_one("#entry-duration" if self.initial.get("at") else "#entry-at", Input).focus()

    def on_input_submitted(self) -> None:
        self.action_save()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "save":
            self.action_save()
        else:
            self.dismiss(None)

    def values(self) -> dict[str, Any]:
        step = self.query_one("#entry-step", Input).value.strip()
        return {
            "at": self.query_one("#entry-at", Input).value.strip() or None,
            "duration": self.query_one("#entry-duration", Input).value.strip(),
            "step": step or None,
            "comment": self.query_one("#entry-comment", Input).value,
        }

    def action_save(self) -> None:
        try:
            result = self.submit(self.values())
        except OpstuiError as error:
            self.query_one("#entry-error", Label).update(str(error))
            return
        self.dismiss(result)

    def action_cancel(self) -> None:
        self.dismiss(None)
