"""Task screen tab: the comments of any task and, on an activity task, its work summary."""

from datetime import datetime

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.widgets import Static

from opstui.screens.service_calls import ServiceCalls
from opstui.services import comments
from opstui.services.secret_guard import SecretPolicy
from opstui.widgets.literal import literal_block

TAB_TITLE = "Comments"
TAB_ORDER = 60


def build(task_id: int) -> "CommentList":
    return CommentList(task_id)


def local_time(iso_text: str) -> str:
    moment = datetime.fromisoformat(iso_text.replace("Z", "+00:00")).astimezone()
    return moment.strftime("%Y-%m-%d %H:%M")


class CommentList(ServiceCalls, VerticalScroll):
    BINDINGS = [
        Binding("c", "add_comment", "Add comment", id="comments.add"),
        Binding("S", "set_summary", "Work summary", key_display="S", id="comments.summary"),
    ]
    DEFAULT_CSS = """
    CommentList { height: 1fr; }
    CommentList .comment-head { color: $text-muted; margin-top: 1; }
    CommentList #summary { border: round $accent; padding: 0 1; height: auto; }
    CommentList #no-summary { color: $warning; }
    """
    can_focus = True

    def __init__(self, task_id: int):
        super().__init__(id="comment-list")
        self.task_id = task_id
        self.kind = ""

    def compose(self) -> ComposeResult:
        yield Static(id="comment-body", markup=False)

    def on_mount(self) -> None:
        self.reload()

    def reload(self) -> None:
        from opstui.services import tasks

        task = self.call_service(tasks.get_task, self.app.session, self.task_id)
        rows = self.call_service(comments.list_comments, self.app.session, self.task_id)
        if task is None or rows is None:
            return
        self.kind = task["kind"]
        self.query_one("#comment-body", Static).update(self.render_comments(rows))

    def render_comments(self, rows: list[dict]) -> Text:
        text = Text()
        if self.kind == "activity":
            summaries = [row for row in rows if row["kind"] == "summary"]
            if summaries:
                latest = summaries[-1]
                text.append(f"Work summary by {latest['author_name']} at {local_time(latest['created_at'])}\n",
                            style="bold")
                text.append(str(literal_block(latest["body"])) + "\n")
            else:
                text.append("No work summary yet: press S to write it; closing this activity task needs it.\n",
                            style="bold yellow")
            text.append("\n")
        plain = [row for row in rows if row["kind"] == "comment"]
        if not plain:
            text.append("No comments yet: press c to add one (Markdown).", style="dim")
        for row in plain:
            text.append(f"#{row['id']} {row['author_name']} ({row['author']}) at {local_time(row['created_at'])}\n",
                        style="bold")
            text.append(str(literal_block(row["body"])) + "\n\n")
        return text

    def action_add_comment(self) -> None:
        from opstui.screens.comment_dialog import CommentDialog

        def submit(body: str, secrets: SecretPolicy) -> int:
            return comments.add_comment(self.app.session, self.task_id, body, secrets=secrets)

        self.app.push_screen(CommentDialog(f"Comment on #{self.task_id}", submit),
                             lambda comment_id: self.reload() if comment_id else None)

    def action_set_summary(self) -> None:
        if self.kind != "activity":
            self.app.notify("The work summary belongs to the activity task; open it from the Process tab (A).",
                            severity="warning")
            return
        from opstui.screens.comment_dialog import CommentDialog

        current = comments.get_summary(self.app.session, self.task_id)

        def submit(body: str, secrets: SecretPolicy) -> int:
            return comments.set_summary(self.app.session, self.task_id, body, secrets=secrets)

        self.app.push_screen(CommentDialog(f"Work summary of activity task #{self.task_id}", submit,
                                           initial=current["body"] if current else ""),
                             lambda comment_id: self.reload() if comment_id else None)
