"""Demo time entries: a few days of work by each assignee, so the reports have numbers."""

from datetime import UTC, datetime, timedelta

from opstui.services import tasks, timelog
from opstui.services.demo import DEMO_EXTENSIONS
from opstui.services.session import Session

# (days ago, start hour UTC, duration, comment) logged by every assignee of a task.
DEMO_WORK = [
    (3, 8, "1h30m", "research and notes"),
    (2, 13, "2h", "sandbox trial"),
    (1, 22, "3h", "production window, across midnight"),
]


def add_demo_time(session: Session, master_task_ids: list[int]) -> None:
    today = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    for task_id in master_task_ids[:3]:
        detail = tasks.task_detail(session, task_id)
        logins = sorted({login for subtask in detail["subtasks"] for login in subtask["assignees"]}) or [session.login]
        for index, login in enumerate(logins):
            worker = Session(store=session.store, login=login)
            for days_ago, hour, duration, comment in DEMO_WORK:
                start = today - timedelta(days=days_ago) + timedelta(hours=hour + index)
                timelog.add_entry(worker, task_id, duration, at=start.isoformat(), comment=comment)


DEMO_EXTENSIONS.append(add_demo_time)
