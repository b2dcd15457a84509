"""Task screen tab "Monitoring" and the Zabbix review dialog (steps 9 and 10).

The review reads Zabbix in a thread worker, shows every object's current value next
to the new one, and sends nothing until the user presses p. The push runs in a
worker too, so a slow or dead server never freezes the screen.
"""

from __future__ import annotations

import logging

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

from opstui.errors import OpstuiError
from opstui.screens.service_calls import ServiceCalls
from opstui.services import zabbix as service
from opstui.zabbix.adapter import ZabbixClient
from opstui.zabbix.diff import format_changes
from opstui.zabbix.settings import load_zabbix_settings

log = logging.getLogger(__name__)

TAB_TITLE = "Monitoring"
TAB_ORDER = 70


def applies_to(task: dict) -> bool:
    return task.get("kind") == "master"


def build(task_id: int) -> "MonitoringTab":
    return MonitoringTab(task_id)


def summary_text(session, task_id: int) -> str:
    """Return the tab's plain text: links, scripts, manual items and the last push."""
    links = service.list_links(session, task_id)
    scripts = service.list_scripts(session, task_id)
    manual = service.list_manual_items(session, task_id)
    pushes = service.list_pushes(session, task_id, limit=1)

    lines = ["Linked Zabbix objects:"]
    lines += [f"  {link['object_kind']:8} {link['object_name']} [{link['object_id']}]" for link in links] or ["  none (opstui zabbix link TASK KIND ID)"]
    lines.append("")
    lines.append("Scripts:")
    lines += [f"  {script['name']}: {script['command']}" for script in scripts] or ["  none"]
    lines.append("")
    lines.append("Manual items (place these on the host by hand):")
    for item in manual:
        state = f"done by {item['done_by']} at {item['done_at']}" if item["done_at"] else "OPEN"
        lines.append(f"  [{item['id']}] {item['kind']} on {item['target']} ({state})")
        lines += [f"      {line}" for line in item["body"].splitlines()]
    if not manual:
        lines.append("  none")
    lines.append("")
    if pushes:
        push = pushes[0]
        lines.append(f"Last push: {push['outcome']} by {push['pushed_by']} at {push['finished_at']} to {push['zabbix_url']}")
        for item in push["objects"]:
            if item["status"] != "unchanged":
                lines.append(f"  {item['status']:9} {item['object_kind']} {item['object_name']}: {item['answer']}")
    else:
        lines.append("Not pushed yet. Press r to review the changes for Zabbix.")
    return "\n".join(lines)


class ZabbixReviewScreen(ModalScreen[bool]):
    """The diff between Zabbix and opstui for one task; p sends it, escape cancels."""

    BINDINGS = [
        Binding("p", "answer(True)", "Push to Zabbix", id="zabbix_review.push"),
        Binding("escape", "answer(False)", "Cancel", id="zabbix_review.cancel"),
    ]
    DEFAULT_CSS = """
    ZabbixReviewScreen { align: center middle; }
    ZabbixReviewScreen > Vertical { width: 90%; height: 90%; border: round $accent; background: $surface; }
    ZabbixReviewScreen #zabbix-review-help { dock: bottom; color: $text-muted; }
    """

    def __init__(self, review: service.Review):
        super().__init__()
        self.review = review

    def compose(self) -> ComposeResult:
        text = format_changes(self.review.changes)
        if self.review.notes:
            text += "\n\n" + "\n".join(f"Note: {note}" for note in self.review.notes)
        with Vertical():
            with VerticalScroll():
                yield Static(text, markup=False, id="zabbix-review-diff")
            pending = len(self.review.pending)
            help_text = f"p: send {pending} change(s) to Zabbix {self.review.server_version}   escape: cancel" if pending else "Nothing to change. escape: close (p records a push that changes nothing)"
            yield Static(help_text, markup=False, id="zabbix-review-help")

    def action_answer(self, answer: bool) -> None:
        self.dismiss(answer)


class MonitoringTab(VerticalScroll, ServiceCalls):
    """The task's Zabbix links, scripts, manual items and last push, with review and push."""

    BINDINGS = [
        Binding("r", "review", "Review Zabbix push", id="task.zabbix_review"),
    ]
    can_focus = True

    def __init__(self, task_id: int):
        super().__init__(id="zabbix-tab")
        self.task_id = task_id

    def compose(self) -> ComposeResult:
        yield Static("", markup=False, id="zabbix-summary")

    def on_mount(self) -> None:
        self.reload()

    def reload(self) -> None:
        text = self.call_service(summary_text, self.app.session, self.task_id)
        if text is not None:
            self.query_one("#zabbix-summary", Static).update(text)

    def action_review(self) -> None:
        self.notify("Reading the linked objects from Zabbix…", timeout=3)
        self.review_in_thread()

    @work(thread=True, exclusive=True, group="zabbix")
    def review_in_thread(self) -> None:
        client = None
        try:
            client = ZabbixClient(load_zabbix_settings())
            client.connect()
            review = service.build_review(self.app.session, client, self.task_id)
        except OpstuiError as error:
            log.info("Zabbix review of task %s failed: %s", self.task_id, error)
            self.app.call_from_thread(self.app.notify, str(error), title="Zabbix", severity="error", timeout=10)
            return
        finally:
            if client is not None:
                client.close()
        self.app.call_from_thread(self._show_review, review)

    def _show_review(self, review: service.Review) -> None:
        def confirmed(answer: bool | None) -> None:
            if answer:
                self.push_in_thread(review)

        self.app.push_screen(ZabbixReviewScreen(review), confirmed)

    @work(thread=True, exclusive=True, group="zabbix")
    def push_in_thread(self, review: service.Review) -> None:
        client = None
        try:
            client = ZabbixClient(load_zabbix_settings())
            client.connect()
            result = service.push(self.app.session, client, review)
        except OpstuiError as error:
            log.info("Zabbix push of task %s failed: %s", self.task_id, error)
            self.app.call_from_thread(self.app.notify, str(error), title="Zabbix push failed", severity="error", timeout=10)
            return
        finally:
            if client is not None:
                client.close()

        if result.failed:
            message = f"push {result.push_id}: {len(result.failed)} object(s) failed; see the Monitoring tab and retry with r"
            severity = "error"
        else:
            ticked = f"; ticked step(s) {', '.join(map(str, result.ticked_steps))}" if result.ticked_steps else ""
            message = f"push {result.push_id}: {result.outcome}{ticked}"
            severity = "information"
        self.app.call_from_thread(self.app.notify, message, title="Zabbix", severity=severity, timeout=8)
        self.app.call_from_thread(self.reload)
