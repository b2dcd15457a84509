"""`opstui zabbix ...`: connection check, links, scripts, manual items, review and push."""

from __future__ import annotations

import sys
from contextlib import contextmanager
from pathlib import Path

import click

from opstui.cli.output import print_json, print_table
from opstui.cli.root import CliContext, cli, pass_context
from opstui.cli.tasks import TASK_ID
from opstui.errors import UserError
from opstui.sanitize import one_line
from opstui.services import zabbix as service
from opstui.zabbix.adapter import ZabbixClient
from opstui.zabbix.diff import format_changes
from opstui.zabbix.errors import KIND_AUTH, KIND_TLS, KIND_UNREACHABLE, ZabbixError
from opstui.zabbix.settings import config_path, config_permission_problem, load_zabbix_settings, save_zabbix_settings

SCRIPT_TYPE_NAMES = {number: name for name, number in service.SCRIPT_TYPES.items()}
SCRIPT_SCOPE_NAMES = {number: name for name, number in service.SCRIPT_SCOPES.items()}
ERROR_HINTS = {
    KIND_AUTH: "check the token (Zabbix: User settings > API tokens) or OPSTUI_ZABBIX_TOKEN",
    KIND_UNREACHABLE: "check the URL, the network path and that the Zabbix frontend is running",
    KIND_TLS: "or set verify = false only for a test server",
}


@contextmanager
def connected_client():
    """Yield a logged-in client; a Zabbix error becomes one line with a hint."""
    settings = load_zabbix_settings()
    client = ZabbixClient(settings)
    try:
        client.connect()
        yield client
    except ZabbixError as error:
        hint = ERROR_HINTS.get(error.kind)
        raise UserError(f"{error}" + (f" ({hint})" if hint else "")) from error
    finally:
        client.close()


@cli.group("zabbix")
def zabbix_group() -> None:
    """Push monitoring documentation and scripts of a change to Zabbix (steps 9 and 10)."""


@zabbix_group.command("check")
def zabbix_check() -> None:
    """Log in and print the server version and the user."""
    problem = config_permission_problem()
    if problem:
        click.echo(f"warning: {problem}", err=True)
    with connected_client() as client:
        identity = client.identity
        click.echo(f"Zabbix {identity.version} at {identity.url}")
        click.echo(f"logged in as {one_line(identity.username)} (user id {identity.userid}) with {identity.auth_method}")


@zabbix_group.command("config")
@click.option("--url", help="Zabbix frontend URL, e.g. https://zabbix.example.com.")
@click.option("--token-stdin", is_flag=True, help="Read the API token from standard input.")
@click.option("--user", help="User name, when no API token is used.")
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
@click.option("--verify/--no-verify", default=None, help="Check the server's TLS certificate (default on).")
@click.option("--ca-bundle", type=click.Path(exists=True, dir_okay=False), help="PEM file of the CA that signed the server's certificate.")
@click.option("--timeout", type=float, help="Seconds to wait for each API call.")
@click.option("--instruction-base-url", help="Base URL of the exported knowledge base; {id} and {slug} are replaced.")
def zabbix_config(url, token_stdin, user, password_stdin, verify, ca_bundle, timeout, instruction_base_url) -> None:
    """Save Zabbix settings in your config file (mode 0600). Secrets come from stdin."""
    if token_stdin and password_stdin:
        raise UserError("give either --token-stdin or --password-stdin, not both")
    updates: dict[str, object] = {
        "url": url, "user": user, "verify": verify, "ca_bundle": ca_bundle,
        "timeout": timeout, "instruction_base_url": instruction_base_url,
    }
    updates = {key: value for key, value in updates.items() if value is not None}
    if token_stdin:
        updates["token"] = sys.stdin.readline().strip()
    if password_stdin:
        updates["password"] = sys.stdin.readline().rstrip("\n")
    if not updates:
        raise UserError("nothing to save; give at least one option, e.g. --url https://zabbix.example.com")
    path = save_zabbix_settings(updates)
    click.echo(f"saved {', '.join(sorted(updates))} in {path}")


@zabbix_group.command("search")
@click.argument("kind", type=click.Choice(service.OBJECT_KINDS))
@click.argument("text")
@click.option("--json", "as_json", is_flag=True, help="Print a JSON array.")
def zabbix_search(kind: str, text: str, as_json: bool) -> None:
    """Find hosts, templates or triggers by name (* is a wildcard)."""
    with connected_client() as client:
        found = service.search_objects(client, kind, text)
    if as_json:
        print_json(found)
    else:
        print_table(["ID", "NAME", "ON"], [(item["id"], item["name"], item.get("hosts", "")) for item in found])


@zabbix_group.command("link")
@click.argument("task_id", type=TASK_ID)
@click.argument("kind", type=click.Choice(service.OBJECT_KINDS))
@click.argument("object_id")
@click.option("--tag", "tags", multiple=True, metavar="NAME=VALUE", help="Tag to merge into the object's tags (repeatable).")
@pass_context
def zabbix_link(context: CliContext, task_id: int, kind: str, object_id: str, tags: tuple[str, ...]) -> None:
    """Link a Zabbix host, template or trigger (by id) to a master task."""
    parsed_tags = service.parse_tags(tags)
    with connected_client() as client:
        found = {"host": client.get_hosts, "template": client.get_templates, "trigger": client.get_triggers}[kind]([object_id])
    if object_id not in found:
        raise UserError(f"Zabbix {kind} {object_id} not found; find ids with `opstui zabbix search {kind} NAME`")
    name = service.describe_object(kind, found[object_id])["name"]
    link_id = service.link_object(context.session, task_id, kind, object_id, name, parsed_tags)
    if link_id is None:
        click.echo(f"{kind} {one_line(name)} [{object_id}] is already linked to task {task_id}")
    else:
        click.echo(f"linked {kind} {one_line(name)} [{object_id}] to task {task_id}")


@zabbix_group.command("unlink")
@click.argument("task_id", type=TASK_ID)
@click.argument("kind", type=click.Choice(service.OBJECT_KINDS))
@click.argument("object_id")
@pass_context
def zabbix_unlink(context: CliContext, task_id: int, kind: str, object_id: str) -> None:
    """Remove a link; the object in Zabbix keeps its text."""
    if not service.unlink_object(context.session, task_id, kind, object_id):
        raise UserError(f"{kind} {object_id} is not linked to task {task_id}; see `opstui zabbix show {task_id}`")
    click.echo(f"unlinked {kind} {object_id} from task {task_id}")


@zabbix_group.group("script")
def script_group() -> None:
    """Global scripts kept with the change and created in Zabbix at push."""


def script_options(function):
    options = [
        click.option("--name", help="Name shown in Zabbix's menu (unique)."),
        click.option("--type", "script_type", help="script, ipmi, ssh, telnet, webhook or url (url needs Zabbix 7.0)."),
        click.option("--scope", help="action (action operation), host (manual host action) or event (manual event action)."),
        click.option("--execute-on", help="agent, server or proxy (server or proxy); for type script only."),
        click.option("--command", help="Command to run, or the URL for type url."),
        click.option("--menu-path", help="Menu folder, e.g. Database/PostgreSQL."),
        click.option("--host-group", help="Host group name the script is limited to (default: all)."),
        click.option("--confirmation", help="Question Zabbix asks before running it."),
        click.option("--description", help="Description shown in Zabbix."),
    ]
    for option in reversed(options):
        function = option(function)
    return function


def _script_fields(**values) -> dict:
    values["type"] = values.pop("script_type")
    return {key: value for key, value in values.items() if value is not None}


@script_group.command("add")
@click.argument("task_id", type=TASK_ID)
@script_options
@pass_context
def script_add(context: CliContext, task_id: int, **values) -> None:
    """Add a script to a master task."""
    script_id = service.add_script(context.session, task_id, **_script_fields(**values))
    click.echo(f"added script {script_id} to task {task_id}; send it with `opstui zabbix push {task_id}`")


@script_group.command("edit")
@click.argument("script_id", type=int)
@script_options
@pass_context
def script_edit(context: CliContext, script_id: int, **values) -> None:
    """Change fields of a script (only the options given)."""
    fields = _script_fields(**values)
    if not fields:
        raise UserError("nothing to change; give at least one option, e.g. --command '...'")
    service.update_script(context.session, script_id, None, **fields)
    click.echo(f"updated script {script_id}")


@script_group.command("remove")
@click.argument("script_id", type=int)
@pass_context
def script_remove(context: CliContext, script_id: int) -> None:
    """Forget a script in opstui; the copy in Zabbix is left alone."""
    service.remove_script(context.session, script_id)
    click.echo(f"removed script {script_id} from opstui (Zabbix keeps its copy)")


@zabbix_group.group("manual")
def manual_group() -> None:
    """Things the API cannot deploy: UserParameter lines, external check and alert scripts."""


@manual_group.command("add")
@click.argument("task_id", type=TASK_ID)
@click.option("--kind", type=click.Choice(service.MANUAL_KINDS), required=True)
@click.option("--target", required=True, help="Host and file path, e.g. db-2:/etc/zabbix/zabbix_agentd.d/pg.conf.")
@click.option("--text", help="The exact text to place there.")
@click.option("--file", "text_file", type=click.Path(exists=True, dir_okay=False, path_type=Path), help="Read the text from a file.")
@click.option("--note", default="", help="Anything else the person placing it must know.")
@pass_context
def manual_add(context: CliContext, task_id: int, kind: str, target: str, text: str | None, text_file: Path | None, note: str) -> None:
    """Record a manual item that someone ticks when it is in place."""
    if (text is None) == (text_file is None):
        raise UserError("give the text with exactly one of --text or --file")
    body = text if text is not None else text_file.read_text(encoding="utf-8")
    item_id = service.add_manual_item(context.session, task_id, kind, target, body, note)
    click.echo(f"added manual item {item_id}; tick it with `opstui zabbix manual done {item_id}`")


@manual_group.command("done")
@click.argument("item_id", type=int)
@click.option("--undo", is_flag=True, help="Mark the item as not done again.")
@pass_context
def manual_done(context: CliContext, item_id: int, undo: bool) -> None:
    """Tick a manual item as placed on its host."""
    item = service.set_manual_item_done(context.session, item_id, not undo)
    click.echo(f"manual item {item_id} {'reopened' if undo else 'done by ' + str(item['done_by'])}")


@zabbix_group.command("show")
@click.argument("task_id", type=TASK_ID)
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object in an array.")
@pass_context
def zabbix_show(context: CliContext, task_id: int, as_json: bool) -> None:
    """List a task's linked objects, scripts, manual items and last pushes."""
    session = context.session
    service.master_task(session, task_id)
    links = service.list_links(session, task_id)
    scripts = service.list_scripts(session, task_id)
    manual = service.list_manual_items(session, task_id)
    pushes = service.list_pushes(session, task_id, limit=5)
    if as_json:
        print_json([{"task_id": task_id, "links": links, "scripts": scripts, "manual_items": manual, "pushes": pushes}])
        return

    click.echo("Linked objects:")
    print_table(["KIND", "ID", "NAME", "TAGS"], [
        (link["object_kind"], link["object_id"], link["object_name"],
         ", ".join(f"{tag['tag']}={tag['value']}" for tag in link["tags"])) for link in links])
    click.echo("\nScripts:")
    print_table(["ID", "NAME", "TYPE", "SCOPE", "COMMAND"], [
        (script["id"], script["name"], SCRIPT_TYPE_NAMES.get(script["type"]), SCRIPT_SCOPE_NAMES.get(script["scope"]),
         script["command"]) for script in scripts])
    click.echo("\nManual items:")
    print_table(["ID", "KIND", "TARGET", "DONE BY", "DONE AT"], [
        (item["id"], item["kind"], item["target"], item["done_by"] or "", item["done_at"] or "") for item in manual])
    for item in manual:
        click.echo(f"\n[{item['id']}] place on {one_line(item['target'])}:")
        click.echo("\n".join("    " + one_line(line) for line in item["body"].splitlines()))
    click.echo("\nPushes:")
    print_table(["ID", "BY", "AT", "OUTCOME", "SERVER"], [
        (push["id"], push["pushed_by"], push["finished_at"], push["outcome"], push["zabbix_url"]) for push in pushes])


@zabbix_group.command("push")
@click.argument("task_id", type=TASK_ID)
@click.option("--dry-run", is_flag=True, help="Print what would change and send nothing.")
@pass_context
def zabbix_push(context: CliContext, task_id: int, dry_run: bool) -> None:
    """Print the diff against Zabbix, then send it (unless --dry-run) and record the result."""
    session = context.session
    with connected_client() as client:
        review = service.build_review(session, client, task_id)
        click.echo(one_line_safe(format_changes(review.changes)))
        for note in review.notes:
            click.echo(f"note: {note}", err=True)
        if dry_run:
            return
        result = service.push(session, client, review)

    click.echo("")
    for item in result.objects:
        if item["status"] != "unchanged":
            click.echo(f"{item['status']:9} {item['object_kind']} {one_line(item['object_name'])} [{item['object_key']}]: {one_line(item['answer'])}")
    ticked = f"; ticked step(s) {', '.join(map(str, result.ticked_steps))}" if result.ticked_steps else ""
    click.echo(f"push {result.push_id}: {result.outcome}{ticked}")
    if result.failed:
        raise UserError(
            f"{len(result.failed)} object(s) failed; fix them and run `opstui zabbix push {task_id}` again "
            "(objects already sent show no change)"
        )


def one_line_safe(text: str) -> str:
    """Make each line of a multi-line diff printable, keeping the line breaks."""
    return "\n".join(one_line(line) for line in text.splitlines())
