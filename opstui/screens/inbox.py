"""The inbox: your notifications, newest first; enter opens the task and marks it read."""

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import DataTable

from opstui.app import EventsArrived
from opstui.screens.service_calls import ServiceCalls
from opstui.services import notify
from opstui.widgets.key_bar import KeyBar
from opstui.widgets.literal import literal_cell
from opstui.widgets.top_bar import TopBar


class InboxScreen(ServiceCalls, Screen):
    BINDINGS = [
        Binding("escape", "back", "Back", id="inbox.back"),
        Binding("enter", "open_task", "Open task", id="inbox.open"),
        Binding("r", "mark_read", "Mark read", id="inbox.read"),
        Binding("R", "mark_all_read", "Mark all read", id="inbox.read-all"),
        Binding("u", "toggle_unread", "Unread only", id="inbox.unread"),
    ]

    DEFAULT_CSS = """
    InboxScreen DataTable { height: 1fr; }
    """

    def __init__(self):
        super().__init__()
        self.unread_only = False
        self.rows: list[dict] = []

    def compose(self) -> ComposeResult:
        yield TopBar("Inbox")
        yield DataTable(id="inbox-table", cursor_type="row", zebra_stripes=True)
        yield KeyBar()

    @property
    def table(self) -> DataTable:
        return self.query_one("#inbox-table", DataTable)

    def on_mount(self) -> None:
        self.table.add_columns("", "When", "What")
        self.reload()
        self.table.focus()

    def on_screen_resume(self) -> None:
        self.reload()

    # -- data --------------------------------------------------------------

    def reload(self) -> None:
        """Read the notifications again, keeping the cursor on the same notification."""
        selected = self.selected_row()
        rows = self.call_service(notify.list_notifications, self.app.session, unread_only=self.unread_only)
        if rows is None:
            return
        self.rows = rows

        table = self.table
        table.clear()
        for row in rows:
            marker = Text("●", style="bold") if row["read_at"] is None else Text(" ")
            when = row["created_at"][:16].replace("T", " ")
            table.add_row(marker, when, literal_cell(row["text"], 200), key=str(row["id"]))

        if selected is not None:
            for index, row in enumerate(rows):
                if row["id"] == selected["id"]:
                    table.move_cursor(row=index)
                    break
        self._show_location()

    def _show_location(self) -> None:
        unread = sum(1 for row in self.rows if row["read_at"] is None)
        location = f"Inbox  {unread} unread"
        if self.unread_only:
            location += " (showing unread only)"
        self.query_one(TopBar).set_location(location)

    def selected_row(self) -> dict | None:
        if not self.rows or not self.is_mounted:
            return None
        index = self.table.cursor_row
        if 0 <= index < len(self.rows):
            return self.rows[index]
        return None

    def on_events_arrived(self, message: EventsArrived) -> None:
        self.reload()

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        self.action_open_task()

    # -- actions -------------------------------------------------------------

    def action_back(self) -> None:
        self.app.pop_screen()

    def action_open_task(self) -> None:
        row = self.selected_row()
        if row is None:
            self.app.notify("The inbox is empty.", severity="warning")
            return
        if row["read_at"] is None:
            self.call_service(notify.mark_read, self.app.session, [row["id"]])
            refresh_unread_count(self.app)
        if row["task_id"] is None or row["task_deleted_at"] is not None:
            self.app.notify(f"Task #{row['task_id']} no longer exists.", severity="warning")
            self.reload()
            return

        from opstui.screens.task import TaskScreen

        self.app.push_screen(TaskScreen(row["task_id"]))

    def action_mark_read(self) -> None:
        row = self.selected_row()
        if row is None or row["read_at"] is not None:
            return
        self.call_service(notify.mark_read, self.app.session, [row["id"]])
        refresh_unread_count(self.app)
        self.reload()
        self.table.action_cursor_down()

    def action_mark_all_read(self) -> None:
        changed = self.call_service(notify.mark_read, self.app.session)
        if changed:
            self.app.notify(f"Marked {changed} notification{'s' if changed != 1 else ''} read.")
        refresh_unread_count(self.app)
        self.reload()

    def action_toggle_unread(self) -> None:
        self.unread_only = not self.unread_only
        self.reload()


def refresh_unread_count(app) -> None:
    """Show the unread count in every top bar (nothing when there are none)."""
    count = notify.unread_count(app.session)
    app.set_status("inbox", f"✉ {count} unread" if count else "")
