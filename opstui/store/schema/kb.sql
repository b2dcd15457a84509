-- Knowledge base: instructions, their draft and official revisions, the tasks that
-- use them, attachments, and guided runs with one row per step.

-- One row per instruction. The draft (draft_title, draft_body) is the text being
-- edited, NULL when there is none. official_revision is the number of the revision in
-- force, NULL until the first publish.
CREATE TABLE instructions (
    id                  INTEGER PRIMARY KEY,
    title               TEXT NOT NULL,
    official_revision   INTEGER,
    draft_title         TEXT,
    draft_body          TEXT,
    draft_task_id       INTEGER REFERENCES tasks(id),
    draft_updated_by    TEXT REFERENCES users(login),
    draft_updated_at    TEXT,
    -- Front matter keys of an imported file that opstui does not use, as JSON, so an
    -- export writes them back.
    extra_front_matter  TEXT NOT NULL DEFAULT '{}',
    -- File name of a plain runbook this instruction was imported from, so importing the
    -- same folder again updates it instead of adding a copy.
    import_source       TEXT UNIQUE,
    created_by          TEXT NOT NULL REFERENCES users(login),
    created_at          TEXT NOT NULL,
    updated_at          TEXT NOT NULL,
    version             INTEGER NOT NULL DEFAULT 1
);

-- Every saved draft and every published revision. Official rows carry their number;
-- rows are never updated or deleted, which the triggers below enforce.
CREATE TABLE instruction_revisions (
    id             INTEGER PRIMARY KEY,
    instruction_id INTEGER NOT NULL REFERENCES instructions(id),
    kind           TEXT NOT NULL CHECK (kind IN ('draft', 'official')),
    number         INTEGER,
    title          TEXT NOT NULL,
    body           TEXT NOT NULL,
    task_id        INTEGER REFERENCES tasks(id),
    author         TEXT NOT NULL REFERENCES users(login),
    saved_at       TEXT NOT NULL,
    CHECK ((kind = 'official') = (number IS NOT NULL)),
    UNIQUE (instruction_id, number)
);
CREATE INDEX instruction_revisions_instruction ON instruction_revisions(instruction_id, id);

CREATE TRIGGER instruction_revisions_no_update BEFORE UPDATE ON instruction_revisions BEGIN
    SELECT RAISE(ABORT, 'instruction revisions are immutable');
END;

CREATE TRIGGER instruction_revisions_no_delete BEFORE DELETE ON instruction_revisions BEGIN
    SELECT RAISE(ABORT, 'instruction revisions are immutable');
END;

-- Tasks an instruction came from ('source') or that use it in production ('uses').
CREATE TABLE instruction_tasks (
    instruction_id INTEGER NOT NULL REFERENCES instructions(id),
    task_id        INTEGER NOT NULL REFERENCES tasks(id),
    relation       TEXT NOT NULL CHECK (relation IN ('source', 'uses')),
    linked_by      TEXT NOT NULL REFERENCES users(login),
    linked_at      TEXT NOT NULL,
    PRIMARY KEY (instruction_id, task_id, relation)
);
CREATE INDEX instruction_tasks_task ON instruction_tasks(task_id);

CREATE TABLE instruction_attachments (
    id             INTEGER PRIMARY KEY,
    instruction_id INTEGER NOT NULL REFERENCES instructions(id),
    file_name      TEXT NOT NULL,
    mime           TEXT NOT NULL DEFAULT 'application/octet-stream',
    size           INTEGER NOT NULL,
    sha256         TEXT NOT NULL,
    data           BLOB NOT NULL,
    created_by     TEXT NOT NULL REFERENCES users(login),
    created_at     TEXT NOT NULL,
    UNIQUE (instruction_id, file_name)
);

-- A guided execution of one official revision on an activity task.
CREATE TABLE instruction_runs (
    id              INTEGER PRIMARY KEY,
    instruction_id  INTEGER NOT NULL REFERENCES instructions(id),
    revision_number INTEGER NOT NULL,
    task_id         INTEGER NOT NULL REFERENCES tasks(id),
    status          TEXT NOT NULL DEFAULT 'running'
                    CHECK (status IN ('running', 'completed', 'failed', 'abandoned')),
    current_step    INTEGER NOT NULL DEFAULT 1,
    started_by      TEXT NOT NULL REFERENCES users(login),
    started_at      TEXT NOT NULL,
    finished_at     TEXT,
    version         INTEGER NOT NULL DEFAULT 1
);
CREATE INDEX instruction_runs_task ON instruction_runs(task_id, status);

-- One row per step of a run. started_at/finished_at are the step's own time span,
-- kept even when the time log records it too.
CREATE TABLE instruction_run_steps (
    run_id        INTEGER NOT NULL REFERENCES instruction_runs(id),
    number        INTEGER NOT NULL,
    text          TEXT NOT NULL,
    state         TEXT NOT NULL DEFAULT 'pending'
                  CHECK (state IN ('pending', 'started', 'done', 'failed', 'skipped')),
    started_by    TEXT REFERENCES users(login),
    started_at    TEXT,
    finished_by   TEXT REFERENCES users(login),
    finished_at   TEXT,
    comment       TEXT NOT NULL DEFAULT '',
    failure       TEXT NOT NULL DEFAULT '',
    time_entry_id INTEGER,
    PRIMARY KEY (run_id, number)
);
