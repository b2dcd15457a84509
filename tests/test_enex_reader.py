"""The streaming ENEX reader on the public corpus and on small exports written here."""

import base64
import hashlib
import io
import tracemalloc
from datetime import datetime, timezone

import pytest

from opstui.enex import EnexFormatError, read_enex
from opstui.errors import UserError

PNG_BYTES = b"\x89PNG\r\n\x1a\n" + bytes(range(64))


def enex_document(*notes: str) -> str:
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<!DOCTYPE en-export SYSTEM "http://xml.evernote.com/pub/evernote-export4.dtd">\n'
        '<en-export export-date="20240101T000000Z" application="Evernote" version="10">\n'
        + "\n".join(notes)
        + "\n</en-export>\n"
    )


def note_xml(title: str, body: str = "<div>text</div>", extra: str = "") -> str:
    return (
        f"<note><title>{title}</title>"
        f'<content><![CDATA[<?xml version="1.0" encoding="UTF-8"?><en-note>{body}</en-note>]]></content>'
        f"<created>20240102T030405Z</created><updated>20240103T000000Z</updated>{extra}</note>"
    )


def resource_xml(data: bytes, mime: str = "image/png", file_name: str = "shot.png") -> str:
    encoded = base64.b64encode(data).decode()
    wrapped = "\n".join(encoded[i:i + 76] for i in range(0, len(encoded), 76))
    return (
        f'<resource><data encoding="base64">\n{wrapped}\n</data><mime>{mime}</mime>'
        f"<resource-attributes><file-name>{file_name}</file-name></resource-attributes></resource>"
    )


def write_enex(tmp_path, text: str):
    path = tmp_path / "export.enex"
    path.write_text(text, encoding="utf-8")
    return path


def test_reader_yields_fields(tmp_path):
    extra = "<tag>db</tag><tag> network </tag><note-attributes><author>alice</author></note-attributes>"
    extra += resource_xml(PNG_BYTES)
    path = write_enex(tmp_path, enex_document(note_xml("First", extra=extra), note_xml("Second")))

    notes = list(read_enex(path))

    assert [note.title for note in notes] == ["First", "Second"]
    first = notes[0]
    assert first.created == datetime(2024, 1, 2, 3, 4, 5, tzinfo=timezone.utc)
    assert first.updated == datetime(2024, 1, 3, tzinfo=timezone.utc)
    assert first.tags == ("db", "network")
    assert first.author == "alice"
    assert "<en-note><div>text</div></en-note>" in first.content
    assert first.position == 1
    assert notes[1].position == 2
    assert first.recovered is False


def test_reader_decodes_resources(tmp_path):
    extra = resource_xml(PNG_BYTES) + resource_xml(b"%PDF-1.4 body", "application/pdf", "runbook.pdf")
    path = write_enex(tmp_path, enex_document(note_xml("With files", extra=extra)))

    (note,) = read_enex(path)

    assert len(note.resources) == 2
    image, pdf = note.resources
    assert image.data == PNG_BYTES
    assert image.hash == hashlib.md5(PNG_BYTES).hexdigest()
    assert image.mime == "image/png"
    assert image.file_name == "shot.png"
    assert pdf.mime == "application/pdf"
    assert pdf.file_name == "runbook.pdf"
    assert note.resource_by_hash()[pdf.hash] is pdf


def test_reader_accepts_file_object(tmp_path):
    data = enex_document(note_xml("From a stream")).encode()

    notes = list(read_enex(io.BytesIO(data)))

    assert [note.title for note in notes] == ["From a stream"]


def test_reader_reads_evernote_tasks(corpus_dir):
    notes = {note.title: note for note in read_enex(corpus_dir / "enex" / "yarle__test-tana-02.enex")}

    tasks = notes["Tasks"].tasks

    assert len(tasks) == 6
    assert {task.title for task in tasks if task.completed} == {"Done Task3", "CheckTheLastInOrderTask6"}


def test_reader_names_note_on_syntax_error(tmp_path):
    broken = "<note><title>Broken one</title><content>unclosed <b></content></note>"
    path = write_enex(tmp_path, enex_document(note_xml("Good"), broken))

    with pytest.raises(EnexFormatError) as caught:
        list(read_enex(path))

    error = caught.value
    assert isinstance(error, UserError)
    assert error.note_position == 2
    assert error.note_title == "Broken one"
    assert "'Broken one'" in str(error)
    assert "line" in str(error)


def test_reader_names_note_on_bad_date(tmp_path):
    bad = note_xml("Dated").replace("20240102T030405Z", "yesterday")
    path = write_enex(tmp_path, enex_document(bad))

    with pytest.raises(EnexFormatError, match="note 1 'Dated'.*invalid date"):
        list(read_enex(path))


def test_reader_rejects_bad_base64(tmp_path):
    extra = '<resource><data encoding="base64">@@not base64@@</data><mime>image/png</mime></resource>'
    path = write_enex(tmp_path, enex_document(note_xml("Bad file", extra=extra)))

    with pytest.raises(EnexFormatError, match="'Bad file'.*attachment 1"):
        list(read_enex(path))


def test_reader_rejects_non_enex(tmp_path):
    path = tmp_path / "notes.xml"
    path.write_text("<html><body>hello</body></html>")

    with pytest.raises(EnexFormatError, match="not an Evernote export"):
        list(read_enex(path))


def test_reader_ignores_external_entities(tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET")
    document = (
        '<?xml version="1.0"?>\n'
        f'<!DOCTYPE en-export [<!ENTITY leak SYSTEM "file://{secret}">]>\n'
        "<en-export><note><title>&leak;</title><content>x</content></note></en-export>"
    )
    path = write_enex(tmp_path, document)

    notes = list(read_enex(path))

    assert "TOP-SECRET" not in notes[0].title


@pytest.mark.parametrize("name", [
    "evernote2md__export.enex",
    "yarle__sanitize_fulltest.enex",
    "yarle__test-checklist.enex",
    "yarle__test-empty-en-todo.enex",
    "yarle__test-tana-02.enex",
])
def test_reader_reads_corpus_file(corpus_dir, name):
    notes = list(read_enex(corpus_dir / "enex" / name))

    assert notes
    for note in notes:
        assert note.title
        assert "<en-note" in note.content
        assert note.created is not None
        assert note.recovered is False


def test_reader_corpus_has_every_file_listed(corpus_dir):
    names = {path.name for path in (corpus_dir / "enex").glob("*.enex")}

    assert names <= {
        "evernote2md__cdata.issue.enex",
        "evernote2md__export.enex",
        "yarle__sanitize_fulltest.enex",
        "yarle__test-checklist.enex",
        "yarle__test-empty-en-todo.enex",
        "yarle__test-tana-02.enex",
    }, "a new corpus file needs a case in test_reader_reads_corpus_file"


def test_reader_corpus_resource_metadata(corpus_dir):
    (first, second) = read_enex(corpus_dir / "enex" / "yarle__sanitize_fulltest.enex")

    assert second.title == 'title_<>:"/\\|?*_endOfTitle'
    (resource,) = second.resources
    assert resource.hash == "1ef348dd32baa1edc5d431edd5405a2b"
    assert resource.data.startswith(b"\x89PNG")
    assert resource.file_name.startswith("imageTitle_<>")


def test_reader_refuses_broken_cdata(corpus_dir):
    path = corpus_dir / "enex" / "evernote2md__cdata.issue.enex"

    with pytest.raises(EnexFormatError) as caught:
        list(read_enex(path))

    assert caught.value.note_title == "Test note with nested CDATA tags"
    assert caught.value.note_position == 1
    assert caught.value.line == 23


def test_reader_recovers_broken_cdata(corpus_dir):
    path = corpus_dir / "enex" / "evernote2md__cdata.issue.enex"

    (note,) = read_enex(path, recover=True)

    assert note.recovered is True
    assert note.title == "Test note with nested CDATA tags"
    assert note.tags == ("test data", "data")
    for text in ("email", "Title", "Date", "text"):
        assert text in note.content


def test_reader_memory_stays_bounded(tmp_path):
    """Reading a ~12 MB export keeps about one note in memory, not the file."""
    attachment = bytes(range(256)) * 1024
    notes = [note_xml(f"Note {number}", extra=resource_xml(attachment)) for number in range(36)]
    path = write_enex(tmp_path, enex_document(*notes))
    assert path.stat().st_size > 12_000_000

    tracemalloc.start()
    count = 0
    for note in read_enex(path):
        count += 1
        del note
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()

    assert count == 36
    assert peak < 4_000_000
