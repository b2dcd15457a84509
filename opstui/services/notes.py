"""Shared notes of master tasks: create, save with a version check, revisions, retire.

Every save goes through save_note, which refuses to overwrite a newer version
(ConflictError carries both texts), so no one's words are lost when two people
save the same note. Drafts and presence live in services/note_drafts.py.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Iterable

from opstui.errors import ConflictError, NotFoundError, UserError
from opstui.services.secret_guard import SecretPolicy, guard_secrets
from opstui.services.session import Session
from opstui.services.validation import clean_text, clean_title
from opstui.store import Transaction
from opstui.store import notes as note_rows
from opstui.store import tasks as task_rows

MAX_TAG_LENGTH = 50
_TAG_PATTERN = re.compile(r"^[\w][\w.\-/+:]*$")


@dataclass(frozen=True)
class TextCounts:
    """Size of a text as an editor's status line shows it."""

    words: int
    lines: int
    characters: int


def text_counts(text: str) -> TextCounts:
    lines = text.count("\n") + (1 if text and not text.endswith("\n") else 0)
    return TextCounts(words=len(text.split()), lines=lines, characters=len(text))


def clean_tags(tags: Iterable[str]) -> list[str]:
    """Normalise tags to lower case without spaces; raise UserError naming a bad one."""
    cleaned: list[str] = []
    for raw in tags:
        tag = "-".join((raw or "").strip().lower().split())
        if not tag:
            continue
        if len(tag) > MAX_TAG_LENGTH or not _TAG_PATTERN.match(tag):
            raise UserError(f"invalid tag {raw!r}; use letters, digits and - _ . / + : (at most {MAX_TAG_LENGTH})")
        if tag not in cleaned:
            cleaned.append(tag)
    return cleaned


def _require_master_task(session: Session | Transaction, task_id: int) -> dict[str, Any]:
    store = session.store if isinstance(session, Session) else session
    task = task_rows.get_task(store, task_id)
    if task is None or task["deleted_at"]:
        raise NotFoundError(f"task {task_id} not found; list tasks with `opstui task list`")
    if task["kind"] != "master":
        parent = task["parent_id"]
        raise UserError(f"task {task_id} is a {task['kind']} task; notes belong to its master task {parent}")
    return task


def guard_note_secrets(title: str, body: str, policy: SecretPolicy | str) -> tuple[str, str]:
    """Return the title and body to save under the secret policy, or raise SecretsFound.

    The shared database is readable by the whole group, so a note that looks like it
    contains a password or key is rejected unless the caller chose to mask or keep it.
    """
    title = guard_secrets(title, what="note title", policy=policy)
    body = guard_secrets(body, what="note", policy=policy)
    return title, body


def add_note(session: Session, task_id: int, title: str, body: str = "", *, tags: Iterable[str] = (),
             secrets: SecretPolicy | str = SecretPolicy.REJECT) -> int:
    """Create a note on a master task and return its id.

    Raises SecretsFound when the text looks like it contains a secret and ``secrets``
    is REJECT; MASK saves it with each secret replaced, KEEP saves it as written.
    """
    title = clean_title(title, "note title")
    body = clean_text(body, "note text")
    title, body = guard_note_secrets(title, body, secrets)
    tags = clean_tags(tags)
    _require_master_task(session, task_id)

    def write(transaction: Transaction) -> int:
        note_id = note_rows.insert_note(transaction, task_id=task_id, title=title, body=body)
        note_rows.replace_tags(transaction, note_id, tags)
        transaction.event("note.created", task_id=task_id, entity="note", entity_id=note_id,
                          data={"title": title, "version": 1})
        return note_id

    return session.store.write(session.login, write)


def get_note(session: Session, note_id: int, *, include_purged: bool = False) -> dict[str, Any]:
    """Return a note with its tags; raise NotFoundError for a missing or unfinished one."""
    note = note_rows.get_note(session.store, note_id)
    if note is None or note["state"] == "importing" or (note["state"] == "purged" and not include_purged):
        raise NotFoundError(f"note {note_id} not found; list notes with `opstui note list TASK`")
    note["tags"] = note_rows.note_tags(session.store, note_id)
    return note


def list_notes(session: Session, task_id: int, *, include_retired: bool = False) -> list[dict[str, Any]]:
    _require_master_task(session, task_id)
    states = ("active", "retired") if include_retired else ("active",)
    rows = note_rows.list_notes(session.store, task_id, states)
    for row in rows:
        row["tags"] = (row.pop("tag_text") or "").split()
    return rows


def archived_notes(session: Session, task_id: int | None = None) -> list[dict[str, Any]]:
    """Return retired notes (all tasks, or one), newest first, for the archive view."""
    rows = note_rows.list_notes_in_states(session.store, ("retired",), task_id)
    for row in rows:
        row["tags"] = (row.pop("tag_text") or "").split()
    return rows


def save_note(session: Session, note_id: int, base_version: int, *, title: str, body: str,
              kind: str = "save", secrets: SecretPolicy | str = SecretPolicy.REJECT) -> int:
    """Save new text over base_version and return the new version.

    Raises ConflictError when someone saved after base_version; its ``current``
    contains the note as it is now so the editor can show both texts. A save that
    changes nothing returns base_version and writes nothing. ``secrets`` works as in
    add_note, and the secret check comes before the version check.
    """
    title = clean_title(title, "note title")
    body = clean_text(body, "note text")
    title, body = guard_note_secrets(title, body, secrets)

    def write(transaction: Transaction) -> int:
        note = _note_for_update(transaction, note_id, base_version)
        if note["title"] == title and note["body"] == body:
            note_rows.delete_draft(transaction, transaction.actor, note_id)
            return base_version
        if not note_rows.update_note_text(transaction, note_id, base_version, title=title, body=body):
            raise _conflict(transaction, note_id)
        version = base_version + 1
        note_rows.insert_revision(transaction, note_id, version=version, title=title, body=body, kind=kind)
        note_rows.delete_draft(transaction, transaction.actor, note_id)
        transaction.event("note.saved", task_id=note["task_id"], entity="note", entity_id=note_id,
                          data={"title": title, "version": version, "kind": kind})
        return version

    return session.store.write(session.login, write)


def save_merged(session: Session, note_id: int, current_version: int, *, mine_title: str, mine_body: str,
                merged_title: str, merged_body: str, secrets: SecretPolicy | str = SecretPolicy.REJECT) -> int:
    """Finish a conflict: keep the user's text as a revision, then save the merged text.

    current_version is the version the user merged against (the other person's save).
    Both texts stay in the history: mine as a 'conflict' revision, the result as 'merge'.
    ``secrets`` applies to both texts, because both become revisions that the group can read.
    """
    mine_title = clean_title(mine_title, "note title")
    merged_title = clean_title(merged_title, "note title")
    mine_body = clean_text(mine_body, "note text")
    merged_body = clean_text(merged_body, "note text")
    merged_title, merged_body = guard_note_secrets(merged_title, merged_body, secrets)
    mine_title, mine_body = guard_note_secrets(mine_title, mine_body, secrets)

    def write(transaction: Transaction) -> int:
        note = _note_for_update(transaction, note_id, current_version)
        version = current_version
        text_now = (note["title"], note["body"])
        for title, body, kind in ((mine_title, mine_body, "conflict"), (merged_title, merged_body, "merge")):
            if (title, body) == text_now:
                continue
            if not note_rows.update_note_text(transaction, note_id, version, title=title, body=body):
                raise _conflict(transaction, note_id)
            version += 1
            note_rows.insert_revision(transaction, note_id, version=version, title=title, body=body, kind=kind)
            text_now = (title, body)
        note_rows.delete_draft(transaction, transaction.actor, note_id)
        if version != current_version:
            transaction.event("note.saved", task_id=note["task_id"], entity="note", entity_id=note_id,
                              data={"title": merged_title, "version": version, "kind": "merge"})
        return version

    return session.store.write(session.login, write)


def _note_for_update(transaction: Transaction, note_id: int, base_version: int) -> dict[str, Any]:
    note = note_rows.get_note(transaction, note_id)
    if note is None or note["state"] in ("importing", "purged"):
        raise NotFoundError(f"note {note_id} not found; it may have been purged")
    if note["version"] != base_version:
        raise _conflict(transaction, note_id, note)
    return note


def _conflict(transaction: Transaction, note_id: int, note: dict[str, Any] | None = None) -> ConflictError:
    note = note or note_rows.get_note(transaction, note_id)
    saved_by = note["updated_by"] if note else "someone"
    version = note["version"] if note else "?"
    return ConflictError(
        f"note {note_id} was saved by {saved_by} (version {version}) while you edited it;"
        " compare both texts and merge or pick one",
        current=dict(note or {}),
    )


def set_tags(session: Session, note_id: int, tags: Iterable[str]) -> list[str]:
    tags = clean_tags(tags)
    note = get_note(session, note_id)

    def write(transaction: Transaction) -> None:
        note_rows.replace_tags(transaction, note_id, tags)
        transaction.event("note.tagged", task_id=note["task_id"], entity="note", entity_id=note_id,
                          data={"tags": tags})

    session.store.write(session.login, write)
    return tags


# -- revisions ----------------------------------------------------------------

def history(session: Session, note_id: int) -> list[dict[str, Any]]:
    get_note(session, note_id)
    return note_rows.list_revisions(session.store, note_id)


def revision(session: Session, note_id: int, version: int) -> dict[str, Any]:
    row = note_rows.get_revision(session.store, note_id, version)
    if row is None:
        raise NotFoundError(f"note {note_id} has no version {version}; see `opstui note history {note_id}`")
    return row


def restore_revision(session: Session, note_id: int, version: int, base_version: int) -> int:
    """Save an old revision's text as a new revision; older revisions stay as they are."""
    old = revision(session, note_id, version)

    def write(transaction: Transaction) -> int:
        note = _note_for_update(transaction, note_id, base_version)
        if not note_rows.update_note_text(transaction, note_id, base_version, title=old["title"], body=old["body"]):
            raise _conflict(transaction, note_id)
        new_version = base_version + 1
        note_rows.insert_revision(transaction, note_id, version=new_version, title=old["title"], body=old["body"],
                                  kind="restore", restored_from=version)
        transaction.event("note.saved", task_id=note["task_id"], entity="note", entity_id=note_id,
                          data={"title": old["title"], "version": new_version, "kind": "restore",
                                "restored_from": version})
        return new_version

    return session.store.write(session.login, write)


# -- attachments --------------------------------------------------------------

def attachments(session: Session, note_id: int) -> list[dict[str, Any]]:
    get_note(session, note_id)
    return note_rows.list_attachments(session.store, note_id)


def attachment(session: Session, attachment_id: int) -> dict[str, Any]:
    """Return an attachment with its bytes ('data')."""
    row = note_rows.get_attachment(session.store, attachment_id)
    if row is None or row["note_state"] in ("importing", "purged"):
        raise NotFoundError(f"attachment {attachment_id} not found")
    return row
