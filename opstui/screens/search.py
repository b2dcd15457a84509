"""Search notes, instructions and task titles as you type; enter opens the result."""

from __future__ import annotations

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import DataTable, Input, Static
from textual.worker import get_current_worker

from opstui.errors import OpstuiError
from opstui.sanitize import one_line
from opstui.screens.service_calls import ServiceCalls
from opstui.services import search as search_service
from opstui.services.search import SearchHit
from opstui.widgets.key_bar import KeyBar
from opstui.widgets.top_bar import TopBar

KIND_LABELS = {"note": "Note", "instruction": "Instruction", "task": "Task"}
LINE_WIDTH = 120


def highlighted_line(hit: SearchHit) -> Text:
    """Return the matching line with the matched words in bold; never parsed as markup."""
    plain = hit.plain_line
    text = Text(one_line(plain, LINE_WIDTH), no_wrap=True, overflow="ellipsis")
    if len(text.plain) == len(plain):
        for start, end in hit.spans:
            text.stylize("bold reverse", start, end)
    return text


class SearchScreen(ServiceCalls, Screen):
    BINDINGS = [
        Binding("escape", "back", "Back", id="search.back"),
        Binding("down", "focus_results", "Results", show=False, id="search.results"),
    ]
    DEFAULT_CSS = """
    SearchScreen #search-count { height: 1; padding: 0 1; color: $text-muted; }
    SearchScreen #search-results { height: 1fr; }
    """

    def __init__(self, query: str = ""):
        super().__init__()
        self.initial_query = query
        self.hits: list[SearchHit] = []

    def compose(self) -> ComposeResult:
        yield TopBar("Search")
        yield Input(value=self.initial_query, placeholder='Words to find ("phrase", prefix*)', id="search-input")
        yield Static("", id="search-count", markup=False)
        yield DataTable(id="search-results", cursor_type="row", zebra_stripes=True)
        yield KeyBar()

    @property
    def results(self) -> DataTable:
        return self.query_one("#search-results", DataTable)

    def on_mount(self) -> None:
        self.results.add_columns("Kind", "Title", "Task", "Matching line")
        self.query_one("#search-input", Input).focus()
        if self.initial_query:
            self.run_search(self.initial_query)

    def on_input_changed(self, event: Input.Changed) -> None:
        self.run_search(event.value)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        if self.hits:
            self.results.focus()

    @work(thread=True, exclusive=True, group="search")
    def run_search(self, query: str) -> None:
        # The store opens one connection per thread, so this query runs beside the
        # event loop and a slow search does not freeze typing.
        try:
            hits = search_service.search(self.app.session, query)
        except OpstuiError as error:
            self.app.call_from_thread(self.app.notify, str(error), severity="error")
            return
        if not get_current_worker().is_cancelled:
            self.app.call_from_thread(self._show_hits, query, hits)

    def _show_hits(self, query: str, hits: list[SearchHit]) -> None:
        self.hits = hits
        table = self.results
        table.clear()
        for hit in hits:
            task = f"#{hit.task_id}" if hit.task_id else ""
            table.add_row(KIND_LABELS.get(hit.kind, hit.kind), Text(one_line(hit.title, 60)), task,
                          highlighted_line(hit))
        if not query.strip():
            message = "Type to search notes, instructions and task titles. Retired notes are not searched."
        else:
            message = f"{len(hits)} result(s)" + (" (first 50)" if len(hits) >= 50 else "")
        self.query_one("#search-count", Static).update(message)

    def action_focus_results(self) -> None:
        if self.hits:
            self.results.focus()

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        if 0 <= event.cursor_row < len(self.hits):
            self.open_hit(self.hits[event.cursor_row])

    def open_hit(self, hit: SearchHit) -> None:
        if hit.kind == "note":
            from opstui.screens.note_editor import NoteEditorScreen

            self.app.push_screen(NoteEditorScreen(hit.ref_id))
        elif hit.kind == "task" or hit.task_id:
            from opstui.screens.task import TaskScreen

            self.app.push_screen(TaskScreen(hit.task_id or hit.ref_id))
        else:
            self.app.notify(f"Open instruction #{hit.ref_id} from the knowledge base.")

    def action_back(self) -> None:
        self.dismiss()
