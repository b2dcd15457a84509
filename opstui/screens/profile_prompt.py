"""First-use dialog: ask a new user for the display name and e-mail the team sees.

The CLI never prompts; it registers a login with its passwd name. The first time
that person opens the full-screen app in a terminal, this dialog asks them to
confirm or correct the name and to give an e-mail address for notifications.
"""

from __future__ import annotations

from typing import Any

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, Static

from opstui.errors import OpstuiError
from opstui.sanitize import visible_text
from opstui.services import users


class ProfileDialog(ModalScreen[bool]):
    """Ask for a display name and e-mail; dismisses with True once saved, False for later."""

    BINDINGS = [
        Binding("ctrl+s", "save", "Save", id="profile.save"),
        Binding("escape", "later", "Ask me later", id="profile.later"),
    ]

    DEFAULT_CSS = """
    ProfileDialog { align: center middle; }
    ProfileDialog > Vertical {
        width: 80%; max-width: 80; height: auto;
        border: thick $accent; background: $surface; padding: 1 2;
    }
    ProfileDialog Input { margin-bottom: 1; }
    ProfileDialog #profile-error { color: $error; height: auto; width: 1fr; }
    ProfileDialog Horizontal { height: auto; align-horizontal: right; }
    ProfileDialog Button { margin-left: 1; }
    """

    def __init__(self, user: dict[str, Any]):
        super().__init__()
        self.user = user

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(f"Welcome to opstui, {self.user['login']}.", markup=False)
            yield Static("Your colleagues see this name on cards, notes and the audit trail, and "
                         "notifications go to this e-mail address.", markup=False)
            # An Input shows its value raw, so control characters are replaced by their
            # visible escapes before editing; saving keeps the escaped form.
            yield Label("Display name")
            yield Input(value=visible_text(self.user["display_name"], keep_line_breaks=False), id="profile-name")
            yield Label("E-mail")
            yield Input(value=visible_text(self.user["email"], keep_line_breaks=False),
                        placeholder="name@example.org", id="profile-email")
            yield Label("", id="profile-error", markup=False)
            with Horizontal():
                yield Button("Later (Esc)", id="later")
                yield Button("Save (ctrl+s)", id="save", variant="primary")

    def on_mount(self) -> None:
        self.query_one("#profile-name", Input).focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        if event.input.id == "profile-name":
            self.query_one("#profile-email", Input).focus()
        else:
            self.action_save()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        if event.button.id == "save":
            self.action_save()
        else:
            self.action_later()

    def action_save(self) -> None:
        name = self.query_one("#profile-name", Input).value
        email = self.query_one("#profile-email", Input).value
        try:
            users.update_profile(self.app.session, self.user["login"], display_name=name, email=email,
                                 expected_version=self.user["version"])
        except OpstuiError as error:
            self.query_one("#profile-error", Label).update(str(error))
            return
        self.dismiss(True)

    def action_later(self) -> None:
        self.dismiss(False)


def ask_profile_if_new(app) -> None:
    """Push the dialog when the current user has not confirmed a profile yet.

    Skipped in headless runs (tests, scripts driving the app), where nobody can
    answer; the dialog is meant for a person at a terminal.
    """
    if app.is_headless:
        return
    user = users.current_user(app.session)
    if not user["profile_confirmed"]:
        app.push_screen(ProfileDialog(user))


def install(app) -> None:
    app.startup_hooks.append(ask_profile_if_new)
