"""The instruction editor under Pilot: saving, and a save that meets someone else's."""

from opstui.app import build_app
from opstui.screens.instruction_editor import InstructionEditor
from opstui.screens.note_conflict import NoteConflictScreen
from opstui.screens.secret_warning import SecretWarningScreen
from opstui.services import kb
from opstui.store import kb as kb_rows
from opstui.widgets.side_by_side_diff import SideBySideDiff
from tests.kb_helpers import open_team

BASE = "# Rotate logs\n\n## Steps\n\n1. Stop the writer.\n2. Move the file.\n3. Start the writer.\n"
MINE = BASE.replace("Stop the writer.", "Stop the writer with systemctl.")
THEIRS = BASE.replace("Start the writer.", "Start the writer and check it.")


def _history(session, instruction_id) -> list[str]:
    """Every saved text of the instruction, oldest first."""
    return [kb_rows.get_revision(session.store, revision["id"])["body"]
            for revision in kb.revisions(session, instruction_id)]


async def _team_with_instruction(tmp_path):
    alice, bob = open_team(tmp_path / "kb.db")
    instruction_id = kb.create_instruction(alice, "Rotate logs", body=BASE)
    app = build_app(alice)
    return app, bob, instruction_id


async def _type_mine_and_save(app, pilot, bob, instruction_id):
    editor = InstructionEditor(instruction_id)
    await app.push_screen(editor)
    await pilot.pause()
    assert editor.text_area.text == BASE

    version = kb.get_instruction(bob, instruction_id)["version"]
    kb.save_draft(bob, instruction_id, THEIRS, expected_version=version)

    editor.text_area.load_text(MINE)
    await pilot.press("ctrl+s")
    await pilot.pause()
    return editor


async def test_plain_save_stores_the_draft(tmp_path):
    app, _bob, instruction_id = await _team_with_instruction(tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        editor = InstructionEditor(instruction_id)
        await app.push_screen(editor)
        await pilot.pause()
        editor.text_area.load_text(MINE)
        await pilot.press("ctrl+s")
        await pilot.pause()

    assert kb.get_instruction(app.session, instruction_id)["draft_body"] == MINE


async def test_conflict_shows_both_texts_side_by_side(tmp_path):
    app, bob, instruction_id = await _team_with_instruction(tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await _type_mine_and_save(app, pilot, bob, instruction_id)

        assert isinstance(app.screen, NoteConflictScreen)
        diff = app.screen.query_one(SideBySideDiff)
        cells = [str(diff.get_row_at(row)[1]) + " | " + str(diff.get_row_at(row)[3]) for row in range(diff.row_count)]
        assert any("with systemctl" in cell for cell in cells)
        assert any("and check it" in cell for cell in cells)
        assert diff.changed_rows == 2

        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, InstructionEditor)
        assert app.screen.text_area.text == MINE

    assert kb.get_instruction(bob, instruction_id)["draft_body"] == THEIRS


async def test_keep_mine_saves_over_theirs(tmp_path):
    app, bob, instruction_id = await _team_with_instruction(tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await _type_mine_and_save(app, pilot, bob, instruction_id)
        await pilot.press("y")
        await pilot.pause()

    assert kb.get_instruction(bob, instruction_id)["draft_body"] == MINE
    bodies = _history(bob, instruction_id)
    assert bodies[-2:] == [THEIRS, MINE]


async def test_take_theirs_keeps_mine_in_history(tmp_path):
    app, bob, instruction_id = await _team_with_instruction(tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        editor = await _type_mine_and_save(app, pilot, bob, instruction_id)
        await pilot.press("t")
        await pilot.pause()
        assert editor.text_area.text == THEIRS

        # The editor now has the latest version, so a further save needs no merge.
        editor.text_area.load_text(THEIRS + "\n4. Check the disk.\n")
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert isinstance(app.screen, InstructionEditor)

    bodies = _history(bob, instruction_id)
    assert bodies[-4:] == [THEIRS, MINE, THEIRS, THEIRS + "\n4. Check the disk.\n"]


async def test_merge_combines_both_changes_in_the_editor(tmp_path):
    app, bob, instruction_id = await _team_with_instruction(tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        editor = await _type_mine_and_save(app, pilot, bob, instruction_id)
        await pilot.press("m")
        await pilot.pause()
        merged = editor.text_area.text
        assert "Stop the writer with systemctl." in merged
        assert "Start the writer and check it." in merged
        assert "<<<<<<<" not in merged

        await pilot.press("ctrl+s")
        await pilot.pause()
        assert isinstance(app.screen, InstructionEditor)

    assert kb.get_instruction(bob, instruction_id)["draft_body"] == merged


async def test_secret_in_draft_asks_before_saving(tmp_path):
    app, _bob, instruction_id = await _team_with_instruction(tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        editor = InstructionEditor(instruction_id)
        await app.push_screen(editor)
        await pilot.pause()
        editor.text_area.load_text(BASE + "\npassword=hunter2secret\n")
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert isinstance(app.screen, SecretWarningScreen)

        await pilot.press("m")
        await pilot.pause()
        assert "hunter2secret" not in editor.text_area.text

    stored = kb.get_instruction(app.session, instruction_id)["draft_body"]
    assert "password=" in stored
    assert "hunter2secret" not in stored
