"""Demo process state: each demo change has its steps ticked up to its board stage.

Steps of the stages before a change's stage are done, the activity task exists
from Production on, and the change in Done has its activity task closed with a
work summary. The steps of the current stage stay open, so the checklist shows
what comes next.
"""

from opstui.services import activity, comments, process, task_lifecycle, tasks
from opstui.services.demo import DEMO_EXTENSIONS
from opstui.services.process_steps import STAGES, STEPS
from opstui.services.session import Session

DEMO_REASON = "demo data: the work happened before opstui recorded it"

DEMO_SUMMARY = ("Work done as planned in one maintenance window; no rollback needed.\n\n"
                "- Time logged on this activity task\n- Monitoring checked the next morning")


def add_demo_steps(session: Session, master_task_ids: list[int]) -> None:
    for task_id in master_task_ids:
        task = tasks.get_task(session, task_id)
        stage_index = STAGES.index(task["stage"])
        process.sync_automatic_steps(session, task_id)
        for step in STEPS:
            if STAGES.index(step.stage) >= stage_index or step.number in (11, 12):
                continue
            _finish_step(session, task_id, step.number)
        if task["stage"] == "done":
            _finish_change(session, task_id)


def _finish_step(session: Session, task_id: int, number: int) -> None:
    state = process.checklist(session, task_id)[number - 1]["state"]
    if state != "open":
        return
    if number == 7:
        activity.create_activity(session, task_id, reason=DEMO_REASON)
    else:
        process.tick_step(session, task_id, number, reason=DEMO_REASON)


def _finish_change(session: Session, task_id: int) -> None:
    """Create, summarise and close the activity task of a completed change (steps 7, 11, 12)."""
    if activity.activity_of(session, task_id) is None:
        activity.create_activity(session, task_id, reason=DEMO_REASON)
    activity_id = activity.activity_of(session, task_id)["id"]
    comments.set_summary(session, activity_id, DEMO_SUMMARY)
    task_lifecycle.complete_master_task(session, task_id, reason=DEMO_REASON)
    activity.close_activity(session, activity_id)


DEMO_EXTENSIONS.append(add_demo_steps)
