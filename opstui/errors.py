"""Exceptions that carry a message meant for the person at the keyboard."""


class OpstuiError(Exception):
    """Base of every error opstui reports to the user as one line."""


class UserError(OpstuiError):
    """Bad input: the message names the value and how to fix it."""


class NotFoundError(UserError):
    """A task, user, note or other record named by the user does not exist."""


class PermissionDenied(UserError):
    """The current user's role does not allow the action."""


class ConflictError(OpstuiError):
    """A shared row changed since it was read, so the update was not applied.

    ``current`` holds the row as it is now, so the caller can show both versions.
    """

    def __init__(self, message: str, current: dict | None = None):
        super().__init__(message)
        self.current = current or {}


class StoreError(OpstuiError):
    """The database cannot be opened or used: missing folder, not SQLite, corrupt, too new."""
