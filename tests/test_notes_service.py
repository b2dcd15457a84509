"""Notes on a real SQLite file: saves, conflicts, revisions, drafts, presence, retiring."""

import pytest

from opstui.errors import ConflictError, NotFoundError, UserError
from opstui.services import note_drafts, note_lifecycle, notes
from opstui.services.search import search
from notes_helpers import make_task, open_as


@pytest.fixture
def database(tmp_path):
    return tmp_path / "team.db"


@pytest.fixture
def alice(database):
    session = open_as(database, "alice")
    yield session
    session.close()


@pytest.fixture
def bob(database, alice):
    session = open_as(database, "bob")
    yield session
    session.close()


@pytest.fixture
def task_id(alice):
    return make_task(alice)


def test_add_and_list_notes(alice, task_id):
    note_id = notes.add_note(alice, task_id, "Disk layout", "# Disks\n\n/var is full", tags=["Storage", "db"])

    listed = notes.list_notes(alice, task_id)

    assert [row["id"] for row in listed] == [note_id]
    assert listed[0]["title"] == "Disk layout"
    assert listed[0]["tags"] == ["db", "storage"]
    note = notes.get_note(alice, note_id)
    assert note["body"] == "# Disks\n\n/var is full"
    assert note["version"] == 1
    assert note["created_by"] == "alice"


def test_note_needs_master_task(alice, task_id):
    from opstui.services import tasks as task_service
    subtask_id = task_service.add_subtask(alice, task_id, "Check backups")

    with pytest.raises(UserError, match="master task"):
        notes.add_note(alice, subtask_id, "x")
    with pytest.raises(NotFoundError):
        notes.add_note(alice, 9999, "x")


def test_bad_tag_rejected(alice, task_id):
    with pytest.raises(UserError, match="invalid tag"):
        notes.add_note(alice, task_id, "x", tags=["bad;tag"])


def test_save_bumps_version_and_revision(alice, task_id):
    note_id = notes.add_note(alice, task_id, "Plan", "one")

    version = notes.save_note(alice, note_id, 1, title="Plan", body="one\ntwo")

    assert version == 2
    revisions = notes.history(alice, note_id)
    assert [row["version"] for row in revisions] == [2, 1]
    assert revisions[0]["author"] == "alice"
    assert notes.revision(alice, note_id, 1)["body"] == "one"


def test_save_without_change_writes_nothing(alice, task_id):
    note_id = notes.add_note(alice, task_id, "Plan", "one")

    assert notes.save_note(alice, note_id, 1, title="Plan", body="one") == 1
    assert len(notes.history(alice, note_id)) == 1


def test_second_save_conflicts(alice, bob, task_id):
    note_id = notes.add_note(alice, task_id, "Plan", "base")
    notes.save_note(alice, note_id, 1, title="Plan", body="alice's text")

    with pytest.raises(ConflictError) as caught:
        notes.save_note(bob, note_id, 1, title="Plan", body="bob's text")

    assert caught.value.current["body"] == "alice's text"
    assert caught.value.current["version"] == 2
    assert "alice" in str(caught.value)
    assert notes.get_note(alice, note_id)["body"] == "alice's text"


def test_merge_keeps_both_versions(alice, bob, task_id):
    note_id = notes.add_note(alice, task_id, "Plan", "base")
    notes.save_note(alice, note_id, 1, title="Plan", body="alice's text")

    version = notes.save_merged(bob, note_id, 2, mine_title="Plan", mine_body="bob's text",
                                merged_title="Plan", merged_body="alice's text\nbob's text")

    assert version == 4
    bodies = {row["version"]: notes.revision(alice, note_id, row["version"])["body"]
              for row in notes.history(alice, note_id)}
    assert bodies == {1: "base", 2: "alice's text", 3: "bob's text", 4: "alice's text\nbob's text"}
    kinds = [row["kind"] for row in notes.history(alice, note_id)]
    assert kinds == ["merge", "conflict", "save", "create"]


def test_merge_picking_theirs_keeps_mine(alice, bob, task_id):
    note_id = notes.add_note(alice, task_id, "Plan", "base")
    notes.save_note(alice, note_id, 1, title="Plan", body="alice's text")

    version = notes.save_merged(bob, note_id, 2, mine_title="Plan", mine_body="bob's text",
                                merged_title="Plan", merged_body="alice's text")

    assert version == 4
    assert notes.get_note(alice, note_id)["body"] == "alice's text"
    assert notes.revision(alice, note_id, 3)["body"] == "bob's text"


def test_restore_old_revision(alice, task_id):
    note_id = notes.add_note(alice, task_id, "Plan", "first")
    notes.save_note(alice, note_id, 1, title="Plan v2", body="second")

    version = notes.restore_revision(alice, note_id, 1, base_version=2)

    assert version == 3
    note = notes.get_note(alice, note_id)
    assert (note["title"], note["body"]) == ("Plan", "first")
    newest = notes.history(alice, note_id)[0]
    assert newest["kind"] == "restore"
    assert newest["restored_from"] == 1
    assert notes.revision(alice, note_id, 2)["body"] == "second"


def test_restore_checks_version(alice, task_id):
    note_id = notes.add_note(alice, task_id, "Plan", "first")
    notes.save_note(alice, note_id, 1, title="Plan", body="second")

    with pytest.raises(ConflictError):
        notes.restore_revision(alice, note_id, 1, base_version=1)


def test_drafts_are_per_user_and_create_no_events(alice, bob, task_id):
    note_id = notes.add_note(alice, task_id, "Plan", "saved")
    events_before = alice.store.scalar("SELECT max(id) FROM events")

    note_drafts.save_draft(alice, note_id, title="Plan", body="unsaved typing", base_version=1)
    note_drafts.save_draft(alice, note_id, title="Plan", body="more unsaved typing", base_version=1)

    assert alice.store.scalar("SELECT max(id) FROM events") == events_before
    assert note_drafts.get_draft(alice, note_id)["body"] == "more unsaved typing"
    assert note_drafts.get_draft(bob, note_id) is None


def test_save_removes_draft(alice, task_id):
    note_id = notes.add_note(alice, task_id, "Plan", "saved")
    note_drafts.save_draft(alice, note_id, title="Plan", body="typing", base_version=1)

    notes.save_note(alice, note_id, 1, title="Plan", body="typing")

    assert note_drafts.get_draft(alice, note_id) is None


def test_presence_shows_other_users(alice, bob, task_id):
    note_id = notes.add_note(alice, task_id, "Plan")
    events_before = alice.store.scalar("SELECT max(id) FROM events")

    note_drafts.mark_open(alice, note_id, "host:1")
    note_drafts.mark_open(bob, note_id, "host:2")

    assert [row["login"] for row in note_drafts.others_present(alice, note_id)] == ["bob"]
    assert [row["login"] for row in note_drafts.others_present(bob, note_id)] == ["alice"]
    assert alice.store.scalar("SELECT max(id) FROM events") == events_before
    note_drafts.mark_closed(bob, note_id, "host:2")
    assert note_drafts.others_present(alice, note_id) == []


def test_stale_presence_ignored(alice, bob, task_id):
    note_id = notes.add_note(alice, task_id, "Plan")
    note_drafts.mark_open(bob, note_id, "host:2")
    bob.store.connection.execute("UPDATE note_presence SET seen_at = '2000-01-01T00:00:00.000000Z'")

    assert note_drafts.others_present(alice, note_id) == []


def test_retire_needs_reason_without_instructions(alice, task_id):
    note_id = notes.add_note(alice, task_id, "Plan", "text")

    with pytest.raises(UserError, match="reason"):
        note_lifecycle.retire_note(alice, note_id)

    note_lifecycle.retire_note(alice, note_id, reason="superseded by the runbook wiki")
    assert notes.list_notes(alice, task_id) == []
    archived = notes.archived_notes(alice, task_id)
    assert [row["id"] for row in archived] == [note_id]
    assert archived[0]["retire_reason"] == "superseded by the runbook wiki"


def test_unretire_brings_note_back(alice, task_id):
    note_id = notes.add_note(alice, task_id, "Plan", "findable words")
    note_lifecycle.retire_note(alice, note_id, reason="done")

    note_lifecycle.unretire_note(alice, note_id)

    assert [row["id"] for row in notes.list_notes(alice, task_id)] == [note_id]
    assert [hit.ref_id for hit in search(alice, "findable", kinds=("note",))] == [note_id]


def test_step8_settled_only_when_all_decided(alice, task_id):
    first = notes.add_note(alice, task_id, "A", "a")
    second = notes.add_note(alice, task_id, "B", "b")

    assert not note_lifecycle.retirement_status(alice, task_id).settled
    note_lifecycle.mark_taken(alice, first, instruction_id=7)
    status = note_lifecycle.retirement_status(alice, task_id)
    assert (status.taken, status.undecided, status.settled) == (1, 1, False)

    with pytest.raises(UserError, match="reason"):
        note_lifecycle.mark_discarded(alice, second, "  ")
    note_lifecycle.mark_discarded(alice, second, "duplicate of A")
    status = note_lifecycle.retirement_status(alice, task_id)
    assert (status.taken, status.discarded, status.undecided) == (1, 1, 0)
    assert status.settled
    assert notes.get_note(alice, first)["instruction_id"] == 7


def test_purge_requires_retired_and_destroys_text(alice, task_id):
    note_id = notes.add_note(alice, task_id, "Secret plan", "text to destroy")
    notes.save_note(alice, note_id, 1, title="Secret plan", body="text to destroy, v2")

    with pytest.raises(UserError, match="retire it first"):
        note_lifecycle.purge_note(alice, note_id)

    note_lifecycle.retire_note(alice, note_id, reason="wrong task")
    preview = note_lifecycle.purge_preview(alice, note_id)
    assert preview["revisions"] == 2
    assert "2 revision(s)" in note_lifecycle.describe_purge(preview)

    note_lifecycle.purge_note(alice, note_id)

    with pytest.raises(NotFoundError):
        notes.get_note(alice, note_id)
    tombstone = notes.get_note(alice, note_id, include_purged=True)
    assert tombstone["body"] == ""
    assert alice.store.scalar("SELECT count(*) FROM note_revisions WHERE note_id = ?", (note_id,)) == 0
    assert alice.store.scalar("SELECT count(*) FROM note_revisions WHERE body LIKE '%destroy%'") == 0


def test_edits_create_events_for_live_refresh(alice, task_id):
    note_id = notes.add_note(alice, task_id, "Plan", "x")
    notes.save_note(alice, note_id, 1, title="Plan", body="y")

    kinds = [row["kind"] for row in alice.store.query(
        "SELECT kind FROM events WHERE entity = 'note' AND entity_id = ? ORDER BY id", (str(note_id),))]

    assert kinds == ["note.created", "note.saved"]
