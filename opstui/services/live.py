"""The change feed: notice other processes' commits cheaply and read only the new events."""

from typing import Any

from opstui.services.session import Session
from opstui.store import events as event_rows


class EventFeed:
    """Poll ``PRAGMA data_version`` (microseconds) and fetch events past the last seen id.

    Must be polled from one thread: SQLite's data_version is per connection.
    """

    def __init__(self, session: Session):
        self.session = session
        self.last_id = event_rows.last_event_id(session.store)
        self._data_version = session.store.data_version()

    def poll(self) -> list[dict[str, Any]]:
        """Return events committed since the last call (by any process, this one included)."""
        version = self.session.store.data_version()
        if version == self._data_version and not self._has_local_writes():
            return []
        self._data_version = version
        events = event_rows.events_after(self.session.store, self.last_id)
        if events:
            self.last_id = events[-1]["id"]
        return events

    def _has_local_writes(self) -> bool:
        # data_version does not change for commits made on the same connection,
        # so compare the newest id as well (an indexed, constant-time read).
        return event_rows.last_event_id(self.session.store) != self.last_id


def audit_trail(session: Session, task_id: int) -> list[dict[str, Any]]:
    return event_rows.events_for_task(session.store, task_id)
