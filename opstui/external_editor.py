"""Edit a text in the user's own editor ($VISUAL, then $EDITOR, then vi).

The text goes through a private temporary file (mode 0600, removed afterwards) because
notes can hold internal host names and procedures. The caller suspends the TUI around
edit_text(); this module only runs the program.
"""

from __future__ import annotations

import os
import shlex
import subprocess
import tempfile
from pathlib import Path

from opstui.errors import UserError

DEFAULT_EDITOR = "vi"


def editor_command(environ: dict[str, str] | None = None) -> list[str]:
    """Return the editor command line split as the shell would ($VISUAL wins over $EDITOR)."""
    environ = os.environ if environ is None else environ
    for name in ("VISUAL", "EDITOR"):
        value = environ.get(name, "").strip()
        if value:
            try:
                return shlex.split(value)
            except ValueError as error:
                raise UserError(f"${name}={value!r} cannot be parsed ({error}); fix the variable's quoting") from error
    return [DEFAULT_EDITOR]


def edit_text(text: str, *, suffix: str = ".md", environ: dict[str, str] | None = None) -> str | None:
    """Open text in the external editor and return the saved text.

    Returns None when the editor exits with a non-zero status (vi's :cq), so the
    caller can treat that as "cancelled" and keep its own text.
    """
    command = editor_command(environ)
    handle, name = tempfile.mkstemp(prefix="opstui-note-", suffix=suffix)
    path = Path(name)
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as temporary:
            temporary.write(text)

        try:
            completed = subprocess.run([*command, str(path)], env=environ, check=False)
        except FileNotFoundError as error:
            raise UserError(f"editor {command[0]!r} not found; set $VISUAL or $EDITOR to an installed editor") from error
        if completed.returncode != 0:
            return None

        return path.read_text(encoding="utf-8", errors="replace")
    finally:
        path.unlink(missing_ok=True)
