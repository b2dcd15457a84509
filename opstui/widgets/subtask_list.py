"""Task screen tab: the subtasks of a master task, added, edited, assigned, reordered and ticked by key."""

from textual.binding import Binding
from textual.widgets import DataTable

from opstui.errors import UserError
from opstui.screens.service_calls import ServiceCalls
from opstui.services import tasks, users
from opstui.widgets.literal import literal_cell

TAB_TITLE = "Subtasks"
TAB_ORDER = 20


def applies_to(task: dict) -> bool:
    return task["kind"] == "master"


def build(task_id: int) -> "SubtaskList":
    return SubtaskList(task_id)


class SubtaskList(ServiceCalls, DataTable):
    BINDINGS = [
        Binding("a", "add_subtask", "Add subtask", id="subtasks.add"),
        Binding("e,enter", "edit_subtask", "Edit subtask", id="subtasks.edit"),
        Binding("space,x", "toggle_done", "Done/undone", key_display="space", id="subtasks.toggle"),
        Binding("A", "assign_subtask", "Assign subtask", key_display="A", id="subtasks.assign"),
        Binding("shift+up,K", "move_subtask(-1)", "Move up", key_display="K", id="subtasks.up"),
        Binding("shift+down,J", "move_subtask(1)", "Move down", key_display="J", id="subtasks.down"),
    ]

    def __init__(self, parent_id: int):
        super().__init__(id="subtask-list", cursor_type="row", zebra_stripes=True)
        self.parent_id = parent_id
        self.subtasks: list[dict] = []

    def on_mount(self) -> None:
        self.add_columns("ID", "Done", "Subtask", "Assignees", "Priority", "Due")
        self.reload()

    def reload(self, focus_id: int | None = None) -> None:
        current = self.current_subtask
        keep = focus_id or (current["id"] if current else None)
        self.subtasks = tasks.task_detail(self.app.session, self.parent_id)["subtasks"]
        self.clear()
        for row in self.subtasks:
            self.add_row(f"#{row['id']}", literal_cell("[x]" if row["status"] == "done" else "[ ]"),
                         literal_cell(row["title"], 120), literal_cell(", ".join(row["assignees"]) or "—", 40),
                         row["priority"], row["due_on"] or "", key=str(row["id"]))
        for index, row in enumerate(self.subtasks):
            if row["id"] == keep:
                self.move_cursor(row=index)
                break

    @property
    def current_subtask(self) -> dict | None:
        if not self.subtasks or self.cursor_row >= len(self.subtasks):
            return None
        return self.subtasks[self.cursor_row]

    def action_add_subtask(self) -> None:
        from opstui.screens.task_form import TaskForm

        def submit(values: dict) -> int:
            return tasks.add_subtask(self.app.session, self.parent_id, values["title"],
                                     description=values["description"], assignee=values["assignee"],
                                     priority=values["priority"], due_on=values["due_on"])

        def added(subtask_id: int | None) -> None:
            if subtask_id:
                self.reload(focus_id=subtask_id)

        self.app.push_screen(TaskForm(f"New subtask of #{self.parent_id}", "subtask", submit,
                                      users=users.list_users(self.app.session)), added)

    def action_edit_subtask(self) -> None:
        subtask = self.current_subtask
        if subtask is None:
            self.action_add_subtask()
            return
        from opstui.screens.task_form import TaskForm

        def submit(values: dict) -> bool:
            assignee = values.pop("assignee")
            tasks.update_task(self.app.session, subtask["id"], subtask["version"], **values)
            wanted = [assignee] if assignee else []
            if sorted(wanted) != sorted(subtask["assignees"]) and len(subtask["assignees"]) <= 1:
                tasks.set_assignees(self.app.session, subtask["id"], wanted)
            elif assignee and assignee not in subtask["assignees"]:
                raise UserError("this subtask has several assignees; change them with A (assign)")
            return True

        initial = {name: subtask[name] for name in ("title", "priority", "due_on", "description")}
        initial["assignee"] = subtask["assignees"][0] if subtask["assignees"] else None
        self.app.push_screen(TaskForm(f"Edit subtask #{subtask['id']}", "subtask", submit, initial=initial,
                                      users=users.list_users(self.app.session)),
                             lambda saved: self.reload() if saved else None)

    def action_toggle_done(self) -> None:
        subtask = self.current_subtask
        if subtask is not None:
            self.call_service(tasks.set_subtask_done, self.app.session, subtask["id"], subtask["status"] != "done")
            self.reload()

    def action_assign_subtask(self) -> None:
        subtask = self.current_subtask
        if subtask is None:
            return
        from opstui.screens.assign_dialog import AssignDialog

        def chosen(logins: list[str] | None) -> None:
            if logins is not None:
                self.call_service(tasks.set_assignees, self.app.session, subtask["id"], logins)
                self.reload()

        self.app.push_screen(AssignDialog(f"Assign subtask #{subtask['id']}", users.list_users(self.app.session),
                                          subtask["assignees"]), chosen)

    def action_move_subtask(self, offset: int) -> None:
        subtask = self.current_subtask
        if subtask is not None:
            self.call_service(tasks.move_subtask, self.app.session, subtask["id"], offset)
            self.reload(focus_id=subtask["id"])
