"""Forms for a monitoring script and for a manual item the Zabbix API cannot deploy.

Each form calls ``submit(values)``; an error keeps the form open with the message
under the fields, so nothing typed is lost.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.widgets import Button, Input, Label, Select, Static, TextArea

from opstui.screens.submit_form import SubmitForm
from opstui.services import zabbix as service

SCRIPT_TYPE_TITLES = {
    "script": "Script", "ipmi": "IPMI", "ssh": "SSH", "telnet": "Telnet", "webhook": "Webhook",
    "url": "URL (Zabbix 7.0+)",
}
SCRIPT_SCOPE_TITLES = {"host": "Manual host action", "event": "Manual event action", "action": "Action operation"}
SCRIPT_EXECUTE_ON_TITLES = {"proxy": "Zabbix server or proxy", "server": "Zabbix server", "agent": "Zabbix agent"}
MANUAL_KIND_TITLES = {
    "userparameter": "UserParameter line",
    "external_check": "External check file",
    "alert_script": "Alert script file",
    "other": "Other",
}
# Hints shown under the kind. The API has no call that puts these files on a host.
MANUAL_KIND_HINTS = {
    "userparameter": "One line per key: UserParameter=key,command. Put it in a .conf file under "
                     "/etc/zabbix/zabbix_agentd.d/ on the host, then restart the agent.",
    "external_check": "The whole script. Put it in the server's or proxy's ExternalScripts folder "
                      "(Debian: /usr/lib/zabbix/externalscripts) and make it executable.",
    "alert_script": "The whole script. Put it in the server's AlertScriptsPath folder "
                    "(Debian: /usr/lib/zabbix/alertscripts) and make it executable.",
    "other": "The exact text to place, and where.",
}
MANUAL_TARGET_PLACEHOLDERS = {
    "userparameter": "host:/etc/zabbix/zabbix_agentd.d/FILE.conf",
    "external_check": "zabbix-server:/usr/lib/zabbix/externalscripts/FILE",
    "alert_script": "zabbix-server:/usr/lib/zabbix/alertscripts/FILE",
    "other": "host:/path",
}
FORM_CSS = """
{name} {{ align: center middle; }}
{name} VerticalScroll {{ height: auto; max-height: 100%; }}
{name} .form-row {{ height: auto; }}
{name} .form-row .field-label {{ width: 14; padding: 0 1 0 0; }}
{name} Input {{ border: none; height: 1; width: 1fr; padding: 0 1; background: $boost; }}
{name} Input:focus {{ border: none; background: $accent 30%; }}
{name} Select {{ width: 1fr; }}
{name} SelectCurrent {{ border: none; height: 1; padding: 0 1; background: $boost; }}
{name} Select:focus > SelectCurrent {{ border: none; background: $accent 30%; }}
{name} TextArea {{ height: 6; width: 1fr; }}
{name} .field-hint {{ color: $text-muted; height: auto; padding: 0 0 0 15; }}
"""


def _name_of(number: int, choices: dict[str, int]) -> str:
    return next(name for name, value in choices.items() if value == number)


class ZabbixForm(SubmitForm):
    """The parts both forms share: labelled rows, save with ctrl+s, errors under the fields."""

    BINDINGS = [
        Binding("escape", "cancel", "Cancel", id="zabbix_form.cancel"),
        Binding("ctrl+s", "save", "Save", id="zabbix_form.save"),
    ]
    FIELDS: tuple[str, ...] = ()

    def __init__(self, heading: str, submit: Callable[[dict[str, Any]], Any], initial: dict[str, Any] | None = None):
        super().__init__()
        self.heading = heading
        self.submit = submit
        self.initial = initial or {}

    def compose(self) -> ComposeResult:
        with VerticalScroll(classes="dialog"):
            yield Static(self.heading, classes="dialog-title", markup=False)
            yield from self.compose_fields()
            yield Label("", id="form-error", classes="error-text", markup=False)
            with Horizontal(classes="dialog-buttons"):
                yield Button("Cancel", id="cancel")
                yield Button("Save (ctrl+s)", variant="primary", id="save")

    def compose_fields(self) -> ComposeResult:
        raise NotImplementedError

    def row(self, label: str, widget) -> Horizontal:
        return Horizontal(Label(label, classes="field-label"), widget, classes="form-row")

    def values(self) -> dict[str, Any]:
        result: dict[str, Any] = {}
        for name in self.FIELDS:
            widget = self.query_one(f"#field-{name}")
            if isinstance(widget, Select):
                result[name] = widget.value
            elif isinstance(widget, TextArea):
                result[name] = widget.text
            else:
                result[name] = widget.value
        return result



class ScriptForm(ZabbixForm):
    """A global script kept with the change: name, type, scope, where it runs, command and menu."""

    DEFAULT_CSS = FORM_CSS.format(name="ScriptForm")
    FIELDS = ("name", "type", "scope", "execute_on", "command", "menu_path", "host_group", "confirmation",
              "description")

    def compose_fields(self) -> ComposeResult:
        script = self.initial
        script_type = _name_of(script["type"], service.SCRIPT_TYPES) if "type" in script else "script"
        scope = _name_of(script["scope"], service.SCRIPT_SCOPES) if "scope" in script else "host"
        execute_on = _name_of(script["execute_on"], service.SCRIPT_EXECUTE_ON) if "execute_on" in script else "proxy"

        yield self.row("Name", Input(script.get("name", ""), placeholder="shown in Zabbix's menu; unique",
                                     id="field-name"))
        yield self.row("Type", Select([(title, name) for name, title in SCRIPT_TYPE_TITLES.items()],
                                      value=script_type, allow_blank=False, compact=True, id="field-type"))
        yield self.row("Scope", Select([(title, name) for name, title in SCRIPT_SCOPE_TITLES.items()],
                                       value=scope, allow_blank=False, compact=True, id="field-scope"))
        yield self.row("Execute on", Select([(title, name) for name, title in SCRIPT_EXECUTE_ON_TITLES.items()],
                                            value=execute_on, allow_blank=False, compact=True, id="field-execute_on"))
        yield Static("Execute on applies to type Script only.", classes="field-hint", markup=False)
        yield self.row("Command", TextArea(script.get("command", ""), id="field-command", soft_wrap=True))
        yield Static("The command Zabbix runs, or the URL for type URL.", classes="field-hint", markup=False)
        yield self.row("Menu path", Input(script.get("menu_path", ""), placeholder="e.g. Database/PostgreSQL",
                                          id="field-menu_path"))
        yield self.row("Host group", Input(script.get("host_group", ""), placeholder="empty: all host groups",
                                           id="field-host_group"))
        yield self.row("Confirmation", Input(script.get("confirmation", ""),
                                             placeholder="question asked before it runs (optional)",
                                             id="field-confirmation"))
        yield self.row("Description", Input(script.get("description", ""), id="field-description"))

    def on_mount(self) -> None:
        self.query_one("#field-name").focus()


class ManualItemForm(ZabbixForm):
    """Something only a person can place: a UserParameter line or a script file, with its exact text."""

    DEFAULT_CSS = FORM_CSS.format(name="ManualItemForm") + "ManualItemForm #field-body { height: 8; }"
    FIELDS = ("kind", "target", "body", "note")

    def compose_fields(self) -> ComposeResult:
        kind = self.initial.get("kind", "userparameter")
        yield self.row("Kind", Select([(title, name) for name, title in MANUAL_KIND_TITLES.items()],
                                      value=kind, allow_blank=False, compact=True, id="field-kind"))
        yield Static(MANUAL_KIND_HINTS[kind], classes="field-hint", id="manual-hint", markup=False)
        yield self.row("Target", Input(self.initial.get("target", ""), placeholder=MANUAL_TARGET_PLACEHOLDERS[kind],
                                       id="field-target"))
        yield self.row("Text", TextArea(self.initial.get("body", ""), id="field-body", soft_wrap=False))
        yield self.row("Note", Input(self.initial.get("note", ""), placeholder="anything else to know (optional)",
                                     id="field-note"))

    def on_mount(self) -> None:
        self.query_one("#field-kind").focus()

    def on_select_changed(self, event: Select.Changed) -> None:
        if event.select.id != "field-kind" or event.value is Select.NULL:
            return
        self.query_one("#manual-hint", Static).update(MANUAL_KIND_HINTS[str(event.value)])
        self.query_one("#field-target", Input).placeholder = MANUAL_TARGET_PLACEHOLDERS[str(event.value)]
