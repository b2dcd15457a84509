"""Task screen tab "Monitoring" and the Zabbix review dialog (steps 9 and 10).

The tab lists the linked Zabbix objects, the scripts and the manual items. Its keys
link an object found by a search in Zabbix, unlink one, add and change scripts, and
add and tick manual items. The review reads Zabbix in a thread worker, shows every object's current
value next to the new one, and sends nothing until the user presses p. The push
runs in a worker too, so a slow or dead server never freezes the screen.
"""

from __future__ import annotations

import logging

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from opstui.errors import OpstuiError
from opstui.sanitize import one_line
from opstui.screens.reason_dialog import ConfirmDialog
from opstui.screens.service_calls import ServiceCalls
from opstui.screens.zabbix_forms import ManualItemForm, ScriptForm
from opstui.screens.zabbix_search import ZabbixSearchDialog
from opstui.services import zabbix as service
from opstui.widgets.literal import literal_block, literal_line
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


def _load_rows(session, task_id: int) -> dict[str, tuple[str, dict]]:
    """Return the tab's selectable rows by option id: ("link" | "script" | "manual", record)."""
    rows: dict[str, tuple[str, dict]] = {}
    for link in service.list_links(session, task_id):
        rows[f"link-{link['id']}"] = ("link", link)
    for script in service.list_scripts(session, task_id):
        rows[f"script-{script['id']}"] = ("script", script)
    for item in service.list_manual_items(session, task_id):
        rows[f"manual-{item['id']}"] = ("manual", item)
    return rows


def row_line(kind: str, record: dict) -> str:
    """Return one row of the list as plain text."""
    if kind == "link":
        tags = ", ".join(f"{tag['tag']}={tag['value']}" for tag in record["tags"])
        return f"  {record['object_kind']:8} {record['object_name']} [{record['object_id']}]" + (f"  tags: {tags}" if tags else "")
    if kind == "script":
        command = record["command"].splitlines()[0] if record["command"] else ""
        return f"  {record['name']}: {command}"
    state = f"done by {record['done_by']}" if record["done_at"] else "OPEN"
    return f"  [{record['id']}] {record['kind']} on {record['target']} ({state})"


def _options(rows: dict[str, tuple[str, dict]]) -> list[Option]:
    sections = [
        ("link", "Linked Zabbix objects (l: link, u: unlink)"),
        ("script", "Scripts (a: add, c or enter: change)"),
        ("manual", "Manual items, placed on the host by hand (m: add, d or enter: done)"),
    ]
    options = []
    for kind, heading in sections:
        options.append(Option(Content(heading), id=f"heading-{kind}", disabled=True))
        members = [(option_id, record) for option_id, (row_kind, record) in rows.items() if row_kind == kind]
        options += [Option(literal_line(row_line(kind, record)), id=option_id) for option_id, record in members]
        if not members:
            options.append(Option(Content("  none"), id=f"none-{kind}", disabled=True))
    return options


def detail_text(kind: str, record: dict) -> str:
    """Return the full text of one row: every script field, or a manual item's exact text."""
    if kind == "link":
        tags = ", ".join(f"{tag['tag']}={tag['value']}" for tag in record["tags"]) or "none"
        return (f"{record['object_kind'].capitalize()} {record['object_name']} (Zabbix id {record['object_id']})\n"
                f"Linked by {record['linked_by']} at {record['linked_at']}\n"
                f"Tags merged into Zabbix's at push: {tags}")
    if kind == "script":
        names = {field: _name_of(record[field], choices) for field, choices in
                 (("type", service.SCRIPT_TYPES), ("scope", service.SCRIPT_SCOPES), ("execute_on", service.SCRIPT_EXECUTE_ON))}
        lines = [f"Script {record['name']}",
                 f"Type {names['type']}, scope {names['scope']}, execute on {names['execute_on']}",
                 f"Menu path: {record['menu_path'] or '(top level)'}",
                 f"Host group: {record['host_group'] or '(all)'}",
                 f"Confirmation: {record['confirmation'] or '(none)'}",
                 f"Description: {record['description'] or '(none)'}",
                 "Command:", record["command"]]
        return "\n".join(lines)
    state = f"done by {record['done_by']} at {record['done_at']}" if record["done_at"] else "open: press d once it is in place"
    lines = [f"Manual item {record['id']} ({record['kind']}), {state}",
             f"Place on {record['target']} exactly this text:", "", record["body"]]
    if record["note"]:
        lines += ["", f"Note: {record['note']}"]
    return "\n".join(lines)


def push_summary(session, task_id: int) -> str:
    """Return the last push, object by object, or how to start one."""
    pushes = service.list_pushes(session, task_id, limit=1)
    if not pushes:
        return "Not pushed yet. Press r to review the changes for Zabbix."
    push = pushes[0]
    lines = [f"Last push: {push['outcome']} by {push['pushed_by']} at {push['finished_at']} to {push['zabbix_url']}"]
    for item in push["objects"]:
        if item["status"] != "unchanged":
            lines.append(f"  {item['status']:9} {item['object_kind']} {item['object_name']}: {item['answer']}")
    return "\n".join(lines)


def _name_of(number: int, choices: dict[str, int]) -> str:
    return next((name for name, value in choices.items() if value == number), str(number))


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


class MonitoringTab(Vertical, ServiceCalls):
    """The task's Zabbix links, scripts and manual items as a list, the selected one's details and the last push."""

    BINDINGS = [
        Binding("r", "review", "Review Zabbix push", id="task.zabbix_review"),
        Binding("l", "link", "Link Zabbix object", id="task.zabbix_link"),
        Binding("u", "unlink", "Unlink", id="task.zabbix_unlink"),
        Binding("a", "add_script", "Add script", id="task.zabbix_add_script"),
        Binding("c", "edit_script", "Change script", id="task.zabbix_edit_script"),
        Binding("m", "add_manual", "Add manual item", id="task.zabbix_add_manual"),
        Binding("d", "toggle_manual", "Manual item done", id="task.zabbix_manual_done"),
    ]
    DEFAULT_CSS = """
    MonitoringTab { height: 1fr; }
    MonitoringTab #zabbix-rows { height: auto; max-height: 50%; }
    MonitoringTab #zabbix-details { height: 1fr; }
    MonitoringTab #zabbix-detail { padding: 1 0 0 0; }
    MonitoringTab #zabbix-summary { padding: 1 0 0 0; color: $text-muted; }
    """

    def __init__(self, task_id: int):
        super().__init__(id="zabbix-tab")
        self.task_id = task_id
        self.rows: dict[str, tuple[str, dict]] = {}

    def compose(self) -> ComposeResult:
        yield OptionList(id="zabbix-rows")
        with VerticalScroll(id="zabbix-details"):
            yield Static("", markup=False, id="zabbix-detail")
            yield Static("", markup=False, id="zabbix-summary")

    def on_mount(self) -> None:
        self.reload()

    def reload(self) -> None:
        """Rebuild the list keeping the highlighted row, so a live refresh does not move the cursor."""
        session = self.app.session
        loaded = self.call_service(_load_rows, session, self.task_id)
        if loaded is None:
            return
        self.rows = loaded

        option_list = self.query_one("#zabbix-rows", OptionList)
        previous = option_list.highlighted_option.id if option_list.highlighted_option else None
        option_list.clear_options()
        option_list.add_options(_options(self.rows))
        ids = list(self.rows)
        if previous in ids:
            option_list.highlighted = option_list.get_option_index(previous)
        elif ids:
            option_list.highlighted = option_list.get_option_index(ids[0])

        self.query_one("#zabbix-summary", Static).update(self.call_service(push_summary, session, self.task_id) or "")
        self._show_detail()

    def focus(self, scroll_visible: bool = True):
        return self.query_one("#zabbix-rows", OptionList).focus(scroll_visible)

    @on(OptionList.OptionHighlighted, "#zabbix-rows")
    def _highlight_changed(self, event: OptionList.OptionHighlighted) -> None:
        event.stop()
        self._show_detail()

    @on(OptionList.OptionSelected, "#zabbix-rows")
    def _row_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        kind, _row = self.rows.get(event.option.id, ("", {}))
        if kind == "script":
            self.action_edit_script()
        elif kind == "manual":
            self.action_toggle_manual()

    def selected(self) -> tuple[str, dict] | None:
        option = self.query_one("#zabbix-rows", OptionList).highlighted_option
        if option is None:
            return None
        return self.rows.get(option.id)

    def _show_detail(self) -> None:
        chosen = self.selected()
        text = detail_text(*chosen) if chosen else "Nothing linked yet. Press l to link a Zabbix object."
        self.query_one("#zabbix-detail", Static).update(literal_block(text))

    # Links

    def action_link(self) -> None:
        def linked(chosen: dict | None) -> None:
            if not chosen:
                return
            link_id = self.call_service(service.link_object, self.app.session, self.task_id, chosen["kind"],
                                        chosen["id"], chosen["name"], chosen["tags"])
            if link_id is not None:
                self.app.notify(f"Linked {chosen['kind']} {chosen['name']} [{chosen['id']}].", title="Zabbix")
            elif service.is_linked(self.app.session, self.task_id, chosen["kind"], chosen["id"]):
                self.app.notify(f"{chosen['kind']} {chosen['name']} is already linked.", title="Zabbix")
            self.reload()

        self.app.push_screen(ZabbixSearchDialog(), linked)

    def action_unlink(self) -> None:
        chosen = self.selected()
        if chosen is None or chosen[0] != "link":
            self.app.notify("Select a linked host, template or trigger first.", severity="warning")
            return
        link = chosen[1]

        def confirmed(answer: bool | None) -> None:
            if answer:
                self.call_service(service.unlink_object, self.app.session, self.task_id, link["object_kind"],
                                  link["object_id"])
                self.reload()

        question = (f"Unlink {link['object_kind']} {one_line(link['object_name'], 60)} [{link['object_id']}]? "
                    "The text already pushed stays in Zabbix.")
        self.app.push_screen(ConfirmDialog(question), confirmed)

    # Scripts

    def action_add_script(self) -> None:
        def submit(values: dict) -> int:
            return service.add_script(self.app.session, self.task_id, **values)

        self.app.push_screen(ScriptForm("New monitoring script", submit), self._saved("Script added."))

    def action_edit_script(self) -> None:
        chosen = self.selected()
        if chosen is None or chosen[0] != "script":
            self.app.notify("Select a script first (or press a to add one).", severity="warning")
            return
        script = chosen[1]

        def submit(values: dict) -> dict:
            return service.update_script(self.app.session, script["id"], script["version"], **values)

        heading = f"Change script {one_line(script['name'], 60)}"
        self.app.push_screen(ScriptForm(heading, submit, initial=script), self._saved("Script changed."))

    # Manual items

    def action_add_manual(self) -> None:
        def submit(values: dict) -> int:
            return service.add_manual_item(self.app.session, self.task_id, values["kind"], values["target"],
                                           values["body"], values["note"])

        self.app.push_screen(ManualItemForm("Something to place on a host by hand", submit),
                             self._saved("Manual item added; tick it with d once it is in place."))

    def action_toggle_manual(self) -> None:
        chosen = self.selected()
        if chosen is None or chosen[0] != "manual":
            self.app.notify("Select a manual item first (or press m to add one).", severity="warning")
            return
        item = chosen[1]
        if item["done_at"] is None:
            self.call_service(service.set_manual_item_done, self.app.session, item["id"], True)
            self.reload()
            return

        def confirmed(answer: bool | None) -> None:
            if answer:
                self.call_service(service.set_manual_item_done, self.app.session, item["id"], False)
                self.reload()

        self.app.push_screen(ConfirmDialog(f"Mark manual item {item['id']} as not done again?"), confirmed)

    def _saved(self, message: str):
        def after(result) -> None:
            if result is not None:
                self.app.notify(message, title="Zabbix")
                self.reload()

        return after

    # Review and push

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
