"""Targets of the "go to step" key: a task tab, another screen, or an action for each process step.

Screens of other areas are imported only when used. When a screen is not part
of this installation, the user gets a toast saying so and how to go on.
"""

import importlib
import importlib.util
from collections.abc import Callable

from textual.widget import Widget
from textual.widgets import TabbedContent, TabPane

from opstui.screens.reason_dialog import ConfirmDialog, ReasonDialog
from opstui.services import activity, permissions, process, task_lifecycle

# Task screen tabs by step: the tab module's last name, as the task screen names its panes.
STEP_TABS = {1: "task_overview", 2: "subtask_list", 4: "notes_tab", 8: "notes_tab", 9: "zabbix", 10: "zabbix"}

MISSING_SCREENS = {
    4: "The notes screen is not available in this installation; write the notes elsewhere and tick step 4"
       " with space.",
    5: "The instructions screen is not available in this installation; use `opstui kb new` and tick step 5"
       " with space.",
    6: "The instructions screen is not available in this installation; publish with `opstui kb publish` and"
       " tick step 6 with space.",
    8: "The notes screen is not available in this installation; retire notes with `opstui note retire` and"
       " tick step 8 with space.",
    9: "The Zabbix screen is not available in this installation; document the monitoring in Zabbix and tick"
       " step 9 with space.",
    10: "The Zabbix screen is not available in this installation; update the scripts in Zabbix and tick"
        " step 10 with space.",
}


def module_available(name: str) -> bool:
    try:
        return importlib.util.find_spec(name) is not None
    except ModuleNotFoundError:
        return False


def go_to_step(widget: Widget, task_id: int, step: int, on_done: Callable[[], None]) -> None:
    """Take the user to the screen or action of ``step`` of master task ``task_id``."""
    app = widget.app
    if step in STEP_TABS and show_tab(widget, STEP_TABS[step]):
        if step == 1:
            app.notify("Step 1 is recorded with the request; press e on the task screen to edit its details.")
        return
    if step == 3:
        _report_notifications(widget, task_id, on_done)
        return
    if step in (4, 8) and _open_note_editor(widget, task_id):
        return
    if step in (5, 6) and _open_instructions(widget, task_id):
        return
    if step == 7:
        create_or_open_activity(widget, task_id, on_done)
        return
    if step == 11:
        complete_master(widget, task_id, on_done)
        return
    if step == 12:
        close_activity_of(widget, task_id, on_done)
        return
    app.notify(MISSING_SCREENS.get(step, f"Step {step} has no screen of its own."), severity="warning",
               timeout=8)


def show_tab(widget: Widget, module_name: str) -> bool:
    """Switch the task screen to the tab built by ``module_name``; False when it has no such tab."""
    pane_id = f"tab-{module_name}"
    for tabs in widget.screen.query(TabbedContent):
        if tabs.query(f"#{pane_id}") and isinstance(tabs.query_one(f"#{pane_id}"), TabPane):
            tabs.active = pane_id
            return True
    return False


def _open_note_editor(widget: Widget, task_id: int) -> bool:
    """Open the first active note of the task in the note editor, when both exist."""
    if not module_available("opstui.screens.note_editor"):
        return False
    from opstui.services import notes

    rows = widget.call_service(notes.list_notes, widget.app.session, task_id)
    if not rows:
        widget.app.notify("This task has no notes yet; add one in the Notes tab or with `opstui note add`.",
                          severity="warning")
        return True
    editor = importlib.import_module("opstui.screens.note_editor")
    widget.app.push_screen(editor.NoteEditorScreen(rows[0]["id"]))
    return True


def _open_instructions(widget: Widget, task_id: int) -> bool:
    if not module_available("opstui.screens.instruction_list"):
        return False
    screens = importlib.import_module("opstui.screens.instruction_list")
    widget.app.push_screen(screens.InstructionList(task_id))
    return True


def _report_notifications(widget: Widget, task_id: int, on_done: Callable[[], None]) -> None:
    session = widget.app.session
    ticked = widget.call_service(process.sync_automatic_steps, session, task_id)
    if ticked is None:
        return
    if 3 in ticked:
        widget.app.notify("Every assignee has been notified; step 3 is ticked.")
    else:
        widget.app.notify("Step 3 ticks itself once every assignee has the assignment in their inbox;"
                          " assign the subtasks first (Subtasks tab).", severity="warning", timeout=8)
    on_done()


def create_or_open_activity(widget: Widget, task_id: int, on_done: Callable[[], None]) -> None:
    """Open the activity task, or create it (asking for a reason while steps 1 to 6 are open)."""
    session = widget.app.session
    existing = activity.activity_of(session, task_id)
    if existing is not None:
        from opstui.screens.task import TaskScreen

        widget.app.push_screen(TaskScreen(existing["id"]))
        return

    def create(reason: str | None) -> None:
        if reason is None:
            return
        activity_id = widget.call_service(activity.create_activity, session, task_id, reason=reason)
        if activity_id is not None:
            widget.app.notify(f"Activity task #{activity_id} created; step 7 is ticked.")
            on_done()

    open_steps = widget.call_service(activity.open_steps_before_activity, session, task_id)
    if open_steps is None:
        return
    if open_steps:
        widget.app.push_screen(ReasonDialog(
            f"Steps {', '.join(map(str, open_steps))} are still open. Create the activity task anyway?"), create)
    else:
        widget.app.push_screen(ConfirmDialog(f"Create the activity task of #{task_id} (step 7)?", "Create"),
                               lambda yes: create("") if yes else None)


def complete_master(widget: Widget, task_id: int, on_done: Callable[[], None]) -> None:
    """Complete the master task (step 11), asking for a reason when work is missing."""
    session = widget.app.session
    if not permissions.is_allowed(session, "complete_master_task"):
        widget.call_service(permissions.require, session, "complete_master_task")
        return
    missing = widget.call_service(task_lifecycle.completion_blockers, session, task_id)
    if missing is None:
        return

    def complete(reason: str | None) -> None:
        if reason is None:
            return
        if widget.call_service(task_lifecycle.complete_master_task, session, task_id, reason=reason) is not None:
            widget.app.notify(f"Master task #{task_id} completed (step 11).")
            on_done()

    if missing:
        widget.app.push_screen(ReasonDialog(f"#{task_id} still has: {'; '.join(missing)}. Complete it anyway?"),
                               complete)
    else:
        widget.app.push_screen(ConfirmDialog(f"Complete master task #{task_id} (step 11)?", "Complete"),
                               lambda yes: complete("") if yes else None)


def close_activity_of(widget: Widget, task_id: int, on_done: Callable[[], None]) -> None:
    """Close the activity task of a master task (step 12); without a summary, open it to write one."""
    session = widget.app.session
    existing = activity.activity_of(session, task_id)
    if existing is None:
        widget.app.notify("This task has no activity task yet; create it with step 7 first.", severity="warning")
        return
    activity_id = existing["id"]
    blockers = widget.call_service(activity.close_blockers, session, activity_id)
    if blockers is None:
        return
    if blockers["summary_missing"]:
        from opstui.screens.task import TaskScreen

        widget.app.notify(f"Activity task #{activity_id} needs a work summary first: press S in its Comments"
                          " tab.", severity="warning", timeout=8)
        widget.app.push_screen(TaskScreen(activity_id))
        return

    def close(reason: str | None) -> None:
        if reason is None:
            return
        if widget.call_service(_close_activity, session, activity_id, reason) is not None:
            widget.app.notify(f"Activity task #{activity_id} closed (step 12).")
            on_done()

    if blockers["master_open"]:
        widget.app.push_screen(ReasonDialog(f"Master task #{task_id} is not completed yet (step 11 comes first)."
                                            " Close the activity task anyway?"), close)
    else:
        widget.app.push_screen(ConfirmDialog(f"Close activity task #{activity_id} (step 12)?", "Close"),
                               lambda yes: close("") if yes else None)


def _close_activity(session, activity_id: int, reason: str) -> bool:
    activity.close_activity(session, activity_id, reason=reason)
    return True
