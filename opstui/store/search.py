"""Full-text search over notes, instructions and tasks (SQLite FTS5).

The search_index table and the triggers that fill it are in schema/search.sql. A
document's rowid is id * 4 + kind code, so results map back to rows without a join
on an unindexed column.
"""

from __future__ import annotations

import re
from typing import Any

from opstui.store.database import Store, Transaction

KIND_CODES = {"note": 1, "instruction": 2, "task": 3}
KIND_NAMES = {code: name for name, code in KIND_CODES.items()}
# Title matches count ten times a body match and tags five times (bm25 column weights).
RANK_WEIGHTS = (10.0, 1.0, 5.0)
# FTS5 computes bm25 for every matching document before it can sort, which took
# about 100 ms for common words over 100,000 notes (bench/search.py, 2-core EPYC).
# Only the newest RANKED_CANDIDATES matches are ranked, so a query with more
# matches ranks recent documents and skips older ones.
RANKED_CANDIDATES = 2000
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

    Each row has kind, ref_id, task_id, title, line (the first body line that
    matches, with MATCH_START/MATCH_END around each hit), and rank (lower is better).
    """
    query = fts_query(text)
    if not query:
        return []
    kind_filter = ""
    parameters: list[Any] = [query]
    if kinds:
        codes = [KIND_CODES[kind] for kind in kinds]
        kind_filter = f" AND (rowid % 4) IN ({', '.join('?' for _ in codes)})"
        parameters.extend(codes)

    # Walking matches in rowid order stops early, unlike ranking, so this finds the
    # rowid of the oldest candidate cheaply; the ranked query then seeks past it.
    cutoff = store.query_one(
        f"SELECT rowid FROM search_index WHERE search_index MATCH ?{kind_filter}"
        " ORDER BY rowid DESC LIMIT 1 OFFSET ?",
        [*parameters, RANKED_CANDIDATES - 1],
    )
    range_filter = ""
    if cutoff is not None:
        range_filter = " AND rowid >= ?"
        parameters.append(cutoff["rowid"])
    parameters.append(limit)

    parameters.append(query)

    # Rank first and mark matches only in the page kept: highlight() on every match
    # made the first page five times slower (bench/search.py, 20,000 notes).
    hits = store.query(
        "SELECT search_index.rowid AS document, title, tags,"
        f" highlight(search_index, 1, '{MATCH_START}', '{MATCH_END}') AS marked_body, ranked.rank"
        f" FROM (SELECT rowid, bm25(search_index, {', '.join(str(weight) for weight in RANK_WEIGHTS)}) AS rank"
        f" FROM search_index WHERE search_index MATCH ?{kind_filter}{range_filter} ORDER BY rank LIMIT ?) AS ranked"
        " JOIN search_index ON search_index.rowid = ranked.rowid"
        " WHERE search_index MATCH ? ORDER BY ranked.rank",
        parameters,
    )
    results = []
    for hit in hits:
        kind = KIND_NAMES.get(hit["document"] % 4, "unknown")
        ref_id = hit["document"] // 4
        results.append({
            "kind": kind,
            "ref_id": ref_id,
            "task_id": _task_of(store, kind, ref_id),
            "title": hit["title"],
            "tags": hit["tags"],
            "line": _matching_line(hit["marked_body"]),
            "rank": hit["rank"],
        })
    return results


def _task_of(store: Store | Transaction, kind: str, ref_id: int) -> int | None:
    if kind == "task":
        return ref_id
    if kind == "note":
        row = store.query_one("SELECT task_id FROM notes WHERE id = ?", (ref_id,))
        return row["task_id"] if row else None
    if kind == "instruction":
        return _instruction_task(store, ref_id)
    return None


def _instruction_task(store: Store | Transaction, instruction_id: int) -> int | None:
    """Return the task an instruction came from (its source task, else its draft's task)."""
    row = store.query_one(
        "SELECT coalesce((SELECT min(task_id) FROM instruction_tasks WHERE instruction_id = i.id"
        " AND relation = 'source'), i.draft_task_id) AS task_id FROM instructions i WHERE i.id = ?",
        (instruction_id,),
    )
    return row["task_id"] if row else None


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
