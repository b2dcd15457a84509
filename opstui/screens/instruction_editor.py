"""Edit the draft of an instruction; editing an official one opens a new draft.

When a save finds that someone else changed the draft, the editor shows both texts
side by side. The person merges them, keeps their own text, or takes the other
person's. Either way, both texts are saved in the instruction's history.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import TextArea

from opstui.errors import ConflictError, OpstuiError
from opstui.screens.note_conflict import ConflictTexts, NoteConflictScreen
from opstui.screens.secret_warning import ask_about_secrets
from opstui.screens.service_calls import ServiceCalls
from opstui.services import kb
from opstui.services.secret_guard import SecretPolicy, SecretsFound
from opstui.textdiff import merge_three_way
from opstui.widgets.key_bar import KeyBar
from opstui.widgets.top_bar import TopBar


def text_in_force(instruction: dict) -> str:
    """Return the text now in force: the open draft, else the official revision."""
    if instruction.get("draft_body") is not None:
        return instruction["draft_body"]
    return instruction.get("official_body") or ""


class InstructionEditor(ServiceCalls, Screen):
    """A Markdown text area over the draft, saved with a version check."""

    BINDINGS = [
        Binding("ctrl+s", "save", "Save draft", id="editor.save"),
        Binding("escape", "app.pop_screen", "Close", id="editor.close"),
    ]

    DEFAULT_CSS = """
    """

    def __init__(self, instruction_id: int, *, task_id: int | None = None):
        super().__init__()
        self.instruction_id = instruction_id
        self.task_id = task_id
        self.version: int | None = None
        self.saved_body = ""

    def compose(self) -> ComposeResult:
        yield TopBar(f"Draft of instruction {self.instruction_id}", id="editor-title")
        yield TextArea(id="editor-text", language="markdown", soft_wrap=True, show_line_numbers=True)
        yield KeyBar()

    @property
    def text_area(self) -> TextArea:
        return self.query_one("#editor-text", TextArea)

    def on_mount(self) -> None:
        instruction = self.call_service(kb.start_draft, self.app.session, self.instruction_id)
        if instruction is None:
            return
        self.version = instruction["version"]
        self.saved_body = instruction["draft_body"] or ""
        title = instruction["draft_title"] or instruction["title"]
        self.query_one("#editor-title", TopBar).set_location(
            f"Draft of instruction {self.instruction_id}: {title} ({instruction['status']})")
        self.text_area.load_text(self.saved_body)

    def action_save(self) -> None:
        if self.version is None:
            return
        self._save(self.text_area.text, self.version)

    def _save(self, text: str, expected_version: int, secrets: SecretPolicy = SecretPolicy.REJECT,
              *, after: Callable[[dict], None] | None = None) -> None:
        """Save text over expected_version, then call after (if given) with the saved row."""
        try:
            saved = kb.save_draft(self.app.session, self.instruction_id, text, expected_version=expected_version,
                                  task_id=self.task_id, secrets=secrets)
        except SecretsFound as error:
            ask_about_secrets(self.app, error, partial(self._save, text, expected_version, after=after))
            return
        except ConflictError as error:
            self._show_conflict(text, error.current, secrets)
            return
        except OpstuiError as error:
            self.app.notify(str(error), title="Not saved", severity="error", timeout=10)
            return

        self.version = saved["version"]
        self.saved_body = saved["draft_body"] or ""
        if after is not None:
            after(saved)
            return
        if self.saved_body != text:
            self.text_area.load_text(self.saved_body)  # Masked secrets: show the stored text.
        self.app.notify("draft saved")

    # -- someone else saved meanwhile ------------------------------------------------

    def _show_conflict(self, mine: str, current: dict, secrets: SecretPolicy) -> None:
        # The error contains the stored row only. The service's view adds the official text.
        current = self.call_service(kb.get_instruction, self.app.session, self.instruction_id) or current
        theirs = text_in_force(current)
        author = current.get("draft_updated_by") if current.get("draft_body") is not None else "another user"
        author = author or "another user"
        texts = ConflictTexts(mine_title="", mine_body=mine, theirs_title="", theirs_body=theirs,
                              theirs_version=current.get("version", 0), theirs_author=author)
        self.app.push_screen(NoteConflictScreen(texts), partial(self._resolve_conflict, texts, secrets))

    def _resolve_conflict(self, texts: ConflictTexts, secrets: SecretPolicy, choice: str | None) -> None:
        if choice is None:
            self.app.notify(f"Not saved: {texts.theirs_author} saved a newer version. Save again to see both texts.",
                            severity="warning", timeout=8)
            return

        if choice == "merge":
            merged = merge_three_way(self.saved_body, texts.mine_body, texts.theirs_body, "yours",
                                     f"{texts.theirs_author} v{texts.theirs_version}")
            self.version = texts.theirs_version
            self.saved_body = texts.theirs_body
            self.text_area.load_text(merged.text)
            if merged.conflicts:
                self.app.notify(f"{merged.conflicts} block(s) changed by both are marked with <<<<<<< and >>>>>>>:"
                                " edit them, then save.", severity="warning", timeout=10)
            else:
                self.app.notify("Both changes merged without overlap: check the text, then save.")
            return

        if choice == "mine":
            self._save(texts.mine_body, texts.theirs_version, secrets)
            return

        # Take theirs: save the person's text to the history first, then save the other text again.
        def restore_theirs(saved: dict) -> None:
            self._save(texts.theirs_body, saved["version"], SecretPolicy.KEEP, after=show_theirs)

        def show_theirs(saved: dict) -> None:
            self.text_area.load_text(self.saved_body)
            self.app.notify(f"Took {texts.theirs_author}'s text; yours is kept in the history.")

        self._save(texts.mine_body, texts.theirs_version, secrets, after=restore_theirs)
