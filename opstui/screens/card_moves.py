"""Moving a master task to another stage from any screen (board, task screen)."""

from collections.abc import Callable

from textual.screen import Screen

from opstui.services import tasks


def request_move(screen: Screen, task_id: int, target: str, on_moved: Callable[[], None]) -> None:
    """Move ``task_id`` to ``target`` and call ``on_moved`` once it is recorded."""
    if screen.call_service(tasks.move_task, screen.app.session, task_id, target) is not None:
        on_moved()
