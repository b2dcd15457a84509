"""Backup while others write, maintenance, and init-shared through the CLI."""

import grp
import os
import secrets
import shutil
import sqlite3
import stat
import subprocess
import sys
import textwrap
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner

from opstui.cli import _load_commands, cli
from opstui.errors import UserError
from opstui.services import tasks, upkeep
from opstui.services.session import open_session
from opstui.store import events as event_rows

WRITER_SCRIPT = textwrap.dedent(
    """
    import sys, time
    from opstui.services import tasks
    from opstui.services.session import open_session

    session = open_session(sys.argv[1], login="writer")
    deadline = time.monotonic() + float(sys.argv[2])
    count = 0
    while time.monotonic() < deadline:
        tasks.create_request(session, f"change {count}", description="x" * 2000)
        count += 1
    print(count)
    """
)


@pytest.fixture
def session(tmp_path):
    session = open_session(tmp_path / "team.db", login="alice")
    yield session
    session.close()


def test_backup_copy_is_complete(session, tmp_path):
    for number in range(5):
        tasks.create_request(session, f"change {number}")

    result = upkeep.backup_database(session.store, tmp_path / "copy.db")

    copy = sqlite3.connect(result.path)
    assert copy.execute("select count(*) from tasks").fetchone() == (5,)
    assert copy.execute("pragma journal_mode").fetchone() == ("delete",)
    assert copy.execute("pragma integrity_check").fetchone() == ("ok",)
    copy.close()
    assert stat.S_IMODE(result.path.stat().st_mode) == 0o600
    assert result.size_bytes == result.path.stat().st_size
    assert not list(tmp_path.glob(".copy.db.partial-*"))


def test_backup_into_folder_names_file(session, tmp_path):
    folder = tmp_path / "backups"
    folder.mkdir()

    result = upkeep.backup_database(session.store, folder)

    assert result.path.parent == folder
    assert result.path.name.startswith("team-")
    assert result.path.suffix == ".db"


def test_backup_refuses_existing_file(session, tmp_path):
    target = tmp_path / "copy.db"
    target.write_text("keep me")

    with pytest.raises(UserError, match="already exists; remove it or add --overwrite"):
        upkeep.backup_database(session.store, target)

    assert target.read_text() == "keep me"


def test_backup_refuses_database_itself(session):
    with pytest.raises(UserError, match="is the database itself"):
        upkeep.backup_database(session.store, session.store.path, overwrite=True)


def test_backup_while_another_process_writes(session, tmp_path):
    writer = subprocess.Popen([sys.executable, "-c", WRITER_SCRIPT, str(session.store.path), "1.5"],
                              stdout=subprocess.PIPE, text=True)
    try:
        copies = []
        while writer.poll() is None:
            copies.append(upkeep.backup_database(session.store, tmp_path / f"copy{len(copies)}.db").path)
    finally:
        written = int(writer.communicate(timeout=60)[0])

    assert writer.returncode == 0
    assert written > 0
    assert copies
    counts = []
    for path in copies:
        copy = sqlite3.connect(path)
        assert copy.execute("pragma integrity_check").fetchone() == ("ok",)
        # Every task in a consistent copy has its creation event.
        orphans = copy.execute("select count(*) from tasks t where not exists (select 1 from events e"
                               " where e.kind = 'task.created' and e.task_id = t.id)").fetchone()[0]
        assert orphans == 0
        counts.append(copy.execute("select count(*) from tasks").fetchone()[0])
        copy.close()
    assert counts == sorted(counts)


def test_maintenance_optimizes_fts_and_purges(session):
    store = session.store
    store.connection.execute("CREATE VIRTUAL TABLE notes_fts USING fts5(body)")
    store.connection.execute("CREATE TABLE demo_revisions (id INTEGER PRIMARY KEY, body TEXT, purged_at TEXT)")
    old = (datetime.now(UTC) - timedelta(days=40)).strftime("%Y-%m-%dT%H:%M:%SZ")
    recent = (datetime.now(UTC) - timedelta(days=2)).strftime("%Y-%m-%dT%H:%M:%SZ")
    store.connection.executemany("INSERT INTO demo_revisions (body, purged_at) VALUES (?, ?)",
                                 [("old purge", old), ("recent purge", recent), ("kept", None)])
    for number in range(20):
        store.connection.execute("INSERT INTO notes_fts (body) VALUES (?)", (f"segment {number}",))

    report = upkeep.run_maintenance(store, "alice", vacuum="never")

    assert report.fts_optimized == ["notes_fts", "search_index"]
    assert report.purged_rows_deleted == {"demo_revisions": 1}
    bodies = [row[0] for row in store.connection.execute("SELECT body FROM demo_revisions ORDER BY id")]
    assert bodies == ["recent purge", "kept"]
    assert store.connection.execute("SELECT count(*) FROM notes_fts WHERE notes_fts MATCH 'segment'").fetchone() == (20,)
    ran = [e for e in event_rows.events_after(store, 0) if e["kind"] == "maintenance.ran"]
    assert ran[-1]["data"]["purged_rows_deleted"] == {"demo_revisions": 1}
    assert not report.vacuumed


def test_maintenance_vacuums_when_worth_it(session):
    store = session.store
    store.connection.execute("CREATE TABLE scratch (blob BLOB)")
    store.connection.executemany("INSERT INTO scratch VALUES (?)", [(os.urandom(4096),) for _ in range(3000)])
    store.connection.execute("DROP TABLE scratch")

    report = upkeep.run_maintenance(store, "alice")

    assert report.free_bytes_before >= upkeep.VACUUM_MIN_FREE_BYTES
    assert report.vacuumed
    assert report.file_bytes_after < report.file_bytes_before / 2


def test_maintenance_vacuums_after_purge(session):
    store = session.store
    # Builds with secure_delete on (SQLite 3.40.1 of this test machine) zero deleted
    # content at once; turning it off shows what other builds leave in the file.
    store.connection.execute("PRAGMA secure_delete = OFF")
    store.connection.execute("CREATE TABLE secrets_demo (body TEXT)")
    store.connection.execute("INSERT INTO secrets_demo VALUES (?)", ("purged-marker-" + "x" * 5000,))
    store.connection.execute("DELETE FROM secrets_demo")
    store.write("alice", lambda transaction: transaction.event("note.purged", entity="note", entity_id=1))
    store.connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    assert b"purged-marker-" in store.path.read_bytes()

    first = upkeep.run_maintenance(store, "alice")
    second = upkeep.run_maintenance(store, "alice")

    assert first.purges_since_last_run == 1
    assert first.vacuumed
    assert b"purged-marker-" not in store.path.read_bytes()
    assert second.purges_since_last_run == 0
    assert not second.vacuumed


def test_maintenance_skips_vacuum_on_small_waste(session):
    report = upkeep.run_maintenance(session.store, "alice")

    # The run's own bookkeeping (its event, the FTS merge) may add a page or two,
    # while a vacuum would have shrunk the file.
    assert not report.vacuumed
    assert report.file_bytes_after >= report.file_bytes_before
    assert report.file_bytes_after <= report.file_bytes_before + 4 * 4096


def test_maintenance_rejects_bad_vacuum_choice(session):
    with pytest.raises(UserError, match="invalid vacuum choice 'sometimes'"):
        upkeep.run_maintenance(session.store, "alice", vacuum="sometimes")


def _run(database, login, *args):
    _load_commands()
    env = {"USER": login, "LOGNAME": login, "OPSTUI_DB": str(database)}
    return CliRunner().invoke(cli, list(args), env=env)


def test_cli_backup_and_maintenance(tmp_path):
    database = tmp_path / "team.db"
    assert _run(database, "alice", "task", "add", "Renew certificates").exit_code == 0

    backup = _run(database, "root", "backup", str(tmp_path / "nightly.db"))
    maintenance = _run(database, "root", "maintenance", "--json")

    assert backup.exit_code == 0, backup.output
    assert "integrity_check ok" in backup.output
    assert maintenance.exit_code == 0, maintenance.output
    assert '"vacuumed": false' in maintenance.output
    users = sqlite3.connect(database).execute("select login from users").fetchall()
    assert users == [("alice",)]


def test_cli_backup_missing_database(tmp_path):
    result = _run(tmp_path / "absent.db", "alice", "backup", str(tmp_path / "copy.db"))

    assert result.exit_code != 0
    assert "does not exist" in str(result.exception)


@pytest.mark.skipif(os.geteuid() != 0 or shutil.which("groupadd") is None,
                    reason="creating a Unix group needs root and groupadd")
def test_cli_init_shared(tmp_path):
    group = "opstui-t-" + secrets.token_hex(3)
    subprocess.run(["groupadd", group], check=True)
    try:
        database = tmp_path / "srv" / "team.db"
        result = _run(database, "root", "init-shared", str(database), "--group", group, "--manager", "alice")
        again = _run(database, "root", "init-shared", str(database), "--group", group)
        gid = grp.getgrnam(group).gr_gid
    finally:
        subprocess.run(["groupdel", group], check=False)

    assert result.exit_code == 0, result.output
    assert f"set mode of {database.parent} to 2770" in result.output
    assert stat.S_IMODE(database.stat().st_mode) == 0o660
    assert database.stat().st_gid == gid
    users = sqlite3.connect(database).execute("select login, role from users").fetchall()
    assert users == [("alice", "manager")]
    assert again.exit_code == 0, again.output
    assert "nothing changed" in again.output


def test_cli_init_shared_unknown_group(tmp_path):
    result = _run(tmp_path / "t.db", "root", "init-shared", str(tmp_path / "t.db"), "--group", "no-such-group-x")

    assert result.exit_code != 0
    assert "group 'no-such-group-x' not found" in str(result.exception)
