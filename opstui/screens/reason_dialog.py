"""Ask for a reason (required) or a yes/no confirmation before an unusual action."""

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, Static


class ReasonDialog(ModalScreen[str | None]):
    """Return the text typed, or None when cancelled. Empty text is not accepted.

    The dialog also asks for short texts that are not reasons (a title, a comment), so
    the caller names what is missing in ``missing``.
    """

    BINDINGS = [Binding("escape", "cancel", "Cancel", id="reason.cancel")]
    DEFAULT_CSS = "ReasonDialog { align: center middle; }"

    def __init__(self, question: str, placeholder: str = "Why?", *,
                 missing: str = "A reason is required: it is kept in the audit trail."):
        super().__init__()
        self.question = question
        self.placeholder = placeholder
        self.missing = missing

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Static(self.question, classes="dialog-title", markup=False)
            yield Input(placeholder=self.placeholder, id="reason")
            yield Label("", id="reason-error", classes="error-text", markup=False)
            with Horizontal(classes="dialog-buttons"):
                yield Button("Cancel", id="cancel")
                yield Button("OK", variant="primary", id="ok")

    def on_input_submitted(self) -> None:
        self._accept()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "ok":
            self._accept()
        else:
            self.dismiss(None)

    def _accept(self) -> None:
        reason = " ".join(self.query_one("#reason", Input).value.split())
        if not reason:
            self.query_one("#reason-error", Label).update(self.missing)
            return
        self.dismiss(reason)

    def action_cancel(self) -> None:
        self.dismiss(None)


class ConfirmDialog(ModalScreen[bool]):
    """Return True when the user confirms."""

    BINDINGS = [
        Binding("escape", "answer(False)", "Cancel", id="confirm.cancel"),
        Binding("y", "answer(True)", "Yes", id="confirm.yes"),
        Binding("n", "answer(False)", "No", id="confirm.no"),
    ]
    DEFAULT_CSS = "ConfirmDialog { align: center middle; }"

    def __init__(self, question: str, confirm_label: str = "Yes"):
        super().__init__()
        self.question = question
        self.confirm_label = confirm_label

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Static(self.question, markup=False)
            with Horizontal(classes="dialog-buttons"):
                yield Button("No", id="no")
                yield Button(self.confirm_label, variant="warning", id="yes")

    def on_button_pressed(self, event: Button.Pressed) -> None:
        self.dismiss(event.button.id == "yes")

    def action_answer(self, answer: bool) -> None:
        self.dismiss(answer)
