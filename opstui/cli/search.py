"""``opstui search QUERY``: full-text search over notes, instructions and tasks."""

from __future__ import annotations

import click

from opstui.cli.output import print_json, print_table
from opstui.cli.root import CliContext, cli, pass_context
from opstui.services import search as search_service


@cli.command("search")
@click.argument("query", nargs=-1, required=True)
@click.option("--json", "as_json", is_flag=True, help="Print a JSON array, one object per result.")
@click.option("--kind", "kinds", multiple=True, type=click.Choice(["note", "instruction", "task"]),
              help="Only results of this kind (repeatable).")
@click.option("--limit", default=50, show_default=True, help="Maximum number of results.")
@pass_context
def search_command(context: CliContext, query: tuple[str, ...], as_json: bool, kinds: tuple[str, ...],
                   limit: int) -> None:
    """Search notes, instructions and task titles; best matches first.

    Every word must match; the last word also matches as a prefix; use "quotes"
    for a phrase. Retired notes are not searched.
    """
    hits = search_service.search(context.session, " ".join(query), limit=limit, kinds=kinds)
    if as_json:
        print_json(hit.to_json() for hit in hits)
        return
    print_table(["KIND", "ID", "TASK", "TITLE", "LINE"],
                [(hit.kind, hit.ref_id, hit.task_id or "", hit.title, hit.plain_line) for hit in hits])
