"""Task screen tab: the discovery notes of a master task, and their step-8 outcome."""

from __future__ import annotations

from functools import partial

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.widgets import DataTable, Static

from opstui.errors import OpstuiError
from opstui.screens.service_calls import ServiceCalls
from opstui.services import note_lifecycle, notes
from opstui.services.secret_guard import SecretPolicy, SecretsFound
from opstui.widgets.literal import literal_cell

TAB_TITLE = "Notes"
TAB_ORDER = 30


def applies_to(task: dict) -> bool:
    return task["kind"] == "master"


def build(task_id: int) -> "NotesTab":
    return NotesTab(task_id)


def outcome_label(row: dict) -> str:
    if row["outcome"] == "taken":
        return f"→ instruction #{row['instruction_id']}"
    if row["outcome"] == "discarded":
        return "discarded"
    return "not decided"


class NotesTab(Vertical):
    """Keeps the table focusable so the tab's keys work as soon as it is shown."""

    DEFAULT_CSS = """
    NotesTab { height: 1fr; }
    NotesTab #notes-step8 { height: 1; padding: 0 1; color: $text-muted; }
    """

    def __init__(self, task_id: int):
        super().__init__(id="notes-tab")
        self.task_id = task_id

    def compose(self) -> ComposeResult:
        yield Static("", id="notes-step8", markup=False)
        yield NotesTable(self.task_id)

    def reload(self) -> None:
        self.query_one(NotesTable).reload()


class NotesTable(ServiceCalls, DataTable):
    BINDINGS = [
        Binding("n", "new_note", "New note", id="notes.new"),
        Binding("enter,e", "open_note", "Open", id="notes.open"),
        Binding("o", "history", "History", id="notes.history"),
        Binding("x", "mark_taken", "Taken into instruction", id="notes.taken"),
        Binding("D", "draft_from_notes", "Draft from notes", key_display="D", id="notes.draft-from-notes"),
        Binding("d", "mark_discarded", "Discard", id="notes.discard"),
        Binding("R", "retire", "Retire", key_display="R", id="notes.retire"),
        Binding("A", "archive", "Archive", key_display="A", id="notes.archive"),
    ]

    def __init__(self, task_id: int):
        super().__init__(id="notes-table", cursor_type="row", zebra_stripes=True)
        self.task_id = task_id
        self.note_rows: list[dict] = []

    def on_mount(self) -> None:
        self.add_columns("ID", "Title", "Outcome", "Ver", "Updated (UTC)", "By", "Tags")
        self.reload()

    def reload(self, focus_id: int | None = None) -> None:
        current = self.current_note
        keep = focus_id or (current["id"] if current else None)
        self.note_rows = notes.list_notes(self.app.session, self.task_id)
        self.clear()
        for row in self.note_rows:
            self.add_row(f"#{row['id']}", literal_cell(row["title"], 80), outcome_label(row), row["version"],
                         row["updated_at"][:16].replace("T", " "), literal_cell(row["updated_by"], 20),
                         literal_cell(" ".join(row["tags"]), 40), key=str(row["id"]))
        for index, row in enumerate(self.note_rows):
            if row["id"] == keep:
                self.move_cursor(row=index)
        self._show_step8()

    def _show_step8(self) -> None:
        status = note_lifecycle.retirement_status(self.app.session, self.task_id)
        text = (f"Step 8: {status.taken} taken into instructions, {status.discarded} discarded,"
                f" {status.undecided} not decided")
        if status.total == 0:
            text = "No active or retired notes. n: new note"
        elif status.settled:
            text += " · every note is settled"
        self.parent.query_one("#notes-step8", Static).update(text)

    @property
    def current_note(self) -> dict | None:
        if not self.note_rows or self.cursor_row >= len(self.note_rows):
            return None
        return self.note_rows[self.cursor_row]

    def action_new_note(self) -> None:
        from opstui.screens.reason_dialog import ReasonDialog

        def named(title: str | None) -> None:
            if title:
                self._add_note(title, SecretPolicy.REJECT)

        self.app.push_screen(ReasonDialog("Title of the new note", placeholder="e.g. Disk layout on db1",
                                          missing="A title is required."), named)

    def _add_note(self, title: str, secrets: SecretPolicy | None) -> None:
        """Create the note and open it. A title that looks like a secret opens the warning first."""
        if secrets is None:
            self.app.notify("Note not created.", severity="warning")
            return

        try:
            note_id = notes.add_note(self.app.session, self.task_id, title, secrets=secrets)
        except SecretsFound as error:
            from opstui.screens.secret_warning import SecretWarningScreen

            self.app.push_screen(SecretWarningScreen(error.what, error.scan.findings), partial(self._add_note, title))
            return
        except OpstuiError as error:
            self.app.notify(str(error), title="Note not created", severity="error", timeout=8)
            return

        self.reload(focus_id=note_id)
        self._open(note_id)

    def _open(self, note_id: int) -> None:
        from opstui.screens.note_editor import NoteEditorScreen

        self.app.push_screen(NoteEditorScreen(note_id))

    def action_open_note(self) -> None:
        note = self.current_note
        if note is None:
            self.action_new_note()
            return
        self._open(note["id"])

    def action_history(self) -> None:
        from opstui.screens.note_history import NoteHistoryScreen

        note = self.current_note
        if note is not None:
            self.app.push_screen(NoteHistoryScreen(note["id"]))

    def action_mark_taken(self) -> None:
        from opstui.screens.reason_dialog import ReasonDialog

        note = self.current_note
        if note is None:
            return

        def given(answer: str | None) -> None:
            if not answer:
                return
            text = answer.strip().lstrip("#")
            if not text.isdigit():
                self.app.notify(f"invalid instruction id {answer!r}; give the number of the instruction",
                                severity="error")
                return
            self.call_service(note_lifecycle.mark_taken, self.app.session, note["id"], int(text))
            self.reload()

        self.app.push_screen(ReasonDialog(f"Which instruction now contains note #{note['id']}?",
                                          placeholder="instruction id, e.g. 12",
                                          missing="The instruction's id is required."), given)

    def action_draft_from_notes(self) -> None:
        """Gather every active note of the task into a new draft instruction, as `opstui kb new --from-notes`."""
        from opstui.services import kb

        instruction_id = self.call_service(kb.create_from_notes, self.app.session, self.task_id)
        if instruction_id is None:
            return
        self.app.notify(f"draft instruction #{instruction_id} created from {len(self.note_rows)} note(s); "
                        f"K opens the knowledge base")
        self.reload()

    def action_mark_discarded(self) -> None:
        from opstui.screens.reason_dialog import ReasonDialog

        note = self.current_note
        if note is None:
            return

        def given(reason: str | None) -> None:
            if reason:
                self.call_service(note_lifecycle.mark_discarded, self.app.session, note["id"], reason)
                self.reload()

        self.app.push_screen(ReasonDialog(f"Why is the text of note #{note['id']} not kept?"), given)

    def action_retire(self) -> None:
        from opstui.screens.reason_dialog import ConfirmDialog, ReasonDialog

        note = self.current_note
        if note is None:
            return
        status = note_lifecycle.retirement_status(self.app.session, self.task_id)

        def retire(reason: str | bool | None) -> None:
            if not reason:
                return
            text = reason if isinstance(reason, str) else ""
            self.call_service(note_lifecycle.retire_note, self.app.session, note["id"], reason=text)
            self.reload()

        if status.official_instruction_ids:
            self.app.push_screen(ConfirmDialog(f"Retire note #{note['id']}? It leaves lists and search and stays"
                                               " in the archive.", "Retire"), retire)
        else:
            self.app.push_screen(ReasonDialog("This task has no official instructions yet. Why retire the note?"),
                                 retire)

    def action_archive(self) -> None:
        from opstui.screens.notes_archive import NotesArchiveScreen

        self.app.push_screen(NotesArchiveScreen(self.task_id))
