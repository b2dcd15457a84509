"""Full-text search over notes, instructions and tasks (SQLite FTS5).

The search_index table and the triggers that fill it are in schema/search.sql. A
document's rowid is id * 4 + kind code, so results map back to rows without a join
on an unindexed column.
"""

from __future__ import annotations

import json
import re
from typing import Any

from opstui.store.database import Store, Transaction
from opstui.store.search_marks import mark_ascii_matches

KIND_CODES = {"note": 1, "instruction": 2, "task": 3}
KIND_NAMES = {code: name for name, code in KIND_CODES.items()}
# Title matches count ten times a body match and tags five times (bm25 column weights).
RANK_WEIGHTS = (10.0, 1.0, 5.0)
# FTS5 computes bm25 for every match it returns: an estimated 2.5 microseconds each
# with bench/search.py's notes on a 2-core EPYC under load. Only the newest
# RANKED_CANDIDATES matches are ranked, so a query with more matches ranks recent
# documents and skips older ones. With 2000, "server restart" (2,681 matches) took
# 8.7 ms of CPU per first page, and 5.9 ms with 1000. This is also the max number
# of results one query returns.
RANKED_CANDIDATES = 1000
MATCH_START = "\x02"
MATCH_END = "\x03"

_PHRASE_OR_WORD = re.compile(r'"([^"]*)"|(\S+)')


def fts_query(text: str) -> str:
    """Turn what a person typed into a safe FTS5 query.

    Every word must match (AND). A "quoted phrase" matches as a phrase, a trailing *
    makes a word a prefix, and the last word is always a prefix so results appear
    while typing. FTS5 operators and punctuation typed by the user are taken as text.
    Returns '' when nothing searchable is left.
    """
    terms: list[str] = []
    matches = list(_PHRASE_OR_WORD.finditer(text or ""))
    for number, match in enumerate(matches):
        phrase, word = match.group(1), match.group(2)
        if phrase is not None:
            tokens = _tokens(phrase)
            if tokens:
                terms.append('"' + " ".join(tokens) + '"')
            continue

        is_prefix = word.endswith("*") or number == len(matches) - 1
        for position, token in enumerate(_tokens(word)):
            last_token = position == len(_tokens(word)) - 1
            quoted = '"' + token + '"'
            terms.append(quoted + "*" if is_prefix and last_token else quoted)
    return " ".join(terms)


def _tokens(text: str) -> list[str]:
    # unicode61 splits on anything that is not a letter or digit, so doing the same
    # here keeps "pg_upgrade" or "10.0.0.1" searchable as the index stores them.
    return [token for token in re.split(r"[^\w]+|_", text) if token]


def search(store: Store | Transaction, text: str, *, limit: int = 50, kinds: tuple[str, ...] = ()) -> list[dict[str, Any]]:
    """Return the best matches, best first, each with its matching line marked.

    Ranking rule: the RANKED_CANDIDATES matches with the highest rowids (the newest
    of each kind, since rowid is id * 4 + kind code) are ranked by bm25 with
    RANK_WEIGHTS, ties newest first, and the best ``limit`` of them are returned. A
    query with fewer matches is ranked in full.

    Each row has kind, ref_id, task_id, title, tags, line (the first body line that
    matches, with MATCH_START/MATCH_END around each hit), and rank (lower is better).
    """
    query = fts_query(text)
    if not query:
        return []

    ranked = _rank_newest(store, query, limit, kinds)
    if not ranked:
        return []
    marked = _mark_documents(store, query, [row["document"] for row in ranked])
    task_ids = _task_ids(store, [row["document"] for row in ranked])

    results = []
    for row in ranked:
        document = row["document"]
        kind = KIND_NAMES.get(document % 4, "unknown")
        hit = marked.get(document, {})
        results.append({
            "kind": kind,
            "ref_id": document // 4,
            "task_id": task_ids.get(document),
            "title": hit.get("title"),
            "tags": hit.get("tags"),
            "line": _matching_line(hit.get("marked_body")),
            "rank": row["rank"],
        })
    return results


def _rank_newest(store: Store | Transaction, query: str, limit: int, kinds: tuple[str, ...]) -> list[dict[str, Any]]:
    """Return the best ``limit`` of the newest candidates as rows of document and rank.

    FTS5 walks matches newest first and stops at the LIMIT, so bm25 runs only on the
    candidates. One statement keeps FTS5's setup of a prefix term (it copies every
    doclist of the prefix) to once here and once inside bm25.
    """
    kind_filter = ""
    parameters: list[Any] = [query]
    if kinds:
        codes = [KIND_CODES[kind] for kind in kinds]
        kind_filter = f" AND (rowid % 4) IN ({', '.join('?' for _ in codes)})"
        parameters.extend(codes)
    parameters.extend([RANKED_CANDIDATES, limit])

    weights = ", ".join(str(weight) for weight in RANK_WEIGHTS)
    return store.query(
        "SELECT document, rank FROM"
        f" (SELECT rowid AS document, bm25(search_index, {weights}) AS rank"
        f" FROM search_index WHERE search_index MATCH ?{kind_filter} ORDER BY rowid DESC LIMIT ?)"
        " ORDER BY rank, document DESC LIMIT ?",
        parameters,
    )


def _mark_documents(store: Store | Transaction, query: str, documents: list[int]) -> dict[int, dict[str, Any]]:
    """Return title, tags and the body with matches marked, by document, for the kept rows only.

    ASCII bodies are marked in Python (search_marks), which avoids a second MATCH.
    Other bodies go through highlight(), because unicode61 folds case and diacritics.
    """
    rows = store.query(
        "SELECT rowid AS document, title, tags, body FROM search_index"
        " WHERE rowid IN (SELECT value FROM json_each(?))",
        (json.dumps(documents),),
    )
    marked: dict[int, dict[str, Any]] = {}
    for row in rows:
        marked_body = mark_ascii_matches(row["body"] or "", query, MATCH_START, MATCH_END)
        if marked_body is not None:
            marked[row["document"]] = {**row, "marked_body": marked_body}

    others = [document for document in documents if document not in marked]
    if others:
        marked.update(_highlight_documents(store, query, others))
    return marked


def _highlight_documents(store: Store | Transaction, query: str, documents: list[int]) -> dict[int, dict[str, Any]]:
    """Return title, tags and highlight()'s marked body, by document.

    highlight() on every match made the first page five times slower (bench/search.py,
    20,000 notes), so this runs on the kept rows only. The rowid range lets FTS5 skip older matches, and the unary +
    keeps SQLite from handing the IN list to FTS5, which would rerun the query per rowid.
    """
    rows = store.query(
        "SELECT rowid AS document, title, tags,"
        f" highlight(search_index, 1, '{MATCH_START}', '{MATCH_END}') AS marked_body"
        " FROM search_index WHERE search_index MATCH ? AND rowid BETWEEN ? AND ?"
        " AND +rowid IN (SELECT value FROM json_each(?))",
        [query, min(documents), max(documents), json.dumps(documents)],
    )
    return {row["document"]: row for row in rows}


def _task_ids(store: Store | Transaction, documents: list[int]) -> dict[int, int | None]:
    """Return the task of each document: itself, a note's task, or an instruction's task."""
    task_ids: dict[int, int | None] = {}
    note_ids = [document // 4 for document in documents if document % 4 == KIND_CODES["note"]]
    instruction_ids = [document // 4 for document in documents if document % 4 == KIND_CODES["instruction"]]
    for document in documents:
        if document % 4 == KIND_CODES["task"]:
            task_ids[document] = document // 4

    if note_ids:
        rows = store.query("SELECT id, task_id FROM notes WHERE id IN (SELECT value FROM json_each(?))",
                           (json.dumps(note_ids),))
        task_ids.update({row["id"] * 4 + KIND_CODES["note"]: row["task_id"] for row in rows})

    # An instruction belongs to the task it came from (its source task), else its draft's task.
    if instruction_ids:
        rows = store.query(
            "SELECT i.id, coalesce((SELECT min(task_id) FROM instruction_tasks WHERE instruction_id = i.id"
            " AND relation = 'source'), i.draft_task_id) AS task_id"
            " FROM instructions i WHERE i.id IN (SELECT value FROM json_each(?))",
            (json.dumps(instruction_ids),),
        )
        task_ids.update({row["id"] * 4 + KIND_CODES["instruction"]: row["task_id"] for row in rows})
    return task_ids


def _matching_line(marked_body: str | None) -> str:
    if not marked_body or MATCH_START not in marked_body:
        return ""
    for line in marked_body.split("\n"):
        if MATCH_START in line:
            return line.strip()
    return ""


def rebuild_index(transaction: Transaction) -> int:
    """Refill the index from notes, instructions and tasks; return the number of documents."""
    transaction.execute("DELETE FROM search_index")
    transaction.execute(
        "INSERT INTO search_index (rowid, title, body, tags)"
        " SELECT id * 4 + 1, title, body,"
        " coalesce((SELECT group_concat(tag, ' ') FROM note_tags WHERE note_id = notes.id), '')"
        " FROM notes WHERE state = 'active'"
    )
    transaction.execute(
        "INSERT INTO search_index (rowid, title, body, tags)"
        " SELECT id * 4 + 3, title, description, '' FROM tasks WHERE deleted_at IS NULL"
    )
    transaction.execute(
        "INSERT INTO search_index (rowid, title, body, tags)"
        " SELECT i.id * 4 + 2,"
        " CASE WHEN i.official_revision IS NULL THEN coalesce(i.draft_title, i.title) ELSE i.title END,"
        " CASE WHEN i.official_revision IS NULL THEN coalesce(i.draft_body, '')"
        " ELSE coalesce(r.body, i.draft_body, '') END, ''"
        " FROM instructions i LEFT JOIN instruction_revisions r"
        " ON r.instruction_id = i.id AND r.number = i.official_revision"
    )
    return transaction.query_one("SELECT count(*) AS count FROM search_index")["count"]
