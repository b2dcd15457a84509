-- Core tables: people, requests, tasks, assignments, process steps, comments,
-- team settings and the event log that feeds audit trails and live screens.
-- Timestamps are ISO 8601 UTC text ending in Z; dates are ISO dates (YYYY-MM-DD).

CREATE TABLE users (
    login             TEXT PRIMARY KEY,
    display_name      TEXT NOT NULL,
    email             TEXT NOT NULL DEFAULT '',
    role              TEXT NOT NULL CHECK (role IN ('manager', 'sysadmin')),
    active            INTEGER NOT NULL DEFAULT 1,
    profile_confirmed INTEGER NOT NULL DEFAULT 0,
    created_at        TEXT NOT NULL,
    version           INTEGER NOT NULL DEFAULT 1
);

CREATE TABLE requests (
    id           INTEGER PRIMARY KEY,
    source       TEXT NOT NULL CHECK (source IN ('deployment', 'infrastructure', 'customer')),
    requester    TEXT NOT NULL DEFAULT '',
    external_ref TEXT NOT NULL DEFAULT '',
    received_on  TEXT NOT NULL,
    created_by   TEXT NOT NULL REFERENCES users(login),
    created_at   TEXT NOT NULL
);

CREATE TABLE tasks (
    id           INTEGER PRIMARY KEY,
    kind         TEXT NOT NULL CHECK (kind IN ('master', 'subtask', 'activity')),
    parent_id    INTEGER REFERENCES tasks(id),
    request_id   INTEGER REFERENCES requests(id),
    title        TEXT NOT NULL,
    description  TEXT NOT NULL DEFAULT '',
    stage        TEXT NOT NULL DEFAULT 'request'
                 CHECK (stage IN ('request', 'discovery', 'sandbox', 'production', 'monitoring', 'done')),
    status       TEXT NOT NULL DEFAULT 'open'
                 CHECK (status IN ('open', 'done', 'rejected', 'cancelled')),
    priority     TEXT NOT NULL DEFAULT 'normal' CHECK (priority IN ('low', 'normal', 'high', 'urgent')),
    due_on       TEXT,
    position     INTEGER NOT NULL DEFAULT 0,
    deleted_at   TEXT,
    deleted_by   TEXT REFERENCES users(login),
    created_by   TEXT NOT NULL REFERENCES users(login),
    created_at   TEXT NOT NULL,
    updated_at   TEXT NOT NULL,
    closed_at    TEXT,
    extra        TEXT NOT NULL DEFAULT '{}',
    version      INTEGER NOT NULL DEFAULT 1
);
CREATE INDEX tasks_parent ON tasks(parent_id, position);
-- The board counts each master task's subtasks. Without this index SQLite chose
-- tasks_board and read every subtask for every card: 3.8 s for 1,000 cards.
CREATE INDEX tasks_children ON tasks(parent_id, kind);
CREATE INDEX tasks_board ON tasks(kind, stage) WHERE deleted_at IS NULL;

CREATE TABLE assignments (
    task_id     INTEGER NOT NULL REFERENCES tasks(id),
    login       TEXT NOT NULL REFERENCES users(login),
    assigned_by TEXT NOT NULL REFERENCES users(login),
    assigned_at TEXT NOT NULL,
    PRIMARY KEY (task_id, login)
);
CREATE INDEX assignments_login ON assignments(login);

CREATE TABLE process_steps (
    task_id  INTEGER NOT NULL REFERENCES tasks(id),
    step     INTEGER NOT NULL CHECK (step BETWEEN 1 AND 12),
    state    TEXT NOT NULL DEFAULT 'open' CHECK (state IN ('open', 'done', 'skipped')),
    by_login TEXT REFERENCES users(login),
    at       TEXT,
    reason   TEXT NOT NULL DEFAULT '',
    version  INTEGER NOT NULL DEFAULT 1,
    PRIMARY KEY (task_id, step)
);

CREATE TABLE comments (
    id         INTEGER PRIMARY KEY,
    task_id    INTEGER NOT NULL REFERENCES tasks(id),
    kind       TEXT NOT NULL DEFAULT 'comment' CHECK (kind IN ('comment', 'summary')),
    author     TEXT NOT NULL REFERENCES users(login),
    body       TEXT NOT NULL,
    created_at TEXT NOT NULL,
    edited_at  TEXT,
    version    INTEGER NOT NULL DEFAULT 1
);
CREATE INDEX comments_task ON comments(task_id, created_at);

CREATE TABLE team_settings (
    key        TEXT PRIMARY KEY,
    value      TEXT NOT NULL,
    updated_by TEXT REFERENCES users(login),
    updated_at TEXT NOT NULL,
    version    INTEGER NOT NULL DEFAULT 1
);

-- One row per change. Ids only grow (AUTOINCREMENT), so a reader can ask for
-- everything after the last id it has seen.
CREATE TABLE events (
    id        INTEGER PRIMARY KEY AUTOINCREMENT,
    at        TEXT NOT NULL,
    actor     TEXT NOT NULL,
    kind      TEXT NOT NULL,
    task_id   INTEGER,
    entity    TEXT NOT NULL DEFAULT '',
    entity_id TEXT NOT NULL DEFAULT '',
    data      TEXT NOT NULL DEFAULT '{}'
);
CREATE INDEX events_task ON events(task_id, id);
