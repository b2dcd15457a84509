"""Mark query matches in ASCII text as FTS5's highlight() does, without a second MATCH.

A second MATCH statement repeats FTS5's setup of a prefix term, which copies every
doclist of that prefix (about 0.8 ms for a word in 15 % of the 100,000 notes of
bench/search.py, on a 2-core EPYC). For ASCII text the unicode61 tokenizer is
simple: a token is a run of ASCII letters and digits, compared in lower case, so
Python can find the same phrase instances.
"""

from __future__ import annotations

import functools
import re

_QUERY_PHRASE = re.compile(r'"([^"]*)"(\*?)')
_TOKEN_CHARACTER = "a-z0-9"
_TOKEN_CHARACTERS = frozenset("abcdefghijklmnopqrstuvwxyz0123456789")


def mark_ascii_matches(body: str, query: str, start_mark: str, end_mark: str) -> str | None:
    """Return ``body`` with each match between the marks, or None when body or query is not ASCII.

    ``query`` is a query built by fts_query: quoted phrases, the last token of a
    phrase optionally a prefix. As highlight() does, instances that overlap are
    merged into one marked span, and adjacent instances stay apart.
    """
    if not body.isascii() or not query.isascii():
        return None

    folded = body.lower()
    spans = sorted(span for pattern in _phrase_patterns(query) for span in _instances(pattern, folded))
    merged: list[list[int]] = []
    for start, end in spans:
        if merged and start < merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])

    pieces = []
    position = 0
    for start, end in merged:
        pieces.extend([body[position:start], start_mark, body[start:end], end_mark])
        position = end
    pieces.append(body[position:])
    return "".join(pieces)


@functools.lru_cache(maxsize=64)
def _phrase_patterns(query: str) -> tuple[re.Pattern[str], ...]:
    """Return one pattern per phrase, for lower-case text.

    A pattern starts with the first token as a literal, which re finds quickly, and
    matches the rest of the phrase in a lookahead group. The match itself then ends
    after the first token, so instances that overlap are all found.
    """
    patterns = []
    for match in _QUERY_PHRASE.finditer(query.lower()):
        tokens = match.group(1).split()
        if not tokens:
            continue
        rest = "".join(f"[^{_TOKEN_CHARACTER}]+{re.escape(token)}" for token in tokens[1:])
        tail = f"[{_TOKEN_CHARACTER}]*" if match.group(2) else f"(?![{_TOKEN_CHARACTER}])"
        patterns.append(re.compile(f"{re.escape(tokens[0])}(?=({rest}{tail}))"))
    return tuple(patterns)


def _instances(pattern: re.Pattern[str], folded: str) -> list[tuple[int, int]]:
    """Return (start, end) offsets of the phrase instances that begin a token."""
    instances = []
    for match in pattern.finditer(folded):
        start = match.start()
        if start > 0 and folded[start - 1] in _TOKEN_CHARACTERS:
            continue
        instances.append((start, match.end() + len(match.group(1))))
    return instances
