"""Pick the assignees of a task from the active members of the team."""

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, SelectionList, Static
from textual.widgets.selection_list import Selection

from opstui.widgets.literal import literal_line


class AssignDialog(ModalScreen[list[str] | None]):
    """Return the chosen logins (space toggles, enter saves), or None when cancelled."""

    BINDINGS = [
        Binding("escape", "cancel", "Cancel", id="assign.cancel"),
        Binding("enter", "save", "Save", id="assign.save", priority=True),
    ]
    DEFAULT_CSS = """
    AssignDialog { align: center middle; }
    AssignDialog SelectionList { height: auto; max-height: 16; }
    """

    def __init__(self, title: str, users: list[dict], current: list[str]):
        super().__init__()
        self.heading = title
        self.users = [user for user in users if user["active"] or user["login"] in current]
        self.current = set(current)

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Static(self.heading, classes="dialog-title", markup=False)
            yield SelectionList(*[
                Selection(literal_line(f"{user['display_name']} ({user['login']}, {user['role']})", 70),
                          user["login"], user["login"] in self.current)
                for user in self.users
            ])
            yield Static("space: select or clear · enter: save · escape: cancel", markup=False)
            with Horizontal(classes="dialog-buttons"):
                yield Button("Cancel", id="cancel")
                yield Button("Save", variant="primary", id="save")

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "save":
            self.action_save()
        else:
            self.action_cancel()

    def action_save(self) -> None:
        self.dismiss(list(self.query_one(SelectionList).selected))

    def action_cancel(self) -> None:
        self.dismiss(None)
