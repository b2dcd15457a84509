"""Printing listings: JSON for scripts (ids as numbers, UTC ISO 8601 times), tables for people."""

import json
import sys
from collections.abc import Iterable, Sequence
from typing import Any

import click

from opstui.sanitize import one_line, visible_text


def print_json(items: Iterable[dict[str, Any]]) -> None:
    click.echo(json.dumps(list(items), ensure_ascii=False, indent=2, sort_keys=False))


def print_table(headers: Sequence[str], rows: Iterable[Sequence[Any]]) -> None:
    """Print aligned columns; user text is made printable so it cannot drive the terminal."""
    text_rows = [[one_line("" if cell is None else str(cell)) for cell in row] for row in rows]
    widths = [len(header) for header in headers]
    for row in text_rows:
        for index, cell in enumerate(row):
            widths[index] = max(widths[index], len(cell))
    lines = ["  ".join(header.ljust(widths[index]) for index, header in enumerate(headers)).rstrip()]
    for row in text_rows:
        lines.append("  ".join(cell.ljust(widths[index]) for index, cell in enumerate(row)).rstrip())
    click.echo("\n".join(lines))


def stderr_is_terminal() -> bool:
    return sys.stderr.isatty()


def echo_user_text(text: str) -> None:
    """Print user text (a note, comment or instruction) raw into a pipe, with control characters made visible on a terminal."""
    # click.echo would strip escape sequences from piped output, so write directly.
    stream = sys.stdout
    stream.write(visible_text(text) if stream.isatty() else text)
    if text and not text.endswith("\n"):
        stream.write("\n")
    stream.flush()
