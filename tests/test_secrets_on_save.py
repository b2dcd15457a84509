"""Notes, comments, summaries and imports check their text for secrets before saving."""

import pytest

from opstui.secret_scan import MASK
from opstui.services import activity, comments, imports_enex, notes
from opstui.services import tasks as task_service
from opstui.services.kb_exchange import import_knowledge_base
from opstui.services.secret_guard import SecretsFound
from tests.helpers import team_session

PASSWORD = "Tr0ub4dor"
SECRET_TEXT = f"Log in to the switch:\npassword={PASSWORD}\nthen save the config.\n"
MASKED_TEXT = SECRET_TEXT.replace(PASSWORD, MASK)
GITHUB_TOKEN = "ghp_" + "a1B2c3D4e5" * 4


@pytest.fixture
def session(tmp_path):
    session = team_session(tmp_path / "team.db")
    yield session
    session.close()


@pytest.fixture
def task_id(session):
    return task_service.create_request(session, "Replace the core switch")


def note_count(session) -> int:
    return session.store.scalar("SELECT count(*) FROM notes")


def comment_count(session) -> int:
    return session.store.scalar("SELECT count(*) FROM comments")


def stored_bodies(session) -> list[str]:
    """Return every stored copy of note text: current rows and revisions."""
    rows = session.store.query("SELECT body FROM notes UNION ALL SELECT body FROM note_revisions")
    return [row["body"] for row in rows]


# -- notes -----------------------------------------------------------------------------

def test_add_note_rejects_secret(session, task_id):
    with pytest.raises(SecretsFound) as caught:
        notes.add_note(session, task_id, "Switch login", SECRET_TEXT)

    assert caught.value.what == "note"
    assert [finding.line for finding in caught.value.scan.findings] == [2]
    assert PASSWORD not in str(caught.value)
    assert note_count(session) == 0


def test_add_note_masks_secret(session, task_id):
    note_id = notes.add_note(session, task_id, "Switch login", SECRET_TEXT, secrets="mask")

    assert notes.get_note(session, note_id)["body"] == MASKED_TEXT
    assert not any(PASSWORD in body for body in stored_bodies(session))


def test_add_note_keeps_secret(session, task_id):
    note_id = notes.add_note(session, task_id, "Switch login", SECRET_TEXT, secrets="keep")

    assert notes.get_note(session, note_id)["body"] == SECRET_TEXT


def test_add_note_checks_title(session, task_id):
    with pytest.raises(SecretsFound) as caught:
        notes.add_note(session, task_id, f"token {GITHUB_TOKEN}", "clean text")

    assert caught.value.what == "note title"
    assert note_count(session) == 0


def test_clean_note_saved_by_default(session, task_id):
    note_id = notes.add_note(session, task_id, "Switch login", "Ask the network team for the password.")

    assert notes.get_note(session, note_id)["body"] == "Ask the network team for the password."


def test_save_note_rejects_then_masks(session, task_id):
    note_id = notes.add_note(session, task_id, "Switch login", "first text")

    with pytest.raises(SecretsFound):
        notes.save_note(session, note_id, 1, title="Switch login", body=SECRET_TEXT)
    assert notes.get_note(session, note_id)["version"] == 1

    version = notes.save_note(session, note_id, 1, title="Switch login", body=SECRET_TEXT, secrets="mask")
    assert version == 2
    assert notes.get_note(session, note_id)["body"] == MASKED_TEXT
    assert notes.revision(session, note_id, 2)["body"] == MASKED_TEXT


def test_save_note_keeps_secret(session, task_id):
    note_id = notes.add_note(session, task_id, "Switch login", "first text")

    notes.save_note(session, note_id, 1, title="Switch login", body=SECRET_TEXT, secrets="keep")

    assert notes.get_note(session, note_id)["body"] == SECRET_TEXT


def test_save_merged_checks_both_texts(session, task_id):
    note_id = notes.add_note(session, task_id, "Switch login", "first text")
    notes.save_note(session, note_id, 1, title="Switch login", body="bob's text")

    # The secret is only in the person's own text, which would stay in the history.
    with pytest.raises(SecretsFound):
        notes.save_merged(session, note_id, 2, mine_title="Switch login", mine_body=SECRET_TEXT,
                          merged_title="Switch login", merged_body="merged text")
    assert notes.get_note(session, note_id)["version"] == 2

    version = notes.save_merged(session, note_id, 2, mine_title="Switch login", mine_body=SECRET_TEXT,
                                merged_title="Switch login", merged_body="merged text\n" + SECRET_TEXT,
                                secrets="mask")
    assert version == 4
    assert notes.revision(session, note_id, 3)["body"] == MASKED_TEXT
    assert notes.get_note(session, note_id)["body"] == "merged text\n" + MASKED_TEXT
    assert not any(PASSWORD in body for body in stored_bodies(session))


def test_restore_revision_not_checked(session, task_id):
    note_id = notes.add_note(session, task_id, "Switch login", SECRET_TEXT, secrets="keep")
    notes.save_note(session, note_id, 1, title="Switch login", body="clean")

    assert notes.restore_revision(session, note_id, 1, 2) == 3
    assert notes.get_note(session, note_id)["body"] == SECRET_TEXT


# -- comments and summaries ------------------------------------------------------------

def test_add_comment_rejects_secret(session, task_id):
    with pytest.raises(SecretsFound) as caught:
        comments.add_comment(session, task_id, f"use {GITHUB_TOKEN} for the API")

    assert caught.value.what == "comment"
    assert comment_count(session) == 0


def test_add_comment_masks_and_keeps(session, task_id):
    masked_id = comments.add_comment(session, task_id, SECRET_TEXT, secrets="mask")
    kept_id = comments.add_comment(session, task_id, SECRET_TEXT, secrets="keep")

    bodies = {row["id"]: row["body"] for row in comments.list_comments(session, task_id)}
    assert bodies[masked_id] == MASKED_TEXT.strip("\n")
    assert bodies[kept_id] == SECRET_TEXT.strip("\n")


def test_comment_event_excerpt_masked(session, task_id):
    comments.add_comment(session, task_id, SECRET_TEXT, secrets="mask")

    data = session.store.scalar("SELECT data FROM events WHERE kind = 'comment.added'")
    assert PASSWORD not in data


def test_set_summary_policies(session, task_id):
    activity_id = activity.create_activity(session, task_id, reason="hotfix")

    with pytest.raises(SecretsFound) as caught:
        comments.set_summary(session, activity_id, SECRET_TEXT)
    assert caught.value.what == "work summary"
    assert comments.get_summary(session, activity_id) is None

    comments.set_summary(session, activity_id, SECRET_TEXT, secrets="mask")
    assert comments.get_summary(session, activity_id)["body"] == MASKED_TEXT.strip("\n")

    comments.set_summary(session, activity_id, SECRET_TEXT, secrets="keep")
    assert comments.get_summary(session, activity_id)["body"] == SECRET_TEXT.strip("\n")


# -- imports keep the text and count the findings --------------------------------------

def enex_note(title: str, body: str) -> str:
    return f"<note><title>{title}</title><content><![CDATA[<en-note>{body}</en-note>]]></content></note>"


def test_enex_import_keeps_and_counts_secrets(session, task_id, tmp_path):
    path = tmp_path / "notebook.enex"
    notes_xml = [enex_note("Clean", "<div>restart nginx</div>"),
                 enex_note("Switch", f"<div>password={PASSWORD}</div>"),
                 enex_note("Also clean", "<div>check the disks</div>")]
    path.write_text('<?xml version="1.0" encoding="UTF-8"?>\n<en-export>\n' + "\n".join(notes_xml)
                    + "\n</en-export>\n", encoding="utf-8")

    result = imports_enex.import_enex(session, path, task_id=task_id)

    assert len(result.note_ids) == 3
    assert result.secret_note_ids == [result.note_ids[1]]
    assert PASSWORD in notes.get_note(session, result.note_ids[1])["body"]


def test_kb_import_keeps_and_counts_secrets(session, tmp_path):
    folder = tmp_path / "runbooks"
    folder.mkdir()
    (folder / "clean.md").write_text("# Restart nginx\n\nRun systemctl restart nginx.\n", encoding="utf-8")
    (folder / "switch.md").write_text(f"# Switch login\n\npassword={PASSWORD}\n", encoding="utf-8")

    result = import_knowledge_base(session, folder)

    assert sorted(result.created) == ["clean.md", "switch.md"]
    assert result.secret_files == ["switch.md"]
