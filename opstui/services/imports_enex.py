"""Import an Evernote ENEX export as notes of one master task.

Notes are written in batches under one import id and stay hidden (state
'importing') until the last batch is in. Then a single transaction makes them all
visible. If reading or writing fails, or the import is cancelled, the batches
already written are deleted, so nothing half-imported is ever visible. The file is streamed note by
note, so a large export needs memory for one note at a time.
"""

from __future__ import annotations

import logging
import re
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from opstui.enex import AttachmentLink, EnexNote, enml_to_markdown, read_enex, tasks_to_markdown
from opstui.errors import UserError
from opstui.secret_scan import scan_secrets
from opstui.services.notes import MAX_TAG_LENGTH, _require_master_task
from opstui.services.session import Session
from opstui.services.validation import MAX_TITLE_LENGTH
from opstui.store import Transaction
from opstui.store import notes as note_rows
from opstui.store import tasks as task_rows
from opstui.store.clock import now_iso, to_iso

log = logging.getLogger(__name__)

BATCH_SIZE = 50


class ImportCancelled(UserError):
    """The person cancelled the import; everything written so far was removed."""


@dataclass
class EnexImportResult:
    """Ids and counts of the rows an import created."""

    import_id: str
    task_id: int
    created_task: bool
    note_ids: list[int] = field(default_factory=list)
    attachments: int = 0
    recovered_titles: list[str] = field(default_factory=list)
    # Notes saved with text that looks like a secret: an import keeps them as written,
    # because refusing part of an export would leave it half-imported.
    secret_note_ids: list[int] = field(default_factory=list)


def import_enex(session: Session, path: Path | str, *, task_id: int | None = None, recover: bool = False,
                progress: Callable[[int], None] | None = None,
                cancel: threading.Event | None = None) -> EnexImportResult:
    """Import every note of an ENEX file; return what was created.

    Without task_id a new master task in Discovery, named after the file, contains
    the notes. progress is called with the number of notes written after each batch;
    setting cancel stops the import and removes what it wrote.
    """
    path = Path(path)
    if not path.is_file():
        raise UserError(f"ENEX file {path} not found; give the path of an Evernote export (.enex)")
    if task_id is not None:
        _require_master_task(session, task_id)

    import_id = uuid.uuid4().hex
    result = EnexImportResult(import_id=import_id, task_id=task_id or 0, created_task=task_id is None)
    log.info("ENEX import %s of %s started by %s", import_id, path, session.login)
    try:
        if task_id is None:
            result.task_id = session.store.write(session.login, lambda transaction: _create_hidden_task(transaction, path))
        _write_batches(session, path, result, recover, progress, cancel)
        session.store.write(session.login, lambda transaction: _reveal(transaction, result, path))
    except BaseException as error:
        log.warning("ENEX import %s of %s failed, removing its notes: %s", import_id, path, error)
        session.store.write(session.login, lambda transaction: note_rows.delete_import(transaction, import_id))
        raise
    log.info("ENEX import %s finished: %d notes, %d attachments", import_id, len(result.note_ids),
             result.attachments)
    return result


def _write_batches(session: Session, path: Path, result: EnexImportResult, recover: bool,
                   progress: Callable[[int], None] | None, cancel: threading.Event | None) -> None:
    batch: list[EnexNote] = []
    for note in read_enex(path, recover=recover):
        if cancel is not None and cancel.is_set():
            raise ImportCancelled(f"import of {path} cancelled; nothing was kept")
        batch.append(note)
        if len(batch) >= BATCH_SIZE:
            _write_batch(session, batch, result, progress)
            batch = []
    if batch:
        _write_batch(session, batch, result, progress)


def _write_batch(session: Session, batch: list[EnexNote], result: EnexImportResult,
                 progress: Callable[[int], None] | None) -> None:
    def write(transaction: Transaction) -> None:
        for note in batch:
            _write_note(transaction, note, result)

    session.store.write(session.login, write)
    if progress is not None:
        progress(len(result.note_ids))


def _write_note(transaction: Transaction, note: EnexNote, result: EnexImportResult) -> None:
    title = _note_title(note)
    note_id = note_rows.insert_note(
        transaction, task_id=result.task_id, title=title, body="", state="importing",
        import_id=result.import_id, revision_kind="import",
        source_created_at=to_iso(note.created) if note.created else None,
        source_updated_at=to_iso(note.updated) if note.updated else None,
    )

    links = []
    for resource in note.resources:
        file_name = resource.file_name or f"attachment-{resource.hash[:8]}"
        attachment_id = note_rows.insert_attachment(transaction, note_id, file_name=file_name, mime=resource.mime,
                                                    data=resource.data, md5=resource.hash)
        links.append(AttachmentLink(hash=resource.hash, url=f"attachment:{attachment_id}", name=file_name,
                                    mime=resource.mime))
        result.attachments += 1

    body = enml_to_markdown(note.content, links)
    if note.tasks:
        body = (body + "\n" if body else "") + "## Tasks\n\n" + tasks_to_markdown(note.tasks)
    note_rows.set_first_body(transaction, note_id, body)
    note_rows.replace_tags(transaction, note_id, _import_tags(note.tags))
    result.note_ids.append(note_id)
    if scan_secrets(title).found or scan_secrets(body).found:
        result.secret_note_ids.append(note_id)
    if note.recovered:
        result.recovered_titles.append(title)


def _note_title(note: EnexNote) -> str:
    title = " ".join(note.title.split())
    if not title:
        return f"Untitled note {note.position}"
    if len(title) > MAX_TITLE_LENGTH:
        return title[:MAX_TITLE_LENGTH - 1] + "…"
    return title


def _import_tags(tags: tuple[str, ...]) -> list[str]:
    """Turn Evernote tags ("Work Log") into opstui tags ("work-log"), dropping empty ones."""
    cleaned: list[str] = []
    for raw in tags:
        tag = re.sub(r"[^\w.\-/+:]+", "-", raw.strip().lower()).strip("-")[:MAX_TAG_LENGTH]
        if tag and tag not in cleaned:
            cleaned.append(tag)
    return cleaned


def _create_hidden_task(transaction: Transaction, path: Path) -> int:
    """Create the master task for the notebook, hidden until the import finishes."""
    title = " ".join(path.stem.replace("_", " ").split())[:MAX_TITLE_LENGTH] or "Imported notebook"
    request_id = task_rows.insert_request(transaction, source="infrastructure", requester=transaction.actor,
                                          external_ref=f"ENEX {path.name}"[:200], received_on=now_iso()[:10])
    task_id = task_rows.insert_task(transaction, kind="master", title=title, request_id=request_id,
                                    stage="discovery",
                                    description=f"Notes imported from the Evernote export {path.name}.")
    task_rows.update_task(transaction, task_id, None, deleted_at=now_iso(), deleted_by=transaction.actor)
    return task_id


def _reveal(transaction: Transaction, result: EnexImportResult, path: Path) -> None:
    if result.created_task:
        task_rows.update_task(transaction, result.task_id, None, deleted_at=None, deleted_by=None)
        task = task_rows.get_task(transaction, result.task_id)
        transaction.event("task.created", task_id=result.task_id, entity="task", entity_id=result.task_id,
                          data={"kind": "master", "title": task["title"]})
    note_rows.activate_import(transaction, result.import_id)
    transaction.event("notes.imported", task_id=result.task_id, entity="import", entity_id=result.import_id,
                      data={"file": path.name, "notes": len(result.note_ids), "attachments": result.attachments,
                            "recovered": result.recovered_titles,
                            "notes_with_secrets": len(result.secret_note_ids)})
