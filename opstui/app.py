"""The opstui Textual application: screens, keys, live refresh and status segments."""

import logging
from collections.abc import Callable, Iterable
from functools import partial
from typing import Any

from textual.app import App, SystemCommand
from textual.binding import Binding
from textual.message import Message
from textual.screen import Screen
from textual.signal import Signal

from opstui.sanitize import visible_text
from opstui.services.live import EventFeed
from opstui.services.session import Session
from opstui.services.users import current_user

log = logging.getLogger(__name__)

# How often the app checks the database for other users' changes. PRAGMA
# data_version costs microseconds, so this is cheap even when idle.
LIVE_POLL_INTERVAL_S = 0.25


class EventsArrived(Message):
    """Events were committed (by this or another process) since the last poll."""

    def __init__(self, events: list[dict[str, Any]]):
        super().__init__()
        self.events = events
        self.task_ids = {event["task_id"] for event in events if event["task_id"] is not None}
        self.kinds = {event["kind"] for event in events}


class OpstuiApp(App):
    TITLE = "opstui"
    CSS_PATH = "opstui.tcss"
    ENABLE_COMMAND_PALETTE = True

    # App-wide keys. Every Binding has a description, so the footer, the ? help
    # screen and the command palette are all generated from these lists.
    BINDINGS = [
        Binding("q", "quit", "Quit", id="app.quit"),
        Binding("question_mark", "show_keys", "Keys", id="app.keys"),
        Binding("i", "open_inbox", "Inbox", id="app.inbox"),
        Binding("t", "toggle_timer", "Timer", id="app.timer"),
        Binding("r", "open_reports", "Reports", id="app.reports"),
        Binding("s,f2", "open_search", "Search", key_display="s", id="app.search"),
        Binding("ctrl+p", "command_palette", "Commands", show=False, id="app.palette"),
    ]

    def __init__(self, session: Session, *, poll_interval: float = LIVE_POLL_INTERVAL_S, **kwargs):
        super().__init__(**kwargs)
        self.session = session
        self.poll_interval = poll_interval
        self.feed = EventFeed(session)
        self.status_segments: dict[str, str] = {}
        self.status_changed: Signal[str] = Signal(self, "status-changed")
        # Callables that receive every batch of events, for app-wide reactions
        # (toasts, header counts) that do not belong to one screen.
        self.event_listeners: list[Callable[[list[dict[str, Any]]], None]] = []
        # Callables run once the board is shown, for start-up tasks of other parts.
        self.startup_hooks: list[Callable[["OpstuiApp"], None]] = []
        self.user_label = session.login

    def get_default_screen(self) -> Screen:
        """Make the board the app's first screen rather than a screen pushed over an empty one.

        A pushed board finishes mounting only after its first frame, so Textual laid out and
        drew the whole screen again just after it. The empty screen below drew once more.
        """
        from opstui.screens.board import BoardScreen

        self._refresh_user_label()
        return BoardScreen()

    def on_mount(self) -> None:
        self.set_interval(self.poll_interval, self.poll_events, name="live-refresh")
        for hook in self.startup_hooks:
            hook(self)

    def _refresh_user_label(self) -> None:
        user = current_user(self.session)
        self.user_label = f"{user['display_name']} ({user['login']}, {user['role']})"

    # -- status segments -----------------------------------------------------

    def set_status(self, name: str, text: str) -> None:
        """Show ``text`` in every top bar under ``name`` (an empty text removes it)."""
        if self.status_segments.get(name) == text:
            return
        if text:
            self.status_segments[name] = text
        else:
            self.status_segments.pop(name, None)
        self.status_changed.publish(name)

    # -- live refresh --------------------------------------------------------

    def poll_events(self) -> None:
        try:
            events = self.feed.poll()
        except Exception:
            log.exception("live refresh failed")
            return
        if not events:
            return
        if any(event["entity"] == "user" for event in events):
            self._refresh_user_label()
            self.status_changed.publish("user")
        for listener in list(self.event_listeners):
            try:
                listener(events)
            except Exception:
                log.exception("event listener %r failed", listener)
        for screen in self.screen_stack:
            screen.post_message(EventsArrived(events))

    # -- messages to the user ------------------------------------------------

    def notify(self, message: str, *, title: str = "", severity: str = "information",
               timeout: float | None = None, markup: bool = False) -> None:
        """Show a toast; text is shown literally unless ``markup`` is asked for explicitly."""
        if not markup:
            message = visible_text(message)
            title = visible_text(title)
        super().notify(message, title=title, severity=severity, timeout=timeout, markup=markup)

    # -- keys and commands -----------------------------------------------------

    def action_open_inbox(self) -> None:
        from opstui.screens.inbox import InboxScreen

        if not isinstance(self.screen, InboxScreen):
            self.push_screen(InboxScreen())

    def action_toggle_timer(self) -> None:
        from opstui.screens.timer_status import task_for_timer, toggle_timer

        toggle_timer(self, task_for_timer(self.screen))

    def action_open_reports(self) -> None:
        from opstui.screens.reports import ReportsScreen

        if not isinstance(self.screen, ReportsScreen):
            self.push_screen(ReportsScreen())

    def action_open_search(self) -> None:
        from opstui.screens.search import SearchScreen

        if not isinstance(self.screen, SearchScreen):
            self.push_screen(SearchScreen())

    def action_show_keys(self) -> None:
        from opstui.screens.help import HelpScreen

        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen(self.screen))

    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        """List every key of the current screen in the command palette, then Textual's own."""
        seen: set[str] = set()
        for key, active in screen.active_bindings.items():
            binding = active.binding
            if not binding.description or binding.action in seen or not active.enabled:
                continue
            seen.add(binding.action)
            yield SystemCommand(binding.description, f"key: {binding.key_display or key}",
                                partial(self._run_binding, active.node, binding.action))
        yield from super().get_system_commands(screen)

    def _run_binding(self, node, action: str) -> None:
        self.call_later(self.run_action, action, node)


def build_app(session: Session, **kwargs) -> OpstuiApp:
    """Build the application; the CLI and the tests both start it through here."""
    from opstui.app_extensions import install_extensions

    app = OpstuiApp(session, **kwargs)
    install_extensions(app)
    return app
