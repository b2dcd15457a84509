"""``opstui user ...`` and ``opstui team ...``: people, roles and team settings."""

from __future__ import annotations

import json

import click

from opstui.cli.output import print_json, print_table
from opstui.cli.root import CliContext, cli, pass_context
from opstui.sanitize import one_line
from opstui.services import permissions, team, upkeep, users

USER_JSON_FIELDS = ("login", "display_name", "email", "role", "active", "created_at")


def user_json(user: dict) -> dict:
    row = {name: user.get(name) for name in USER_JSON_FIELDS}
    row["active"] = bool(row["active"])
    return row


@cli.group("user")
def user_group() -> None:
    """Manage the team's people and their roles."""


@user_group.command("add")
@click.argument("login")
@click.option("--name", "display_name", help="Display name (default: the name in the passwd entry).")
@click.option("--email", default="", help="E-mail address for notifications.")
@click.option("--role", type=click.Choice(users.ROLES), default="sysadmin", show_default=True)
@pass_context
def user_add(context: CliContext, login: str, display_name: str | None, email: str, role: str) -> None:
    """Add LOGIN (a Unix login) to the team."""
    user = team.add_member(context.session, login, display_name=display_name, email=email, role=role)
    click.echo(f"added {user['login']} ({one_line(user['display_name'])}) as {user['role']}")


@user_group.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print a JSON array, one object per user.")
@click.option("--active", "active_only", is_flag=True, help="Leave out deactivated users.")
@pass_context
def user_list(context: CliContext, as_json: bool, active_only: bool) -> None:
    """List the team's users with their roles."""
    rows = users.list_users(context.session, include_inactive=not active_only)
    if as_json:
        print_json(user_json(row) for row in rows)
        return
    print_table(["LOGIN", "ROLE", "ACTIVE", "NAME", "EMAIL"],
                [(row["login"], row["role"], "yes" if row["active"] else "no", row["display_name"], row["email"])
                 for row in rows])


@user_group.command("set-role")
@click.argument("login")
@click.argument("role", type=click.Choice(users.ROLES))
@pass_context
def user_set_role(context: CliContext, login: str, role: str) -> None:
    """Make LOGIN a manager or a sysadmin."""
    user = team.set_role(context.session, login, role)
    click.echo(f"{user['login']} is now {user['role']}")


@user_group.command("deactivate")
@click.argument("login")
@pass_context
def user_deactivate(context: CliContext, login: str) -> None:
    """Deactivate LOGIN (a leaver): keep their history and list their open tasks."""
    user, open_tasks = team.deactivate_user(context.session, login)
    click.echo(f"{user['login']} is deactivated; their history stays in the audit trail")
    if not open_tasks:
        click.echo("they have no open tasks")
        return
    click.echo(f"open tasks to reassign ({len(open_tasks)}), e.g. with `opstui task assign ID LOGIN`:")
    print_table(["ID", "KIND", "STAGE", "TITLE"],
                [(row["id"], row["kind"], row["stage"], row["title"]) for row in open_tasks])


@user_group.command("activate")
@click.argument("login")
@pass_context
def user_activate(context: CliContext, login: str) -> None:
    """Let a deactivated LOGIN work again."""
    user = team.reactivate_user(context.session, login)
    click.echo(f"{user['login']} is active again")


@cli.group("team")
def team_group() -> None:
    """Show and change team-wide settings (managers only change them)."""


@team_group.command("show")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
@pass_context
def team_show(context: CliContext, as_json: bool) -> None:
    """Show which actions need the manager role and the other team settings."""
    session = context.session
    manager_only = permissions.manager_only_actions(session)
    retention = upkeep.retention_days(session.store)
    if as_json:
        settings = {permissions.MANAGER_ONLY_SETTING: manager_only, upkeep.RETENTION_SETTING: retention}
        click.echo(json.dumps(settings, indent=2))
        return
    click.echo("actions (* = manager only):")
    for action, description in sorted(permissions.ACTIONS.items()):
        mark = "*" if action in manager_only else " "
        click.echo(f"  {mark} {action:22} {description}")
    click.echo(f"{upkeep.RETENTION_SETTING}: {retention}")


@team_group.command("set")
@click.argument("key", type=click.Choice([permissions.MANAGER_ONLY_SETTING, upkeep.RETENTION_SETTING]))
@click.argument("values", nargs=-1, required=True)
@pass_context
def team_set(context: CliContext, key: str, values: tuple[str, ...]) -> None:
    """Change a team setting: manager_only_actions ACTION... or purge_retention_days DAYS."""
    session = context.session
    if key == permissions.MANAGER_ONLY_SETTING:
        actions = [part for value in values for part in value.replace(",", " ").split()]
        result = permissions.set_manager_only_actions(session, actions)
        click.echo(f"manager-only actions: {', '.join(result)}")
        return

    if len(values) != 1 or not values[0].isdigit():
        raise click.BadParameter(f"give the number of days as one whole number, not {' '.join(values)!r}",
                                 param_hint="VALUES")
    days = upkeep.set_retention_days(session, int(values[0]))
    click.echo(f"purged rows are deleted for good after {days} days")
