"""Timewarrior and Taskwarrior imports on a real SQLite file: batches, undo, re-import."""

import json
import threading

import pytest

from opstui.errors import UserError
from opstui.services import imports_time, tasks, timelog
from opstui.services.session import open_session
from opstui.store import timelog as time_rows
from opstui.timelog.taskwarrior import read_taskwarrior

TIMEWARRIOR_VALID = "aibor-timewarrior-extensions__input_valid_entries.txt"
TIMEWARRIOR_BROKEN = "aibor-timewarrior-extensions__input_invalid_json.txt"
UUID_A = "11111111-2222-3333-4444-555555555555"


@pytest.fixture
def alice(tmp_path, monkeypatch):
    monkeypatch.setenv("TZ", "Europe/Berlin")
    session = open_session(tmp_path / "opstui.db", login="alice")
    yield session
    session.close()


def count(session, table: str) -> int:
    return session.store.scalar(f"SELECT count(*) FROM {table}")


def write(tmp_path, name: str, text: str):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_timewarrior_corpus_import(alice, corpus_dir):
    path = corpus_dir / "timewarrior" / TIMEWARRIOR_VALID

    result = imports_time.import_timewarrior(alice, path)

    assert result.added == 2
    assert result.tasks_created == 1
    assert result.timer_started is not None
    entries = timelog.list_entries(alice)
    assert [entry["seconds"] for entry in entries] == [3, 3]
    assert entries[0]["extra"]["timewarrior"]["timew_id"] == 3
    timer = timelog.running_timer(alice)
    assert timer["started_at"] == "2024-06-30T14:40:10Z"
    assert timer["task_title"] == "Timewarrior: intervals without tags"


def test_timewarrior_reimport_adds_nothing(alice, corpus_dir):
    path = corpus_dir / "timewarrior" / TIMEWARRIOR_VALID
    imports_time.import_timewarrior(alice, path)
    timelog.stop_timer(alice)
    entries_before = count(alice, "time_entries")

    again = imports_time.import_timewarrior(alice, path)

    assert again.added == 0
    assert again.skipped == 3
    assert again.tasks_created == 0
    assert again.timer_started is None
    assert count(alice, "time_entries") == entries_before
    assert timelog.running_timer(alice) is None


def test_timewarrior_open_interval_with_running_timer(alice, corpus_dir):
    own_task = tasks.create_request(alice, "Patch kernels")
    timelog.start_timer(alice, own_task)

    result = imports_time.import_timewarrior(alice, corpus_dir / "timewarrior" / TIMEWARRIOR_VALID)

    assert result.timer_started is None
    assert len(result.open_entries) == 1
    assert timelog.running_timer(alice)["task_id"] == own_task
    assert timelog.get_entry(alice, result.open_entries[0])["ended_at"] is None


def test_timewarrior_broken_file_writes_nothing(alice, corpus_dir):
    with pytest.raises(UserError, match="line 8: invalid JSON"):
        imports_time.import_timewarrior(alice, corpus_dir / "timewarrior" / TIMEWARRIOR_BROKEN)

    assert count(alice, "time_imports") == 0
    assert count(alice, "time_entries") == 0
    assert count(alice, "tasks") == 0


def test_timewarrior_tags_name_tasks(alice, tmp_path):
    target = tasks.create_request(alice, "Upgrade PostgreSQL")
    path = write(tmp_path, "export.json", json.dumps([
        {"id": 3, "start": "20240101T090000Z", "end": "20240101T100000Z", "tags": [f"#{target}", "db"]},
        {"id": 2, "start": "20240101T110000Z", "end": "20240101T113000Z", "tags": ["Upgrade PostgreSQL"]},
        {"id": 1, "start": "20240101T120000Z", "end": "20240101T121500Z", "tags": ["ops", "backup"],
         "annotation": "checked restores", "client": "acme"},
    ]))

    result = imports_time.import_timewarrior(alice, path)

    entries = timelog.list_entries(alice)
    assert [entry["task_id"] for entry in entries[:2]] == [target, target]
    created = tasks.get_task(alice, entries[2]["task_id"])
    assert created["title"] == "Timewarrior: backup, ops"
    assert entries[2]["comment"] == "checked restores"
    assert entries[2]["extra"]["timewarrior"]["client"] == "acme"
    assert result.tasks_created == 1


def test_failure_undoes_every_batch(alice, tmp_path, monkeypatch):
    intervals = [{"start": f"20240101T0{hour}0000Z", "end": f"20240101T0{hour}3000Z", "tags": ["ops"]} for hour in range(5)]
    path = write(tmp_path, "export.json", json.dumps(intervals))
    real_insert = time_rows.insert_entry
    calls = []

    def failing_insert(transaction, **fields):
        calls.append(fields)
        if len(calls) == 4:
            raise RuntimeError("disk full")
        return real_insert(transaction, **fields)

    monkeypatch.setattr(time_rows, "insert_entry", failing_insert)
    with pytest.raises(RuntimeError, match="disk full"):
        imports_time.import_timewarrior(alice, path, batch_size=2)

    assert count(alice, "time_entries") == 0
    assert count(alice, "tasks") == 0
    assert count(alice, "imported_tasks") == 0
    assert alice.store.scalar("SELECT status FROM time_imports") == "failed"


def test_rows_hidden_until_import_finishes(alice, tmp_path):
    intervals = [{"start": f"20240101T0{hour}0000Z", "end": f"20240101T0{hour}3000Z", "tags": ["ops"]} for hour in range(4)]
    path = write(tmp_path, "export.json", json.dumps(intervals))
    seen = []

    def progress(done, total):
        seen.append((done, total, len(timelog.list_entries(alice)), len(tasks.list_tasks(alice))))

    imports_time.import_timewarrior(alice, path, batch_size=2, progress=progress)

    assert seen == [(2, 4, 0, 0), (4, 4, 0, 0)]
    assert len(timelog.list_entries(alice)) == 4


def test_cancel_removes_written_batches(alice, tmp_path):
    intervals = [{"start": f"20240101T0{hour}0000Z", "end": f"20240101T0{hour}3000Z"} for hour in range(4)]
    path = write(tmp_path, "export.json", json.dumps(intervals))
    cancel = threading.Event()

    with pytest.raises(imports_time.ImportCancelled):
        imports_time.import_timewarrior(alice, path, batch_size=2, progress=lambda done, total: cancel.set(),
                                        cancel=cancel)

    assert count(alice, "time_entries") == 0
    assert count(alice, "tasks") == 0


def test_taskwarrior_corpus_imports(alice, corpus_dir):
    export = corpus_dir / "taskwarrior" / "dstask__taskwarrior-export.json"

    result = imports_time.import_taskwarrior(alice, export)

    assert result.tasks_created == 147
    assert result.comments == sum(len(task.annotations) for task in read_taskwarrior(export))
    assert result.comments >= 58
    statuses = [task["status"] for task in tasks.list_tasks(alice)]
    assert statuses.count("open") == 45
    assert statuses.count("done") == 99
    assert statuses.count("cancelled") == 3
    assert count(alice, "comments") == result.comments


def test_taskwarrior_reimport_adds_nothing(alice, corpus_dir):
    for path in sorted((corpus_dir / "taskwarrior").iterdir()):
        first = imports_time.import_taskwarrior(alice, path)
        tasks_before = count(alice, "tasks")

        again = imports_time.import_taskwarrior(alice, path)

        assert first.tasks_created > 0, path
        assert again.tasks_created == 0, path
        assert again.skipped == first.tasks_created, path
        assert count(alice, "tasks") == tasks_before, path


def test_taskwarrior_fields_kept(alice, tmp_path):
    path = write(tmp_path, "hook.json", json.dumps({
        "uuid": UUID_A, "description": "Renew TLS certificate", "status": "pending", "project": "web.tls",
        "tags": ["cert", "prod"], "priority": "H", "due": "20240331T220000Z", "estimate": "PT2H",
        "annotations": [{"entry": "20240301T100000Z", "description": "ask the CA for a quote"}],
    }))

    result = imports_time.import_taskwarrior(alice, path)

    task = tasks.get_task(alice, result.created_task_ids[0])
    assert task["title"] == "Renew TLS certificate"
    assert task["priority"] == "high"
    assert task["due_on"] == "2024-04-01"
    assert task["extra"]["taskwarrior"]["project"] == "web.tls"
    assert task["extra"]["taskwarrior"]["tags"] == ["cert", "prod"]
    assert task["extra"]["taskwarrior"]["fields"] == {"estimate": "PT2H"}
    comment = alice.store.query_one("SELECT body, created_at, author FROM comments")
    assert comment == {"body": "ask the CA for a quote", "created_at": "2024-03-01T10:00:00Z", "author": "alice"}


def test_timewarrior_interval_on_imported_taskwarrior_uuid(alice, tmp_path):
    imports_time.import_taskwarrior(alice, write(tmp_path, "t.json", json.dumps(
        [{"uuid": UUID_A, "description": "Renew TLS", "status": "pending"}])))
    path = write(tmp_path, "w.json", json.dumps([{"start": "20240101T090000Z", "end": "20240101T100000Z", "tags": [UUID_A]}]))

    imports_time.import_timewarrior(alice, path)

    entry = timelog.list_entries(alice)[0]
    assert entry["task_title"] == "Renew TLS"
