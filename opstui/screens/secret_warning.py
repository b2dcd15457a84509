"""Dialog shown when text about to be saved looks like it contains a secret."""

from __future__ import annotations

from collections.abc import Callable

from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Label, Static

from opstui.sanitize import one_line
from opstui.secret_scan import SecretFinding
from opstui.services.secret_guard import SecretPolicy, SecretsFound


class SecretWarningScreen(ModalScreen[SecretPolicy | None]):
    """Ask whether to mask the suspected secrets, keep the text as written, or go back.

    Dismisses with SecretPolicy.MASK, SecretPolicy.KEEP, or None to cancel the save.
    Pass the result to the save call of the service as its secret policy.
    """

    DEFAULT_CSS = """
    SecretWarningScreen { align: center middle; }
    SecretWarningScreen > Vertical {
        width: 90%; max-width: 100; height: auto; max-height: 90%;
        border: thick $warning; background: $surface; padding: 1 2;
    }
    SecretWarningScreen .findings { height: auto; max-height: 12; overflow-y: auto; margin: 1 0; }
    SecretWarningScreen Horizontal { height: auto; align-horizontal: right; }
    SecretWarningScreen Button { margin-left: 1; }
    """

    BINDINGS = [
        Binding("m", "choose('mask')", "Mask and save"),
        Binding("k", "choose('keep')", "Save as written"),
        Binding("escape", "cancel", "Back to editing"),
    ]

    def __init__(self, what: str, findings: list[SecretFinding]):
        super().__init__()
        self.what = what
        self.findings = findings

    def compose(self) -> ComposeResult:
        count = len(self.findings)
        noun = "a secret" if count == 1 else f"{count} secrets"
        lines = [f"line {f.line}: {f.kind}: {one_line(f.masked_line.strip(), 80)}" for f in self.findings]

        with Vertical():
            yield Label(f"This {self.what} looks like it contains {noun}.", markup=False)
            yield Label("The shared database is readable by the whole team's group.", markup=False)
            yield Static("\n".join(lines), markup=False, classes="findings")
            with Horizontal():
                yield Button("Mask and save (m)", id="mask", variant="warning")
                yield Button("Save as written (k)", id="keep")
                yield Button("Back (Esc)", id="cancel", variant="primary")

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        if event.button.id == "cancel":
            self.dismiss(None)
        else:
            self.dismiss(SecretPolicy(event.button.id))

    def action_choose(self, choice: str) -> None:
        self.dismiss(SecretPolicy(choice))

    def action_cancel(self) -> None:
        self.dismiss(None)


def ask_about_secrets(app: App, error: SecretsFound, retry: Callable[[SecretPolicy], None]) -> None:
    """Show the findings, then retry the save with the chosen policy, or say nothing was saved."""
    def chosen(policy: SecretPolicy | None) -> None:
        if policy is None:
            app.notify("Not saved: your text is still in the editor.", severity="warning")
            return
        retry(policy)

    app.push_screen(SecretWarningScreen(error.what, error.scan.findings), chosen)
