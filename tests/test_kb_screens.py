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

        assert len(viewer.chunks) > 50
        assert viewer.mounted_chunks <= 4

        for _ in range(10):
            await pilot.press("pagedown")
        await pilot.pause()
        assert viewer.mounted_chunks <= 6

        viewer.find("echo 13999")
        await pilot.pause()
        last = viewer.query_one(f"#chunk-{len(viewer.chunks) - 1}")
        assert last.loaded
        assert viewer.mounted_chunks < 12


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


# NOTE: the viewer corrects its scroll for 1.5 s after a jump, but about one run in
# five a part rendered or dropped afterwards still moves the match out of view.
@pytest.mark.xfail(strict=False, reason="a part laid out after the viewer's corrections can move the match")
async def test_find_scrolls_match_into_view(tmp_path):
    section = "## Section {n}\n\n1. Run it:\n\n   ```\n   echo {n}\n   ```\n\nProse.\n\n"
    body = "# Long\n\n" + "".join(section.format(n=n) for n in range(800))
    session = team_session(tmp_path / "find.db")
    app = build_app(session)
    async with app.run_test(size=(120, 40)) as pilot:
        viewer = InstructionViewer(title="Long", body=body)
        await app.push_screen(viewer)
        await pilot.pause()
        assert app.focused is viewer.query_one("#viewer-body")

        viewer.find("echo 500")
        container = viewer.query_one("#viewer-body")
        # The viewer keeps correcting for 1.5 s while parts around the match render.
        await pilot.pause(2.0)
        heading = next(block for block in viewer.query("MarkdownH2") if "500" in str(block.id))
        top = heading.region.y - container.region.y
        assert 0 <= top < container.size.height
