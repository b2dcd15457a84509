"""A note's revisions: who saved what and when, a diff between any two, and restore."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.screen import Screen
from textual.widgets import DataTable, Static

from opstui.app import EventsArrived
from opstui.screens.service_calls import ServiceCalls
from opstui.services import notes
from opstui.widgets.key_bar import KeyBar
from opstui.widgets.literal import literal_cell
from opstui.widgets.side_by_side_diff import SideBySideDiff
from opstui.widgets.top_bar import TopBar


class NoteHistoryScreen(ServiceCalls, Screen):
    """Select a revision to compare it with the one before; space pins another to compare with."""

    BINDINGS = [
        Binding("space", "pin", "Compare with…", id="history.pin"),
        Binding("r", "restore", "Restore", id="history.restore"),
        Binding("escape", "back", "Back", id="history.back"),
    ]
    DEFAULT_CSS = """
    NoteHistoryScreen #history-panes { height: 1fr; }
    NoteHistoryScreen #history-list { width: 48; }
    NoteHistoryScreen #history-diff { width: 1fr; }
    NoteHistoryScreen #history-caption { height: 1; padding: 0 1; background: $boost; }
    """

    def __init__(self, note_id: int):
        super().__init__()
        self.note_id = note_id
        self.revisions: list[dict] = []
        self.pinned_version: int | None = None

    def compose(self) -> ComposeResult:
        yield TopBar(f"Note #{self.note_id} · history")
        with Horizontal(id="history-panes"):
            yield DataTable(id="history-list", cursor_type="row", zebra_stripes=True)
            yield SideBySideDiff(id="history-diff")
        yield Static("", id="history-caption", markup=False)
        yield KeyBar()

    @property
    def table(self) -> DataTable:
        return self.query_one("#history-list", DataTable)

    def on_mount(self) -> None:
        self.table.add_columns("Ver", "Kind", "Saved (UTC)", "By")
        self.reload()
        self.table.focus()

    def reload(self) -> None:
        selected = self.selected_version
        self.revisions = self.call_service(notes.history, self.app.session, self.note_id) or []
        self.table.clear()
        for row in self.revisions:
            marker = "*" if row["version"] == self.pinned_version else ""
            kind = row["kind"] + (f" of v{row['restored_from']}" if row["restored_from"] else "")
            self.table.add_row(f"{marker}{row['version']}", kind, row["saved_at"][:19].replace("T", " "),
                               literal_cell(row["author_name"], 30), key=str(row["version"]))
        for index, row in enumerate(self.revisions):
            if row["version"] == selected:
                self.table.move_cursor(row=index)
        self._show_diff()

    @property
    def selected_version(self) -> int | None:
        if not self.revisions or self.table.cursor_row >= len(self.revisions):
            return None
        return self.revisions[self.table.cursor_row]["version"]

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        self._show_diff()

    def _show_diff(self) -> None:
        selected = self.selected_version
        caption = self.query_one("#history-caption", Static)
        if selected is None:
            caption.update("No revisions.")
            return
        other = self.pinned_version
        if other is None or other == selected:
            other = selected - 1 if selected > 1 else selected
        old_version, new_version = sorted((other, selected))
        old = notes.revision(self.app.session, self.note_id, old_version)
        new = notes.revision(self.app.session, self.note_id, new_version)
        diff = self.query_one(SideBySideDiff)
        diff.show(old["body"], new["body"], f"version {old_version}", f"version {new_version}")
        text = Text(f"version {old_version} → {new_version}: {diff.changed_rows} changed line(s)")
        if old["title"] != new["title"]:
            text.append(" · title changed")
        caption.update(text)

    def action_pin(self) -> None:
        selected = self.selected_version
        self.pinned_version = None if self.pinned_version == selected else selected
        self.reload()

    def action_restore(self) -> None:
        from opstui.screens.reason_dialog import ConfirmDialog

        version = self.selected_version
        if version is None:
            return
        current = notes.get_note(self.app.session, self.note_id)
        if version == current["version"]:
            self.app.notify(f"Version {version} is the current text.")
            return

        def confirmed(yes: bool | None) -> None:
            if not yes:
                return
            new_version = self.call_service(notes.restore_revision, self.app.session, self.note_id, version,
                                            current["version"])
            if new_version:
                self.app.notify(f"Version {version} restored as version {new_version}.")
                self.reload()

        self.app.push_screen(ConfirmDialog(f"Save the text of version {version} as a new version? "
                                           "No revision is removed.", "Restore"), confirmed)

    def on_events_arrived(self, message: EventsArrived) -> None:
        if any(event["entity"] == "note" and event["entity_id"] == str(self.note_id) for event in message.events):
            self.reload()

    def action_back(self) -> None:
        self.dismiss()
