"""Edit one shared note: Markdown editor, preview, drafts, presence, live reload, conflicts.

Nothing typed is lost: unsaved text is written as a draft every few seconds, when
the screen closes, and when the process gets SIGHUP (dropped SSH) or SIGTERM. A save
never overwrites someone else's newer save: the conflict screen shows both texts,
and both end up in the note's history. Text that looks like it contains a secret is
saved only after the person chooses to mask it or keep it.

NOTE: drafts are not checked for secrets. opstui shows a draft only to its author,
but it sits in the same group-readable database file until the note is saved.
"""

from __future__ import annotations

import asyncio
import logging
import signal
import weakref
from collections.abc import Callable
from functools import partial

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.css.query import NoMatches
from textual.screen import Screen
from textual.widgets import Input, Markdown, Static, TextArea
from textual.widgets.text_area import Selection

from opstui.app import EventsArrived
from opstui.errors import ConflictError, NotFoundError, OpstuiError
from opstui.external_editor import edit_text
from opstui.sanitize import one_line
from opstui.screens.note_conflict import ConflictTexts, NoteConflictScreen
from opstui.screens.secret_warning import ask_about_secrets
from opstui.screens.service_calls import ServiceCalls
from opstui.secret_scan import mask_secrets
from opstui.services import note_drafts, notes
from opstui.services.secret_guard import SecretPolicy, SecretsFound
from opstui.textdiff import merge_three_way
from opstui.widgets.key_bar import KeyBar
from opstui.widgets.literal_markdown import LiteralMarkdown
from opstui.widgets.literal_text_area import LiteralTextArea
from opstui.widgets.top_bar import TopBar

log = logging.getLogger(__name__)

PREVIEW_MODES = ("off", "side", "only")


class NoteEditorScreen(ServiceCalls, Screen):
    # Seconds between draft saves while there are unsaved edits, and between
    # presence heartbeats (readers treat a row older than a minute as gone).
    AUTOSAVE_SECONDS = 3.0
    PRESENCE_SECONDS = 5.0

    BINDINGS = [
        Binding("ctrl+s", "save", "Save", id="note.save"),
        Binding("ctrl+r", "cycle_preview", "Preview", id="note.preview"),
        Binding("ctrl+f", "find", "Find", id="note.find"),
        Binding("f3", "find_next", "Find next", id="note.find-next"),
        Binding("ctrl+g", "external_editor", "External editor", id="note.external"),
        Binding("ctrl+o", "history", "History", id="note.history"),
        Binding("ctrl+z", "undo", "Undo", show=False, id="note.undo"),
        Binding("ctrl+y", "redo", "Redo", show=False, id="note.redo"),
        Binding("escape", "close", "Close", id="note.close"),
    ]

    DEFAULT_CSS = """
    NoteEditorScreen #note-title { height: 3; }
    NoteEditorScreen #note-panes { height: 1fr; }
    NoteEditorScreen #note-body { width: 1fr; }
    NoteEditorScreen #note-preview { width: 1fr; display: none; border-left: solid $primary; padding: 0 1; }
    NoteEditorScreen.-preview-side #note-preview { display: block; }
    NoteEditorScreen.-preview-only #note-preview { display: block; }
    NoteEditorScreen.-preview-only #note-body { display: none; }
    NoteEditorScreen #find-input { display: none; }
    NoteEditorScreen #find-input.-shown { display: block; }
    NoteEditorScreen #note-status { height: 1; background: $boost; padding: 0 1; }
    """

    def __init__(self, note_id: int):
        super().__init__()
        self.note_id = note_id
        self.task_id: int = 0
        self.base_version = 0
        self.saved_title = ""
        self.saved_body = ""
        self.last_draft: tuple[str, str] | None = None
        # Set while the editor contains a merge: the user's own text from the conflict,
        # kept so the next save stores it as a revision before the merged result.
        self.conflict_mine: tuple[str, str] | None = None
        self.newer_saved_by: str | None = None
        self.preview_mode = "off"
        self.find_text = ""
        self.editor_key = note_drafts.editor_session_key()
        self.others: list[dict] = []
        self._preview_timer = None
        self.latest_text = ("", "")

    # -- layout and loading ------------------------------------------------------

    def compose(self) -> ComposeResult:
        yield TopBar(f"Note #{self.note_id}")
        yield Input(placeholder="Title", id="note-title")
        with Horizontal(id="note-panes"):
            yield LiteralTextArea(language="markdown", id="note-body", soft_wrap=True, show_line_numbers=False,
                                  tab_behavior="indent")
            yield LiteralMarkdown("", id="note-preview", open_links=False)
        yield Input(placeholder="Find (enter: next match, escape: close)", id="find-input")
        yield Static("", id="note-status", markup=False)
        yield KeyBar()

    @property
    def body_area(self) -> TextArea:
        return self.query_one("#note-body", TextArea)

    @property
    def title_input(self) -> Input:
        return self.query_one("#note-title", Input)

    @property
    def current_text(self) -> tuple[str, str]:
        """Return the title and body being edited.

        While the screen is being removed (closing, app exit) its widgets may already
        be gone, so the copy kept by the change handlers is returned instead.
        """
        try:
            self.latest_text = (self.title_input.value, self.body_area.text)
        except NoMatches:
            pass
        return self.latest_text

    @property
    def dirty(self) -> bool:
        return self.current_text != (self.saved_title, self.saved_body) or self.conflict_mine is not None

    def on_mount(self) -> None:
        try:
            note = notes.get_note(self.app.session, self.note_id)
        except NotFoundError as error:
            self.app.notify(str(error), severity="error")
            self.dismiss()
            return
        self.task_id = note["task_id"]
        self._load_saved(note)
        self._offer_draft()
        self.body_area.focus()

        self.call_service(note_drafts.mark_open, self.app.session, self.note_id, self.editor_key)
        self._refresh_presence()
        self.set_interval(self.AUTOSAVE_SECONDS, self.autosave_draft, name="note-autosave")
        self.set_interval(self.PRESENCE_SECONDS, self.heartbeat, name="note-presence")
        install_signal_handlers(self.app)
        OPEN_EDITORS.add(self)

    def _load_saved(self, note: dict, *, keep_cursor: bool = False) -> None:
        self.base_version = note["version"]
        self.saved_title = note["title"]
        self.saved_body = note["body"]
        self._set_editor_text(note["title"], note["body"], keep_cursor=keep_cursor)
        self.newer_saved_by = None
        self.query_one(TopBar).set_location(f"Note #{self.note_id} · task #{self.task_id}")

    def _set_editor_text(self, title: str, body: str, *, keep_cursor: bool = False) -> None:
        area = self.body_area
        cursor = area.cursor_location
        self.title_input.value = title
        area.load_text(body)
        if keep_cursor:
            row = min(cursor[0], area.document.line_count - 1)
            column = min(cursor[1], len(area.document.get_line(row)))
            area.cursor_location = (row, column)
        self._update_status()
        self._schedule_preview()

    def _offer_draft(self) -> None:
        draft = note_drafts.get_draft(self.app.session, self.note_id)
        if draft is None:
            return
        if (draft["title"], draft["body"]) == (self.saved_title, self.saved_body):
            self.call_service(note_drafts.discard_draft, self.app.session, self.note_id)
            return
        from opstui.screens.reason_dialog import ConfirmDialog

        question = (f"You have unsaved text of this note from {draft['saved_at'][:19].replace('T', ' ')} UTC"
                    f" (based on version {draft['base_version']}; the note is at version {self.base_version})."
                    " Restore it? No discards the draft.")

        def answered(restore: bool | None) -> None:
            if restore:
                self._restore_draft(draft)
            else:
                self.call_service(note_drafts.discard_draft, self.app.session, self.note_id)

        self.app.push_screen(ConfirmDialog(question, "Restore"), answered)

    def _restore_draft(self, draft: dict) -> None:
        if draft["base_version"] != self.base_version:
            # The draft was typed over an older version: saving it must go through the
            # conflict screen, so compare against the version it was based on.
            try:
                old = notes.revision(self.app.session, self.note_id, draft["base_version"])
                self.base_version = draft["base_version"]
                self.saved_title, self.saved_body = old["title"], old["body"]
            except NotFoundError:
                log.info("draft base version %s of note %s is gone", draft["base_version"], self.note_id)
        self._set_editor_text(draft["title"], draft["body"])
        self.last_draft = (draft["title"], draft["body"])

    # -- status line, preview ------------------------------------------------------

    def on_text_area_changed(self, event: TextArea.Changed) -> None:
        self.latest_text = (self.title_input.value, event.text_area.text)
        self._update_status()
        self._schedule_preview()

    def on_input_changed(self, event: Input.Changed) -> None:
        if event.input.id == "note-title":
            self.latest_text = (event.value, self.body_area.text)
            self._update_status()

    def _update_status(self) -> None:
        counts = notes.text_counts(self.body_area.text)
        parts = [f"{counts.words} words", f"{counts.lines} lines", f"version {self.base_version}"]
        if self.conflict_mine is not None:
            parts.append("MERGING: save to finish")
        elif self.dirty:
            parts.append("modified")
        if self.newer_saved_by:
            parts.append(f"{self.newer_saved_by} saved a newer version: saving will ask you to merge")
        if self.others:
            names = ", ".join(one_line(row["display_name"], 30) for row in self.others)
            parts.append(f"also open: {names}")
        self.query_one("#note-status", Static).update(" · ".join(parts))

    def _schedule_preview(self) -> None:
        if self.preview_mode == "off":
            return
        if self._preview_timer is not None:
            self._preview_timer.stop()
        self._preview_timer = self.set_timer(0.3, self._render_preview)

    def _render_preview(self) -> None:
        self.query_one("#note-preview", LiteralMarkdown).update(self.body_area.text)

    def action_cycle_preview(self) -> None:
        self.preview_mode = PREVIEW_MODES[(PREVIEW_MODES.index(self.preview_mode) + 1) % len(PREVIEW_MODES)]
        for mode in PREVIEW_MODES:
            self.set_class(mode == self.preview_mode and mode != "off", f"-preview-{mode}")
        if self.preview_mode != "off":
            self._render_preview()
        if self.preview_mode != "only":
            self.body_area.focus()

    def on_markdown_link_clicked(self, event: Markdown.LinkClicked) -> None:
        event.prevent_default()
        href = event.href
        if href.startswith("attachment:"):
            attachment_id = href.split(":", 1)[1].split("/", 1)[0]
            self.app.notify(f"Save the attachment with: opstui note attachment {attachment_id}")
        else:
            self.app.notify(f"Link: {href}")

    # -- drafts and presence -----------------------------------------------------

    def autosave_draft(self) -> None:
        """Write the unsaved text as a draft if it changed since the last draft."""
        text = self.current_text
        if not self.dirty:
            if self.last_draft is not None:
                self.call_service(note_drafts.discard_draft, self.app.session, self.note_id)
                self.last_draft = None
            return
        if text == self.last_draft:
            return
        try:
            note_drafts.save_draft(self.app.session, self.note_id, title=text[0], body=text[1],
                                   base_version=self.base_version)
            self.last_draft = text
        except OpstuiError as error:
            log.warning("draft of note %s not saved: %s", self.note_id, error)

    def flush_draft(self) -> None:
        """Save the draft now (closing, quitting, or a signal); errors are logged, not raised."""
        try:
            self.autosave_draft()
        except Exception:
            log.exception("draft of note %s not saved", self.note_id)

    def heartbeat(self) -> None:
        try:
            note_drafts.mark_open(self.app.session, self.note_id, self.editor_key)
        except OpstuiError as error:
            log.warning("presence of note %s not refreshed: %s", self.note_id, error)
        self._refresh_presence()

    def _refresh_presence(self) -> None:
        others = note_drafts.others_present(self.app.session, self.note_id)
        if others != self.others:
            self.others = others
            self._update_status()

    def on_unmount(self) -> None:
        OPEN_EDITORS.discard(self)
        self.flush_draft()
        try:
            note_drafts.mark_closed(self.app.session, self.note_id, self.editor_key)
        except Exception:
            log.exception("presence of note %s not removed", self.note_id)

    # -- live reload ---------------------------------------------------------------

    def on_events_arrived(self, message: EventsArrived) -> None:
        mine = [event for event in message.events
                if event["entity"] == "note" and event["entity_id"] == str(self.note_id)]
        if not mine:
            return
        try:
            note = notes.get_note(self.app.session, self.note_id)
        except NotFoundError:
            self.app.notify(f"Note #{self.note_id} was purged; your text is kept as a draft only until you close.",
                            severity="warning")
            return
        if note["version"] == self.base_version:
            return
        if not self.dirty:
            self._load_saved(note, keep_cursor=True)
            self.app.notify(f"{note['updated_by']} saved version {note['version']}; the view was updated.")
        else:
            self.newer_saved_by = note["updated_by"]
            self._update_status()

    # -- saving and conflicts -------------------------------------------------------

    def action_save(self, kind: str = "save") -> None:
        self._save(kind, SecretPolicy.REJECT)

    def _save(self, kind: str, secrets: SecretPolicy) -> None:
        title, body = self.current_text
        session = self.app.session
        try:
            if self.conflict_mine is not None:
                mine_title, mine_body = self.conflict_mine
                version = notes.save_merged(session, self.note_id, self.base_version, mine_title=mine_title,
                                            mine_body=mine_body, merged_title=title, merged_body=body,
                                            secrets=secrets)
            else:
                version = notes.save_note(session, self.note_id, self.base_version, title=title, body=body,
                                          kind=kind, secrets=secrets)
        except SecretsFound as error:
            self._ask_about_secrets(error, partial(self._save, kind))
            return
        except ConflictError as error:
            # The secret check passed before the version check failed: compare the text
            # as it would be saved, and let "keep mine" reuse the choice.
            if secrets is SecretPolicy.MASK:
                self._show_masked(title, body)
            self._show_conflict(error.current, secrets)
            return
        except OpstuiError as error:
            self.app.notify(str(error), title="Not saved", severity="error", timeout=8)
            return
        if secrets is SecretPolicy.MASK:
            title, body = self._show_masked(title, body)
        self._after_save(version, title, body)

    def _ask_about_secrets(self, error: SecretsFound, retry: Callable[[SecretPolicy], None]) -> None:
        """Show the findings; retry the save with the chosen policy, or keep editing on cancel."""
        self.flush_draft()
        ask_about_secrets(self.app, error, retry)

    def _show_masked(self, title: str, body: str) -> tuple[str, str]:
        """Put the masked text, as the service saved it, into the editor and return it."""
        masked = (mask_secrets(title), mask_secrets(body))
        if masked != (title, body):
            self._set_editor_text(*masked, keep_cursor=True)
        return masked

    def _after_save(self, version: int, title: str, body: str) -> None:
        self.base_version = version
        self.saved_title, self.saved_body = title, body
        self.conflict_mine = None
        self.newer_saved_by = None
        self.last_draft = None
        self._update_status()
        self.app.notify(f"Saved version {version}.")

    def _show_conflict(self, current: dict, secrets: SecretPolicy = SecretPolicy.REJECT) -> None:
        # NOTE: a second conflict while a merge is open compares the merge in progress,
        # so the text from before the first merge is then kept only in the draft.
        title, body = self.current_text
        texts = ConflictTexts(mine_title=title, mine_body=body,
                              theirs_title=current.get("title", ""), theirs_body=current.get("body", ""),
                              theirs_version=current.get("version", 0),
                              theirs_author=current.get("updated_by", "someone"))
        self.flush_draft()
        self.app.push_screen(NoteConflictScreen(texts),
                             partial(self._resolve_conflict, texts, current, secrets=secrets))

    def _resolve_conflict(self, texts: ConflictTexts, current: dict, choice: str | None, *,
                          secrets: SecretPolicy = SecretPolicy.REJECT) -> None:
        if choice is None:
            self.newer_saved_by = texts.theirs_author
            self._update_status()
            return
        mine = (texts.mine_title, texts.mine_body)
        theirs = (texts.theirs_title, texts.theirs_body)
        if choice == "merge":
            self._start_merge(mine, theirs, texts.theirs_version, texts.theirs_author)
            return
        chosen = mine if choice == "mine" else theirs
        self._save_conflict_choice(texts, mine, chosen, secrets)

    def _save_conflict_choice(self, texts: ConflictTexts, mine: tuple[str, str], chosen: tuple[str, str],
                              secrets: SecretPolicy) -> None:
        try:
            version = notes.save_merged(self.app.session, self.note_id, texts.theirs_version, mine_title=mine[0],
                                        mine_body=mine[1], merged_title=chosen[0], merged_body=chosen[1],
                                        secrets=secrets)
        except SecretsFound as error:
            self._ask_about_secrets(error, partial(self._save_conflict_choice, texts, mine, chosen))
            return
        except ConflictError as error:
            self._show_conflict(error.current, secrets)
            return
        except OpstuiError as error:
            self.app.notify(str(error), title="Not saved", severity="error", timeout=8)
            return
        if secrets is SecretPolicy.MASK:
            chosen = (mask_secrets(chosen[0]), mask_secrets(chosen[1]))
        self._set_editor_text(*chosen, keep_cursor=True)
        self._after_save(version, *chosen)

    def _start_merge(self, mine: tuple[str, str], theirs: tuple[str, str], theirs_version: int,
                     theirs_author: str) -> None:
        base_body = self.saved_body
        merged = merge_three_way(base_body, mine[1], theirs[1], "yours", f"{theirs_author} v{theirs_version}")
        self.conflict_mine = mine
        self.base_version = theirs_version
        self.saved_title, self.saved_body = theirs
        self._set_editor_text(mine[0], merged.text)
        if merged.conflicts:
            self.app.notify(f"{merged.conflicts} block(s) changed by both are marked with <<<<<<< and >>>>>>>:"
                            " edit them, then save.", severity="warning", timeout=10)
        else:
            self.app.notify("Both changes merged without overlap: check the text, then save.")

    # -- find ----------------------------------------------------------------------

    def action_find(self) -> None:
        field = self.query_one("#find-input", Input)
        field.add_class("-shown")
        field.value = self.find_text
        field.focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        if event.input.id == "find-input":
            self.find_text = event.value
            self.action_find_next()
        elif event.input.id == "note-title":
            self.body_area.focus()

    def action_find_next(self) -> None:
        if not self.find_text:
            self.action_find()
            return
        area = self.body_area
        text = area.text
        start = _offset_of(text, area.selection.end)
        index = text.lower().find(self.find_text.lower(), start)
        if index < 0:
            index = text.lower().find(self.find_text.lower())
        if index < 0:
            self.app.notify(f"Not found: {self.find_text}", severity="warning")
            return
        area.selection = Selection(_location_of(text, index), _location_of(text, index + len(self.find_text)))
        area.scroll_cursor_visible()

    # -- other actions ---------------------------------------------------------------

    def action_undo(self) -> None:
        self.body_area.undo()

    def action_redo(self) -> None:
        self.body_area.redo()

    def action_external_editor(self) -> None:
        title, body = self.current_text
        self.flush_draft()
        try:
            with self.app.suspend():
                edited = edit_text(body)
        except OpstuiError as error:
            self.app.notify(str(error), title="External editor", severity="error", timeout=8)
            return
        if edited is None:
            self.app.notify("The editor exited with an error status; the text was not changed.")
            return
        self._set_editor_text(title, edited, keep_cursor=True)
        self.action_save(kind="external")

    def action_history(self) -> None:
        from opstui.screens.note_history import NoteHistoryScreen

        self.flush_draft()
        self.app.push_screen(NoteHistoryScreen(self.note_id))

    def on_screen_resume(self) -> None:
        # A restore from the history screen changes the note: show it if nothing is unsaved.
        try:
            note = notes.get_note(self.app.session, self.note_id)
        except NotFoundError:
            return
        if note["version"] != self.base_version and not self.dirty:
            self._load_saved(note, keep_cursor=True)

    def action_close(self) -> None:
        field = self.query_one("#find-input", Input)
        if field.has_class("-shown"):
            field.remove_class("-shown")
            self.body_area.focus()
            return
        if self.dirty:
            self.flush_draft()
            self.app.notify("Unsaved text kept as a draft; it is offered when you open the note again.")
        self.dismiss()


def _offset_of(text: str, location: tuple[int, int]) -> int:
    lines = text.split("\n")
    row, column = location
    return sum(len(line) + 1 for line in lines[:row]) + column


def _location_of(text: str, offset: int) -> tuple[int, int]:
    before = text[:offset]
    row = before.count("\n")
    column = len(before) - (before.rfind("\n") + 1)
    return row, column


# -- signals ---------------------------------------------------------------------------

OPEN_EDITORS: "weakref.WeakSet[NoteEditorScreen]" = weakref.WeakSet()
_APPS_WITH_HANDLERS: "weakref.WeakSet" = weakref.WeakSet()


def install_signal_handlers(app) -> None:
    """Save every open editor's draft on SIGHUP or SIGTERM, then exit.

    The handlers run in the event loop (loop.add_signal_handler), between two
    callbacks, so the draft write never interrupts another database call.
    """
    if app in _APPS_WITH_HANDLERS:
        return
    try:
        loop = asyncio.get_running_loop()
        for number in (signal.SIGHUP, signal.SIGTERM):
            loop.add_signal_handler(number, partial(_save_drafts_and_exit, app, number))
    except (NotImplementedError, RuntimeError, ValueError) as error:
        log.warning("cannot install signal handlers for drafts: %s", error)
        return
    _APPS_WITH_HANDLERS.add(app)


def _save_drafts_and_exit(app, number: int) -> None:
    log.info("signal %s: saving drafts of %d open editor(s)", number, len(OPEN_EDITORS))
    for editor in list(OPEN_EDITORS):
        editor.flush_draft()
    app.exit(return_code=128 + number)
