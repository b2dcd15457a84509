-- Full-text search over notes, instructions and tasks, kept in sync by triggers.
-- Needs core.sql, kb.sql and notes.sql first.

-- Full-text index. The rowid encodes the document: id * 4 + kind code (1 note,
-- 2 instruction, 3 task), so triggers replace one document by rowid without a scan.
-- Only active notes and tasks that are not deleted are indexed, so retired notes
-- never appear in search. An instruction is indexed with its official text, or
-- with its draft until it has one.
CREATE VIRTUAL TABLE search_index USING fts5(
    title,
    body,
    tags,
    tokenize = 'unicode61 remove_diacritics 2',
    prefix = '2 3'
);

CREATE TRIGGER notes_search_insert AFTER INSERT ON notes WHEN new.state = 'active' BEGIN
    INSERT INTO search_index (rowid, title, body, tags) VALUES (new.id * 4 + 1, new.title, new.body, '');
END;

CREATE TRIGGER notes_search_update AFTER UPDATE OF title, body, state ON notes BEGIN
    DELETE FROM search_index WHERE rowid = old.id * 4 + 1;
    INSERT INTO search_index (rowid, title, body, tags)
        SELECT new.id * 4 + 1, new.title, new.body,
               coalesce((SELECT group_concat(tag, ' ') FROM note_tags WHERE note_id = new.id), '')
        WHERE new.state = 'active';
END;

CREATE TRIGGER notes_search_delete AFTER DELETE ON notes BEGIN
    DELETE FROM search_index WHERE rowid = old.id * 4 + 1;
END;

CREATE TRIGGER note_tags_search_insert AFTER INSERT ON note_tags BEGIN
    UPDATE search_index
       SET tags = (SELECT group_concat(tag, ' ') FROM note_tags WHERE note_id = new.note_id)
     WHERE rowid = new.note_id * 4 + 1;
END;

CREATE TRIGGER note_tags_search_delete AFTER DELETE ON note_tags BEGIN
    UPDATE search_index
       SET tags = coalesce((SELECT group_concat(tag, ' ') FROM note_tags WHERE note_id = old.note_id), '')
     WHERE rowid = old.note_id * 4 + 1;
END;

CREATE TRIGGER tasks_search_insert AFTER INSERT ON tasks WHEN new.deleted_at IS NULL BEGIN
    INSERT INTO search_index (rowid, title, body, tags) VALUES (new.id * 4 + 3, new.title, new.description, '');
END;

CREATE TRIGGER tasks_search_update AFTER UPDATE OF title, description, deleted_at ON tasks BEGIN
    DELETE FROM search_index WHERE rowid = old.id * 4 + 3;
    INSERT INTO search_index (rowid, title, body, tags)
        SELECT new.id * 4 + 3, new.title, new.description, '' WHERE new.deleted_at IS NULL;
END;

CREATE TRIGGER tasks_search_delete AFTER DELETE ON tasks BEGIN
    DELETE FROM search_index WHERE rowid = old.id * 4 + 3;
END;

CREATE TRIGGER instructions_search_insert AFTER INSERT ON instructions BEGIN
    INSERT INTO search_index (rowid, title, body, tags)
        VALUES (new.id * 4 + 2, coalesce(new.draft_title, new.title), coalesce(new.draft_body, ''), '');
END;

CREATE TRIGGER instructions_search_update
AFTER UPDATE OF title, draft_title, draft_body, official_revision ON instructions BEGIN
    DELETE FROM search_index WHERE rowid = old.id * 4 + 2;
    INSERT INTO search_index (rowid, title, body, tags)
        SELECT new.id * 4 + 2,
               CASE WHEN new.official_revision IS NULL THEN coalesce(new.draft_title, new.title)
                    ELSE new.title END,
               CASE WHEN new.official_revision IS NULL THEN coalesce(new.draft_body, '')
                    ELSE coalesce((SELECT body FROM instruction_revisions
                                    WHERE instruction_id = new.id AND number = new.official_revision),
                                  new.draft_body, '') END,
               '';
END;

-- A publish may write the revision after pointing official_revision at it.
CREATE TRIGGER instruction_revisions_search_insert AFTER INSERT ON instruction_revisions
WHEN new.kind = 'official'
 AND new.number = (SELECT official_revision FROM instructions WHERE id = new.instruction_id) BEGIN
    DELETE FROM search_index WHERE rowid = new.instruction_id * 4 + 2;
    INSERT INTO search_index (rowid, title, body, tags)
        VALUES (new.instruction_id * 4 + 2, new.title, new.body, '');
END;

CREATE TRIGGER instructions_search_delete AFTER DELETE ON instructions BEGIN
    DELETE FROM search_index WHERE rowid = old.id * 4 + 2;
END;
