"""Full-text search over active notes, instructions and task titles."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from opstui.errors import UserError
from opstui.services.session import Session
from opstui.store import search as search_rows

MATCH_START = search_rows.MATCH_START
MATCH_END = search_rows.MATCH_END


@dataclass(frozen=True)
class SearchHit:
    """One result: what matched, where it belongs, and the matching line.

    ``line`` keeps MATCH_START/MATCH_END around each matched word; ``plain_line``
    and ``spans`` give the same without markers, for the CLI and for highlighting.
    """

    kind: str
    ref_id: int
    task_id: int | None
    title: str
    line: str
    rank: float

    @property
    def plain_line(self) -> str:
        return self.line.replace(MATCH_START, "").replace(MATCH_END, "")

    @property
    def spans(self) -> list[tuple[int, int]]:
        """Return (start, end) offsets of matched words in plain_line."""
        spans: list[tuple[int, int]] = []
        position = 0
        start = None
        for character in self.line:
            if character == MATCH_START:
                start = position
            elif character == MATCH_END:
                if start is not None:
                    spans.append((start, position))
                start = None
            else:
                position += 1
        return spans

    def to_json(self) -> dict[str, Any]:
        return {"kind": self.kind, "id": self.ref_id, "task_id": self.task_id, "title": self.title,
                "line": self.plain_line, "rank": self.rank}


def search(session: Session, query: str, *, limit: int = 50, kinds: tuple[str, ...] = ()) -> list[SearchHit]:
    """Return the best matches for what the user typed, best first; [] for an empty query.

    Best means lowest bm25 rank, title matches weighing most, ties newest first.
    When more than opstui.store.search.RANKED_CANDIDATES documents match, only
    that many of the newest are ranked, because ranking every match of common
    words takes tens of milliseconds over 100,000 notes.
    """
    unknown = [kind for kind in kinds if kind not in search_rows.KIND_CODES]
    if unknown:
        raise UserError(f"unknown search kind {unknown[0]!r}; use some of: {', '.join(search_rows.KIND_CODES)}")
    rows = search_rows.search(session.store, query, limit=limit, kinds=kinds)
    return [SearchHit(kind=row["kind"], ref_id=row["ref_id"], task_id=row["task_id"], title=row["title"],
                      line=row["line"], rank=row["rank"]) for row in rows]


def rebuild_index(session: Session) -> int:
    """Refill the search index from the tables; return the number of documents indexed."""
    return session.store.write(session.login, search_rows.rebuild_index)
