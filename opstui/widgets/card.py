"""The board card: its display texts, computed once per card from a service row."""

from dataclasses import dataclass
from datetime import date

from opstui.sanitize import one_line

PRIORITY_LABELS = {"low": "low", "normal": "normal", "high": "HIGH", "urgent": "URGENT"}


@dataclass
class Card:
    task_id: int
    stage: str
    title: str
    assignees: str
    priority: str
    due_text: str
    overdue: bool
    progress: str
    activity: str
    search_text: str
    assignee_logins: tuple[str, ...]

    @classmethod
    def from_row(cls, row: dict, today: date) -> "Card":
        due_on = row.get("due_on")
        overdue = bool(due_on and row["status"] != "done" and row["stage"] != "done"
                       and due_on < today.isoformat())
        due_text = ""
        if due_on:
            # The year is implied when it is this year, which keeps cards narrow.
            shown = due_on[5:] if due_on[:4] == str(today.year) else due_on
            due_text = f"late {shown}" if overdue else f"due {shown}"
        total = row.get("subtasks_total") or 0
        progress = f"{row.get('subtasks_done') or 0}/{total} done" if total else "no subtasks"
        # The card shows the activity task until it is closed (step 12).
        activity = "activity open" if row.get("activity_status") == "open" else ""
        logins = tuple(row.get("assignees") or ())
        title = one_line(row["title"])
        return cls(
            task_id=row["id"],
            stage=row["stage"],
            title=title,
            assignees=one_line(", ".join(logins)) if logins else "unassigned",
            priority=row["priority"],
            due_text=due_text,
            overdue=overdue,
            progress=progress,
            activity=activity,
            search_text=f"#{row['id']} {row['title']} {' '.join(logins)}".casefold(),
            assignee_logins=logins,
        )

    def matches(self, text_filter: str, login: str) -> bool:
        """Match a filter: words of the title, "@login" for an assignee, or "mine"."""
        for word in text_filter.casefold().split():
            if word == "mine":
                if login not in self.assignee_logins:
                    return False
            elif word.startswith("@"):
                if word[1:] not in (name.casefold() for name in self.assignee_logins):
                    return False
            elif word not in self.search_text:
                return False
        return True
