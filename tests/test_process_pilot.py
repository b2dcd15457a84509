"""The Process and Comments tabs and the board's move rules, driven by keys under Pilot."""

import pytest

from opstui.app import build_app
from opstui.screens import task_tabs
from opstui.screens.reason_dialog import ReasonDialog
from opstui.screens.task import TaskScreen
from opstui.services import activity, comments, process, tasks
from tests.helpers import team_session, type_text
from tests.process_helpers import change_with_subtask, states

# The tabs these tests drive; tabs of other areas are tested by their own tests.
PROCESS_TABS = ["opstui.widgets.task_overview", "opstui.widgets.process_checklist", "opstui.widgets.subtask_list",
                "opstui.widgets.comment_list", "opstui.widgets.audit_trail"]


@pytest.fixture(autouse=True)
def process_tabs(monkeypatch):
    monkeypatch.setattr(task_tabs, "TAB_MODULES", PROCESS_TABS)


async def open_process_tab(app, pilot, task_id: int) -> None:
    app.push_screen(TaskScreen(task_id))
    await pilot.pause()
    await pilot.press("]")
    await pilot.pause()


async def test_tick_and_skip_with_reason(tmp_path):
    session = team_session(tmp_path / "t.db")
    task_id = change_with_subtask(session)
    app = build_app(session)
    async with app.run_test(size=(120, 36)) as pilot:
        await open_process_tab(app, pilot, task_id)
        table = app.screen.query_one("#step-table")
        assert app.focused is table
        assert table.current_step["step"] == 4
        await pilot.press("space")
        await pilot.pause()
        assert states(process.checklist(session, task_id))[4] == "done"
        await pilot.press("down", "down")
        await pilot.press("s")
        await pilot.pause()
        assert isinstance(app.screen, ReasonDialog)
        await type_text(pilot, "tested in staging")
        await pilot.press("enter")
        await pilot.pause()
        step = process.checklist(session, task_id)[5]
        assert step["state"] == "skipped"
        assert step["reason"] == "tested in staging"
        await pilot.press("o")
        await pilot.pause()
        assert states(process.checklist(session, task_id))[6] == "open"


async def test_tick_out_of_order_asks_reason(tmp_path):
    session = team_session(tmp_path / "t.db")
    task_id = change_with_subtask(session)
    app = build_app(session)
    async with app.run_test(size=(120, 36)) as pilot:
        await open_process_tab(app, pilot, task_id)
        await pilot.press("down", "down", "space")
        await pilot.pause()
        assert isinstance(app.screen, ReasonDialog)
        await pilot.press("escape")
        await pilot.pause()
        assert states(process.checklist(session, task_id))[6] == "open"
        await pilot.press("space")
        await pilot.pause()
        await type_text(pilot, "draft first")
        await pilot.press("enter")
        await pilot.pause()
    assert process.checklist(session, task_id)[5]["reason"] == "draft first"


async def test_board_move_past_open_steps_asks_reason(tmp_path):
    session = team_session(tmp_path / "t.db")
    task_id = tasks.create_request(session, "Rotate keys")
    app = build_app(session)
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.pause()
        await pilot.press("L")
        await pilot.pause()
        assert isinstance(app.screen, ReasonDialog)
        await pilot.press("escape")
        await pilot.pause()
        assert tasks.get_task(session, task_id)["stage"] == "request"
        await pilot.press("L")
        await pilot.pause()
        await type_text(pilot, "assigned by phone")
        await pilot.press("enter")
        await pilot.pause()
    assert tasks.get_task(session, task_id)["stage"] == "discovery"


async def test_comment_added_by_key(tmp_path):
    session = team_session(tmp_path / "t.db")
    task_id = tasks.create_request(session, "Rotate keys")
    app = build_app(session)
    async with app.run_test(size=(120, 36)) as pilot:
        app.push_screen(TaskScreen(task_id))
        await pilot.pause()
        await pilot.press("]", "]", "]")
        await pilot.pause()
        await pilot.press("c")
        await pilot.pause()
        await type_text(pilot, "Checked with security")
        await pilot.press("ctrl+s")
        await pilot.pause()
    assert [row["body"] for row in comments.list_comments(session, task_id)] == ["Checked with security"]


@pytest.mark.slow
async def test_demo_change_walks_all_twelve_steps(tmp_path):
    from opstui.services.demo import write_demo

    from opstui.services.session import open_session

    session = open_session(tmp_path / "t.db", login="alice")
    write_demo(session)
    task_id = next(row["id"] for row in tasks.list_tasks(session, kind="master") if row["stage"] == "request")
    assert process.next_open_step(session, task_id) == 4
    app = build_app(session)
    async with app.run_test(size=(120, 36)) as pilot:
        await open_process_tab(app, pilot, task_id)
        for _ in (4, 5, 6):
            await pilot.press("space", "down")
            await pilot.pause()
        await pilot.press("space")
        await pilot.pause()
        await pilot.press("y")
        await pilot.pause()
        activity_id = activity.activity_of(session, task_id)["id"]
        for _ in (8, 9, 10):
            await pilot.press("down", "space")
            await pilot.pause()
        await pilot.press("down", "space")
        await pilot.pause()
        assert isinstance(app.screen, ReasonDialog)
        await type_text(pilot, "instructions kept in the customer wiki")
        await pilot.press("enter")
        await pilot.pause()
        assert tasks.get_task(session, task_id)["status"] == "done"
        await pilot.press("down", "space")
        await pilot.pause()
        assert isinstance(app.screen, TaskScreen)
        assert app.screen.task_id == activity_id
        await pilot.press("]")
        await pilot.pause()
        await pilot.press("S")
        await pilot.pause()
        await type_text(pilot, "Port opened and tested")
        await pilot.press("ctrl+s")
        await pilot.pause()
        await pilot.press("escape")
        await pilot.pause()
        await pilot.press("space")
        await pilot.pause()
        await pilot.press("y")
        await pilot.pause()
    steps = process.checklist(session, task_id)
    assert {item["state"] for item in steps} == {"done"}
    assert process.next_open_step(session, task_id) is None
    assert tasks.get_task(session, activity_id)["status"] == "done"
    assert comments.get_summary(session, activity_id)["body"] == "Port opened and tested"
    assert steps[10]["reason"] == "instructions kept in the customer wiki"
