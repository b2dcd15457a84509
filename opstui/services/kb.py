"""The knowledge base: draft and official instructions, task links, attachments.

An instruction has at most one draft and any number of official revisions. Publishing
turns the draft into the next numbered official revision, which is immutable. Editing an
official instruction opens a new draft, and the official revision stays in force.
"""

import difflib
import mimetypes
from pathlib import Path
from typing import Any

from opstui.errors import ConflictError, NotFoundError, UserError
from opstui.kb.document import MAX_DOCUMENT_BYTES, first_heading_title
from opstui.kb.draft_from_notes import NoteSource, build_draft_from_notes
from opstui.kb.links import FileLink, match_file_link
from opstui.kb.sections import components_list
from opstui.kb.template import render_template
from opstui.services import permissions
from opstui.services.secret_guard import SecretPolicy, guard_secrets
from opstui.services.session import Session
from opstui.services.validation import clean_title
from opstui.store import Transaction
from opstui.store import kb as kb_rows

# Attachments are diagrams and configuration files; a larger file belongs in a proper
# file store, and every byte here is copied into the shared database.
MAX_ATTACHMENT_BYTES = 20 * 1024 * 1024


def instruction_status(row: dict[str, Any]) -> str:
    """Return 'draft' (never published), 'official', or 'official+draft' (new draft open)."""
    if row["official_revision"] is None:
        return "draft"
    return "official+draft" if row["draft_body"] is not None else "official"


def get_instruction(session: Session, instruction_id: int) -> dict[str, Any]:
    """Return an instruction with its status, task links and official text, if any."""
    row = kb_rows.get_instruction(session.store, instruction_id)
    if row is None:
        raise NotFoundError(f"no instruction with id {instruction_id}; see `opstui kb list` for the ids")

    row["status"] = instruction_status(row)
    row["tasks"] = kb_rows.instruction_task_links(session.store, instruction_id)
    row["official_body"] = None
    if row["official_revision"] is not None:
        official = kb_rows.get_official_revision(session.store, instruction_id, row["official_revision"])
        row["official_body"] = official["body"]
        row["official_title"] = official["title"]
    return row


def list_instructions(session: Session) -> list[dict[str, Any]]:
    """Return every instruction with status, revision in force and linked task ids."""
    rows = kb_rows.list_instructions(session.store)
    for row in rows:
        row["status"] = instruction_status(row)
    return rows


def resolve_file_link(session: Session, link: FileLink) -> int | None:
    """Return the id of the instruction imported or exported as the linked file, or None."""
    return match_file_link(link, kb_rows.list_instructions(session.store))


def current_text(instruction: dict[str, Any], *, prefer_draft: bool = False) -> tuple[str, str]:
    """Return (title, body) to show: the official revision, or the draft when asked or alone."""
    if instruction["draft_body"] is not None and (prefer_draft or instruction["official_body"] is None):
        return instruction["draft_title"] or instruction["title"], instruction["draft_body"]
    return instruction.get("official_title", instruction["title"]), instruction["official_body"] or ""


def create_instruction(session: Session, title: str, *, body: str | None = None, task_id: int | None = None,
                       secrets: SecretPolicy | str = SecretPolicy.REJECT) -> int:
    """Create a draft instruction from the template, or from body when given."""
    title = clean_title(title, "instruction title")
    body = render_template(title) if body is None else body
    body = guard_secrets(_checked_body(body), what="instruction", policy=secrets)
    if task_id is not None:
        _require_task(session, task_id)

    def write(transaction: Transaction) -> int:
        instruction_id = kb_rows.insert_instruction(transaction, title=title, draft_body=body, draft_task_id=task_id)
        kb_rows.insert_revision(transaction, instruction_id, kind="draft", number=None, title=title, body=body,
                                task_id=task_id)
        if task_id is not None:
            kb_rows.link_task(transaction, instruction_id, task_id, "source")
        transaction.event("instruction.created", task_id=task_id, entity="instruction", entity_id=instruction_id,
                          data={"title": title})
        return instruction_id

    return session.store.write(session.login, write)


def create_from_notes(session: Session, task_id: int, *, title: str | None = None,
                      note_ids: list[int] | None = None) -> int:
    """Create a draft gathering a task's active notes under the template headings.

    Each note used is marked as taken into the new instruction, so the notes screen
    shows that its knowledge now lives in the knowledge base.
    """
    from opstui.store import notes as note_rows

    task = _require_task(session, task_id)
    summaries = note_rows.list_notes(session.store, task_id)
    if note_ids is not None:
        unknown = sorted(set(note_ids) - {row["id"] for row in summaries})
        if unknown:
            raise NotFoundError(f"task {task_id} has no active note with id {unknown[0]}; "
                                f"see `opstui note list {task_id}`")
        summaries = [row for row in summaries if row["id"] in note_ids]
    if not summaries:
        raise UserError(f"task {task_id} has no active notes to gather; write notes first or create "
                        f"the draft from the template with `opstui kb new`")

    notes = []
    for summary in summaries:
        note = note_rows.get_note(session.store, summary["id"])
        notes.append(NoteSource(note["id"], note["title"], note["body"]))

    draft_title = clean_title(title or task["title"], "instruction title")
    body = _checked_body(build_draft_from_notes(draft_title, notes))

    def write(transaction: Transaction) -> int:
        instruction_id = kb_rows.insert_instruction(transaction, title=draft_title, draft_body=body,
                                                    draft_task_id=task_id)
        kb_rows.insert_revision(transaction, instruction_id, kind="draft", number=None, title=draft_title,
                                body=body, task_id=task_id)
        kb_rows.link_task(transaction, instruction_id, task_id, "source")
        for note in notes:
            note_rows.set_outcome(transaction, note.note_id, outcome="taken", instruction_id=instruction_id,
                                  reason="")
        transaction.event("instruction.created", task_id=task_id, entity="instruction", entity_id=instruction_id,
                          data={"title": draft_title, "from_notes": [note.note_id for note in notes]})
        return instruction_id

    return session.store.write(session.login, write)


def save_draft(session: Session, instruction_id: int, body: str, *, expected_version: int,
               title: str | None = None, task_id: int | None = None,
               secrets: SecretPolicy | str = SecretPolicy.REJECT) -> dict[str, Any]:
    """Save the draft text, opening a new draft on an official instruction.

    Raises ConflictError, with the current row, when someone saved or published since
    expected_version was read.
    """
    body = guard_secrets(_checked_body(body), what="instruction", policy=secrets)
    current = get_instruction(session, instruction_id)
    title = clean_title(title or first_heading_title(body) or current["draft_title"] or current["title"],
                        "instruction title")
    if task_id is not None:
        _require_task(session, task_id)

    def write(transaction: Transaction) -> None:
        if not kb_rows.save_draft(transaction, instruction_id, expected_version, title=title, body=body,
                                  task_id=task_id):
            latest = kb_rows.get_instruction(transaction, instruction_id)
            raise ConflictError(
                f"instruction {instruction_id} changed since you opened it (by "
                f"{latest['draft_updated_by'] or 'a publish'}); compare both texts and save again",
                current=latest)
        kb_rows.insert_revision(transaction, instruction_id, kind="draft", number=None, title=title, body=body,
                                task_id=task_id or current["draft_task_id"])
        if task_id is not None:
            kb_rows.link_task(transaction, instruction_id, task_id, "source")
        transaction.event("instruction.draft_saved", task_id=task_id or current["draft_task_id"],
                          entity="instruction", entity_id=instruction_id, data={"title": title})

    session.store.write(session.login, write)
    return get_instruction(session, instruction_id)


def start_draft(session: Session, instruction_id: int) -> dict[str, Any]:
    """Open a draft of an official instruction from its text in force; no-op if one is open."""
    instruction = get_instruction(session, instruction_id)
    if instruction["draft_body"] is not None:
        return instruction
    return save_draft(session, instruction_id, instruction["official_body"], expected_version=instruction["version"],
                      title=instruction["official_title"], secrets=SecretPolicy.KEEP)


def publish(session: Session, instruction_id: int, *, expected_version: int | None = None,
            task_id: int | None = None) -> int:
    """Publish the draft as the next official revision and return its number.

    Needs the publish_instruction permission (managers only by default). The revision
    records who, when and the task it came from: task_id, else the draft's task.
    """
    permissions.require(session, "publish_instruction")
    instruction = get_instruction(session, instruction_id)
    if instruction["draft_body"] is None:
        raise UserError(f"instruction {instruction_id} has no draft to publish; edit it first with "
                        f"`opstui kb edit {instruction_id}`")
    if not instruction["draft_body"].strip():
        raise UserError(f"the draft of instruction {instruction_id} is empty; write it before publishing")
    version = instruction["version"] if expected_version is None else expected_version
    source_task = task_id if task_id is not None else instruction["draft_task_id"]
    if source_task is not None:
        _require_task(session, source_task)
    title = instruction["draft_title"] or instruction["title"]

    def write(transaction: Transaction) -> int:
        number = kb_rows.next_revision_number(transaction, instruction_id)
        if not kb_rows.mark_published(transaction, instruction_id, version, number=number, title=title):
            raise ConflictError(f"instruction {instruction_id} changed since you opened it; reload and publish again",
                                current=kb_rows.get_instruction(transaction, instruction_id) or {})
        kb_rows.insert_revision(transaction, instruction_id, kind="official", number=number, title=title,
                                body=instruction["draft_body"], task_id=source_task)
        if source_task is not None:
            kb_rows.link_task(transaction, instruction_id, source_task, "source")
        transaction.event("instruction.published", task_id=source_task, entity="instruction",
                          entity_id=instruction_id, data={"revision": number, "title": title})
        return number

    return session.store.write(session.login, write)


def discard_draft(session: Session, instruction_id: int, *, expected_version: int) -> None:
    """Drop the open draft of an official instruction; its saves stay in the history."""
    def write(transaction: Transaction) -> None:
        if not kb_rows.discard_draft(transaction, instruction_id, expected_version):
            raise ConflictError(f"instruction {instruction_id} changed, or was never published, so its draft "
                                f"cannot be discarded; reload and try again")
        transaction.event("instruction.draft_discarded", entity="instruction", entity_id=instruction_id)

    session.store.write(session.login, write)


def revisions(session: Session, instruction_id: int) -> list[dict[str, Any]]:
    """Return the history, oldest first: every draft save and every official revision."""
    get_instruction(session, instruction_id)
    return kb_rows.list_revisions(session.store, instruction_id)


def diff_revisions(session: Session, first_revision_id: int, second_revision_id: int) -> str:
    """Return a unified diff between two revisions (ids from the history)."""
    texts = []
    for revision_id in (first_revision_id, second_revision_id):
        revision = kb_rows.get_revision(session.store, revision_id)
        if revision is None:
            raise NotFoundError(f"no instruction revision with id {revision_id}; see `opstui kb history`")
        label = f"r{revision['number']}" if revision["number"] else f"draft {revision['id']}"
        texts.append((f"{label} ({revision['author']}, {revision['saved_at'][:16]})", revision["body"]))

    (first_label, first_body), (second_label, second_body) = texts
    return "".join(difflib.unified_diff(first_body.splitlines(keepends=True), second_body.splitlines(keepends=True),
                                        fromfile=first_label, tofile=second_label))


def components(session: Session, instruction_id: int) -> list[str]:
    """Return the components of the text in force (or of the draft when never published)."""
    _, body = current_text(get_instruction(session, instruction_id))
    return components_list(body)


def link_task(session: Session, instruction_id: int, task_id: int, *, relation: str = "uses") -> bool:
    """Link a task to an instruction; an activity task 'uses' an official instruction."""
    if relation not in ("uses", "source"):
        raise UserError(f"unknown link relation '{relation}'; use 'uses' or 'source'")
    get_instruction(session, instruction_id)
    _require_task(session, task_id)

    def write(transaction: Transaction) -> bool:
        added = kb_rows.link_task(transaction, instruction_id, task_id, relation)
        if added:
            transaction.event("instruction.task_linked", task_id=task_id, entity="instruction",
                              entity_id=instruction_id, data={"relation": relation})
        return added

    return session.store.write(session.login, write)


def instructions_of_task(session: Session, task_id: int) -> list[dict[str, Any]]:
    return kb_rows.instructions_of_task(session.store, task_id)


def add_attachment(session: Session, instruction_id: int, path: Path, *, file_name: str | None = None) -> int:
    """Store a file with an instruction, replacing an attachment of the same name."""
    path = Path(path)
    get_instruction(session, instruction_id)
    try:
        size = path.stat().st_size
        if size > MAX_ATTACHMENT_BYTES:
            raise UserError(f"{path} is {size:,} bytes, more than the {MAX_ATTACHMENT_BYTES:,}-byte attachment "
                            f"limit; link to the file instead")
        data = path.read_bytes()
    except OSError as error:
        raise UserError(f"cannot read {path} ({error.strerror}); check the path") from None
    return store_attachment(session, instruction_id, file_name or path.name, data)


def store_attachment(session: Session, instruction_id: int, file_name: str, data: bytes) -> int:
    """Store attachment bytes under a plain file name (no folders)."""
    name = Path(file_name).name
    if not name or name in (".", "..") or name != file_name.strip():
        raise UserError(f"attachment name '{file_name}' is not a plain file name; give a name such as diagram.png")
    mime = mimetypes.guess_type(name)[0] or "application/octet-stream"

    def write(transaction: Transaction) -> int:
        attachment_id, changed = kb_rows.upsert_attachment(transaction, instruction_id, file_name=name, mime=mime,
                                                           data=data)
        if changed:
            transaction.event("instruction.attachment_added", entity="instruction", entity_id=instruction_id,
                              data={"file_name": name, "size": len(data)})
        return attachment_id

    return session.store.write(session.login, write)


def attachments(session: Session, instruction_id: int) -> list[dict[str, Any]]:
    return kb_rows.list_attachments(session.store, instruction_id)


def attachment(session: Session, attachment_id: int) -> dict[str, Any]:
    """Return an attachment with its bytes in 'data'."""
    row = kb_rows.get_attachment(session.store, attachment_id)
    if row is None:
        raise NotFoundError(f"no attachment with id {attachment_id}; see `opstui kb show ID`")
    return row


def save_attachment_copy(session: Session, attachment_id: int, folder: Path) -> Path:
    """Write an attachment into folder (for the system viewer) and return its path."""
    row = attachment(session, attachment_id)
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / row["file_name"]
    target.write_bytes(row["data"])
    return target


def _checked_body(body: str) -> str:
    # The shared clean_text limit is 1,000,000 characters, below the 1 MB runbooks the
    # knowledge base must accept, so instructions use the document byte limit instead.
    body = body or ""
    if len(body.encode("utf-8")) > MAX_DOCUMENT_BYTES:
        raise UserError(f"the instruction text is larger than {MAX_DOCUMENT_BYTES:,} bytes; split it into "
                        f"several instructions")
    return body.replace("\r\n", "\n")


def _require_task(session: Session, task_id: int) -> dict[str, Any]:
    from opstui.services.tasks import get_task

    return get_task(session, task_id)
