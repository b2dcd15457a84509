"""Task screen tab: the instructions a task uses or produced, and their runs.

Enter opens an instruction in the viewer, R runs it (activity tasks only) and the run
rows show each run's progress, refreshed live by the task screen.
"""

from textual.binding import Binding
from textual.widgets import DataTable

from opstui.services import kb, runs
from opstui.widgets.literal import literal_cell

TAB_TITLE = "Instructions"
TAB_ORDER = 40


def build(task_id: int) -> "TaskInstructions":
    return TaskInstructions(task_id)


class TaskInstructions(DataTable):
    """One row per linked instruction, then one row per run on the task."""

    BINDINGS = [
        Binding("enter", "open", "Open instruction", id="task_kb.open"),
        Binding("R", "run", "Run instruction", id="task_kb.run"),
    ]

    def __init__(self, task_id: int):
        super().__init__(id="task-instructions", cursor_type="row")
        self.task_id = task_id
        self.row_targets: list[tuple[str, int, int]] = []

    def on_mount(self) -> None:
        self.add_columns("Kind", "Id", "Status", "Title")
        self.reload()

    def reload(self) -> None:
        session = self.app.session
        cursor = self.cursor_row
        self.clear()
        self.row_targets = []
        for row in kb.instructions_of_task(session, self.task_id):
            revision = f"r{row['official_revision']}" if row["official_revision"] else "draft"
            self.add_row(row["relation"], str(row["id"]), revision, literal_cell(row["title"]))
            self.row_targets.append(("instruction", row["id"], row["id"]))
        for run in runs.runs_of_task(session, self.task_id):
            progress = f"{run['status']} {run['steps_done']}/{run['step_count']}"
            self.add_row("run", str(run["id"]), progress, literal_cell(run["instruction_title"]))
            self.row_targets.append(("run", run["id"], run["instruction_id"]))
        if self.row_targets:
            self.move_cursor(row=min(cursor, len(self.row_targets) - 1))

    def selected(self) -> tuple[str, int, int] | None:
        if not self.row_targets:
            return None
        return self.row_targets[self.cursor_row]

    def action_open(self) -> None:
        from opstui.screens.instruction_viewer import InstructionViewer
        from opstui.screens.run import RunScreen

        target = self.selected()
        if target is None:
            return
        kind, record_id, instruction_id = target
        if kind == "run":
            self.app.push_screen(RunScreen(record_id))
        else:
            self.app.push_screen(InstructionViewer(instruction_id, task_id=self.task_id))

    def action_run(self) -> None:
        from opstui.screens.run import start_run_screen

        target = self.selected()
        if target is None:
            self.app.notify("link an official instruction first: `opstui kb link ID TASK`", severity="warning")
            return
        start_run_screen(self.screen, target[2], self.task_id)
