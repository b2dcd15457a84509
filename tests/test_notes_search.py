"""Full-text search: ranking, the matching line, retired notes left out, odd input."""

import pytest

from opstui.services import note_lifecycle, notes
from opstui.services import tasks as task_service
from opstui.services.search import MATCH_END, MATCH_START, rebuild_index, search
from opstui.store.search import fts_query
from notes_helpers import make_task, open_as


@pytest.fixture
def alice(tmp_path):
    session = open_as(tmp_path / "team.db", "alice")
    yield session
    session.close()


@pytest.fixture
def task_id(alice):
    return make_task(alice, "Move backups to the new NAS")


def test_fts_query_quotes_user_text():
    assert fts_query("disk full") == '"disk" "full"*'
    assert fts_query('"exact phrase" nas') == '"exact phrase" "nas"*'
    assert fts_query("pg_upgrade*") == '"pg" "upgrade"*'
    assert fts_query("a OR b") == '"a" "OR" "b"*'
    assert fts_query('NEAR( "x') == '"NEAR" "x"*'
    assert fts_query("  ") == ""


def test_search_finds_note_with_matching_line(alice, task_id):
    note_id = notes.add_note(alice, task_id, "Findings", "first line\nthe rsync job failed at night\nlast line")

    (hit,) = search(alice, "rsync failed", kinds=("note",))

    assert hit.ref_id == note_id
    assert hit.task_id == task_id
    assert hit.kind == "note"
    assert hit.plain_line == "the rsync job failed at night"
    assert hit.line == f"the {MATCH_START}rsync{MATCH_END} job {MATCH_START}failed{MATCH_END} at night"
    assert hit.spans == [(4, 9), (14, 20)]


def test_search_prefix_while_typing(alice, task_id):
    notes.add_note(alice, task_id, "Findings", "replication lag on standby")

    assert len(search(alice, "replic", kinds=("note",))) == 1
    assert search(alice, "replicx", kinds=("note",)) == []


def test_title_match_ranks_first(alice, task_id):
    body_only = notes.add_note(alice, task_id, "Misc", "we saw firewall drops once, in passing")
    in_title = notes.add_note(alice, task_id, "Firewall rules", "the rules we changed")

    hits = search(alice, "firewall", kinds=("note",))

    assert [hit.ref_id for hit in hits] == [in_title, body_only]


def test_task_titles_are_searchable(alice, task_id):
    hits = search(alice, "NAS", kinds=("task",))

    assert [hit.ref_id for hit in hits] == [task_id]
    assert hits[0].task_id == task_id


def test_retired_note_excluded(alice, task_id):
    kept = notes.add_note(alice, task_id, "Kept", "zabbix agent port")
    retired = notes.add_note(alice, task_id, "Retired", "zabbix agent config")
    note_lifecycle.retire_note(alice, retired, reason="merged into Kept")

    hits = search(alice, "zabbix agent")

    assert [hit.ref_id for hit in hits if hit.kind == "note"] == [kept]


def test_saved_text_is_reindexed(alice, task_id):
    note_id = notes.add_note(alice, task_id, "Plan", "old words")
    notes.save_note(alice, note_id, 1, title="Plan", body="brand new vocabulary")

    assert search(alice, "old", kinds=("note",)) == []
    assert [hit.ref_id for hit in search(alice, "vocabulary")] == [note_id]


def test_tags_are_searchable(alice, task_id):
    note_id = notes.add_note(alice, task_id, "Plan", "text", tags=["postgres"])

    assert [hit.ref_id for hit in search(alice, "postgres", kinds=("note",))] == [note_id]


def test_deleted_task_excluded(alice):
    task_id = make_task(alice, "Temporary thing")
    task = task_service.get_task(alice, task_id)
    alice.store.write("alice", lambda tx: tx.execute("UPDATE tasks SET deleted_at = 'x' WHERE id = ?", (task_id,)))

    assert search(alice, "Temporary") == []
    assert task["title"] == "Temporary thing"


def test_markup_in_query_and_text(alice, task_id):
    note_id = notes.add_note(alice, task_id, "[b]Bold[/b] title", "press [@click=app.quit]here[/] now")

    hits = search(alice, "[@click=app.quit]")

    assert [hit.ref_id for hit in hits if hit.kind == "note"] == [note_id]
    assert hits[0].title == "[b]Bold[/b] title"
    assert "[@click=app.quit]" in hits[0].plain_line


def test_empty_query_returns_nothing(alice, task_id):
    notes.add_note(alice, task_id, "Plan", "x")

    assert search(alice, "") == []
    assert search(alice, '"" *') == []


def test_rebuild_index_matches_triggers(alice, task_id):
    notes.add_note(alice, task_id, "Plan", "searchable body")
    before = [hit.to_json() for hit in search(alice, "searchable")]

    count = rebuild_index(alice)

    assert count == 2
    assert [hit.to_json() for hit in search(alice, "searchable")] == before


def test_many_matches_rank_newest_candidates(alice, task_id, monkeypatch):
    from opstui.store import search as search_rows
    monkeypatch.setattr(search_rows, "RANKED_CANDIDATES", 3)
    oldest = notes.add_note(alice, task_id, "Failover", "failover drill")
    newer = [notes.add_note(alice, task_id, f"Note {number}", "we talked about failover") for number in range(4)]

    hits = search(alice, "failover", kinds=("note",))

    assert oldest not in [hit.ref_id for hit in hits]
    assert sorted(hit.ref_id for hit in hits) == sorted(newer[1:])
