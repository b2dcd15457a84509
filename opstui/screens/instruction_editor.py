"""Edit the draft of an instruction; editing an official one opens a new draft."""

from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import Footer, Static, TextArea

from opstui.errors import ConflictError
from opstui.screens.service_calls import ServiceCalls
from opstui.services import kb
from opstui.widgets.literal import literal_line


class InstructionEditor(ServiceCalls, Screen):
    """A Markdown text area over the draft, saved with a version check."""

    BINDINGS = [
        Binding("ctrl+s", "save", "Save draft", id="editor.save"),
        Binding("escape", "app.pop_screen", "Close", id="editor.close"),
    ]

    DEFAULT_CSS = """
    InstructionEditor #editor-title { height: 1; background: $boost; padding: 0 1; }
    """

    def __init__(self, instruction_id: int, *, task_id: int | None = None):
        super().__init__()
        self.instruction_id = instruction_id
        self.task_id = task_id
        self.version: int | None = None

    def compose(self) -> ComposeResult:
        yield Static(id="editor-title")
        yield TextArea(id="editor-text", language="markdown", soft_wrap=True, show_line_numbers=True)
        yield Footer()

    def on_mount(self) -> None:
        instruction = self.call_service(kb.start_draft, self.app.session, self.instruction_id)
        if instruction is None:
            return
        self.version = instruction["version"]
        title = instruction["draft_title"] or instruction["title"]
        self.query_one("#editor-title", Static).update(
            literal_line(f"Draft of instruction {self.instruction_id}: {title} ({instruction['status']})"))
        self.query_one("#editor-text", TextArea).load_text(instruction["draft_body"] or "")

    def action_save(self) -> None:
        if self.version is None:
            return
        text = self.query_one("#editor-text", TextArea).text
        try:
            saved = kb.save_draft(self.app.session, self.instruction_id, text, expected_version=self.version,
                                  task_id=self.task_id)
        except ConflictError as error:
            # NOTE: the other text is not merged here; the person reloads and compares.
            self.app.notify(f"{error}. Your text is still in the editor; copy it before reloading.",
                            title="Changed by someone else", severity="warning", timeout=10)
            return
        except Exception as error:  # UserError and SecretsFound carry the message to show
            from opstui.errors import OpstuiError

            if not isinstance(error, OpstuiError):
                raise
            self.app.notify(str(error), title="Not saved", severity="error", timeout=10)
            return
        self.version = saved["version"]
        self.app.notify("draft saved")
