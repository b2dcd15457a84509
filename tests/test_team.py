"""Team management: users, roles, deactivation and team settings, through service and CLI."""

import json

import pytest
from click.testing import CliRunner

from opstui.cli import _load_commands, cli
from opstui.errors import ConflictError, PermissionDenied, UserError
from opstui.services import permissions, tasks, team, upkeep, users
from opstui.services.session import open_session
from opstui.store import events as event_rows


@pytest.fixture
def database(tmp_path):
    return tmp_path / "team.db"


@pytest.fixture
def alice(database):
    """The first user of the database, hence its manager."""
    session = open_session(database, login="alice")
    yield session
    session.close()


@pytest.fixture
def bob(alice, database):
    """A sysadmin added by alice."""
    team.add_member(alice, "bob", display_name="Bob Builder", email="bob@example.org")
    session = open_session(database, login="bob")
    yield session
    session.close()


def _events(session, kind):
    return [e for e in event_rows.events_after(session.store, 0) if e["kind"] == kind]


def test_first_user_is_manager(alice):
    assert users.current_user(alice)["role"] == "manager"


def test_add_member_records_event(alice, bob):
    added = _events(alice, "user.added")

    assert [e["entity_id"] for e in added] == ["bob"]
    assert added[0]["actor"] == "alice"
    assert users.get_user(alice, "bob")["role"] == "sysadmin"


def test_sysadmin_cannot_add_users(bob):
    with pytest.raises(PermissionDenied, match="only a manager can add or deactivate users"):
        team.add_member(bob, "carol")


def test_set_role_by_manager(alice, bob):
    changed = team.set_role(alice, "bob", "manager")

    assert changed["role"] == "manager"
    event = _events(alice, "user.role_changed")[-1]
    assert event["actor"] == "alice"
    assert event["data"] == {"login": "bob", "from": "sysadmin", "to": "manager"}


def test_set_role_by_sysadmin_rejected(bob):
    with pytest.raises(PermissionDenied, match="only a manager can change a user's role"):
        team.set_role(bob, "bob", "manager")

    assert users.get_user(bob, "bob")["role"] == "sysadmin"


def test_last_manager_keeps_role(alice):
    with pytest.raises(UserError, match="only active manager and cannot lose the manager role"):
        team.set_role(alice, "alice", "sysadmin")


def test_last_manager_not_deactivated(alice):
    with pytest.raises(UserError, match="only active manager and cannot be deactivated"):
        team.deactivate_user(alice, "alice")


def test_manager_steps_down_after_another(alice, bob):
    team.set_role(alice, "bob", "manager")

    assert team.set_role(alice, "alice", "sysadmin")["role"] == "sysadmin"


def test_unknown_role_rejected(alice, bob):
    with pytest.raises(UserError, match="unknown role 'admin'"):
        team.set_role(alice, "bob", "admin")


def test_set_role_conflict_detected(alice, bob, monkeypatch):
    stale = dict(users.get_user(alice, "bob"))
    users.update_profile(bob, "bob", display_name="Robert", email="bob@example.org")
    monkeypatch.setattr(users, "get_user", lambda session, login: stale)

    with pytest.raises(ConflictError, match="changed by someone else"):
        team.set_role(alice, "bob", "manager")


def test_deactivate_lists_open_tasks(alice, bob):
    task_id = tasks.create_request(alice, "Rotate TLS certificates", assignees=["bob"])
    done_id = tasks.create_request(alice, "Old change")
    subtask_id = tasks.add_subtask(alice, done_id, "finished part", assignee="bob")
    tasks.set_subtask_done(alice, subtask_id, True)

    user, open_tasks = team.deactivate_user(alice, "bob")

    assert not user["active"]
    assert [row["id"] for row in open_tasks] == [task_id]
    assert tasks.get_task(alice, task_id)["assignees"] == ["bob"]
    assert [e["entity_id"] for e in _events(alice, "user.deactivated")] == ["bob"]


def test_deactivated_user_gets_no_work(alice, bob):
    team.deactivate_user(alice, "bob")

    with pytest.raises(UserError, match="deactivated"):
        tasks.create_request(alice, "New work", assignees=["bob"])


def test_reactivate_user(alice, bob):
    team.deactivate_user(alice, "bob")

    assert team.reactivate_user(alice, "bob")["active"]
    assert [e["entity_id"] for e in _events(alice, "user.reactivated")] == ["bob"]


def test_reserving_master_tasks(alice, bob):
    tasks.create_request(bob, "Allowed by default")
    permissions.set_manager_only_actions(alice, permissions.DEFAULT_MANAGER_ONLY + ["create_master_task"])

    with pytest.raises(PermissionDenied, match="only a manager can create a master task"):
        tasks.create_request(bob, "Now reserved")


def test_retention_setting_managers_only(alice, bob):
    with pytest.raises(PermissionDenied):
        upkeep.set_retention_days(bob, 7)

    upkeep.set_retention_days(alice, 7)

    assert upkeep.retention_days(alice.store) == 7


def test_retention_rejects_zero(alice):
    with pytest.raises(UserError, match="invalid retention period 0 days"):
        upkeep.set_retention_days(alice, 0)


# -- CLI ---------------------------------------------------------------------


def _run(database, login, *args):
    _load_commands()
    runner = CliRunner()
    env = {"USER": login, "LOGNAME": login, "OPSTUI_DB": str(database)}
    return runner.invoke(cli, list(args), env=env, catch_exceptions=True)


def test_cli_user_add_and_list(database):
    assert _run(database, "alice", "user", "list").exit_code == 0

    added = _run(database, "alice", "user", "add", "bob", "--name", "Bob Builder", "--email", "bob@example.org")
    listed = _run(database, "alice", "user", "list", "--json")

    assert added.exit_code == 0, added.output
    assert "added bob (Bob Builder) as sysadmin" in added.output
    rows = {row["login"]: row for row in json.loads(listed.output)}
    assert rows["bob"] == {"login": "bob", "display_name": "Bob Builder", "email": "bob@example.org",
                           "role": "sysadmin", "active": True, "created_at": rows["bob"]["created_at"]}
    assert rows["alice"]["role"] == "manager"


def test_cli_set_role_rejected_for_sysadmin(database):
    _run(database, "alice", "user", "add", "bob")

    result = _run(database, "bob", "user", "set-role", "bob", "manager")

    assert result.exit_code != 0
    assert isinstance(result.exception, PermissionDenied)
    assert "only a manager can change a user's role" in str(result.exception)


def test_cli_deactivate_lists_tasks(database):
    _run(database, "alice", "user", "add", "bob")
    _run(database, "alice", "task", "add", "Patch the mail relay", "--assign", "bob")

    result = _run(database, "alice", "user", "deactivate", "bob")

    assert result.exit_code == 0, result.output
    assert "bob is deactivated" in result.output
    assert "Patch the mail relay" in result.output


def test_cli_team_set_and_show(database):
    _run(database, "alice", "user", "list")

    changed = _run(database, "alice", "team", "set", "manager_only_actions",
                   "publish_instruction,delete_task", "create_master_task")
    shown = _run(database, "alice", "team", "show", "--json")

    assert changed.exit_code == 0, changed.output
    settings = json.loads(shown.output)
    assert "create_master_task" in settings["manager_only_actions"]
    assert "complete_master_task" not in settings["manager_only_actions"]
    assert settings["purge_retention_days"] == 30


def test_cli_team_set_retention_needs_number(database):
    result = _run(database, "alice", "team", "set", "purge_retention_days", "soon")

    assert result.exit_code != 0
    assert "whole number" in result.output
