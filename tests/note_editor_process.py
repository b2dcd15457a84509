"""Run the note editor headless in its own process, for the two-process tests.

Usage: python note_editor_process.py DB LOGIN NOTE_ID MODE FOLDER

The process opens the editor, types a line at the top, touches FOLDER/ready and then:
- MODE "wait": waits up to 60 s (the test sends SIGHUP or SIGTERM meanwhile);
- MODE "save-after-go": waits for FOLDER/go, presses ctrl+s, merges if the conflict
  screen appears, saves again and writes what it saw to FOLDER/result.json.
"""

import asyncio
import json
import sys
import time
from pathlib import Path

from opstui.app import build_app
from opstui.screens.note_conflict import NoteConflictScreen
from opstui.screens.note_editor import NoteEditorScreen
from opstui.services.session import open_session


async def main(database: str, login: str, note_id: int, mode: str, folder: Path) -> None:
    # A long autosave interval proves that the signal handler, not the timer, saves the draft.
    NoteEditorScreen.AUTOSAVE_SECONDS = 3600
    session = open_session(Path(database), login=login)
    app = build_app(session, poll_interval=3600)
    async with app.run_test(size=(120, 35)) as pilot:
        await pilot.pause()
        editor = NoteEditorScreen(note_id)
        app.push_screen(editor)
        await pilot.pause()
        editor.body_area.move_cursor((0, 0))
        await pilot.press(*f"typed by {login}", "enter")
        await pilot.pause()
        (folder / "ready").touch()

        if mode == "wait":
            deadline = time.monotonic() + 60
            while app.is_running and time.monotonic() < deadline:
                await asyncio.sleep(0.05)
            return

        deadline = time.monotonic() + 60
        while not (folder / "go").exists() and time.monotonic() < deadline:
            await asyncio.sleep(0.05)
        await pilot.press("ctrl+s")
        await pilot.pause()
        saw_conflict = isinstance(app.screen, NoteConflictScreen)
        theirs = app.screen.texts.theirs_body if saw_conflict else None
        if saw_conflict:
            await pilot.press("m")
            await pilot.pause()
            await pilot.press("ctrl+s")
            await pilot.pause()
        result = {"saw_conflict": saw_conflict, "theirs": theirs, "editor_text": editor.body_area.text,
                  "version": editor.base_version}
        (folder / "result.json").write_text(json.dumps(result))
    session.close()


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4], Path(sys.argv[5])))
