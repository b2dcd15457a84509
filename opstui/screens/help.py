"""The ``?`` screen: every key of the screen underneath, from the same bindings as the footer."""

import re

from rich.text import Text
from textual import events
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen, Screen
from textual.widgets import DataTable, Static


def screen_title(screen: object) -> str:
    """Return a screen's name as words: InstructionViewer becomes "instruction viewer"."""
    name = type(screen).__name__.removesuffix("Screen") or type(screen).__name__
    return " ".join(word.lower() for word in re.findall(r"[A-Z]+(?![a-z])|[A-Z]?[a-z0-9]+", name))


# Lines of the dialog besides the table: its border (2), the title with its gap (2) and
# the hint, which wraps to 2 lines on an 80-column terminal.
DIALOG_OVERHEAD_LINES = 6


class HelpScreen(ModalScreen[None]):
    BINDINGS = [
        Binding("escape", "dismiss_help", "Close", id="help.close"),
        Binding("question_mark", "dismiss_help", "Close", show=False, id="help.close-question"),
        Binding("q", "dismiss_help", "Close", show=False, id="help.close-q"),
    ]

    DEFAULT_CSS = """
    HelpScreen { align: center middle; }
    HelpScreen DataTable { height: auto; }
    HelpScreen #help-hint { height: auto; }
    """

    def __init__(self, target: Screen):
        super().__init__()
        self.target = target

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Static(f"Keys: {screen_title(self.target)}", classes="dialog-title", markup=False)
            yield DataTable(cursor_type="row", zebra_stripes=True)
            yield Static("Every action is also in the command palette (ctrl+p). Escape closes this.",
                         id="help-hint", markup=False)

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        table.add_columns("Key", "Action")

        # Keys are merged per action and label, so two actions that share a label
        # (a screen's and the app's) keep their own rows.
        rows: dict[tuple[str, str], list[str]] = {}
        for key, active in self.target.active_bindings.items():
            binding = active.binding
            if not binding.description:
                continue
            keys = rows.setdefault((binding.description, binding.action), [])
            display = binding.key_display or self.app.get_key_display(binding)
            if display not in keys:
                keys.append(display)

        for (label, _action), keys in rows.items():
            table.add_row(Text(", ".join(keys), style="bold"), Text(label))

    def on_resize(self, event: events.Resize) -> None:
        """Cap the table so the dialog (at most 90% of the screen, from .dialog) keeps its hint in view.

        The table scrolls past the cap, so the last keys stay reachable on a 24-line terminal.
        """
        dialog_lines = event.size.height * 9 // 10
        self.query_one(DataTable).styles.max_height = max(3, dialog_lines - DIALOG_OVERHEAD_LINES)

    def action_dismiss_help(self) -> None:
        self.dismiss(None)
