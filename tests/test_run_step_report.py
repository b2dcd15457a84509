"""Per-step times of instruction runs in the time report: CLI ticks, `log report --by run-step`, Reports screen."""

import json
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest
from click.testing import CliRunner

from opstui import cli as opstui_cli
from opstui.app import build_app
from opstui.errors import UserError
from opstui.screens.reports import ReportsScreen
from opstui.services import kb, runs
from opstui.store import kb as kb_rows
from opstui.timelog.report import RunStepEntry, build_run_step_report, render_report
from tests.kb_helpers import RUNBOOK, make_activity_task, open_team

BERLIN = ZoneInfo("Europe/Berlin")


@pytest.fixture
def published(tmp_path, monkeypatch):
    """Alice's and bob's sessions on a database with a published runbook; (alice, bob, instruction, task)."""
    database = tmp_path / "opstui.db"
    monkeypatch.setenv("OPSTUI_DB", str(database))
    monkeypatch.setenv("TZ", "Europe/Berlin")
    alice, bob = open_team(database)
    master_id, activity_id = make_activity_task(alice)
    instruction_id = kb.create_instruction(alice, "Restart unbound", body=RUNBOOK, task_id=master_id)
    kb.publish(alice, instruction_id)
    yield alice, bob, instruction_id, activity_id
    bob.close()
    alice.close()


def opstui(login: str, *arguments: str) -> str:
    opstui_cli._load_commands()
    result = CliRunner().invoke(opstui_cli.cli, list(arguments), env={"USER": login})
    assert result.exit_code == 0, (result.output, result.exception)
    return result.stdout


def backdate_start(session, run_id: int, number: int, started_at: str) -> None:
    """Move the start of a started step into the past, as if work had taken that long."""
    def write(transaction):
        transaction.execute("UPDATE instruction_run_steps SET started_at = ? WHERE run_id = ? AND number = ?"
                            " AND state = 'started'", (started_at, run_id, number))

    session.store.write(session.login, write)


def test_cli_ticks_in_run_step_report(published):
    alice, _, instruction_id, activity_id = published
    run_id = int(opstui("alice", "kb", "run", str(instruction_id), str(activity_id)))

    for number, login, start in ((1, "alice", "2020-01-02T09:00:00Z"), (2, "bob", "2020-01-02T09:10:00Z"),
                                 (3, "alice", "2020-01-02T09:40:00Z")):
        backdate_start(alice, run_id, number, start)
        opstui(login, "kb", "step", str(run_id), str(number), "done")

    assert all(step["time_entry_id"] for step in kb_rows.run_steps(alice.store, run_id))
    document = json.loads(opstui("alice", "log", "report", "--by", "run-step", "--task", str(activity_id),
                                 "--from", "2020-01-02", "--to", "2020-01-02", "--format", "json"))
    assert document["by"] == "run-step"
    assert [row["key"] for row in document["rows"]] == [f"{activity_id}/{run_id}/1/alice",
                                                       f"{activity_id}/{run_id}/2/bob",
                                                       f"{activity_id}/{run_id}/3/alice"]
    # The steps started at 10:00, 10:10 and 10:40 Berlin time and were ticked today.
    # The one-day range keeps each part up to that day's midnight.
    assert [row["seconds"] for row in document["rows"]] == [14 * 3600, 13 * 3600 + 50 * 60, 13 * 3600 + 20 * 60]
    assert "2. Restart the service: · bob" in document["rows"][1]["label"]


def test_report_follows_entries_edited_in_time_log(published):
    from opstui.services import timelog

    alice, _, instruction_id, activity_id = published
    run_id = runs.start_run(alice, instruction_id, activity_id)
    backdate_start(alice, run_id, 1, "2020-01-02T09:00:00Z")
    runs.complete_step(alice, run_id, 1)
    entry_id = kb_rows.get_run_step(alice.store, run_id, 1)["time_entry_id"]

    timelog.edit_entry(alice, entry_id, at="2020-01-02T10:00:00+01:00", duration="15m")
    (row,) = runs.run_step_report(alice, task_id=activity_id, zone=BERLIN).rows
    assert row.seconds == 900

    timelog.delete_entry(alice, entry_id)
    assert runs.run_step_report(alice, task_id=activity_id, zone=BERLIN).rows == []


def span(step: int, user: str, start: str, end: str) -> RunStepEntry:
    return RunStepEntry(task_id=7, run_id=3, instruction="Restart unbound r1", step=step, step_text="Restart it",
                        user=user, start=datetime.fromisoformat(start).replace(tzinfo=UTC),
                        end=datetime.fromisoformat(end).replace(tzinfo=UTC))


def test_run_step_report_splits_days():
    entries = [span(2, "bob", "2026-03-01T22:30:00", "2026-03-01T23:30:00"),
               span(1, "alice", "2026-03-01T20:00:00", "2026-03-01T20:45:00")]

    report = build_run_step_report(entries, BERLIN, date_from=date(2026, 3, 2), date_to=date(2026, 3, 2))
    assert [(row.key, row.seconds) for row in report.rows] == [("7/3/2/bob", 1800.0)]

    whole = build_run_step_report(entries, BERLIN)
    assert [row.key for row in whole.rows] == ["7/3/1/alice", "7/3/2/bob"]
    assert whole.total_seconds == 6300
    table = render_report(whole, "table")
    assert table.splitlines()[0].startswith("RUN-STEP")
    assert "#7 run 3 Restart unbound r1 · 1. Restart it · alice" in table

    with pytest.raises(UserError, match="after --to"):
        build_run_step_report(entries, BERLIN, date_from=date(2026, 3, 3), date_to=date(2026, 3, 2))


async def test_reports_screen_groups_by_run_step(published):
    alice, bob, instruction_id, activity_id = published
    run_id = runs.start_run(alice, instruction_id, activity_id)
    backdate_start(alice, run_id, 1, "2020-01-02T09:00:00Z")
    runs.complete_step(alice, run_id, 1)

    app = build_app(alice)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = ReportsScreen()
        await app.push_screen(screen)
        await pilot.pause()
        await pilot.press("6")
        await pilot.pause()
        (label, _hours, _clock), = screen.rows_shown()
    assert label.startswith(f"#{activity_id} run {run_id} Restart unbound r1 · 1. Check the configuration:")
    assert label.endswith("· alice")
