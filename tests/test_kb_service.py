"""Instructions on a real SQLite file: drafts, publishing, history, links, attachments."""

import sqlite3

import pytest

from opstui.errors import ConflictError, NotFoundError, PermissionDenied, UserError
from opstui.services import kb, permissions
from opstui.services.secret_guard import SecretsFound
from opstui.store import notes as note_rows
from opstui.store.events import events_after
from tests.kb_helpers import RUNBOOK, make_activity_task, open_team


@pytest.fixture
def team(tmp_path):
    alice, bob = open_team(tmp_path / "kb.db")
    yield alice, bob
    bob.close()
    alice.close()


def test_new_instruction_uses_template(team):
    alice, _ = team
    instruction_id = kb.create_instruction(alice, "Rotate keys")
    instruction = kb.get_instruction(alice, instruction_id)

    assert instruction["status"] == "draft"
    assert "## Rollback" in instruction["draft_body"]
    assert instruction["official_revision"] is None


def test_publish_makes_numbered_revision(team):
    alice, _ = team
    _, activity_id = make_activity_task(alice)
    instruction_id = kb.create_instruction(alice, "Restart unbound", body=RUNBOOK, task_id=activity_id)

    number = kb.publish(alice, instruction_id)
    instruction = kb.get_instruction(alice, instruction_id)

    assert number == 1
    assert instruction["status"] == "official"
    assert instruction["official_body"] == RUNBOOK
    official = [r for r in kb.revisions(alice, instruction_id) if r["kind"] == "official"]
    assert official[0]["author"] == "alice"
    assert official[0]["task_id"] == activity_id
    assert official[0]["saved_at"]


def test_edit_official_keeps_it_in_force(team):
    alice, _ = team
    instruction_id = kb.create_instruction(alice, "Restart unbound", body=RUNBOOK)
    kb.publish(alice, instruction_id)

    draft = kb.start_draft(alice, instruction_id)
    edited = kb.save_draft(alice, instruction_id, RUNBOOK + "\nExtra line.\n", expected_version=draft["version"])

    assert edited["status"] == "official+draft"
    assert edited["official_body"] == RUNBOOK
    assert edited["draft_body"].endswith("Extra line.\n")

    assert kb.publish(alice, instruction_id) == 2
    assert kb.get_instruction(alice, instruction_id)["official_body"].endswith("Extra line.\n")


def test_official_revisions_are_immutable(team):
    alice, _ = team
    instruction_id = kb.create_instruction(alice, "Restart unbound", body=RUNBOOK)
    kb.publish(alice, instruction_id)

    with pytest.raises(sqlite3.IntegrityError, match="immutable"):
        with alice.store.transaction("alice") as transaction:
            transaction.execute("UPDATE instruction_revisions SET body = 'changed'")


def test_publish_needs_manager_by_default(team):
    alice, bob = team
    instruction_id = kb.create_instruction(bob, "Restart unbound", body=RUNBOOK)

    with pytest.raises(PermissionDenied, match="manager"):
        kb.publish(bob, instruction_id)

    open_to_all = [a for a in permissions.manager_only_actions(alice) if a != "publish_instruction"]
    permissions.set_manager_only_actions(alice, open_to_all)
    assert kb.publish(bob, instruction_id) == 1


def test_stale_save_raises_conflict(team):
    alice, bob = team
    instruction_id = kb.create_instruction(alice, "Restart unbound", body=RUNBOOK)
    version = kb.get_instruction(alice, instruction_id)["version"]

    kb.save_draft(bob, instruction_id, RUNBOOK + "bob\n", expected_version=version)
    with pytest.raises(ConflictError) as caught:
        kb.save_draft(alice, instruction_id, RUNBOOK + "alice\n", expected_version=version)

    assert caught.value.current["draft_body"].endswith("bob\n")
    assert kb.get_instruction(alice, instruction_id)["draft_body"].endswith("bob\n")


def test_publish_without_draft_is_user_error(team):
    alice, _ = team
    instruction_id = kb.create_instruction(alice, "Restart unbound", body=RUNBOOK)
    kb.publish(alice, instruction_id)

    with pytest.raises(UserError, match="no draft"):
        kb.publish(alice, instruction_id)


def test_diff_between_revisions(team):
    alice, _ = team
    instruction_id = kb.create_instruction(alice, "Restart unbound", body=RUNBOOK)
    kb.publish(alice, instruction_id)
    draft = kb.start_draft(alice, instruction_id)
    kb.save_draft(alice, instruction_id, RUNBOOK.replace("SERVFAIL rate.", "NXDOMAIN rate."),
                  expected_version=draft["version"])
    kb.publish(alice, instruction_id)

    official = [r for r in kb.revisions(alice, instruction_id) if r["kind"] == "official"]
    diff = kb.diff_revisions(alice, official[0]["id"], official[1]["id"])

    assert "-SERVFAIL rate." in diff
    assert "+NXDOMAIN rate." in diff
    assert diff.startswith("--- r1")


def test_secret_in_draft_is_rejected_then_masked(team):
    alice, _ = team
    body = RUNBOOK + "\npassword=Sup3rS3cretValue!\n"

    with pytest.raises(SecretsFound):
        kb.create_instruction(alice, "Leaky", body=body)

    instruction_id = kb.create_instruction(alice, "Leaky", body=body, secrets="mask")
    assert "Sup3rS3cretValue" not in kb.get_instruction(alice, instruction_id)["draft_body"]


def test_draft_from_notes_marks_notes_taken(team):
    alice, _ = team
    master_id, _ = make_activity_task(alice)

    def write(transaction):
        first = note_rows.insert_note(transaction, task_id=master_id, title="Research",
                                      body="## Rollback\n\nput back the old file\n")
        second = note_rows.insert_note(transaction, task_id=master_id, title="Hosts",
                                       body="## Affected hosts\n\n- ns1\n")
        return first, second

    first, second = alice.store.write("alice", write)
    instruction_id = kb.create_from_notes(alice, master_id)
    instruction = kb.get_instruction(alice, instruction_id)

    assert f"(note:{first})" in instruction["draft_body"]
    assert kb.components(alice, instruction_id) == ["ns1"]
    for note_id in (first, second):
        note = note_rows.get_note(alice.store, note_id)
        assert note["outcome"] == "taken"
        assert note["instruction_id"] == instruction_id
    assert [t["task_id"] for t in instruction["tasks"]] == [master_id]


def test_draft_from_notes_without_notes_is_user_error(team):
    alice, _ = team
    master_id, _ = make_activity_task(alice)

    with pytest.raises(UserError, match="no active notes"):
        kb.create_from_notes(alice, master_id)


def test_link_task_and_list(team):
    alice, _ = team
    _, activity_id = make_activity_task(alice)
    instruction_id = kb.create_instruction(alice, "Restart unbound", body=RUNBOOK)

    assert kb.link_task(alice, instruction_id, activity_id) is True
    assert kb.link_task(alice, instruction_id, activity_id) is False

    (row,) = kb.list_instructions(alice)
    assert row["task_ids"] == [activity_id]
    assert kb.instructions_of_task(alice, activity_id)[0]["relation"] == "uses"

    with pytest.raises(NotFoundError):
        kb.link_task(alice, instruction_id, 9999)


def test_attachments_store_and_replace(team, tmp_path):
    alice, _ = team
    instruction_id = kb.create_instruction(alice, "Restart unbound", body=RUNBOOK)
    diagram = tmp_path / "diagram.svg"
    diagram.write_text("<svg/>")

    first_id = kb.add_attachment(alice, instruction_id, diagram)
    diagram.write_text("<svg></svg>")
    second_id = kb.add_attachment(alice, instruction_id, diagram)

    (row,) = kb.attachments(alice, instruction_id)
    assert first_id == second_id
    assert row["mime"] == "image/svg+xml"
    assert kb.attachment(alice, first_id)["data"] == b"<svg></svg>"

    copy = kb.save_attachment_copy(alice, first_id, tmp_path / "open")
    assert copy.read_bytes() == b"<svg></svg>"

    with pytest.raises(UserError, match="plain file name"):
        kb.store_attachment(alice, instruction_id, "../etc/passwd", b"x")


def test_every_write_has_an_event(team):
    alice, _ = team
    before = events_after(alice.store, 0)[-1]["id"]
    instruction_id = kb.create_instruction(alice, "Restart unbound", body=RUNBOOK)
    kb.publish(alice, instruction_id)

    kinds = [event["kind"] for event in events_after(alice.store, before)]
    assert kinds == ["instruction.created", "instruction.published"]
