"""Process step 8 (notes retired) follows what became of every note of the task."""

import pytest

from opstui.errors import UserError
from opstui.services import note_lifecycle, notes, process, tasks
from tests.helpers import team_session


def step_state(session, task_id, number):
    return process.checklist(session, task_id)[number - 1]["state"]


@pytest.fixture
def session(tmp_path):
    session = team_session(tmp_path / "ops.db")
    yield session
    session.close()


def test_tick_refused_while_a_note_is_undecided(session):
    task_id = tasks.create_request(session, "Upgrade PostgreSQL")
    notes.add_note(session, task_id, "Extension inventory", "pg_stat_statements 1.10")
    with pytest.raises(UserError, match="1 note\\(s\\) neither taken into an instruction nor discarded"):
        process.tick_step(session, task_id, 8, reason="testing out of order")
    assert step_state(session, task_id, 8) == "open"


def test_tick_refused_while_a_settled_note_is_active(session):
    task_id = tasks.create_request(session, "Upgrade PostgreSQL")
    note_id = notes.add_note(session, task_id, "Scratch", "nothing useful")
    note_lifecycle.mark_discarded(session, note_id, "scratch pad only")
    with pytest.raises(UserError, match="1 note\\(s\\) not retired"):
        process.tick_step(session, task_id, 8, reason="testing out of order")


def test_retiring_the_last_settled_note_ticks_step_8(session):
    task_id = tasks.create_request(session, "Upgrade PostgreSQL")
    first = notes.add_note(session, task_id, "Scratch", "nothing useful")
    second = notes.add_note(session, task_id, "Ideas", "maybe later")
    note_lifecycle.mark_discarded(session, first, "scratch pad only")
    note_lifecycle.mark_discarded(session, second, "superseded")
    note_lifecycle.retire_note(session, first, reason="no instructions for this change")
    assert step_state(session, task_id, 8) == "open"
    note_lifecycle.retire_note(session, second, reason="no instructions for this change")
    assert step_state(session, task_id, 8) == "done"


def test_task_without_notes_can_tick_step_8(session):
    task_id = tasks.create_request(session, "Tiny change")
    process.tick_step(session, task_id, 8, reason="no discovery notes were needed")
    assert step_state(session, task_id, 8) == "done"
