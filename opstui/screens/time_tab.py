"""Task screen tab: the time logged on a task, with keys to add, edit and delete entries."""

from textual.binding import Binding
from textual.widgets import DataTable

from opstui.screens.service_calls import ServiceCalls
from opstui.screens.timer_status import toggle_timer
from opstui.services import timelog
from opstui.timelog.durations import format_duration
from opstui.timelog.instants import format_local, from_iso_utc
from opstui.widgets.literal import literal_cell

TAB_TITLE = "Time"
TAB_ORDER = 50


def build(task_id: int) -> "TimeEntryList":
    return TimeEntryList(task_id)


class TimeEntryList(ServiceCalls, DataTable):
    """Every user's entries on one task, oldest first, with a total in the last row."""

    BINDINGS = [
        Binding("t", "toggle_timer", "Start/stop timer", id="time.timer"),
        Binding("a", "add_entry", "Add time", id="time.add"),
        Binding("e,enter", "edit_entry", "Edit time", id="time.edit"),
        Binding("d,delete", "delete_entry", "Delete time", key_display="d", id="time.delete"),
    ]

    def __init__(self, task_id: int):
        super().__init__(id="time-entries", cursor_type="row", zebra_stripes=True)
        self.task_id = task_id
        self.entries: list[dict] = []

    def on_mount(self) -> None:
        self.add_columns("ID", "Start", "Duration", "User", "Step", "Comment")
        self.reload()

    def reload(self) -> None:
        zone = timelog.user_zone()
        keep = self.cursor_row
        self.entries = timelog.list_entries(self.app.session, all_users=True, task_id=self.task_id, zone=zone)
        self.clear()
        total = 0
        for entry in self.entries:
            seconds = entry["seconds"]
            total += seconds or 0
            self.add_row(
                str(entry["id"]), format_local(from_iso_utc(entry["started_at"]), zone),
                "open" if seconds is None else format_duration(seconds), literal_cell(entry["login"], 30),
                literal_cell(entry["step_title"] or "", 40), literal_cell(entry["comment"], 80),
                key=str(entry["id"]),
            )
        self.add_row("", "total", format_duration(total), "", "", "", key="total")
        self.move_cursor(row=min(keep, max(len(self.entries) - 1, 0)))

    @property
    def current_entry(self) -> dict | None:
        if not self.entries or self.cursor_row >= len(self.entries):
            return None
        return self.entries[self.cursor_row]

    def action_toggle_timer(self) -> None:
        toggle_timer(self.app, self.task_id)
        self.reload()

    def action_add_entry(self) -> None:
        from opstui.screens.time_entry_dialog import TimeEntryDialog

        def submit(values: dict):
            return timelog.add_entry(self.app.session, self.task_id, values["duration"], at=values["at"],
                                     comment=values["comment"], step=values["step"])

        self.app.push_screen(TimeEntryDialog(f"Log time on #{self.task_id}", submit), self._saved)

    def action_edit_entry(self) -> None:
        from opstui.screens.time_entry_dialog import TimeEntryDialog

        entry = self.current_entry
        if entry is None:
            self.action_add_entry()
            return
        zone = timelog.user_zone()
        initial = {
            "at": format_local(from_iso_utc(entry["started_at"]), zone),
            "duration": format_duration(entry["seconds"]) if entry["seconds"] is not None else "",
            "step": str(entry["step"] or ""),
            "comment": entry["comment"],
        }

        def submit(values: dict):
            # Unchanged fields are not sent: the form shows whole minutes, and
            # re-parsing them would drop the seconds a timer recorded.
            at = values["at"] if values["at"] != initial["at"] else None
            duration = values["duration"] if values["duration"] != initial["duration"] else None
            return timelog.edit_entry(self.app.session, entry["id"], expected_version=entry["version"],
                                      at=at, duration=duration or None, comment=values["comment"],
                                      step=values["step"], zone=zone)

        self.app.push_screen(TimeEntryDialog(f"Edit time entry {entry['id']}", submit, initial), self._saved)

    def action_delete_entry(self) -> None:
        from opstui.screens.reason_dialog import ConfirmDialog

        entry = self.current_entry
        if entry is None:
            return

        def confirmed(answer: bool | None) -> None:
            if answer and self.call_service(timelog.delete_entry, self.app.session, entry["id"],
                                            expected_version=entry["version"]) is not None:
                self.app.notify(f"Time entry {entry['id']} deleted.")
                self.reload()

        duration = format_duration(entry["seconds"]) if entry["seconds"] is not None else "open"
        self.app.push_screen(ConfirmDialog(f"Delete time entry {entry['id']} ({duration} by {entry['login']})?",
                                           "Delete"), confirmed)

    def _saved(self, result: timelog.EntryResult | None) -> None:
        if result is None:
            return
        for overlap in result.overlaps:
            other = overlap.second_id if overlap.first_id == result.entry["id"] else overlap.first_id
            self.app.notify(f"Entry {result.entry['id']} overlaps your entry {other}"
                            f" by {format_duration(overlap.seconds)}.", severity="warning")
        self.reload()
