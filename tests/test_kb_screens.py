"""Knowledge-base screens under Textual's Pilot, on a real database file."""

from pathlib import Path

import pytest

from textual.widgets import Markdown

from opstui.app import build_app
from opstui.kb.document import load_document
from opstui.screens.instruction_list import InstructionList
from opstui.screens.instruction_viewer import InstructionViewer
from opstui.screens.run import RunScreen
from opstui.services import kb, runs
from tests.helpers import team_session
from tests.kb_helpers import RUNBOOK, make_activity_task


@pytest.mark.slow
async def test_every_corpus_runbook_renders(corpus_dir: Path, tmp_path):
    session = team_session(tmp_path / "view.db")
    app = build_app(session)
    async with app.run_test(size=(120, 40)) as pilot:
        for path in sorted((corpus_dir / "runbooks").iterdir()):
            document = load_document(path)
            viewer = InstructionViewer(title=document.title, body=document.body)
            await app.push_screen(viewer)
            await pilot.pause()

            assert viewer.query(Markdown), path.name
            assert len(viewer.headings) >= 1, path.name
            await app.pop_screen()
            await pilot.pause()


# The viewer's speed is measured by bench/kb_viewer.py; this test checks that it
# renders a long document in parts, only as they are needed.
@pytest.mark.slow
async def test_large_runbook_opens_lazily(tmp_path):
    section = "## Section {n}\n\n1. Run it:\n\n   ```\n   echo {n}\n   ```\n\nProse with a [link][ref].\n\n"
    body = "# Big\n\n" + "".join(section.format(n=n) for n in range(14_000)) + "\n[ref]: https://example.org\n"
    assert len(body) > 1_000_000

    session = team_session(tmp_path / "big.db")
    app = build_app(session)
    async with app.run_test(size=(120, 40)) as pilot:
        viewer = InstructionViewer(title="Big", body=body)
        await app.push_screen(viewer)
        await pilot.pause()
        await viewer.wait_until_settled()

        assert len(viewer.chunks) > 50
        assert 1 <= viewer.mounted_chunks <= 2
        assert app.focused is viewer.document_view
        assert "Section 0" in viewer.document_view.visible_text()

        for _ in range(10):
            await pilot.press("pagedown")
        await pilot.pause()
        await viewer.wait_until_settled()
        assert viewer.document_view.scroll_y > 0
        assert viewer.mounted_chunks <= 4

        viewer.find("echo 13999")
        await pilot.pause()
        await viewer.wait_until_settled()
        assert viewer.query_one(f"#chunk-{len(viewer.chunks) - 1}")
        assert viewer.mounted_chunks <= 4
        assert "echo 13999" in viewer.document_view.visible_text()


async def test_viewer_search_and_toc(tmp_path):
    session = team_session(tmp_path / "v.db")
    instruction_id = kb.create_instruction(session, "Restart unbound", body=RUNBOOK)
    app = build_app(session)
    async with app.run_test(size=(120, 40)) as pilot:
        viewer = InstructionViewer(instruction_id)
        await app.push_screen(viewer)
        await pilot.pause()

        titles = [heading.title for heading in viewer.headings]
        assert titles[:3] == ["Restart unbound", "Summary", "Components affected"]
        assert "Failure criteria" in titles

        assert viewer.find("servfail") == [viewer.body.split("\n").index("SERVFAIL rate."),
                                           viewer.body.split("\n").index("More than 1% SERVFAIL.")]
        assert viewer.find("no such text") == []


async def test_viewer_follows_instruction_link(tmp_path):
    session = team_session(tmp_path / "links.db")
    target = kb.create_instruction(session, "Target", body="# Target\n\ntext\n")
    source = kb.create_instruction(session, "Source", body=f"# Source\n\nSee [the target](instruction:{target}).\n")
    app = build_app(session)
    async with app.run_test(size=(120, 40)) as pilot:
        await app.push_screen(InstructionViewer(source))
        await pilot.pause()
        app.screen.follow_link(f"instruction:{target}")
        await pilot.pause()

        assert isinstance(app.screen, InstructionViewer)
        assert app.screen.instruction_id == target
        assert app.screen.document_title == "Target"


async def test_viewer_opens_note_link(tmp_path):
    from opstui.screens.note_editor import NoteEditorScreen
    from opstui.services import notes, tasks

    session = team_session(tmp_path / "note-link.db")
    note_id = notes.add_note(session, tasks.create_request(session, "Replace switch"), "Cabling", "ports\n")
    app = build_app(session)
    async with app.run_test(size=(120, 40)) as pilot:
        await app.push_screen(InstructionViewer(title="Draft", body=f"# Draft\n\nFrom [Cabling](note:{note_id}).\n"))
        await pilot.pause()
        app.screen.follow_link(f"note:{note_id}")
        await pilot.pause()
        assert isinstance(app.screen, NoteEditorScreen)
        assert app.screen.note_id == note_id

        await app.pop_screen()
        await pilot.pause()
        app.screen.follow_link("note:999")
        await pilot.pause()
        assert isinstance(app.screen, InstructionViewer)
        messages = [notification.message for notification in app._notifications]
        assert any("999" in message for message in messages)


async def test_viewer_opens_linked_markdown_file_at_its_anchor(tmp_path):
    from opstui.services.kb_exchange import import_knowledge_base

    folder = tmp_path / "runbooks"
    folder.mkdir()
    (folder / "failover.md").write_text("# Failover\n\nFirst [restore](../db/restore.md#step-2).\n")
    steps = "".join(f"## Step {n}\n\n" + "Text.\n\n" * 30 for n in (1, 2, 3))
    (folder / "restore.md").write_text("# Restore\n\n" + steps)
    session = team_session(tmp_path / "files.db")
    import_knowledge_base(session, folder)
    failover = next(row["id"] for row in kb.list_instructions(session) if row["title"] == "Failover")

    app = build_app(session)
    async with app.run_test(size=(80, 24)) as pilot:
        await app.push_screen(InstructionViewer(failover))
        await pilot.pause()
        app.screen.follow_link("../db/restore.md#step-2")
        await pilot.pause()
        viewer = app.screen
        assert isinstance(viewer, InstructionViewer)
        assert viewer.document_title == "Restore"
        await viewer.wait_until_settled()
        await pilot.pause()
        assert viewer.document_view.visible_text().lstrip().startswith("Step 2")

        app.screen.follow_link("backup.md")
        await pilot.pause()
        assert app.screen is viewer
        messages = [notification.message for notification in app._notifications]
        assert any("backup.md is not in the knowledge base" in message for message in messages)


async def test_list_shows_status_and_publishes(tmp_path):
    session = team_session(tmp_path / "list.db")
    instruction_id = kb.create_instruction(session, "Restart unbound", body=RUNBOOK)
    app = build_app(session)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = InstructionList()
        await app.push_screen(screen)
        await pilot.pause()
        assert screen.rows[0]["status"] == "draft"

        await pilot.press("P")
        await pilot.pause()
        await pilot.press("y")
        await pilot.pause()
        assert screen.rows[0]["status"] == "official"
    assert kb.get_instruction(session, instruction_id)["official_revision"] == 1


async def test_run_screen_ticks_and_copies(tmp_path):
    session = team_session(tmp_path / "run.db")
    _, activity_id = make_activity_task(session)
    instruction_id = kb.create_instruction(session, "Restart unbound", body=RUNBOOK)
    kb.publish(session, instruction_id)
    run_id = runs.start_run(session, instruction_id, activity_id)
    app = build_app(session)
    copied = []
    app.copy_to_clipboard = copied.append
    async with app.run_test(size=(120, 40)) as pilot:
        screen = RunScreen(run_id)
        await app.push_screen(screen)
        await pilot.pause()

        await pilot.press("y")
        assert copied == ["unbound-checkconf\n"]

        await pilot.press("space")
        await pilot.pause()
        assert screen.shown_step == 2
        assert screen.run["steps"][0]["state"] == "done"
        assert screen.run["steps"][1]["state"] in ("pending", "started")

    assert runs.get_run(session, run_id)["steps"][0]["finished_by"] == "alice"


async def test_run_screen_shows_other_operator_live(tmp_path):
    from opstui.services.session import open_session

    session = team_session(tmp_path / "live.db")
    _, activity_id = make_activity_task(session)
    instruction_id = kb.create_instruction(session, "Restart unbound", body=RUNBOOK)
    kb.publish(session, instruction_id)
    run_id = runs.start_run(session, instruction_id, activity_id)
    bob = open_session(tmp_path / "live.db", login="bob")
    app = build_app(session, poll_interval=0.05)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = RunScreen(run_id)
        await app.push_screen(screen)
        await pilot.pause()

        runs.complete_step(bob, run_id, 1, comment="done by bob")
        for _ in range(40):
            await pilot.pause(0.05)
            if screen.run["steps"][0]["state"] == "done":
                break
        assert screen.run["steps"][0]["finished_by"] == "bob"
    bob.close()


async def test_task_tab_lists_instruction_and_runs_it(tmp_path):
    from opstui.screens.task import TaskScreen
    from opstui.widgets.task_instructions import TaskInstructions

    session = team_session(tmp_path / "tab.db")
    _, activity_id = make_activity_task(session)
    instruction_id = kb.create_instruction(session, "Restart unbound", body=RUNBOOK)
    kb.publish(session, instruction_id)
    kb.link_task(session, instruction_id, activity_id)
    app = build_app(session)
    async with app.run_test(size=(120, 40)) as pilot:
        await app.push_screen(TaskScreen(activity_id))
        await pilot.pause()
        tab = app.screen.query_one(TaskInstructions)
        assert tab.row_targets == [("instruction", instruction_id, instruction_id)]

        tab.action_run()
        await pilot.pause()
        assert isinstance(app.screen, RunScreen)
    assert len(runs.runs_of_task(session, activity_id)) == 1


def long_runbook(sections: int) -> str:
    section = "## Section {n}\n\n1. Run it:\n\n   ```\n   echo {n}\n   ```\n\nProse.\n\n"
    return "# Long\n\n" + "".join(section.format(n=n) for n in range(sections))


@pytest.mark.slow
async def test_find_scrolls_match_into_view(tmp_path):
    session = team_session(tmp_path / "find.db")
    app = build_app(session)
    async with app.run_test(size=(120, 40)) as pilot:
        viewer = InstructionViewer(title="Long", body=long_runbook(8000))
        await app.push_screen(viewer)
        await pilot.pause()
        await viewer.wait_until_settled()
        assert app.focused is viewer.document_view

        for needle in ("echo 5000", "echo 120", "echo 7990"):
            viewer.find(needle)
            await viewer.wait_until_settled()
            await pilot.pause()
            seen = viewer.document_view.visible_text()
            assert needle in seen, needle
            assert f"Section {needle.split()[1]}" in seen, needle


async def test_toc_jump_in_a_long_document(tmp_path):
    session = team_session(tmp_path / "toc.db")
    body = long_runbook(50) + "".join(f"# Part {n}\n\n" + long_runbook(40)[8:] for n in range(12))
    app = build_app(session)
    async with app.run_test(size=(80, 24)) as pilot:
        viewer = InstructionViewer(title="Long", body=body)
        await app.push_screen(viewer)
        await pilot.pause()
        await viewer.wait_until_settled()
        assert len(viewer.chunks) > 1

        part = next(index for index, heading in enumerate(viewer.headings) if heading.title == "Part 9")
        viewer.scroll_to_line(viewer.headings[part].line)
        await viewer.wait_until_settled()
        await pilot.pause()
        assert viewer.document_view.visible_text().lstrip().startswith("Part 9")


async def test_short_document_renders_whole_with_textual_markdown(tmp_path):
    session = team_session(tmp_path / "short.db")
    instruction_id = kb.create_instruction(session, "Restart unbound", body=RUNBOOK)
    app = build_app(session)
    async with app.run_test(size=(80, 24)) as pilot:
        viewer = InstructionViewer(instruction_id)
        await app.push_screen(viewer)
        await pilot.pause()

        (markdown,) = viewer.query(Markdown)
        assert markdown.source == RUNBOOK
        assert viewer.mounted_chunks == 1

        viewer.find("More than 1% SERVFAIL")
        await viewer.wait_until_settled()
        await pilot.pause()
        assert "More than 1% SERVFAIL" in viewer.document_view.visible_text()


async def test_short_document_shows_escape_sequences_literally(tmp_path):
    session = team_session(tmp_path / "escapes.db")
    body = ("# Restart \x1b[31mRED\x1b[0m\n\n## Steps\n\n"
            "1. Copy \x1b]52;c;ZXZpbA==\x07 [b]bold?[/b]\n2. Ring \x07 and go back \x08 here.\n")
    app = build_app(session)
    async with app.run_test(size=(120, 40)) as pilot:
        viewer = InstructionViewer(title="Escapes", body=body)
        await app.push_screen(viewer)
        await pilot.pause()
        await viewer.wait_until_settled()
        shown = viewer.document_view.visible_text()

    assert "\x1b" not in shown
    assert "\x07" not in shown
    assert "\x08" not in shown
    assert "\\x1b]52;c;ZXZpbA==\\x07" in shown
    assert "[b]bold?[/b]" in shown
    assert "Restart \\x1b[31mRED" in shown


async def test_run_step_shows_escape_sequences_literally(tmp_path):
    session = team_session(tmp_path / "run-escapes.db")
    _, activity_id = make_activity_task(session)
    body = RUNBOOK.replace("Check the configuration:", "Check \x1b]52;c;ZXZpbA==\x07 the \x1b[31mconfiguration\x1b[0m:")
    instruction_id = kb.create_instruction(session, "Restart unbound", body=body)
    kb.publish(session, instruction_id)
    run_id = runs.start_run(session, instruction_id, activity_id)
    app = build_app(session)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = RunScreen(run_id)
        await app.push_screen(screen)
        await pilot.pause()
        step = screen.query_one("#run-step", Markdown)
        shown = "\n".join(str(block._content) for block in step.query("MarkdownBlock"))

    assert "\x1b" not in shown
    assert "\x07" not in shown
    assert "\\x1b]52;c;ZXZpbA==\\x07" in shown


async def test_links_key_follows_link_by_keyboard(tmp_path):
    from opstui.screens.link_picker import LinkPicker

    session = team_session(tmp_path / "keys.db")
    target = kb.create_instruction(session, "Target", body="# Target\n\ntext\n")
    body = (f"# Long\n\nFirst see [the wiki](https://wiki.example/x).\n\n" + long_runbook(400)[8:]
            + f"\n\nAt the end, [the target](instruction:{target}).\n")
    app = build_app(session)
    async with app.run_test(size=(120, 40)) as pilot:
        viewer = InstructionViewer(title="Long", body=body)
        await app.push_screen(viewer)
        await pilot.pause()
        await pilot.press("end")
        await viewer.wait_until_settled()
        await pilot.pause()

        await pilot.press("f")
        await pilot.pause()
        picker = app.screen
        assert isinstance(picker, LinkPicker)
        assert picker.links[picker.first_index].href == f"instruction:{target}"

        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, InstructionViewer)
        assert app.screen.instruction_id == target

        await pilot.press("f")
        await pilot.pause()
        assert isinstance(app.screen, InstructionViewer)
        messages = [notification.message for notification in app._notifications]
        assert "this document has no links" in messages


async def test_click_on_link_in_long_document_opens_instruction(tmp_path):
    from opstui.widgets.rendered_chunk import RenderedChunk

    session = team_session(tmp_path / "click.db")
    target = kb.create_instruction(session, "Target", body="# Target\n\ntext\n")
    body = f"# Long\n\nSee [the target](instruction:{target}) and \x1b[31mred\x1b[0m.\n\n" + long_runbook(400)[8:]
    app = build_app(session)
    async with app.run_test(size=(120, 40)) as pilot:
        viewer = InstructionViewer(title="Long", body=body)
        await app.push_screen(viewer)
        await pilot.pause()
        await viewer.wait_until_settled()
        chunk = viewer.query_one("#chunk-0", RenderedChunk)

        lines = [strip.text for strip in chunk.lines_at(chunk.content_size.width)]
        assert "\x1b" not in "".join(lines)
        y = next(index for index, line in enumerate(lines) if "the target" in line)
        x = lines[y].index("the target") + chunk.styles.padding.left
        await pilot.click(chunk, offset=(x + 2, y))
        await pilot.pause()

        assert isinstance(app.screen, InstructionViewer)
        assert app.screen.instruction_id == target


async def test_home_and_end_in_long_document(tmp_path):
    session = team_session(tmp_path / "ends.db")
    app = build_app(session)
    async with app.run_test(size=(80, 24)) as pilot:
        viewer = InstructionViewer(title="Long", body=long_runbook(3000))
        await app.push_screen(viewer)
        await pilot.pause()
        await viewer.wait_until_settled()

        await pilot.press("end")
        await pilot.pause()
        await viewer.wait_until_settled()
        await pilot.pause()
        assert "echo 2999" in viewer.document_view.visible_text()

        await pilot.press("home")
        await pilot.pause()
        await viewer.wait_until_settled()
        await pilot.pause()
        assert viewer.document_view.visible_text().lstrip().startswith("Long")

        await viewer.render_document()
        await viewer.wait_until_settled()
        await pilot.pause()
        assert viewer.document_view.visible_text().lstrip().startswith("Long")
        assert viewer.mounted_chunks >= 1


async def test_new_instruction_empty_title_named(tmp_path):
    from textual.widgets import Label

    from opstui.screens.reason_dialog import ReasonDialog

    session = team_session(tmp_path / "title.db")
    app = build_app(session)
    async with app.run_test(size=(80, 24)) as pilot:
        await app.push_screen(InstructionList())
        await pilot.pause()
        await pilot.press("n")
        await pilot.pause()
        await pilot.press("enter")
        await pilot.pause()

        assert isinstance(app.screen, ReasonDialog)
        assert str(app.screen.query_one("#reason-error", Label).render()) == "A title is required."

    assert kb.list_instructions(session) == []
