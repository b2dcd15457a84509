"""All instructions with status, revision in force and the tasks that use them."""

from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Static

from opstui.screens.reason_dialog import ReasonDialog
from opstui.screens.service_calls import ServiceCalls
from opstui.services import kb
from opstui.widgets.literal import literal_cell


class InstructionList(ServiceCalls, Screen):
    """A table of the knowledge base; Enter opens the viewer."""

    BINDINGS = [
        Binding("escape", "app.pop_screen", "Back", id="kb_list.back"),
        Binding("enter", "open", "Open", id="kb_list.open"),
        Binding("e", "edit", "Edit draft", id="kb_list.edit"),
        Binding("n", "new", "New draft", id="kb_list.new"),
        Binding("P", "publish", "Publish", id="kb_list.publish"),
    ]

    def __init__(self, task_id: int | None = None):
        super().__init__()
        self.task_id = task_id
        self.rows: list[dict] = []

    def compose(self) -> ComposeResult:
        yield Static("Knowledge base", id="kb-list-title")
        yield DataTable(id="kb-list", cursor_type="row")
        yield Footer()

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

        self.app.push_screen(ReasonDialog("Title of the new instruction", "title"), create)

    def action_publish(self) -> None:
        instruction_id = self.selected_id()
        if instruction_id is None:
            return
        number = self.call_service(kb.publish, self.app.session, instruction_id, task_id=self.task_id)
        if number is not None:
            self.app.notify(f"instruction {instruction_id} published as revision {number}")
            self.reload()

    def on_events_arrived(self, message) -> None:
        if any(event["entity"] == "instruction" for event in message.events):
            self.reload()
