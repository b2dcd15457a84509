"""The running timer in every top bar, and the one key that starts or stops it.

``install(app)`` is listed in opstui.app_extensions. The timer itself lives in the
database, so the bar shows a timer started from the CLI or another terminal,
and one that survived a crash, as soon as the live feed reports it.
"""

import logging

from opstui.errors import OpstuiError
from opstui.sanitize import one_line
from opstui.timelog.durations import format_clock, format_duration

log = logging.getLogger(__name__)

STATUS_NAME = "timer"
# The bar shows hours and minutes, so a refresh every few seconds keeps it exact enough.
REFRESH_INTERVAL_S = 5.0


def install(app) -> None:
    # Started once the board's first frame is drawn, so start-up does not wait for it.
    app.startup_hooks.append(lambda started_app: started_app.call_after_refresh(_start, started_app))
    app.event_listeners.append(lambda events: _on_events(app, events))


def _start(app) -> None:
    refresh_timer_status(app)
    app.set_interval(REFRESH_INTERVAL_S, lambda: refresh_timer_status(app), name="timer-status")


def _on_events(app, events: list[dict]) -> None:
    if any(event["kind"].startswith("time.") for event in events):
        refresh_timer_status(app)


def timer_text(timer: dict | None) -> str:
    """Return the top-bar text of a running timer, "⏱ 0:12 #5 Title", or "" when none runs."""
    if timer is None:
        return ""
    return f"⏱ {format_clock(timer['seconds'])} #{timer['task_id']} {one_line(timer['task_title'], 24)}"


def refresh_timer_status(app) -> None:
    # Imported here: the time log service is not needed for the board's first frame.
    from opstui.services import timelog

    try:
        timer = timelog.running_timer(app.session)
    except OpstuiError as error:
        log.error("cannot read the running timer: %s", error)
        return
    app.set_status(STATUS_NAME, timer_text(timer))


def task_for_timer(screen) -> int | None:
    """Return the task the timer key applies to on screen: the open task, or the selected card."""
    task_id = getattr(screen, "task_id", None)
    if isinstance(task_id, int):
        return task_id
    board = getattr(screen, "board", None)
    card = getattr(board, "current_card", None) if board is not None else None
    return getattr(card, "task_id", None)


def toggle_timer(app, task_id: int | None, step: int | None = None) -> None:
    """Stop the timer when it runs on task_id (and step), else start it there.

    Starting stops a timer running elsewhere first, and the toast reports that stop.
    """
    from opstui.services import timelog

    session = app.session
    try:
        timer = timelog.running_timer(session)
        if timer is not None and (task_id is None or (timer["task_id"] == task_id and timer["step"] == step)):
            entry = timelog.stop_timer(session)
            app.notify(f"Timer stopped: {format_duration(entry['seconds'])} on #{entry['task_id']}"
                       f" saved as entry {entry['id']}.", title="Time logged")
        elif task_id is None:
            app.notify("Select a card or open a task to start a timer on it.", severity="warning")
        else:
            change = timelog.start_timer(session, task_id, step=step)
            message = f"Timer started on #{task_id}."
            if change.stopped_entry:
                stopped = change.stopped_entry
                message += (f" The timer on #{stopped['task_id']} was stopped:"
                            f" {format_duration(stopped['seconds'])} saved as entry {stopped['id']}.")
            app.notify(message, title="Timer")
    except OpstuiError as error:
        app.notify(str(error), title="Not done", severity="error", timeout=8)
    refresh_timer_status(app)
