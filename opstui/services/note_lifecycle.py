"""Retiring notes (process step 8), recording what became of them, and purging.

A note is settled when its text was taken into an instruction or explicitly
discarded. Step 8 is complete only when every note of the task is settled, so
nothing learned is thrown away by accident. Retired notes leave lists and search
but stay recoverable; only purge destroys text, and only for a retired note.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from opstui.errors import ConflictError, UserError
from opstui.services.notes import _require_master_task, get_note
from opstui.services.session import Session
from opstui.store import Transaction
from opstui.store import notes as note_rows


@dataclass(frozen=True)
class RetirementStatus:
    """Counts of a task's notes by outcome, for step 8."""

    total: int
    taken: int
    discarded: int
    undecided: int
    official_instruction_ids: tuple[int, ...]

    @property
    def settled(self) -> bool:
        return self.undecided == 0


def retirement_status(session: Session, task_id: int) -> RetirementStatus:
    _require_master_task(session, task_id)
    counts = note_rows.outcome_counts(session.store, task_id)
    taken = counts.get("taken", 0)
    discarded = counts.get("discarded", 0)
    undecided = counts.get("", 0)
    return RetirementStatus(
        total=taken + discarded + undecided,
        taken=taken,
        discarded=discarded,
        undecided=undecided,
        official_instruction_ids=tuple(note_rows.official_instruction_ids(session.store, task_id)),
    )


def step_8_blockers(reader: Session | Transaction, task_id: int) -> list[str]:
    """Name what keeps process step 8 open: undecided notes, then notes not yet retired."""
    store = reader.store if isinstance(reader, Session) else reader
    blockers: list[str] = []
    undecided = note_rows.outcome_counts(store, task_id).get("", 0)
    if undecided:
        blockers.append(f"{undecided} note(s) neither taken into an instruction nor discarded"
                        " (`opstui note taken ID INSTRUCTION` or `opstui note discard ID --reason TEXT`)")
    active = note_rows.list_notes(store, task_id, ("active",))
    if active:
        blockers.append(f"{len(active)} note(s) not retired (`opstui note retire ID`)")
    return blockers


def _tick_step_8_when_settled(transaction: Transaction, task_id: int) -> None:
    # Imported here: the process service reads notes for its own checks.
    from opstui.services import process

    if not step_8_blockers(transaction, task_id):
        process.tick_for_action(transaction, task_id, 8, "every note retired and taken in or discarded")


def retire_note(session: Session, note_id: int, *, reason: str = "") -> None:
    """Retire one note; a reason is required while the task has no official instruction."""
    note = get_note(session, note_id)
    if note["state"] == "retired":
        raise UserError(f"note {note_id} is already retired; restore it with `opstui note unretire {note_id}`")
    reason = " ".join(reason.split())
    if not reason and not note_rows.official_instruction_ids(session.store, note["task_id"]):
        raise UserError(
            f"task {note['task_id']} has no official instructions yet; give a reason to retire note {note_id}"
            " (--reason TEXT), or publish the instructions first"
        )

    def write(transaction: Transaction) -> None:
        if not note_rows.set_state(transaction, note_id, "retired", reason=reason):
            raise ConflictError(f"note {note_id} changed meanwhile; reload it and retry")
        note_rows.delete_draft(transaction, transaction.actor, note_id)
        _tick_step_8_when_settled(transaction, note["task_id"])
        transaction.event("note.retired", task_id=note["task_id"], entity="note", entity_id=note_id,
                          data={"title": note["title"], "reason": reason})

    session.store.write(session.login, write)


def retire_task_notes(session: Session, task_id: int, *, reason: str = "") -> list[int]:
    """Retire every active note of a task; return the ids retired."""
    _require_master_task(session, task_id)
    ids = [row["id"] for row in note_rows.list_notes(session.store, task_id, ("active",))]
    for note_id in ids:
        retire_note(session, note_id, reason=reason)
    return ids


def unretire_note(session: Session, note_id: int) -> None:
    """Bring a retired note back into lists and search."""
    note = get_note(session, note_id)
    if note["state"] != "retired":
        raise UserError(f"note {note_id} is not retired")

    def write(transaction: Transaction) -> None:
        if not note_rows.set_state(transaction, note_id, "active"):
            raise ConflictError(f"note {note_id} changed meanwhile; reload it and retry")
        transaction.event("note.unretired", task_id=note["task_id"], entity="note", entity_id=note_id,
                          data={"title": note["title"]})

    session.store.write(session.login, write)


def mark_taken(session: Session, note_id: int, instruction_id: int) -> None:
    """Record that the note's text went into an instruction."""
    _set_outcome(session, note_id, "taken", instruction_id, "")


def mark_discarded(session: Session, note_id: int, reason: str) -> None:
    """Record that the note's text is deliberately not kept; a reason is required."""
    reason = " ".join((reason or "").split())
    if not reason:
        raise UserError(f"give a reason for discarding note {note_id} (--reason TEXT), e.g. 'duplicate of note 3'")
    _set_outcome(session, note_id, "discarded", None, reason)


def clear_outcome(session: Session, note_id: int) -> None:
    _set_outcome(session, note_id, "", None, "")


def _set_outcome(session: Session, note_id: int, outcome: str, instruction_id: int | None, reason: str) -> None:
    note = get_note(session, note_id)

    def write(transaction: Transaction) -> None:
        if not note_rows.set_outcome(transaction, note_id, outcome=outcome, instruction_id=instruction_id,
                                     reason=reason):
            raise ConflictError(f"note {note_id} changed meanwhile; reload it and retry")
        transaction.event("note.outcome", task_id=note["task_id"], entity="note", entity_id=note_id,
                          data={"title": note["title"], "outcome": outcome, "instruction_id": instruction_id,
                                "reason": reason})
        _tick_step_8_when_settled(transaction, note["task_id"])

    session.store.write(session.login, write)


def purge_preview(session: Session, note_id: int) -> dict[str, Any]:
    """Describe what purging the note destroys: its text, revisions, attachments and drafts."""
    note = get_note(session, note_id)
    sizes = note_rows.note_sizes(session.store, note_id)
    return {"note_id": note_id, "task_id": note["task_id"], "title": note["title"], "state": note["state"],
            "characters": len(note["body"]), **sizes}


def describe_purge(preview: dict[str, Any]) -> str:
    return (f"note {preview['note_id']} {preview['title']!r}: its text ({preview['characters']} characters),"
            f" {preview['revisions']} revision(s), {preview['attachments']} attachment(s)"
            f" ({preview['attachment_bytes']} bytes) and {preview['drafts']} draft(s)")


def purge_note(session: Session, note_id: int) -> dict[str, Any]:
    """Destroy a retired note's text for good; return what was destroyed.

    Only retired notes can be purged, so a purge is always a second, deliberate step.
    """
    preview = purge_preview(session, note_id)
    if preview["state"] != "retired":
        raise UserError(f"note {note_id} is active; retire it first (`opstui note retire {note_id}`), then purge")

    def write(transaction: Transaction) -> None:
        note_rows.purge_note(transaction, note_id)
        transaction.event("note.purged", task_id=preview["task_id"], entity="note", entity_id=note_id,
                          data={"title": preview["title"], "revisions": preview["revisions"],
                                "attachments": preview["attachments"]})

    session.store.write(session.login, write)
    return preview
