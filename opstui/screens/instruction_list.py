"""All instructions with status, revision in force and the tasks that use them."""

from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import DataTable

from opstui.screens.publish_confirm import PublishConfirm
from opstui.screens.reason_dialog import ReasonDialog
from opstui.screens.service_calls import ServiceCalls
from opstui.services import kb, permissions
from opstui.widgets.key_bar import KeyBar
from opstui.widgets.literal import literal_cell
from opstui.widgets.top_bar import TopBar


class InstructionList(ServiceCalls, Screen):
    """A table of the knowledge base; Enter opens the viewer.

    Opened for a task, new drafts are linked to that task and ``D`` gathers its notes.
    """

    BINDINGS = [
        Binding("escape", "app.pop_screen", "Back", id="kb_list.back"),
        Binding("enter", "open", "Open", id="kb_list.open"),
        Binding("e", "edit", "Edit draft", id="kb_list.edit"),
        Binding("n", "new", "New draft", id="kb_list.new"),
        Binding("D", "draft_from_notes", "Draft from notes", id="kb_list.draft-from-notes"),
        Binding("P", "publish", "Publish", id="kb_list.publish"),
    ]

    def __init__(self, task_id: int | None = None):
        super().__init__()
        self.task_id = task_id
        self.rows: list[dict] = []

    def compose(self) -> ComposeResult:
        title = "Knowledge base" if self.task_id is None else f"Knowledge base · for task #{self.task_id}"
        yield TopBar(title, id="kb-list-title")
        yield DataTable(id="kb-list", cursor_type="row")
        yield KeyBar()

    def on_mount(self) -> None:
        table = self.query_one("#kb-list", DataTable)
        table.add_columns("ID", "Status", "Rev", "Tasks", "Title")
        self.reload()

    def reload(self) -> None:
        rows = self.call_service(kb.list_instructions, self.app.session)
        if rows is None:
            return
        self.rows = rows
        table = self.query_one("#kb-list", DataTable)
        cursor = table.cursor_row
        table.clear()
        for row in rows:
            tasks = ", ".join(f"#{task}" for task in row["task_ids"]) or "-"
            table.add_row(str(row["id"]), row["status"], str(row["official_revision"] or "-"), tasks,
                          literal_cell(row["title"]), key=str(row["id"]))
        if rows:
            table.move_cursor(row=min(cursor, len(rows) - 1))

    def selected_id(self) -> int | None:
        table = self.query_one("#kb-list", DataTable)
        if not self.rows:
            return None
        return self.rows[table.cursor_row]["id"]

    def action_open(self) -> None:
        from opstui.screens.instruction_viewer import InstructionViewer

        instruction_id = self.selected_id()
        if instruction_id is not None:
            self.app.push_screen(InstructionViewer(instruction_id, task_id=self.task_id))

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        self.action_open()

    def action_edit(self) -> None:
        from opstui.screens.instruction_editor import InstructionEditor

        instruction_id = self.selected_id()
        if instruction_id is not None:
            self.app.push_screen(InstructionEditor(instruction_id, task_id=self.task_id))

    def action_new(self) -> None:
        def create(title: str | None) -> None:
            if title:
                instruction_id = self.call_service(kb.create_instruction, self.app.session, title,
                                                   task_id=self.task_id)
                if instruction_id is not None:
                    self.reload()

        self.app.push_screen(ReasonDialog("Title of the new instruction", "title", missing="A title is required."), create)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Offer Draft from notes only on a list opened for a task, whose notes it gathers."""
        if action == "draft_from_notes":
            return self.task_id is not None
        return True

    def action_draft_from_notes(self) -> None:
        if self.task_id is None:
            return
        instruction_id = self.call_service(kb.create_from_notes, self.app.session, self.task_id)
        if instruction_id is None:
            return
        self.app.notify(f"draft instruction #{instruction_id} created from the notes of task #{self.task_id}")
        self.reload()
        self.select(instruction_id)

    def select(self, instruction_id: int) -> None:
        for index, row in enumerate(self.rows):
            if row["id"] == instruction_id:
                self.query_one("#kb-list", DataTable).move_cursor(row=index)

    def action_publish(self) -> None:
        """Ask, naming the title and the revision number, then publish the draft."""
        instruction_id = self.selected_id()
        if instruction_id is None:
            return
        instruction = self.call_service(kb.get_instruction, self.app.session, instruction_id)
        if instruction is None:
            return
        may_publish = self.call_service(permissions.is_allowed, self.app.session, "publish_instruction")
        if instruction["draft_body"] is None or not may_publish:
            # The service raises the reason (no draft, or the manager role needed), shown as an error.
            self._publish(instruction_id, instruction["version"], True)
            return

        revisions = self.call_service(kb.revisions, self.app.session, instruction_id) or []
        next_number = max((row["number"] or 0 for row in revisions), default=0) + 1
        title = instruction["draft_title"] or instruction["title"]
        self.app.push_screen(PublishConfirm(title, instruction_id, next_number),
                             lambda answer: self._publish(instruction_id, instruction["version"], answer))

    def _publish(self, instruction_id: int, version: int, confirmed: bool | None) -> None:
        if not confirmed:
            return
        number = self.call_service(kb.publish, self.app.session, instruction_id, expected_version=version,
                                   task_id=self.task_id)
        if number is not None:
            self.app.notify(f"instruction {instruction_id} published as revision {number}")
            self.reload()

    def on_events_arrived(self, message) -> None:
        if any(event["entity"] == "instruction" for event in message.events):
            self.reload()
