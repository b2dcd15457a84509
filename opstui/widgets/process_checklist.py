"""Task screen tab: the twelve process steps of a master task, ticked, skipped and reopened by key."""

from datetime import datetime

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.widgets import DataTable, Static

from opstui.screens.reason_dialog import ReasonDialog
from opstui.screens.service_calls import ServiceCalls
from opstui.services import activity, process
from opstui.widgets.literal import literal_cell

TAB_TITLE = "Process"
TAB_ORDER = 15

STATE_MARKS = {"open": "[ ]", "done": "[x]", "skipped": "[-]"}


def applies_to(task: dict) -> bool:
    return task["kind"] == "master"


def build(task_id: int) -> "ProcessChecklist":
    return ProcessChecklist(task_id)


def local_time(iso_text: str | None) -> str:
    if not iso_text:
        return ""
    moment = datetime.fromisoformat(iso_text.replace("Z", "+00:00")).astimezone()
    return moment.strftime("%Y-%m-%d %H:%M")


class ProcessChecklist(Vertical):
    """The step table with a line about the next step and the guidance of the selected step."""

    DEFAULT_CSS = """
    ProcessChecklist #process-next { height: auto; padding: 0 1; }
    ProcessChecklist StepTable { height: 1fr; }
    ProcessChecklist #step-guidance { height: auto; padding: 0 1; background: $boost; }
    """

    def __init__(self, task_id: int):
        super().__init__(id="process-checklist")
        self.task_id = task_id

    def compose(self) -> ComposeResult:
        yield Static(id="process-next", markup=False)
        yield StepTable(self.task_id)
        yield Static(id="step-guidance", markup=False)

    @property
    def table(self) -> "StepTable":
        return self.query_one(StepTable)

    def reload(self) -> None:
        self.table.reload()

    def show_summary(self, steps: list[dict], activity_row: dict | None) -> None:
        line = Text()
        upcoming = next((item for item in steps if item["is_next"]), None)
        if upcoming is None:
            line.append("Every step is done or skipped.", style="bold green")
        else:
            line.append(f"Next: step {upcoming['step']} {upcoming['title']}", style="bold")
            line.append(" (enter goes there)", style="dim")
        if activity_row is not None:
            line.append(f"   Activity task #{activity_row['id']} {activity_row['status']}", style="bold")
        self.query_one("#process-next", Static).update(line)

    def show_guidance(self, item: dict | None) -> None:
        text = Text()
        if item is not None:
            text.append(f"{item['step']}. {item['title']} ", style="bold")
            text.append(f"({item['who']})\n", style="dim")
            text.append(item["guidance"])
            if item["automatic"]:
                text.append(f"\nopstui does this: {item['automatic']}.", style="dim")
            if item["reason"]:
                text.append("\nReason: ", style="dim")
                text.append(item["reason"])
        self.query_one("#step-guidance", Static).update(text)


class StepTable(ServiceCalls, DataTable):
    BINDINGS = [
        Binding("space,x", "tick", "Tick step", key_display="space", id="process.tick"),
        Binding("s", "skip", "Skip step", id="process.skip"),
        Binding("o", "reopen", "Reopen step", id="process.reopen"),
        Binding("enter,g", "go", "Go to step", key_display="enter", id="process.go"),
        Binding("A", "activity", "Activity task", key_display="A", id="process.activity"),
    ]

    def __init__(self, task_id: int):
        super().__init__(id="step-table", cursor_type="row", zebra_stripes=True)
        self.task_id = task_id
        self.steps: list[dict] = []
        self._placed_cursor = False

    def on_mount(self) -> None:
        self.add_columns("#", "State", "Step", "By", "When", "Reason")
        self.reload()

    @property
    def checklist(self) -> ProcessChecklist:
        return self.query_ancestor(ProcessChecklist)

    def reload(self) -> None:
        session = self.app.session
        self.call_service(process.sync_automatic_steps, session, self.task_id)
        steps = self.call_service(process.checklist, session, self.task_id)
        if steps is None:
            return
        self.steps = steps
        row = self.cursor_row
        self.clear()
        for item in steps:
            style = ""
            if item["is_next"]:
                style = "bold reverse"
            elif item["state"] != "open":
                style = "dim"
            marker = "▶" if item["is_next"] else " "
            self.add_row(Text(f"{marker}{item['step']:>2}", style=style),
                         Text(f"{STATE_MARKS[item['state']]} {item['state']}", style=style),
                         Text(item["title"], style=style),
                         literal_cell(item["by_login"] or "", 20), local_time(item["at"]),
                         literal_cell(item["reason"], 80), key=str(item["step"]))
        if not self._placed_cursor:
            upcoming = next((index for index, item in enumerate(steps) if item["is_next"]), 0)
            row = upcoming
            self._placed_cursor = True
        self.move_cursor(row=min(row, len(steps) - 1))
        self.checklist.show_summary(steps, activity.activity_of(session, self.task_id))
        self.checklist.show_guidance(self.current_step)

    @property
    def current_step(self) -> dict | None:
        if not self.steps or self.cursor_row >= len(self.steps):
            return None
        return self.steps[self.cursor_row]

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        if self.steps:
            self.checklist.show_guidance(self.current_step)

    # -- actions -------------------------------------------------------------

    def action_tick(self) -> None:
        item = self.current_step
        if item is None:
            return
        if item["step"] in process.ACTION_STEPS:
            self.action_go()
            return
        if item["state"] == "done":
            self.app.notify(f"Step {item['step']} is already done; o reopens it.")
            return
        earlier = [other["step"] for other in self.steps[:item["step"] - 1] if other["state"] == "open"]
        if not earlier:
            self._change(process.tick_step, item, reason="")
            return
        question = (f"Steps {', '.join(map(str, earlier))} are still open. Why tick step {item['step']}"
                    f" ({item['title']}) now?")
        self.app.push_screen(ReasonDialog(question),
                             lambda reason: self._change(process.tick_step, item, reason=reason)
                             if reason else None)

    def action_skip(self) -> None:
        item = self.current_step
        if item is None:
            return
        if item["state"] == "skipped":
            self.app.notify(f"Step {item['step']} is already skipped; o reopens it.")
            return
        self.app.push_screen(ReasonDialog(f"Why skip step {item['step']} ({item['title']})?"),
                             lambda reason: self._change(process.skip_step, item, reason=reason)
                             if reason else None)

    def action_reopen(self) -> None:
        item = self.current_step
        if item is None:
            return
        if item["state"] == "open":
            self.app.notify(f"Step {item['step']} is already open.")
            return
        self._change(process.reopen_step, item, reason="")

    def action_go(self) -> None:
        from opstui.screens.step_actions import go_to_step

        item = self.current_step
        if item is not None:
            go_to_step(self, self.task_id, item["step"], self._after_action)

    def action_activity(self) -> None:
        from opstui.screens.step_actions import create_or_open_activity

        create_or_open_activity(self, self.task_id, self._after_action)

    def _after_action(self) -> None:
        reload = getattr(self.screen, "reload", None)
        if callable(reload):
            reload()
        else:
            self.reload()

    def _change(self, function, item: dict, *, reason: str) -> None:
        session = self.app.session
        if function is process.skip_step:
            result = self.call_service(function, session, self.task_id, item["step"], reason,
                                       expected_state=item["state"])
        else:
            result = self.call_service(function, session, self.task_id, item["step"], reason=reason,
                                       expected_state=item["state"])
        self.reload()
        if result is not None:
            self.app.notify(f"Step {item['step']} ({item['title']}) is {result['state']}.")
