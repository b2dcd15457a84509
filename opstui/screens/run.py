"""Guided execution: one step at a time, with its commands, ticks, comments and failures.

Looking at a step starts nothing, so a colleague can watch a run live: the clock of a
step starts with the previous step's tick, or with the first comment or copied command
of the person who works on it. Ticking writes the time to the activity task. The screen reloads
on every run event, so a second operator sees progress live.
"""

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.screen import Screen
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from opstui.screens.reason_dialog import ReasonDialog
from opstui.screens.service_calls import ServiceCalls
from opstui.services import runs
from opstui.timelog.durations import format_clock
from opstui.widgets.key_bar import KeyBar
from opstui.widgets.literal import literal_block, literal_line
from opstui.widgets.literal_markdown import LiteralMarkdown
from opstui.widgets.top_bar import TopBar

def _local_time(stored: str) -> str:
    """Show a stored UTC time in the user's zone (config key timezone, else $TZ), as the time log does."""
    from opstui.services.timelog import user_zone
    from opstui.timelog.instants import format_local, from_iso_utc

    return format_local(from_iso_utc(stored), user_zone(), seconds=True)


STATE_MARKS = {"pending": "[ ]", "started": "[>]", "done": "[x]", "failed": "[!]", "skipped": "[-]"}


def start_run_screen(screen: ServiceCalls, instruction_id: int, task_id: int) -> None:
    """Start or resume a run from any screen and show it; errors become a toast."""
    run_id = screen.call_service(runs.start_run, screen.app.session, instruction_id, task_id)
    if run_id is not None:
        screen.app.push_screen(RunScreen(run_id))


class RunScreen(ServiceCalls, Screen):
    """The checklist of one run, showing one step in full."""

    BINDINGS = [
        Binding("escape", "app.pop_screen", "Back", id="run.back"),
        Binding("space", "done", "Done", id="run.done"),
        Binding("f", "fail", "Failed", id="run.fail"),
        Binding("s", "skip", "Skip", id="run.skip"),
        Binding("c", "comment", "Comment", id="run.comment"),
        Binding("y", "copy_command", "Copy command", id="run.copy"),
        Binding("right,l", "show_step(1)", "Next step", id="run.next"),
        Binding("left,h", "show_step(-1)", "Previous step", id="run.previous"),
    ]

    DEFAULT_CSS = """
    RunScreen #run-steps { width: 34%; min-width: 24; max-width: 60; height: 1fr; border: none; border-right: solid $primary; }
    RunScreen #run-header { height: 2; background: $boost; padding: 0 1; }
    RunScreen #run-state { color: $text-muted; padding: 0 1; height: auto; }
    """

    def __init__(self, run_id: int):
        super().__init__()
        self.run_id = run_id
        self.run: dict | None = None
        self.shown_step = 1
        self.command_index = 0

    def compose(self) -> ComposeResult:
        yield TopBar(f"Run #{self.run_id}")
        yield Static(id="run-header")
        with Horizontal():
            yield OptionList(id="run-steps")
            with VerticalScroll(id="run-detail"):
                yield Static(id="run-state")
                yield LiteralMarkdown(id="run-step", open_links=False)
        yield KeyBar()

    def on_mount(self) -> None:
        self.reload(follow_current=True)

    def reload(self, *, follow_current: bool = False) -> None:
        run = self.call_service(runs.get_run, self.app.session, self.run_id)
        if run is None:
            return
        self.run = run
        if follow_current:
            self.shown_step = run["current_step"]
        self.refresh_view()

    def refresh_view(self) -> None:
        run = self.run
        header = (f"{run['instruction_title']} r{run['revision_number']} · run {run['id']} on task "
                  f"{run['task_id']} · {run['status']}\n{run['done_count']} of {len(run['steps'])} steps done")
        self.query_one("#run-header", Static).update(literal_block(header))

        steps = self.query_one("#run-steps", OptionList)
        highlighted = self.shown_step - 1
        steps.clear_options()
        steps.add_options([Option(literal_line(f"{STATE_MARKS[s['state']]} {s['number']}. {s['text']}"),
                                  id=str(s["number"])) for s in run["steps"]])
        steps.highlighted = highlighted
        self.show_step_detail()

    def show_step_detail(self) -> None:
        step = self.current_step()
        if step is None:
            return
        lines = [f"Step {step['number']} of {len(self.run['steps'])}: {step['state']}"]
        if step["section"]:
            lines.append(f"Section: {step['section']}")
        if step["started_by"]:
            lines.append(f"started by {step['started_by']} at {_local_time(step['started_at'])}")
        if step["finished_by"]:
            took = f" after {format_clock(step['seconds'])}" if step["seconds"] is not None else ""
            lines.append(f"{step['state']} by {step['finished_by']} at {_local_time(step['finished_at'])}{took}")
        if step["failure"]:
            label = "Failure" if step["state"] == "failed" else "Earlier failure"
            lines.append(f"{label}: {step['failure']}")
        if step["comment"]:
            lines.append(f"Comment: {step['comment']}")
        if step["commands"]:
            lines.append(f"{len(step['commands'])} command(s): press y to copy")
        self.query_one("#run-state", Static).update(literal_block("\n".join(lines)))
        self.query_one("#run-step", LiteralMarkdown).update(step["markdown"])

    def current_step(self) -> dict | None:
        if not self.run or not self.run["steps"]:
            return None
        number = max(1, min(self.shown_step, len(self.run["steps"])))
        return self.run["steps"][number - 1]

    def on_option_list_option_highlighted(self, event: OptionList.OptionHighlighted) -> None:
        number = int(event.option.id)
        if number != self.shown_step:
            self.shown_step = number
            self.command_index = 0
            self.show_step_detail()

    def action_show_step(self, offset: int) -> None:
        if self.run:
            self.shown_step = max(1, min(len(self.run["steps"]), self.shown_step + offset))
            self.command_index = 0
            self.refresh_view()

    def action_done(self) -> None:
        run = self.call_service(runs.complete_step, self.app.session, self.run_id, self.shown_step)
        self._after_change(run)

    def action_fail(self) -> None:
        def record(failure: str | None) -> None:
            if failure:
                self._after_change(self.call_service(runs.fail_step, self.app.session, self.run_id,
                                                     self.shown_step, failure))

        self.app.push_screen(ReasonDialog("What went wrong in this step?", "failure",
                                          missing="Describe the failure: it is kept with the step."), record)

    def action_skip(self) -> None:
        def record(reason: str | None) -> None:
            if reason:
                self._after_change(self.call_service(runs.skip_step, self.app.session, self.run_id,
                                                     self.shown_step, reason))

        self.app.push_screen(ReasonDialog("Why skip this step?"), record)

    def action_comment(self) -> None:
        def record(comment: str | None) -> None:
            if comment:
                self.call_service(runs.comment_step, self.app.session, self.run_id, self.shown_step, comment)
                self.reload()

        self.app.push_screen(ReasonDialog("Comment on this step", "comment", missing="The comment is empty."), record)

    def action_copy_command(self) -> None:
        """Copy the step's next code block with OSC 52, which works over SSH."""
        step = self.current_step()
        if step is None or not step["commands"]:
            self.app.notify("this step has no code block to copy", severity="warning")
            return
        command = step["commands"][self.command_index % len(step["commands"])]
        self.app.copy_to_clipboard(command.code)
        if step["state"] == "pending" and self.run["status"] == "running":
            self.call_service(runs.begin_step, self.app.session, self.run_id, step["number"])
            self.reload()
        self.app.notify(f"copied command {self.command_index % len(step['commands']) + 1} of "
                        f"{len(step['commands'])} to the clipboard")
        self.command_index += 1

    def _after_change(self, run: dict | None) -> None:
        if run is None:
            return
        self.run = run
        self.shown_step = run["current_step"]
        self.command_index = 0
        self.refresh_view()

    def on_events_arrived(self, message) -> None:
        if self.run and self.run["task_id"] in message.task_ids:
            self.reload()
