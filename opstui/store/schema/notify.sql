-- Notifications: the in-app inbox, the e-mail outbox and per-user preferences.
-- Timestamps are ISO 8601 UTC text ending in Z, as in core.sql.

-- One row per thing a user should hear about. The source event and kind make a
-- notification unique, so processing the same events twice creates nothing new.
CREATE TABLE notifications (
    id         INTEGER PRIMARY KEY,
    login      TEXT NOT NULL REFERENCES users(login),
    kind       TEXT NOT NULL CHECK (kind IN ('assigned', 'reassigned', 'unassigned', 'mentioned',
                                             'commented', 'mail_failed')),
    task_id    INTEGER REFERENCES tasks(id),
    event_id   INTEGER NOT NULL,
    actor      TEXT NOT NULL,
    title      TEXT NOT NULL DEFAULT '',
    detail     TEXT NOT NULL DEFAULT '',
    created_at TEXT NOT NULL,
    read_at    TEXT,
    UNIQUE (event_id, login, kind)
);
CREATE INDEX notifications_inbox ON notifications(login, read_at, id);

-- E-mail waiting to be sent. A sender claims rows by moving them from pending to
-- sending inside a BEGIN IMMEDIATE transaction, so two processes never claim the
-- same row. A row left in sending by a process that died is claimable again once
-- its claim is older than the lease the service sets.
CREATE TABLE mail_outbox (
    id              INTEGER PRIMARY KEY,
    notification_id INTEGER NOT NULL UNIQUE REFERENCES notifications(id),
    login           TEXT NOT NULL REFERENCES users(login),
    recipient       TEXT NOT NULL,
    digest          INTEGER NOT NULL DEFAULT 0,
    state           TEXT NOT NULL DEFAULT 'pending'
                    CHECK (state IN ('pending', 'sending', 'sent', 'failed')),
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TEXT NOT NULL,
    claimed_by      TEXT,
    claimed_at      TEXT,
    last_error      TEXT NOT NULL DEFAULT '',
    created_at      TEXT NOT NULL,
    sent_at         TEXT
);
CREATE INDEX mail_outbox_due ON mail_outbox(state, next_attempt_at);

CREATE TABLE notification_prefs (
    login         TEXT PRIMARY KEY REFERENCES users(login),
    email_enabled INTEGER NOT NULL DEFAULT 1,
    digest        INTEGER NOT NULL DEFAULT 0,
    updated_at    TEXT NOT NULL
);

-- How far the events table has been turned into notifications. It starts at the
-- newest event, so history from before this table existed notifies nobody.
CREATE TABLE notification_cursor (
    name          TEXT PRIMARY KEY,
    last_event_id INTEGER NOT NULL
);
INSERT INTO notification_cursor (name, last_event_id)
    SELECT 'events', coalesce(max(id), 0) FROM events;
