-- Shared notes of master tasks: notes, their revisions, attachments, per-user drafts
-- and "who has it open" presence. Drafts and presence are written without events so
-- that typing in one terminal wakes no other. search.sql indexes the notes.

CREATE TABLE notes (
    id                INTEGER PRIMARY KEY,
    task_id           INTEGER NOT NULL REFERENCES tasks(id),
    title             TEXT NOT NULL,
    body              TEXT NOT NULL DEFAULT '',
    -- 'importing' rows belong to an import that has not finished: hidden everywhere,
    -- deleted if the import fails, made 'active' in one transaction when it succeeds.
    state             TEXT NOT NULL DEFAULT 'active'
                      CHECK (state IN ('importing', 'active', 'retired', 'purged')),
    -- What happened to the note's knowledge: '' not yet decided, 'taken' into an
    -- instruction (instruction_id), or 'discarded' on purpose (outcome_reason).
    outcome           TEXT NOT NULL DEFAULT '' CHECK (outcome IN ('', 'taken', 'discarded')),
    instruction_id    INTEGER,
    outcome_reason    TEXT NOT NULL DEFAULT '',
    outcome_by        TEXT REFERENCES users(login),
    outcome_at        TEXT,
    retired_by        TEXT REFERENCES users(login),
    retired_at        TEXT,
    retire_reason     TEXT NOT NULL DEFAULT '',
    import_id         TEXT,
    source_created_at TEXT,
    source_updated_at TEXT,
    created_by        TEXT NOT NULL REFERENCES users(login),
    created_at        TEXT NOT NULL,
    updated_by        TEXT NOT NULL REFERENCES users(login),
    updated_at        TEXT NOT NULL,
    version           INTEGER NOT NULL DEFAULT 1
);
CREATE INDEX notes_task ON notes(task_id, state, id);
CREATE INDEX notes_import ON notes(import_id) WHERE import_id IS NOT NULL;

CREATE TABLE note_tags (
    note_id INTEGER NOT NULL REFERENCES notes(id) ON DELETE CASCADE,
    tag     TEXT NOT NULL,
    PRIMARY KEY (note_id, tag)
);
CREATE INDEX note_tags_tag ON note_tags(tag);

-- One row per save: version N of the note is the revision with that version.
CREATE TABLE note_revisions (
    id            INTEGER PRIMARY KEY,
    note_id       INTEGER NOT NULL REFERENCES notes(id) ON DELETE CASCADE,
    version       INTEGER NOT NULL,
    title         TEXT NOT NULL,
    body          TEXT NOT NULL,
    kind          TEXT NOT NULL DEFAULT 'save'
                  CHECK (kind IN ('create', 'save', 'conflict', 'merge', 'restore', 'import', 'external')),
    restored_from INTEGER,
    author        TEXT NOT NULL REFERENCES users(login),
    saved_at      TEXT NOT NULL,
    UNIQUE (note_id, version)
);

CREATE TABLE note_attachments (
    id         INTEGER PRIMARY KEY,
    note_id    INTEGER NOT NULL REFERENCES notes(id) ON DELETE CASCADE,
    file_name  TEXT NOT NULL,
    mime       TEXT NOT NULL DEFAULT 'application/octet-stream',
    size       INTEGER NOT NULL,
    md5        TEXT NOT NULL,
    data       BLOB NOT NULL,
    created_by TEXT NOT NULL REFERENCES users(login),
    created_at TEXT NOT NULL
);
CREATE INDEX note_attachments_note ON note_attachments(note_id);

-- Unsaved text, one per note and user, written every few seconds by the editor.
CREATE TABLE note_drafts (
    note_id      INTEGER NOT NULL REFERENCES notes(id) ON DELETE CASCADE,
    login        TEXT NOT NULL REFERENCES users(login),
    title        TEXT NOT NULL,
    body         TEXT NOT NULL,
    base_version INTEGER NOT NULL,
    saved_at     TEXT NOT NULL,
    PRIMARY KEY (note_id, login)
);

-- Open editors. A row whose seen_at is older than a minute belongs to an editor
-- that died without closing, and readers ignore it.
CREATE TABLE note_presence (
    note_id   INTEGER NOT NULL REFERENCES notes(id) ON DELETE CASCADE,
    session   TEXT NOT NULL,
    login     TEXT NOT NULL REFERENCES users(login),
    opened_at TEXT NOT NULL,
    seen_at   TEXT NOT NULL,
    PRIMARY KEY (note_id, session)
);
