"""Retry delays for temporarily failed e-mails."""

from datetime import datetime, timedelta, timezone

import pytest

from opstui.mail.backoff import (
    FIRST_RETRY_DELAY,
    GIVE_UP_AFTER,
    MAX_RETRY_DELAY,
    next_attempt_at,
    retry_delay,
)

NOW = datetime(2026, 5, 1, 12, 0, tzinfo=timezone.utc)


def test_retry_delay_doubles():
    assert retry_delay(1) == FIRST_RETRY_DELAY
    assert retry_delay(2) == FIRST_RETRY_DELAY * 2
    assert retry_delay(3) == FIRST_RETRY_DELAY * 4


def test_retry_delay_is_capped():
    assert retry_delay(30) == MAX_RETRY_DELAY
    assert retry_delay(10_000) == MAX_RETRY_DELAY


def test_retry_delay_rejects_zero_attempts():
    with pytest.raises(ValueError, match="got 0"):
        retry_delay(0)


def test_next_attempt_after_first_failure():
    assert next_attempt_at(NOW, 1, first_queued_at=NOW) == NOW + FIRST_RETRY_DELAY


def test_next_attempt_gives_up_when_stale():
    queued = NOW - GIVE_UP_AFTER
    assert next_attempt_at(NOW, 50, first_queued_at=queued) is None


def test_next_attempt_near_limit_still_retries():
    queued = NOW - GIVE_UP_AFTER + MAX_RETRY_DELAY + timedelta(minutes=1)
    assert next_attempt_at(NOW, 50, first_queued_at=queued) == NOW + MAX_RETRY_DELAY
