"""The run screen under Pilot on a real database: comments survive the tick, watching starts nothing."""

from opstui.app import build_app
from opstui.screens.run import RunScreen
from opstui.services import kb, runs
from opstui.services.session import open_session
from opstui.store import kb as kb_rows
from tests.helpers import team_session, type_text
from tests.kb_helpers import RUNBOOK, make_activity_task


def published_run(path) -> tuple:
    """Return alice's session and a run of the three-step runbook that alice started."""
    session = team_session(path)
    _, activity_id = make_activity_task(session)
    instruction_id = kb.create_instruction(session, "Restart unbound", body=RUNBOOK)
    kb.publish(session, instruction_id)
    return session, runs.start_run(session, instruction_id, activity_id)


async def test_comment_key_then_tick_keeps_comment(tmp_path):
    session, run_id = published_run(tmp_path / "run.db")
    app = build_app(session)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = RunScreen(run_id)
        await app.push_screen(screen)
        await pilot.pause()

        await pilot.press("c")
        await pilot.pause()
        await type_text(pilot, "warning about an unused zone")
        await pilot.press("enter")
        await pilot.pause()
        await pilot.press("space")
        await pilot.pause()

    step = kb_rows.get_run_step(session.store, run_id, 1)
    assert step["state"] == "done"
    assert step["comment"] == "warning about an unused zone"


async def test_watching_and_browsing_start_no_step(tmp_path):
    session, run_id = published_run(tmp_path / "watch.db")
    bob = open_session(tmp_path / "watch.db", login="bob")
    app = build_app(bob)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = RunScreen(run_id)
        await app.push_screen(screen)
        await pilot.pause()
        await pilot.press("right", "right")
        await pilot.pause()
        assert screen.shown_step == 3

    first, second, third = kb_rows.run_steps(session.store, run_id)
    assert (first["state"], first["started_by"]) == ("started", "alice")
    assert second["state"] == third["state"] == "pending"
    bob.close()


async def test_copy_starts_a_pending_step_for_the_copier(tmp_path):
    session, run_id = published_run(tmp_path / "copy.db")
    bob = open_session(tmp_path / "copy.db", login="bob")
    app = build_app(bob)
    app.copy_to_clipboard = lambda text: None
    async with app.run_test(size=(120, 40)) as pilot:
        screen = RunScreen(run_id)
        await app.push_screen(screen)
        await pilot.pause()
        await pilot.press("right")
        await pilot.pause()
        await pilot.press("y")
        await pilot.pause()

    second = kb_rows.get_run_step(session.store, run_id, 2)
    assert (second["state"], second["started_by"]) == ("started", "bob")
    bob.close()


async def test_step_times_in_user_zone(tmp_path, monkeypatch):
    from datetime import datetime
    from zoneinfo import ZoneInfo

    monkeypatch.setenv("TZ", "Asia/Tokyo")
    session, run_id = published_run(tmp_path / "zone.db")
    started = kb_rows.get_run_step(session.store, run_id, 1)["started_at"]
    tokyo = datetime.fromisoformat(started.replace("Z", "+00:00")).astimezone(ZoneInfo("Asia/Tokyo"))
    app = build_app(session)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = RunScreen(run_id)
        await app.push_screen(screen)
        await pilot.pause()
        state = str(screen.query_one("#run-state").render())

    assert f"started by alice at {tokyo:%Y-%m-%d %H:%M:%S}" in state
