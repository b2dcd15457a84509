"""The ``?`` screen: every key of the screen underneath, from the same bindings as the footer."""

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen, Screen
from textual.widgets import DataTable, Static


class HelpScreen(ModalScreen[None]):
    BINDINGS = [
        Binding("escape", "dismiss_help", "Close", id="help.close"),
        Binding("question_mark", "dismiss_help", "Close", show=False, id="help.close-question"),
        Binding("q", "dismiss_help", "Close", show=False, id="help.close-q"),
    ]

    DEFAULT_CSS = """
    HelpScreen { align: center middle; }
    HelpScreen DataTable { height: auto; max-height: 30; }
    """

    def __init__(self, target: Screen):
        super().__init__()
        self.target = target

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Static(f"Keys: {type(self.target).__name__.removesuffix('Screen')}", classes="dialog-title",
                         markup=False)
            yield DataTable(cursor_type="row", zebra_stripes=True)
            yield Static("Every action is also in the command palette (ctrl+p). Escape closes this.",
                         markup=False)

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        table.add_columns("Key", "Action")
        rows: dict[str, list[str]] = {}
        order: list[str] = []
        for key, active in self.target.active_bindings.items():
            binding = active.binding
            if not binding.description:
                continue
            label = binding.description
            if label not in rows:
                rows[label] = []
                order.append(label)
            display = binding.key_display or self.app.get_key_display(binding)
            if display not in rows[label]:
                rows[label].append(display)
        for label in order:
            table.add_row(Text(", ".join(rows[label]), style="bold"), Text(label))

    def action_dismiss_help(self) -> None:
        self.dismiss(None)
