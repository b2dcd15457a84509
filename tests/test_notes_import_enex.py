"""ENEX import into a real database: every corpus file, attachments, and undo on failure."""

import threading

import pytest

from opstui.enex import EnexFormatError
from opstui.errors import UserError
from opstui.services import imports_enex, notes
from opstui.services import tasks as task_service
from opstui.services.search import search
from notes_helpers import make_task, open_as

GOOD_FILES = [
    "evernote2md__export.enex",
    "yarle__sanitize_fulltest.enex",
    "yarle__test-checklist.enex",
    "yarle__test-empty-en-todo.enex",
    "yarle__test-tana-02.enex",
]


@pytest.fixture
def alice(tmp_path):
    session = open_as(tmp_path / "team.db", "alice")
    yield session
    session.close()


def write_export(tmp_path, notes_xml: list[str], name: str = "Team notebook.enex"):
    path = tmp_path / name
    path.write_text('<?xml version="1.0" encoding="UTF-8"?>\n<en-export>\n' + "\n".join(notes_xml) + "\n</en-export>\n")
    return path


def note_xml(title: str, body: str = "<div>text</div>") -> str:
    return (f"<note><title>{title}</title><content><![CDATA[<en-note>{body}</en-note>]]></content>"
            "<created>20240102T030405Z</created></note>")


def visible_note_count(session) -> int:
    return session.store.scalar("SELECT count(*) FROM notes WHERE state = 'active'")


@pytest.mark.parametrize("name", GOOD_FILES)
def test_corpus_file_imports(alice, corpus_dir, name):
    task_id = make_task(alice)

    result = imports_enex.import_enex(alice, corpus_dir / "enex" / name, task_id=task_id)

    assert result.note_ids
    listed = notes.list_notes(alice, task_id)
    assert len(listed) == len(result.note_ids)
    for note_id in result.note_ids:
        note = notes.get_note(alice, note_id)
        assert note["body"].strip()
        assert "<en-" not in note["body"]
        assert note["source_created_at"]


def test_import_keeps_dates_tags_attachments(alice, corpus_dir):
    task_id = make_task(alice)

    result = imports_enex.import_enex(alice, corpus_dir / "enex" / "evernote2md__export.enex", task_id=task_id)

    (note_id,) = result.note_ids
    note = notes.get_note(alice, note_id)
    assert note["title"] == "Sample note"
    assert note["created_at"].startswith("2009-01-01T10:10:10")
    assert note["source_updated_at"].startswith("2009-01-01T05:05:05")
    assert note["tags"] == ["tag1", "tag2"]
    (attachment,) = notes.attachments(alice, note_id)
    assert attachment["file_name"] == "1.jpg"
    assert attachment["mime"] == "image/gif"
    assert f"![1.jpg](attachment:{attachment['id']})" in note["body"]
    assert notes.attachment(alice, attachment["id"])["data"].startswith(b"GIF89a")
    assert result.attachments == 1


def test_import_checklists_become_task_items(alice, corpus_dir):
    task_id = make_task(alice)

    result = imports_enex.import_enex(alice, corpus_dir / "enex" / "yarle__test-tana-02.enex", task_id=task_id)

    bodies = {notes.get_note(alice, note_id)["title"]: notes.get_note(alice, note_id)["body"]
              for note_id in result.note_ids}
    assert "- [ ] checkpoint1" in bodies["Tana note2"]
    assert "## Tasks" in bodies["Tasks"]
    assert "- [x] Done Task3" in bodies["Tasks"]
    assert "| TABLE0.0 | Column1 | Column2 |" in bodies["Table"]


def test_import_without_task_creates_master_task(alice, corpus_dir):
    result = imports_enex.import_enex(alice, corpus_dir / "enex" / "yarle__test-checklist.enex")

    task = task_service.get_task(alice, result.task_id)
    assert result.created_task
    assert task["title"] == "yarle  test-checklist".replace("  ", " ")
    assert task["stage"] == "discovery"
    assert task["kind"] == "master"
    assert task["deleted_at"] is None


def test_broken_cdata_refused_and_nothing_kept(alice, corpus_dir):
    task_id = make_task(alice)

    with pytest.raises(EnexFormatError, match="Test note with nested CDATA tags"):
        imports_enex.import_enex(alice, corpus_dir / "enex" / "evernote2md__cdata.issue.enex", task_id=task_id)

    assert alice.store.scalar("SELECT count(*) FROM notes") == 0


def test_broken_cdata_recovered_on_request(alice, corpus_dir):
    task_id = make_task(alice)

    result = imports_enex.import_enex(alice, corpus_dir / "enex" / "evernote2md__cdata.issue.enex",
                                      task_id=task_id, recover=True)

    assert result.recovered_titles == ["Test note with nested CDATA tags"]
    body = notes.get_note(alice, result.note_ids[0])["body"]
    assert "**Title**" in body


def test_failure_after_batches_leaves_nothing(alice, tmp_path, monkeypatch):
    monkeypatch.setattr(imports_enex, "BATCH_SIZE", 2)
    good = [note_xml(f"Note {number}") for number in range(5)]
    broken = note_xml("Broken").replace("20240102T030405Z", "not-a-date")
    path = write_export(tmp_path, good + [broken])
    seen_counts = []

    with pytest.raises(EnexFormatError, match="'Broken'"):
        imports_enex.import_enex(alice, path, progress=seen_counts.append)

    assert seen_counts == [2, 4]
    assert alice.store.scalar("SELECT count(*) FROM notes") == 0
    assert search(alice, "Note") == []
    assert task_service.list_tasks(alice) == []


def test_hidden_while_importing(alice, tmp_path, monkeypatch):
    monkeypatch.setattr(imports_enex, "BATCH_SIZE", 1)
    path = write_export(tmp_path, [note_xml("First"), note_xml("Second")])
    task_id = make_task(alice)
    visible_during = []

    imports_enex.import_enex(alice, path, task_id=task_id,
                             progress=lambda count: visible_during.append(visible_note_count(alice)))

    assert visible_during == [0, 0]
    assert visible_note_count(alice) == 2


def test_cancel_removes_written_notes(alice, tmp_path, monkeypatch):
    monkeypatch.setattr(imports_enex, "BATCH_SIZE", 1)
    path = write_export(tmp_path, [note_xml(f"N{number}") for number in range(4)])
    cancel = threading.Event()

    with pytest.raises(imports_enex.ImportCancelled):
        imports_enex.import_enex(alice, path, progress=lambda count: cancel.set(), cancel=cancel)

    assert alice.store.scalar("SELECT count(*) FROM notes") == 0


def test_missing_file(alice, tmp_path):
    with pytest.raises(UserError, match="not found"):
        imports_enex.import_enex(alice, tmp_path / "nope.enex")


def test_imported_text_is_searchable(alice, corpus_dir):
    result = imports_enex.import_enex(alice, corpus_dir / "enex" / "yarle__test-empty-en-todo.enex")

    hits = search(alice, "stepwise regression")

    assert [hit.ref_id for hit in hits] == result.note_ids
