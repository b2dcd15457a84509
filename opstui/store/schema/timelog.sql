-- Time log: finished and open time entries, the one running timer per user, and
-- import runs from Timewarrior and Taskwarrior.
-- Instants are ISO 8601 UTC text ending in Z (see opstui.timelog.instants.to_iso_utc).

-- One run of `opstui import ...`. Rows it writes carry its id; they count only
-- once status is 'done', and a failed run's rows are deleted again.
CREATE TABLE time_imports (
    id          INTEGER PRIMARY KEY,
    kind        TEXT NOT NULL CHECK (kind IN ('timewarrior', 'taskwarrior')),
    file_name   TEXT NOT NULL,
    file_sha256 TEXT NOT NULL,
    status      TEXT NOT NULL DEFAULT 'running' CHECK (status IN ('running', 'done', 'failed')),
    started_by  TEXT NOT NULL REFERENCES users(login),
    started_at  TEXT NOT NULL,
    finished_at TEXT,
    summary     TEXT NOT NULL DEFAULT '{}',
    settings    TEXT NOT NULL DEFAULT '{}'
);

-- ended_at is NULL only for an open entry, such as an imported Timewarrior
-- interval that was still running when the user already had a timer.
CREATE TABLE time_entries (
    id         INTEGER PRIMARY KEY,
    task_id    INTEGER NOT NULL REFERENCES tasks(id),
    login      TEXT NOT NULL REFERENCES users(login),
    step       INTEGER CHECK (step BETWEEN 1 AND 12),
    started_at TEXT NOT NULL,
    ended_at   TEXT,
    comment    TEXT NOT NULL DEFAULT '',
    source     TEXT NOT NULL DEFAULT 'manual' CHECK (source IN ('manual', 'timer', 'timewarrior')),
    import_id  INTEGER REFERENCES time_imports(id),
    import_key TEXT,
    extra      TEXT NOT NULL DEFAULT '{}',
    created_by TEXT NOT NULL REFERENCES users(login),
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    deleted_at TEXT,
    deleted_by TEXT REFERENCES users(login),
    version    INTEGER NOT NULL DEFAULT 1,
    CHECK (ended_at IS NULL OR ended_at >= started_at)
);
CREATE INDEX time_entries_login ON time_entries(login, started_at);
CREATE INDEX time_entries_task ON time_entries(task_id, started_at);
CREATE INDEX time_entries_started ON time_entries(started_at);
-- Reports find entries that started long before a date range but run into it.
CREATE INDEX time_entries_ended ON time_entries(ended_at, started_at);
CREATE INDEX time_entries_import_key ON time_entries(login, import_key) WHERE import_key IS NOT NULL;
CREATE INDEX time_entries_import ON time_entries(import_id) WHERE import_id IS NOT NULL;

-- The login is the primary key, so a user can never have two running timers.
CREATE TABLE running_timers (
    login      TEXT PRIMARY KEY REFERENCES users(login),
    task_id    INTEGER NOT NULL REFERENCES tasks(id),
    step       INTEGER CHECK (step BETWEEN 1 AND 12),
    started_at TEXT NOT NULL,
    comment    TEXT NOT NULL DEFAULT '',
    import_id  INTEGER REFERENCES time_imports(id),
    import_key TEXT
);

-- Which opstui task each imported Taskwarrior uuid or Timewarrior tag set became.
CREATE TABLE imported_tasks (
    source    TEXT NOT NULL CHECK (source IN ('taskwarrior', 'timewarrior-tags')),
    key       TEXT NOT NULL,
    task_id   INTEGER NOT NULL REFERENCES tasks(id),
    import_id INTEGER NOT NULL REFERENCES time_imports(id),
    PRIMARY KEY (source, key, import_id)
);
CREATE INDEX imported_tasks_import ON imported_tasks(import_id);
