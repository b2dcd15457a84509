"""``opstui notify ...``: the inbox, e-mail preferences and sending the outbox from cron."""

import json
import logging

import click

from opstui.cli.output import print_json, print_table
from opstui.cli.root import CliContext, cli, pass_context
from opstui.errors import UserError
from opstui.mail.settings import config_path, load_smtp_settings
from opstui.services import notify

log = logging.getLogger(__name__)

ON_OFF = click.Choice(["on", "off"])

NOTIFICATION_JSON_FIELDS = ("id", "kind", "task_id", "title", "actor", "actor_name", "detail",
                            "created_at", "read_at", "text")
OUTBOX_JSON_FIELDS = ("id", "login", "recipient", "digest", "state", "attempts", "next_attempt_at",
                      "last_error", "created_at", "sent_at", "kind", "task_id", "title")


@cli.group("notify")
def notify_group() -> None:
    """Read notifications, set e-mail preferences and send pending e-mail."""


@notify_group.command("list")
@click.option("--unread", is_flag=True, help="Show only unread notifications.")
@click.option("--limit", default=50, show_default=True, type=click.IntRange(1, 10_000),
              help="Maximum number of notifications to show, newest first.")
@click.option("--json", "as_json", is_flag=True, help="Print a JSON array instead of a table.")
@pass_context
def notify_list(context: CliContext, unread: bool, limit: int, as_json: bool) -> None:
    """List your notifications, newest first."""
    rows = notify.list_notifications(context.session, unread_only=unread, limit=limit)
    if as_json:
        print_json({name: row.get(name) for name in NOTIFICATION_JSON_FIELDS} for row in rows)
        return
    if not rows:
        click.echo("No notifications." if not unread else "No unread notifications.")
        return
    print_table(
        ["ID", "WHEN", "", "WHAT"],
        [(row["id"], row["created_at"][:16].replace("T", " "), "" if row["read_at"] else "new", row["text"])
         for row in rows],
    )


@notify_group.command("read")
@click.argument("notification_ids", nargs=-1, type=int, metavar="[ID]...")
@click.option("--all", "all_unread", is_flag=True, help="Mark every unread notification read.")
@pass_context
def notify_read(context: CliContext, notification_ids: tuple[int, ...], all_unread: bool) -> None:
    """Mark notifications read."""
    if not notification_ids and not all_unread:
        raise UserError("no notification given; pass ids from `opstui notify list`, or --all")
    changed = notify.mark_read(context.session, None if all_unread else list(notification_ids))
    click.echo(f"Marked {changed} notification{'s' if changed != 1 else ''} read.")


@notify_group.command("prefs")
@click.option("--email", type=ON_OFF, help="Send notifications to your e-mail address (on) or not (off).")
@click.option("--digest", type=ON_OFF, help="Collect e-mail into one message an hour (on) or send each at once (off).")
@click.option("--json", "as_json", is_flag=True, help="Print the preferences as JSON.")
@pass_context
def notify_prefs(context: CliContext, email: str | None, digest: str | None, as_json: bool) -> None:
    """Show or change your notification e-mail preferences."""
    if email is None and digest is None:
        prefs = notify.get_prefs(context.session)
    else:
        prefs = notify.set_prefs(
            context.session,
            email=None if email is None else email == "on",
            digest=None if digest is None else digest == "on",
        )
    if as_json:
        click.echo(json.dumps(prefs))
        return
    click.echo(f"email: {'on' if prefs['email'] else 'off'}")
    click.echo(f"digest: {'on' if prefs['digest'] else 'off'}")


@notify_group.command("send")
@click.option("--json", "as_json", is_flag=True, help="Print counts of sent, retried and failed mail as JSON.")
@pass_context
def notify_send(context: CliContext, as_json: bool) -> None:
    """Send pending notification e-mail now (run it from cron, e.g. every minute).

    Prints nothing when there was nothing to send, so cron stays quiet; errors go to stderr.
    """
    settings = load_smtp_settings()
    if settings is None:
        raise UserError(
            f"SMTP is not configured; set [smtp] host and from in {config_path()}"
            " or the OPSTUI_SMTP_HOST and OPSTUI_SMTP_FROM variables"
        )

    session = context.session
    report = notify.send_pending(session.store, session.login, settings)
    if as_json:
        click.echo(json.dumps({"sent": report.sent, "retried": report.retried, "failed": report.failed,
                               "errors": report.errors}))
        return
    if report.sent or report.retried or report.failed:
        click.echo(f"sent {report.sent}, will retry {report.retried}, failed {report.failed}")
    for error in dict.fromkeys(report.errors):
        click.echo(f"opstui: warning: {error}", err=True)


@notify_group.command("outbox")
@click.option("--all", "include_sent", is_flag=True, help="Include sent mail as well.")
@click.option("--json", "as_json", is_flag=True, help="Print a JSON array instead of a table.")
@pass_context
def notify_outbox(context: CliContext, include_sent: bool, as_json: bool) -> None:
    """List e-mail waiting to be sent or failed (managers only)."""
    states = ("pending", "sending", "failed", "sent") if include_sent else ("pending", "sending", "failed")
    rows = notify.list_outbox(context.session, states=states)
    if as_json:
        print_json({name: row.get(name) for name in OUTBOX_JSON_FIELDS} for row in rows)
        return
    if not rows:
        click.echo("The outbox is empty.")
        return
    print_table(
        ["ID", "STATE", "TRIES", "TO", "TASK", "LAST ERROR"],
        [(row["id"], row["state"], row["attempts"], row["recipient"], f"#{row['task_id']} {row['title']}",
          row["last_error"]) for row in rows],
    )
