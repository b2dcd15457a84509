"""Timer key, time tab and reports screen driven under Textual's Pilot on a real database."""

import csv
import io
import json

from click.testing import CliRunner

from opstui import cli as opstui_cli
from opstui.app import build_app
from opstui.screens.reports import ReportsScreen
from opstui.screens.task import TaskScreen
from opstui.services import tasks, timelog
from tests.helpers import team_session, type_text


async def test_timer_key_on_board(tmp_path):
    session = team_session(tmp_path / "t.db")
    task_id = tasks.create_request(session, "Rotate keys")
    app = build_app(session)
    async with app.run_test(size=(120, 30)) as pilot:
        await pilot.pause()
        await pilot.press("t")
        await pilot.pause()
        assert timelog.running_timer(session)["task_id"] == task_id
        assert app.status_segments["timer"].startswith("⏱ 0:00 #1")

        await pilot.press("t")
        await pilot.pause()
        assert timelog.running_timer(session) is None
        assert "timer" not in app.status_segments
    entries = timelog.list_entries(session)
    assert [(entry["task_id"], entry["source"]) for entry in entries] == [(task_id, "timer")]


async def test_header_shows_timer_started_elsewhere(tmp_path):
    session = team_session(tmp_path / "t.db")
    task_id = tasks.create_request(session, "Rotate keys")
    app = build_app(session, poll_interval=0.05)
    async with app.run_test(size=(120, 30)) as pilot:
        await pilot.pause()
        assert "timer" not in app.status_segments

        other = team_session(tmp_path / "t.db")
        timelog.start_timer(other, task_id)
        other.close()
        for _ in range(20):
            await pilot.pause(0.1)
            if "timer" in app.status_segments:
                break
        assert app.status_segments["timer"].startswith("⏱")


async def test_time_tab_adds_entry(tmp_path):
    session = team_session(tmp_path / "t.db")
    task_id = tasks.create_request(session, "Rotate keys")
    app = build_app(session)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        app.push_screen(TaskScreen(task_id))
        await pilot.pause()
        app.screen.query_one("#task-tabs").active = "tab-time_tab"
        await pilot.pause()
        app.screen.query_one("#time-entries").focus()
        await pilot.press("a")
        await pilot.pause()
        await type_text(pilot, "2024-06-14 09:00")
        await pilot.press("tab")
        await type_text(pilot, "1.5")
        await pilot.press("ctrl+s")
        await pilot.pause()
        error = app.screen.query_one("#entry-error")
        assert "invalid duration '1.5'" in str(error.render())

        await pilot.press("end", "h")
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert isinstance(app.screen, TaskScreen)
    entries = timelog.list_entries(session)
    assert [entry["seconds"] for entry in entries] == [5400]


async def test_reports_screen_matches_cli_csv(tmp_path, monkeypatch):
    database = tmp_path / "t.db"
    monkeypatch.setenv("TZ", "Europe/Berlin")
    monkeypatch.setenv("OPSTUI_DB", str(database))
    session = team_session(database)
    first = tasks.create_request(session, "Rotate keys")
    second = tasks.create_request(session, "Patch kernels")
    # Ends at midnight, so nothing of it falls on or after 15 June.
    timelog.add_entry(session, first, "1h30m", at="2024-06-14T22:30")
    timelog.add_entry(session, second, "2:15", at="2024-06-15T09:00", step=7)
    timelog.add_entry(session, first, "45", at="2024-06-17T09:00")

    opstui_cli._load_commands()
    runner = CliRunner()
    exports = {}
    for by in ("task", "day"):
        result = runner.invoke(opstui_cli.cli, ["log", "report", "--by", by, "--from", "2024-06-15",
                                                "--format", "csv"])
        assert result.exit_code == 0, result.output
        exports[by] = [(row["label"], row["hours"]) for row in csv.DictReader(io.StringIO(result.stdout))]

    app = build_app(session)
    async with app.run_test(size=(120, 30)) as pilot:
        await pilot.pause()
        await pilot.press("r")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, ReportsScreen)
        screen.query_one("#report-from").focus()
        await type_text(pilot, "2024-06-15")
        await pilot.press("enter")
        await pilot.pause()
        shown_by_task = [(label, hours) for label, hours, _clock in screen.rows_shown()]
        await pilot.press("4")
        await pilot.pause()
        shown_by_day = [(label, hours) for label, hours, _clock in screen.rows_shown()]

    assert shown_by_task == exports["task"]
    assert shown_by_day == exports["day"]
    assert exports["day"] == [("2024-06-15", "2.25"), ("2024-06-17", "0.75")]
