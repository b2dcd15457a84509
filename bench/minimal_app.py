"""The reference point of bench/startup.py: a minimal Textual app with a 20-row table.

Header, Footer and a DataTable of 20 rows, the smallest screen that looks like a
real tool. bench/startup.py times it in the same terminal and run as opstui.
"""

from textual.app import App, ComposeResult
from textual.widgets import DataTable, Footer, Header


class MinimalApp(App):
    BINDINGS = [("q", "quit", "Quit")]

    def compose(self) -> ComposeResult:
        yield Header()
        yield DataTable()
        yield Footer()

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        table.add_columns("Host", "Service", "State")
        for number in range(20):
            table.add_row(f"host-{number:02d}", "sshd", "running")


if __name__ == "__main__":
    MinimalApp().run()
