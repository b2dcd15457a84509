"""Ask before publishing: a published revision is immutable, so one stray key must not make one."""

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Static


class PublishConfirm(ModalScreen[bool]):
    """Return True when the person confirms with y, Enter or the Publish button."""

    BINDINGS = [
        Binding("y", "answer(True)", "Publish", id="publish.yes"),
        Binding("escape,n", "answer(False)", "Cancel", key_display="esc", id="publish.cancel"),
    ]
    # Enter presses the focused button, which starts on Publish, and Tab reaches Cancel.
    AUTO_FOCUS = "#publish"
    DEFAULT_CSS = "PublishConfirm { align: center middle; }"

    def __init__(self, title: str, instruction_id: int, revision: int):
        super().__init__()
        self.question = (f"Publish instruction #{instruction_id} \"{title}\" as official revision {revision}? "
                         f"A published revision cannot be changed afterwards.")

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Static(self.question, markup=False)
            yield Static("y or Enter publishes, Escape cancels.", classes="field-label", markup=False)
            with Horizontal(classes="dialog-buttons"):
                yield Button("Cancel", id="cancel")
                yield Button("Publish", variant="warning", id="publish")

    def on_button_pressed(self, event: Button.Pressed) -> None:
        self.dismiss(event.button.id == "publish")

    def action_answer(self, answer: bool) -> None:
        self.dismiss(answer)
