"""The fast search path returns what full ranking and highlight() return, under the ranking rule.

The reference here is the plain query: bm25 and highlight() on every match, sorted by
rank with ties newest first. By the ranking rule, the first page is the best of the
newest RANKED_CANDIDATES matches, so the reference is cut to those before comparing.
"""

import random

import pytest

from opstui.services import kb, notes
from opstui.services.search import MATCH_END, MATCH_START, search
from opstui.store import search as search_rows
from opstui.store.search_marks import mark_ascii_matches
from notes_helpers import make_task, open_as

WORDS = ["restart", "Restart", "restarted", "server", "servers", "re", "pg", "upgrade", "a1", "A1b", "exact",
         "phrase", "the", "nginx", "10", "0"]
SEPARATORS = [" ", " ", "\n", ", ", "_", "-", ".", "'", "  "]
QUERIES = ["restart", "server restart", "re", "pg_upgrade", '"exact phrase"', '"exact exact" phrase', "the serv",
           "a1", "10.0", '"restart server"*', "nginx"]


@pytest.fixture
def alice(tmp_path):
    session = open_as(tmp_path / "team.db", "alice")
    yield session
    session.close()


def random_body(rng: random.Random) -> str:
    return "".join(rng.choice(WORDS) + rng.choice(SEPARATORS) for _ in range(rng.randint(1, 30)))


def full_ranking(session, text: str) -> list[tuple]:
    """Return (kind, ref_id, task_id, line, rank) of every match, ranked, with highlight() on each."""
    weights = ", ".join(str(weight) for weight in search_rows.RANK_WEIGHTS)
    rows = session.store.query(
        f"SELECT rowid, bm25(search_index, {weights}) AS rank,"
        f" highlight(search_index, 1, '{MATCH_START}', '{MATCH_END}') AS marked_body"
        " FROM search_index WHERE search_index MATCH ? ORDER BY rank, rowid DESC",
        (search_rows.fts_query(text),),
    )
    note_tasks = {row["id"]: row["task_id"] for row in session.store.query("SELECT id, task_id FROM notes")}
    ranked = []
    for row in rows:
        kind = search_rows.KIND_NAMES[row["rowid"] % 4]
        ref_id = row["rowid"] // 4
        task_id = ref_id if kind == "task" else note_tasks.get(ref_id)
        ranked.append((kind, ref_id, task_id, search_rows._matching_line(row["marked_body"]), row["rank"],
                       row["rowid"]))
    return ranked


def as_tuples(hits) -> list[tuple]:
    return [(hit.kind, hit.ref_id, hit.task_id, hit.line, hit.rank) for hit in hits]


def add_random_notes(session, count: int, seed: int) -> None:
    rng = random.Random(seed)
    task_id = make_task(session, "Restart the nginx servers")
    for number in range(count):
        notes.add_note(session, task_id, f"Note {number} {rng.choice(WORDS)}", random_body(rng))


def test_first_page_equals_full_ranking(alice):
    add_random_notes(alice, 120, seed=11)

    for text in QUERIES:
        expected = [row[:5] for row in full_ranking(alice, text)][:50]
        assert len(full_ranking(alice, text)) <= search_rows.RANKED_CANDIDATES
        assert as_tuples(search(alice, text)) == expected, text


def test_many_matches_equal_best_of_newest(alice, monkeypatch):
    add_random_notes(alice, 120, seed=12)
    monkeypatch.setattr(search_rows, "RANKED_CANDIDATES", 25)

    for text in QUERIES:
        ranked = full_ranking(alice, text)
        newest = set(sorted(row[5] for row in ranked)[-25:])
        expected = [row[:5] for row in ranked if row[5] in newest][:10]

        assert as_tuples(search(alice, text, limit=10)) == expected, text


def test_ascii_marks_equal_highlight(alice):
    add_random_notes(alice, 200, seed=13)

    for text in QUERIES:
        query = search_rows.fts_query(text)
        rows = alice.store.query(
            "SELECT body, highlight(search_index, 1, '[', ']') AS marked FROM search_index"
            " WHERE search_index MATCH ?", (query,))
        assert rows, text
        for row in rows:
            assert mark_ascii_matches(row["body"], query, "[", "]") == row["marked"], (text, row["body"])


def test_marks_skip_non_ascii_text():
    assert mark_ascii_matches("Café redémarré", '"cafe"', "[", "]") is None
    assert mark_ascii_matches("cafe", '"café"', "[", "]") is None


def test_non_ascii_body_uses_highlight(alice):
    task_id = make_task(alice, "Move the café servers")
    note_id = notes.add_note(alice, task_id, "Plan", "first line\nle Café a redémarré\nlast line")

    (hit,) = search(alice, "cafe redemarre", kinds=("note",))

    assert hit.ref_id == note_id
    assert hit.line == f"le {MATCH_START}Café{MATCH_END} a {MATCH_START}redémarré{MATCH_END}"
    assert as_tuples([hit]) == [row[:5] for row in full_ranking(alice, "cafe redemarre") if row[0] == "note"]


def test_kinds_filter_keeps_rank_order(alice):
    add_random_notes(alice, 60, seed=14)

    hits = search(alice, "restart", kinds=("task",))
    expected = [row[:5] for row in full_ranking(alice, "restart") if row[0] == "task"]

    assert as_tuples(hits) == expected
    assert [hit.kind for hit in hits] == ["task"]


def test_equal_ranks_newest_first(alice):
    task_id = make_task(alice, "Twins")
    note_ids = [notes.add_note(alice, task_id, "Same", "identical failover text") for _ in range(5)]

    hits = search(alice, "failover", kinds=("note",))

    assert len({hit.rank for hit in hits}) == 1
    assert [hit.ref_id for hit in hits] == sorted(note_ids, reverse=True)


def test_task_of_each_kind_in_one_page(alice):
    first_task = make_task(alice, "Failover drill for the database")
    second_task = make_task(alice, "Failover of the load balancer")
    note_id = notes.add_note(alice, second_task, "Failover notes", "failover went well")
    from_task = kb.create_instruction(alice, "Failover runbook", body="failover steps", task_id=second_task)
    kb.link_task(alice, from_task, first_task, relation="source")
    without_task = kb.create_instruction(alice, "Failover checklist", body="failover checks")

    task_of = {(hit.kind, hit.ref_id): hit.task_id for hit in search(alice, "failover")}

    assert task_of[("task", first_task)] == first_task
    assert task_of[("task", second_task)] == second_task
    assert task_of[("note", note_id)] == second_task
    assert task_of[("instruction", from_task)] == min(first_task, second_task)
    assert task_of[("instruction", without_task)] is None
