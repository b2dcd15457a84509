"""A sysadmin's refused action shows the manager-only message on screen."""

from opstui.app import build_app
from opstui.services import permissions, tasks
from tests.helpers import team_session, type_text


async def test_reserved_create_refused_on_screen(tmp_path):
    path = tmp_path / "roles.db"
    alice = team_session(path)
    permissions.set_manager_only_actions(alice, permissions.DEFAULT_MANAGER_ONLY + ["create_master_task"])
    alice.close()
    bob = team_session(path, login="bob")

    app = build_app(bob)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        await pilot.press("n")
        await pilot.pause()
        await type_text(pilot, "Reserved change")
        await pilot.press("ctrl+s")
        await pilot.pause()
        error = str(app.screen.query_one("#form-error").render())

    assert "only a manager can create a master task" in error
    assert tasks.list_tasks(bob, kind="master") == []
    bob.close()
