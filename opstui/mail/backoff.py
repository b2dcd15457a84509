"""When to try a temporarily failed e-mail again, and when to give up."""

from __future__ import annotations

from datetime import datetime, timedelta

# First retry after 30 s, doubling up to one hour between attempts, so a mail server
# restart costs seconds of delay and a long outage is not hammered.
FIRST_RETRY_DELAY = timedelta(seconds=30)
MAX_RETRY_DELAY = timedelta(hours=1)

# Give up after two days of temporary failures: by then the notice is stale and a
# person should look at the mail setup (the failure is shown to managers).
GIVE_UP_AFTER = timedelta(days=2)


def retry_delay(attempts: int) -> timedelta:
    """Return the wait before the next try, after ``attempts`` failed tries (1 or more)."""
    if attempts < 1:
        raise ValueError(f"attempts must be 1 or more, got {attempts}")

    # Cap the exponent so the multiplication cannot overflow timedelta.
    exponent = min(attempts - 1, 20)
    return min(FIRST_RETRY_DELAY * (2**exponent), MAX_RETRY_DELAY)


def next_attempt_at(now: datetime, attempts: int, first_queued_at: datetime) -> datetime | None:
    """Return when to try again, or None when the message has waited too long to retry."""
    retry_at = now + retry_delay(attempts)
    if retry_at - first_queued_at > GIVE_UP_AFTER:
        return None
    return retry_at
