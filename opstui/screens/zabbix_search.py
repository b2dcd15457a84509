"""Search Zabbix hosts, templates and triggers by name and pick one to link to a task.

The search runs in a thread worker because pyzabbix is synchronous: a slow or dead
server leaves the dialog usable, and its error is shown as a toast.
"""

from __future__ import annotations

import logging
from typing import Any

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Label, OptionList, Select, Static
from textual.widgets.option_list import Option

from opstui.errors import OpstuiError
from opstui.services import zabbix as service
from opstui.widgets.literal import literal_line
from opstui.zabbix.adapter import ZabbixClient
from opstui.zabbix.settings import load_zabbix_settings

log = logging.getLogger(__name__)

KIND_TITLES = {"host": "Hosts", "template": "Templates", "trigger": "Triggers"}


class ZabbixSearchDialog(ModalScreen[dict[str, Any] | None]):
    """Return the chosen object as {"kind", "id", "name", "tags"}, or None when cancelled."""

    BINDINGS = [Binding("escape", "cancel", "Cancel", id="zabbix_search.cancel")]
    DEFAULT_CSS = """
    ZabbixSearchDialog { align: center middle; }
    ZabbixSearchDialog .form-row { height: auto; }
    ZabbixSearchDialog Select { width: 16; }
    ZabbixSearchDialog #zabbix-search-text { width: 1fr; }
    ZabbixSearchDialog #zabbix-search-results { height: 12; }
    ZabbixSearchDialog #zabbix-search-status { color: $text-muted; height: auto; }
    """

    def __init__(self, kind: str = "trigger"):
        super().__init__()
        self.kind = kind
        self.results: list[dict[str, str]] = []

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Static("Link a Zabbix object: type part of its name and press enter (* is a wildcard)",
                         classes="dialog-title", markup=False)
            with Horizontal(classes="form-row"):
                yield Select([(title, kind) for kind, title in KIND_TITLES.items()], value=self.kind,
                             allow_blank=False, id="zabbix-search-kind")
                yield Input(placeholder="name, e.g. replication lag", id="zabbix-search-text")
            yield Input(placeholder="tags to merge, optional: service=postgresql, change=42", id="zabbix-search-tags")
            yield Static("", id="zabbix-search-status", markup=False)
            yield OptionList(id="zabbix-search-results")
            yield Label("", id="zabbix-search-error", classes="error-text", markup=False)

    def on_mount(self) -> None:
        self.query_one("#zabbix-search-text", Input).focus()

    @on(Input.Submitted, "#zabbix-search-text")
    def start_search(self, event: Input.Submitted) -> None:
        event.stop()
        kind = self.query_one("#zabbix-search-kind", Select).value
        self.query_one("#zabbix-search-status", Static).update(f"Searching {KIND_TITLES[kind].lower()} in Zabbix…")
        self.search_in_thread(str(kind), event.value)

    @on(Input.Submitted, "#zabbix-search-tags")
    def tags_entered(self, event: Input.Submitted) -> None:
        event.stop()
        self.query_one("#zabbix-search-results", OptionList).focus()

    @work(thread=True, exclusive=True, group="zabbix-search")
    def search_in_thread(self, kind: str, text: str) -> None:
        client = None
        try:
            client = ZabbixClient(load_zabbix_settings())
            client.connect()
            found = service.search_objects(client, kind, text)
        except OpstuiError as error:
            log.info("Zabbix search for %s %r failed: %s", kind, text, error)
            self.app.call_from_thread(self.app.notify, str(error), title="Zabbix search", severity="error", timeout=10)
            self.app.call_from_thread(self._show_status, "Search failed; see the message.")
            return
        finally:
            if client is not None:
                client.close()
        self.app.call_from_thread(self._show_results, kind, text, found)

    def _show_status(self, text: str) -> None:
        self.query_one("#zabbix-search-status", Static).update(text)

    def _show_results(self, kind: str, text: str, found: list[dict[str, str]]) -> None:
        self.results = found
        results = self.query_one("#zabbix-search-results", OptionList)
        results.clear_options()
        results.add_options([Option(literal_line(_result_line(item)), id=str(index)) for index, item in enumerate(found)])
        if found:
            self._show_status(f"{len(found)} {KIND_TITLES[kind].lower()} match {text!r}; pick one with enter.")
            results.highlighted = 0
            results.focus()
        else:
            self._show_status(f"No {KIND_TITLES[kind].lower()} match {text!r}.")

    @on(OptionList.OptionSelected, "#zabbix-search-results")
    def choose(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        chosen = self.results[int(event.option.id)]
        raw_tags = self.query_one("#zabbix-search-tags", Input).value
        try:
            tags = service.parse_tags([part for part in raw_tags.split(",") if part.strip()])
        except OpstuiError as error:
            self.query_one("#zabbix-search-error", Label).update(str(error))
            return
        self.dismiss({"kind": chosen["kind"], "id": chosen["id"], "name": chosen["name"], "tags": tags})

    def action_cancel(self) -> None:
        self.dismiss(None)


def _result_line(item: dict[str, str]) -> str:
    on_hosts = f"  (on {item['hosts']})" if item.get("hosts") else ""
    return f"{item['name']} [{item['id']}]{on_hosts}"
