"""Markdown comments on any task, and the work summary of an activity task.

A comment records its author and time. The work summary is a comment of kind
"summary" on an activity task. Setting it again stores a new summary row, so the
earlier wording stays in the record and the newest one counts.
"""

from typing import Any

from opstui.errors import NotFoundError, UserError
from opstui.services.secret_guard import SecretPolicy, guard_secrets
from opstui.services.session import Session
from opstui.services.validation import clean_text
from opstui.store import Transaction
from opstui.store import process as process_rows
from opstui.store import tasks as task_rows

COMMENT_KINDS = ("comment", "summary")
MAX_COMMENT_LENGTH = 100_000
EXCERPT_LENGTH = 200


def _live_task(reader, task_id: int) -> dict[str, Any]:
    task = task_rows.get_task(reader, task_id)
    if task is None or task["deleted_at"] is not None:
        raise NotFoundError(f"no task with id {task_id}; see `opstui task list --all` for the ids")
    return task


def _clean_body(body: str, what: str) -> str:
    body = clean_text(body or "", what).strip("\n")
    if not body.strip():
        raise UserError(f"the {what} is empty; write some Markdown text")
    if len(body) > MAX_COMMENT_LENGTH:
        raise UserError(f"the {what} is {len(body)} characters long; the limit is {MAX_COMMENT_LENGTH}")
    return body


def add_comment(session: Session, task_id: int, body: str, *,
                secrets: SecretPolicy | str = SecretPolicy.REJECT) -> int:
    """Add a Markdown comment to any task; return its id.

    Raises SecretsFound when the text looks like it contains a secret and ``secrets``
    is REJECT; MASK saves it with each secret replaced, KEEP saves it as written.
    """
    body = guard_secrets(_clean_body(body, "comment"), what="comment", policy=secrets)
    return session.store.write(session.login, lambda transaction: _insert(transaction, task_id, "comment", body))


def list_comments(session: Session, task_id: int, *, kind: str | None = None) -> list[dict[str, Any]]:
    """Return the comments of a task, oldest first (``kind`` narrows to comments or summaries)."""
    if kind is not None and kind not in COMMENT_KINDS:
        raise UserError(f"unknown comment kind '{kind}'; use one of: {', '.join(COMMENT_KINDS)}")
    _live_task(session.store, task_id)
    return process_rows.comments_of_task(session.store, task_id, kind)


def set_summary(session: Session, activity_id: int, body: str, *,
                secrets: SecretPolicy | str = SecretPolicy.REJECT) -> int:
    """Record the work summary of an activity task (required before it closes); return its comment id.

    ``secrets`` works as in add_comment.
    """
    body = guard_secrets(_clean_body(body, "work summary"), what="work summary", policy=secrets)

    def write(transaction: Transaction) -> int:
        task = _live_task(transaction, activity_id)
        if task["kind"] != "activity":
            raise UserError(f"task {activity_id} is a {task['kind']} task; the work summary belongs to its"
                            " activity task (see `opstui task list --kind activity`)")
        if task["status"] == "done":
            raise UserError(f"activity task {activity_id} is closed; reopen it with"
                            f" `opstui task reopen {activity_id}` to change the summary")
        return _insert(transaction, activity_id, "summary", body)

    return session.store.write(session.login, write)


def get_summary(session: Session, activity_id: int) -> dict[str, Any] | None:
    """Return the newest work summary of a task, or None."""
    return process_rows.latest_summary(session.store, activity_id)


def _insert(transaction: Transaction, task_id: int, kind: str, body: str) -> int:
    task = _live_task(transaction, task_id)
    comment_id = process_rows.insert_comment(transaction, task_id, kind, body)
    transaction.event("comment.added" if kind == "comment" else "summary.set", task_id=task_id,
                      entity="comment", entity_id=comment_id,
                      data={"kind": kind, "title": task["title"], "parent_id": task["parent_id"],
                            "excerpt": body[:EXCERPT_LENGTH]})
    return comment_id
