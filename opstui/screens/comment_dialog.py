"""A dialog for writing a Markdown comment or work summary (ctrl+s saves, escape cancels)."""

from collections.abc import Callable

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Label, Static, TextArea

from opstui.errors import OpstuiError
from opstui.screens.secret_warning import SecretWarningScreen
from opstui.services.secret_guard import SecretPolicy, SecretsFound


class CommentDialog(ModalScreen[int | None]):
    """Call ``submit(text, secrets)`` on save; a rejected text keeps the dialog open with the error shown.

    ``secrets`` is the SecretPolicy for the service call. The first save passes REJECT.
    When the text looks like it contains a secret, the warning dialog asks whether to
    mask it or keep it, and the save is repeated with that choice.
    """

    BINDINGS = [
        Binding("ctrl+s", "save", "Save", id="comment.save"),
        Binding("escape", "cancel", "Cancel", id="comment.cancel"),
    ]
    DEFAULT_CSS = """
    CommentDialog { align: center middle; }
    CommentDialog .dialog { width: 80%; height: 70%; }
    CommentDialog TextArea { height: 1fr; }
    """

    def __init__(self, title: str, submit: Callable[[str, SecretPolicy], int], initial: str = ""):
        super().__init__()
        self.title_text = title
        self.submit = submit
        self.initial = initial

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Static(self.title_text, classes="dialog-title", markup=False)
            yield TextArea(self.initial, id="comment-text")
            yield Label("Markdown. ctrl+s saves, escape cancels.", classes="dim")
            yield Label("", id="comment-error", classes="error-text", markup=False)

    def on_mount(self) -> None:
        self.query_one(TextArea).focus()

    def action_save(self) -> None:
        self._save(SecretPolicy.REJECT)

    def _save(self, secrets: SecretPolicy) -> None:
        try:
            result = self.submit(self.query_one(TextArea).text, secrets)
        except SecretsFound as error:
            self.app.push_screen(SecretWarningScreen(error.what, error.scan.findings), self._secret_choice_made)
            return
        except OpstuiError as error:
            self.query_one("#comment-error", Label).update(str(error))
            return
        self.dismiss(result)

    def _secret_choice_made(self, policy: SecretPolicy | None) -> None:
        if policy is None:
            self.query_one("#comment-error", Label).update("Not saved: edit the text, or save again and choose.")
            self.query_one(TextArea).focus()
            return
        self._save(policy)

    def action_cancel(self) -> None:
        self.dismiss(None)
