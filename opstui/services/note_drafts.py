"""Unsaved text (drafts) and "who has this note open" (presence).

Both are written to their own tables without events, so autosaving every few
seconds and the editors' heartbeats never wake other users' screens.
"""

from __future__ import annotations

import os
import socket
from datetime import timedelta
from typing import Any

from opstui.services.session import Session
from opstui.services.validation import clean_text
from opstui.store import notes as note_rows
from opstui.store.clock import to_iso, utc_now


def editor_session_key() -> str:
    """Return an id for this editing process: host and pid, unique among live editors."""
    return f"{socket.gethostname()}:{os.getpid()}"


def save_draft(session: Session, note_id: int, *, title: str, body: str, base_version: int) -> None:
    note_rows.write_draft(session.store, session.login, note_id, title=title,
                          body=clean_text(body, "note text"), base_version=base_version)


def get_draft(session: Session, note_id: int) -> dict[str, Any] | None:
    """Return this user's unsaved draft of a note, or None."""
    return note_rows.get_draft(session.store, session.login, note_id)


def discard_draft(session: Session, note_id: int) -> None:
    note_rows.delete_draft(session.store, session.login, note_id)


def my_drafts(session: Session) -> list[dict[str, Any]]:
    return note_rows.drafts_of_user(session.store, session.login)


def mark_open(session: Session, note_id: int, editor_key: str) -> None:
    """Record or refresh that this editor has the note open (call every few seconds)."""
    note_rows.touch_presence(session.store, session.login, note_id, editor_key)


def mark_closed(session: Session, note_id: int, editor_key: str) -> None:
    note_rows.remove_presence(session.store, session.login, note_id, editor_key)


def others_present(session: Session, note_id: int) -> list[dict[str, Any]]:
    """Return the other users with the note open now (stale editors are left out)."""
    since = to_iso(utc_now() - timedelta(seconds=note_rows.PRESENCE_STALE_SECONDS))
    return [row for row in note_rows.present_users(session.store, note_id, since) if row["login"] != session.login]
