"""Retired notes: hidden from lists and search, recoverable here, or purged for good."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import DataTable, Static

from opstui.app import EventsArrived
from opstui.screens.notes_tab import outcome_label
from opstui.screens.service_calls import ServiceCalls
from opstui.services import note_lifecycle, notes
from opstui.widgets.key_bar import KeyBar
from opstui.widgets.literal import literal_cell
from opstui.widgets.top_bar import TopBar


class NotesArchiveScreen(ServiceCalls, Screen):
    BINDINGS = [
        Binding("enter", "open_note", "Open", id="archive.open"),
        Binding("u", "unretire", "Bring back", id="archive.unretire"),
        Binding("P", "purge", "Purge for good", key_display="P", id="archive.purge"),
        Binding("escape", "back", "Back", id="archive.back"),
    ]
    DEFAULT_CSS = "NotesArchiveScreen #archive-help { height: 1; padding: 0 1; color: $text-muted; }"

    def __init__(self, task_id: int | None = None):
        super().__init__()
        self.task_id = task_id
        self.rows: list[dict] = []

    def compose(self) -> ComposeResult:
        scope = f"task #{self.task_id}" if self.task_id else "all tasks"
        yield TopBar(f"Retired notes · {scope}")
        yield Static("Retired notes stay here until purged. u: bring back · P: purge for good", id="archive-help",
                     markup=False)
        yield DataTable(id="archive-table", cursor_type="row", zebra_stripes=True)
        yield KeyBar()

    @property
    def table(self) -> DataTable:
        return self.query_one("#archive-table", DataTable)

    def on_mount(self) -> None:
        self.table.add_columns("ID", "Task", "Title", "Outcome", "Retired (UTC)", "By", "Reason")
        self.reload()
        self.table.focus()

    def reload(self) -> None:
        self.rows = notes.archived_notes(self.app.session, self.task_id)
        self.table.clear()
        for row in self.rows:
            self.table.add_row(f"#{row['id']}", f"#{row['task_id']}", literal_cell(row["title"], 60),
                               outcome_label(row), (row["retired_at"] or "")[:16].replace("T", " "),
                               literal_cell(row["retired_by"] or "", 20), literal_cell(row["retire_reason"], 60),
                               key=str(row["id"]))

    @property
    def current_note(self) -> dict | None:
        if not self.rows or self.table.cursor_row >= len(self.rows):
            return None
        return self.rows[self.table.cursor_row]

    def action_open_note(self) -> None:
        from opstui.screens.note_editor import NoteEditorScreen

        note = self.current_note
        if note is not None:
            self.app.push_screen(NoteEditorScreen(note["id"]))

    def action_unretire(self) -> None:
        note = self.current_note
        if note is not None:
            self.call_service(note_lifecycle.unretire_note, self.app.session, note["id"])
            self.reload()

    def action_purge(self) -> None:
        from opstui.screens.reason_dialog import ConfirmDialog

        note = self.current_note
        if note is None:
            return
        preview = self.call_service(note_lifecycle.purge_preview, self.app.session, note["id"])
        if preview is None:
            return

        def confirmed(yes: bool | None) -> None:
            if yes:
                self.call_service(note_lifecycle.purge_note, self.app.session, note["id"])
                self.reload()

        self.app.push_screen(ConfirmDialog(f"Destroy for good {note_lifecycle.describe_purge(preview)}?"
                                           " This cannot be undone.", "Purge"), confirmed)

    def on_events_arrived(self, message: EventsArrived) -> None:
        if any(event["entity"] == "note" for event in message.events):
            self.reload()

    def action_back(self) -> None:
        self.dismiss()
