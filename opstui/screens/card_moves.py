"""Moving a master task to another stage from any screen (board, task screen), under the process rules.

Moving forward past open steps requires a reason. Moving to Done completes the
master task (step 11): a manager's action by default, confirmed, and with a
reason when work is still missing.
"""

from collections.abc import Callable

from textual.screen import Screen

from opstui.screens.reason_dialog import ConfirmDialog, ReasonDialog
from opstui.services import permissions, task_lifecycle
from opstui.services.process_steps import STAGE_TITLES


def request_move(screen: Screen, task_id: int, target: str, on_moved: Callable[[], None]) -> None:
    """Move ``task_id`` to ``target`` and call ``on_moved`` once it is recorded."""
    session = screen.app.session

    def move(reason: str | None) -> None:
        if reason is None:
            return
        if screen.call_service(task_lifecycle.move_master_task, session, task_id, target, reason=reason) is not None:
            on_moved()

    if target == "done":
        if not permissions.is_allowed(session, "complete_master_task"):
            screen.call_service(permissions.require, session, "complete_master_task")
            return
        missing = screen.call_service(task_lifecycle.completion_blockers, session, task_id)
        if missing is None:
            return
        if missing:
            screen.app.push_screen(ReasonDialog(f"Complete #{task_id} and move it to Done? Still missing:"
                                                f" {'; '.join(missing)}."), move)
        else:
            screen.app.push_screen(ConfirmDialog(f"Complete master task #{task_id} (step 11)?", "Complete"),
                                   lambda yes: move("") if yes else None)
        return

    open_steps = screen.call_service(task_lifecycle.steps_passed_open, session, task_id, target)
    if open_steps is None:
        return
    if open_steps:
        screen.app.push_screen(ReasonDialog(f"Move #{task_id} to {STAGE_TITLES[target]} with step(s)"
                                            f" {', '.join(map(str, open_steps))} still open? Give a reason."), move)
        return
    move("")
