"""Opening the full-screen board from the CLI (Textual is imported only here)."""

import sys

from opstui.errors import UserError


def open_board(context) -> None:
    if not sys.stdin.isatty() or not sys.stdout.isatty():
        raise UserError("the board needs a terminal; use a command such as `opstui task list` in scripts")
    session = context.session
    from opstui.app import build_app

    app = build_app(session)
    app.run()
    if app.return_code:
        sys.exit(app.return_code)
