"""The task screen: request details, description, subtasks, audit trail and the tabs of other parts."""

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import Static, TabbedContent, TabPane

from opstui.app import EventsArrived
from opstui.errors import NotFoundError
from opstui.sanitize import one_line
from opstui.screens.service_calls import ServiceCalls
from opstui.screens.task_tabs import tab_modules
from opstui.services import tasks
from opstui.services.process_steps import STAGE_TITLES, STAGES
from opstui.widgets.key_bar import KeyBar
from opstui.widgets.top_bar import TopBar


class TaskScreen(ServiceCalls, Screen):
    BINDINGS = [
        Binding("escape", "back", "Back", id="task.back"),
        Binding("shift+left,H", "move_card(-1)", "Move left", key_display="H", id="task.move-left"),
        Binding("shift+right,L", "move_card(1)", "Move right", key_display="L", id="task.move-right"),
        Binding("e", "edit", "Edit", id="task.edit"),
        Binding("[", "previous_tab", "Previous tab", show=False, id="task.previous-tab"),
        Binding("]", "next_tab", "Next tab", id="task.next-tab"),
    ]

    DEFAULT_CSS = """
    TaskScreen #task-heading { height: auto; padding: 0 1; background: $boost; }
    TaskScreen TabbedContent { height: 1fr; }
    """

    def __init__(self, task_id: int):
        super().__init__()
        self.task_id = task_id
        self.record: dict = {}
        self.tab_widgets: list = []

    def compose(self) -> ComposeResult:
        self.record = tasks.task_detail(self.app.session, self.task_id)
        yield TopBar(f"Task #{self.task_id}")
        yield Static(id="task-heading", markup=False)
        with TabbedContent(id="task-tabs"):
            for module in tab_modules():
                applies = getattr(module, "applies_to", None)
                if applies is not None and not applies(self.record):
                    continue
                widget = module.build(self.task_id)
                self.tab_widgets.append(widget)
                with TabPane(module.TAB_TITLE, id=f"tab-{module.__name__.rsplit('.', 1)[-1]}"):
                    yield widget
        yield KeyBar()

    def on_mount(self) -> None:
        self._show_heading()
        if self.tab_widgets:
            self.tab_widgets[0].focus()

    def on_tabbed_content_tab_activated(self, event: TabbedContent.TabActivated) -> None:
        # Keys of a tab (add subtask, tick a step...) work as soon as it is shown.
        for widget in event.pane.query("*"):
            if widget.focusable:
                widget.focus()
                return

    def on_screen_resume(self) -> None:
        self.reload()

    def reload(self) -> None:
        try:
            self.record = tasks.task_detail(self.app.session, self.task_id)
        except NotFoundError:
            self.app.notify(f"Task #{self.task_id} no longer exists.", severity="warning")
            self.dismiss()
            return
        self._show_heading()
        for widget in self.tab_widgets:
            widget.reload()

    def _show_heading(self) -> None:
        task = self.record
        heading = Text()
        heading.append(f"#{task['id']} ", style="dim")
        heading.append(one_line(task["title"]), style="bold")
        heading.append("\n")
        kind = {"master": "Master task", "subtask": "Subtask", "activity": "Activity task"}[task["kind"]]
        heading.append(f"{kind} · {STAGE_TITLES[task['stage']]} · {task['status']} · priority {task['priority']}",
                       style="dim")
        if task["due_on"]:
            heading.append(f" · due {task['due_on']}", style="dim")
        if task["parent"]:
            heading.append(f" · part of #{task['parent']['id']} {one_line(task['parent']['title'], 60)}",
                           style="dim")
        self.query_one("#task-heading", Static).update(heading)
        self.query_one(TopBar).set_location(f"Task #{task['id']}")

    def on_events_arrived(self, message: EventsArrived) -> None:
        related = {self.task_id, *(row["id"] for row in self.record.get("subtasks", ())),
                   *(row["id"] for row in self.record.get("activities", ()))}
        touches_parent = any(event["data"].get("parent_id") == self.task_id for event in message.events)
        if message.task_ids & related or touches_parent or any(e["entity"] == "user" for e in message.events):
            self.reload()

    # -- actions -------------------------------------------------------------

    def action_back(self) -> None:
        self.dismiss()

    def action_previous_tab(self) -> None:
        self._cycle_tab(-1)

    def action_next_tab(self) -> None:
        self._cycle_tab(1)

    def _cycle_tab(self, offset: int) -> None:
        tabs = self.query_one(TabbedContent)
        panes = [pane.id for pane in tabs.query(TabPane)]
        if tabs.active in panes:
            tabs.active = panes[(panes.index(tabs.active) + offset) % len(panes)]

    def action_move_card(self, offset: int) -> None:
        if self.record["kind"] != "master":
            self.app.notify("Only master tasks move between stages.", severity="warning")
            return
        index = STAGES.index(self.record["stage"]) + offset
        if not 0 <= index < len(STAGES):
            return
        from opstui.screens.card_moves import request_move

        request_move(self, self.task_id, STAGES[index], self.reload)

    def action_edit(self) -> None:
        from opstui.screens.task_form import TaskForm

        task = self.record
        version = task["version"]

        def submit(values: dict) -> bool:
            tasks.update_task(self.app.session, self.task_id, version, **values)
            return True

        def saved(result: bool | None) -> None:
            if result:
                self.reload()

        initial = {name: task[name] for name in ("title", "priority", "due_on", "description")}
        self.app.push_screen(TaskForm(f"Edit #{self.task_id}", "edit", submit, initial=initial), saved)
