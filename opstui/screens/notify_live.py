"""Notifications in the running app: toasts, the unread count and a background mail sender.

``install(app)`` is listed in opstui.app_extensions. Toasts come straight from the
live event feed, so a person assigned by someone else gets one within about a
second (the feed polls every 0.25 s). Turning events into notifications and
sending mail touch the database for longer, so they run in one background thread.
"""

from __future__ import annotations

import logging
import threading
import time
from typing import TYPE_CHECKING, Any

from textual.worker import get_current_worker

from opstui.errors import OpstuiError
from opstui.services import users

if TYPE_CHECKING:
    from opstui.mail.settings import SmtpSettings

# The inbox screen, mail settings and the notify service are imported when first
# used, after the board's first frame, because they add about 50 ms to start-up.

log = logging.getLogger(__name__)

# How often the background thread looks for due mail (retries, digests) when no
# event wakes it earlier.
SEND_INTERVAL_S = 30.0
# How often the thread checks whether the app is closing, so quitting never waits long.
CANCEL_CHECK_S = 0.2
# How often the UI thread looks whether the background thread asked for a new unread count.
COUNT_CHECK_S = 0.25

TOAST_TIMEOUT_S = 8


class NotifyLive:
    """The app's notification parts: toasts on events, count refresh, background sender."""

    def __init__(self, app):
        self.app = app
        self.settings: SmtpSettings | None = None
        self._wake = threading.Event()
        self._count_stale = threading.Event()
        self._manager = False

    def start(self, app) -> None:
        if not app.is_running:
            # The app quit before its first frame was drawn. A thread started now would
            # miss the app's cancellation of its workers and keep the process alive.
            return

        from opstui.mail.settings import load_smtp_settings
        from opstui.screens.inbox import refresh_unread_count

        refresh_unread_count(app)
        self._manager = users.is_manager(app.session)
        try:
            self.settings = load_smtp_settings()
        except OpstuiError as error:
            log.error("notification e-mail is off: %s", error)
            app.notify(str(error), title="E-mail not sent", severity="warning", timeout=TOAST_TIMEOUT_S)
        app.set_interval(COUNT_CHECK_S, self._refresh_count_if_stale, name="notify-count")
        app.run_worker(self._background_loop, name="notify-background", group="notify",
                       thread=True, exit_on_error=False)

    def _refresh_count_if_stale(self) -> None:
        if self._count_stale.is_set():
            from opstui.screens.inbox import refresh_unread_count

            self._count_stale.clear()
            refresh_unread_count(self.app)

    def on_events(self, events: list[dict[str, Any]]) -> None:
        from opstui.services import notify

        login = self.app.session.login
        for event in events:
            text = notify.toast_text(event, login, manager=self._manager,
                                     actor_name=self._display_name(event.get("actor")))
            if text is None:
                continue
            severity = "error" if event["kind"] == "mail.failed" else "information"
            self.app.notify(text, title="Notification", severity=severity, timeout=TOAST_TIMEOUT_S)
        self._wake.set()

    def _display_name(self, login: str | None) -> str | None:
        if not login:
            return None
        try:
            return users.get_user(self.app.session, login)["display_name"]
        except OpstuiError:
            return None

    # -- background thread -------------------------------------------------------

    def _background_loop(self) -> None:
        """Catch up with events and send due mail until the app closes."""
        worker = get_current_worker()
        self._wake.set()
        next_send = 0.0
        while not worker.is_cancelled:
            if not self._wake.wait(CANCEL_CHECK_S) and time.monotonic() < next_send:
                continue
            self._wake.clear()
            self._catch_up()
            if self.settings is not None and not worker.is_cancelled:
                self._send()
            next_send = time.monotonic() + SEND_INTERVAL_S

    def _catch_up(self) -> None:
        from opstui.services import notify

        try:
            notify.catch_up(self.app.session)
        except Exception:
            log.exception("turning events into notifications failed")
            return
        # A flag, not call_from_thread: that call blocks until the UI loop runs it,
        # which deadlocks when the app is closing while this thread is here.
        self._count_stale.set()

    def _send(self) -> None:
        from opstui.services import notify

        session = self.app.session
        try:
            report = notify.send_pending(session.store, session.login, self.settings)
        except Exception:
            log.exception("sending notification e-mail failed")
            return
        if report.sent or report.retried or report.failed:
            log.info("notification e-mail: sent %d, retrying %d, failed %d",
                     report.sent, report.retried, report.failed)


def install(app) -> None:
    live = NotifyLive(app)
    app.notify_live = live
    app.event_listeners.append(live.on_events)
    # Started once the board's first frame is drawn, so start-up does not wait for it.
    app.startup_hooks.append(lambda started_app: started_app.call_after_refresh(live.start, started_app))
