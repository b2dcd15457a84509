"""Time totals by task, step, user, day, ISO week or run step over a date range, with a bar chart.

The screen renders the same Report object as `opstui log report`, so the hours it
shows are the numbers in the CSV and JSON exports. Textual 8 has no chart widget,
so the bars are block characters from opstui.timelog.bars.
"""

from datetime import date

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.screen import Screen
from textual.widgets import DataTable, Input, Label, Static

from opstui.app import EventsArrived
from opstui.errors import OpstuiError
from opstui.services import timelog
from opstui.timelog.bars import bar
from opstui.timelog.durations import format_clock, format_hours
from opstui.timelog.instants import parse_local_date
from opstui.timelog.report import RUN_STEP_GROUPING, Report
from opstui.widgets.key_bar import KeyBar
from opstui.widgets.literal import literal_cell
from opstui.widgets.top_bar import TopBar

BAR_WIDTH = 30
GROUPING_TITLES = {"task": "task", "step": "checklist step", "user": "user", "day": "day", "week": "ISO week",
                   RUN_STEP_GROUPING: "run step"}


class ReportsScreen(Screen):
    """Totals of finished time entries; edit the range, pick a grouping by key."""

    BINDINGS = [
        Binding("escape", "back", "Back", id="reports.back"),
        Binding("1", "group('task')", "By task", id="reports.by-task"),
        Binding("2", "group('step')", "By step", id="reports.by-step"),
        Binding("3", "group('user')", "By user", id="reports.by-user"),
        Binding("4", "group('day')", "By day", id="reports.by-day"),
        Binding("5", "group('week')", "By week", id="reports.by-week"),
        Binding("6", f"group('{RUN_STEP_GROUPING}')", "By run step", id="reports.by-run-step"),
    ]
    DEFAULT_CSS = """
    ReportsScreen #report-range { height: auto; padding: 0 1; }
    ReportsScreen #report-range Input { width: 16; }
    ReportsScreen #report-range Label { padding: 1 1 0 1; }
    ReportsScreen #report-table { height: 1fr; }
    ReportsScreen #report-summary { height: auto; padding: 0 1; }
    """

    def __init__(self, by: str = "task", date_from: date | None = None, date_to: date | None = None):
        super().__init__()
        self.by = by
        self.date_from = date_from
        self.date_to = date_to
        self.report: Report | None = None

    def compose(self) -> ComposeResult:
        yield TopBar("Reports")
        with Horizontal(id="report-range"):
            yield Label("From", markup=False)
            yield Input(self.date_from.isoformat() if self.date_from else "", placeholder="YYYY-MM-DD",
                        id="report-from")
            yield Label("To", markup=False)
            yield Input(self.date_to.isoformat() if self.date_to else "", placeholder="YYYY-MM-DD", id="report-to")
            yield Label("(empty: no limit; enter applies)", markup=False)
        yield DataTable(id="report-table", cursor_type="row", zebra_stripes=True)
        yield Static("", id="report-summary", markup=False)
        yield KeyBar()

    def on_mount(self) -> None:
        self.reload()
        self.query_one(DataTable).focus()

    def on_screen_resume(self) -> None:
        self.reload()

    def on_events_arrived(self, message: EventsArrived) -> None:
        if any(kind.startswith("time.") or kind.startswith("task.") for kind in message.kinds):
            self.reload()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        try:
            date_from = self._read_date("#report-from")
            date_to = self._read_date("#report-to")
        except OpstuiError as error:
            self.app.notify(str(error), title="Not applied", severity="error")
            return
        self.date_from, self.date_to = date_from, date_to
        self.reload()
        self.query_one(DataTable).focus()

    def _read_date(self, selector: str) -> date | None:
        text = self.query_one(selector, Input).value.strip()
        return parse_local_date(text) if text else None

    def reload(self) -> None:
        """Build the report again and show it, keeping the cursor row."""
        try:
            if self.by == RUN_STEP_GROUPING:
                from opstui.services import runs  # reads Markdown steps: imported when first asked for

                self.report = runs.run_step_report(self.app.session, date_from=self.date_from,
                                                   date_to=self.date_to)
            else:
                self.report = timelog.time_report(self.app.session, by=self.by, date_from=self.date_from,
                                                  date_to=self.date_to)
        except OpstuiError as error:
            self.app.notify(str(error), title="No report", severity="error")
            return
        self._show(self.report)

    def _show(self, report: Report) -> None:
        table = self.query_one(DataTable)
        keep = table.cursor_row
        table.clear(columns=True)
        table.add_columns(GROUPING_TITLES[report.by].capitalize(), "Hours", "H:MM", "Chart")
        maximum = max((row.seconds for row in report.rows), default=0)
        for row in report.rows:
            table.add_row(literal_cell(row.label, 80), Text(row.hours, justify="right"),
                          Text(row.clock, justify="right"), Text(bar(row.seconds, maximum, BAR_WIDTH), style="green"),
                          key=row.key)
        if report.rows:
            table.move_cursor(row=min(keep, len(report.rows) - 1))

        first = report.date_from.isoformat() if report.date_from else "the first entry"
        last = report.date_to.isoformat() if report.date_to else "the last entry"
        summary = (f"Total {format_hours(report.total_seconds)} h ({format_clock(report.total_seconds)}) by "
                   f"{GROUPING_TITLES[report.by]}, from {first} to {last} in {report.zone}. "
                   "A running timer counts once it stops.")
        self.query_one("#report-summary", Static).update(summary)
        self.query_one(TopBar).set_location(f"Reports │ by {GROUPING_TITLES[report.by]}")

    def action_group(self, by: str) -> None:
        self.by = by
        self.reload()

    def action_back(self) -> None:
        self.dismiss()

    def rows_shown(self) -> list[tuple[str, str, str]]:
        """Return (label, hours, H:MM) of every row as displayed, for tests and copy-out."""
        table = self.query_one(DataTable)
        shown = []
        for index in range(table.row_count):
            cells = table.get_row_at(index)
            shown.append((str(cells[0]), str(cells[1]), str(cells[2])))
        return shown
