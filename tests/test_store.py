"""The SQLite store on real files: pragmas, modes, migrations and bad databases."""

import os
import sqlite3
import stat

import pytest

from opstui.errors import StoreError
from opstui.store import migrations, open_store
from opstui.store.migrations import SCHEMA_VERSION, split_statements


def test_new_database_is_wal_and_group_writable(tmp_path):
    store = open_store(tmp_path / "ops.db")
    assert store.scalar("PRAGMA journal_mode") == "wal"
    assert store.scalar("PRAGMA foreign_keys") == 1
    assert store.scalar("PRAGMA busy_timeout") == 5000
    assert store.scalar("PRAGMA user_version") == SCHEMA_VERSION
    assert stat.S_IMODE(os.stat(tmp_path / "ops.db").st_mode) == 0o660
    store.close()


def test_reopen_keeps_data(tmp_path):
    store = open_store(tmp_path / "ops.db")
    with store.transaction("alice") as transaction:
        transaction.event("test.event", data={"n": 1})
    store.close()
    again = open_store(tmp_path / "ops.db")
    assert again.query("SELECT kind, actor FROM events") == [{"kind": "test.event", "actor": "alice"}]
    again.close()


def test_failed_transaction_rolls_back(tmp_path):
    store = open_store(tmp_path / "ops.db")
    with pytest.raises(RuntimeError):
        with store.transaction("alice") as transaction:
            transaction.event("lost")
            raise RuntimeError("boom")
    assert store.scalar("SELECT count(*) FROM events") == 0
    store.close()


def test_newer_schema_is_refused_and_untouched(tmp_path):
    path = tmp_path / "ops.db"
    open_store(path).close()
    connection = sqlite3.connect(path)
    connection.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 5}")
    connection.commit()
    connection.close()
    before = path.read_bytes()
    with pytest.raises(StoreError, match="newer opstui.*upgrade opstui"):
        open_store(path)
    assert path.read_bytes() == before


def test_text_file_is_not_sqlite(tmp_path):
    path = tmp_path / "notes.txt"
    path.write_text("hello, this is not a database\n" * 100)
    with pytest.raises(StoreError, match="is not an SQLite database"):
        open_store(path)
    assert path.read_text().startswith("hello")


def test_foreign_sqlite_file_is_refused(tmp_path):
    path = tmp_path / "other.db"
    connection = sqlite3.connect(path)
    connection.execute("CREATE TABLE inventory (host TEXT)")
    connection.commit()
    connection.close()
    with pytest.raises(StoreError, match="not an opstui database"):
        open_store(path)


def test_truncated_database_is_reported(tmp_path):
    path = tmp_path / "ops.db"
    store = open_store(path)
    with store.transaction("alice") as transaction:
        for number in range(2000):
            transaction.event("filler", data={"text": "x" * 200, "n": number})
    store.connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    store.close()
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 3])
    with pytest.raises(StoreError) as error:
        store = open_store(path)
        store.scalar("SELECT count(*) FROM events")
        store.scalar("PRAGMA integrity_check")
        raise StoreError("opened a truncated database without noticing")
    assert "corrupt" in str(error.value) or "malformed" in str(error.value) or "not an SQLite" in str(error.value)


def test_missing_folder_without_create(tmp_path):
    with pytest.raises(StoreError, match="does not exist"):
        open_store(tmp_path / "absent" / "ops.db", create=False)


@pytest.mark.skipif(os.geteuid() == 0, reason="root can write into read-only folders")
def test_read_only_folder_is_reported(tmp_path):
    folder = tmp_path / "ro"
    folder.mkdir()
    folder.chmod(0o555)
    try:
        with pytest.raises(StoreError, match="not writable"):
            open_store(folder / "ops.db")
    finally:
        folder.chmod(0o755)


def test_folder_path_is_reported(tmp_path):
    with pytest.raises(StoreError, match="is a folder"):
        open_store(tmp_path)


def test_migration_backs_up_then_applies(tmp_path, monkeypatch):
    path = tmp_path / "ops.db"
    open_store(path).close()

    def add_column(connection):
        connection.execute("ALTER TABLE users ADD COLUMN shell TEXT NOT NULL DEFAULT ''")

    monkeypatch.setitem(migrations.MIGRATIONS, SCHEMA_VERSION + 1, add_column)
    monkeypatch.setattr(migrations, "SCHEMA_VERSION", SCHEMA_VERSION + 1)
    store = open_store(path)
    assert store.scalar("PRAGMA user_version") == SCHEMA_VERSION + 1
    assert "shell" in [column.name for column in store.db["users"].columns]
    store.close()
    backups = list(tmp_path.glob(f"ops.db.v{SCHEMA_VERSION}-*.bak"))
    assert len(backups) == 1
    backup = sqlite3.connect(backups[0])
    assert backup.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    backup.close()


def test_migrated_database_equals_fresh_schema(tmp_path, monkeypatch):
    """A database migrated step by step has the same tables as one created new."""
    path = tmp_path / "old.db"
    open_store(path).close()

    def add_table(connection):
        connection.execute("CREATE TABLE host_aliases (alias TEXT PRIMARY KEY, host TEXT NOT NULL)")

    monkeypatch.setitem(migrations.MIGRATIONS, SCHEMA_VERSION + 1, add_table)
    monkeypatch.setattr(migrations, "SCHEMA_VERSION", SCHEMA_VERSION + 1)
    fresh = open_store(tmp_path / "fresh.db")
    migrated = open_store(path)
    fresh_schema = fresh.query("SELECT type, name, sql FROM sqlite_master ORDER BY name")
    migrated_schema = migrated.query("SELECT type, name, sql FROM sqlite_master ORDER BY name")
    assert fresh_schema == migrated_schema
    assert any(row["name"] == "host_aliases" for row in fresh_schema)
    fresh.close()
    migrated.close()


def test_split_statements_keeps_triggers_whole():
    script = """
    CREATE TABLE a (x);
    -- a comment
    CREATE TRIGGER t AFTER INSERT ON a BEGIN
        INSERT INTO a VALUES (1);
        INSERT INTO a VALUES (2);
    END;
    """
    statements = split_statements(script)
    assert len(statements) == 2
    assert statements[1].startswith("-- a comment")
    assert statements[1].rstrip().endswith("END;")


def test_concurrent_first_open_creates_once(tmp_path):
    """Two processes opening a brand-new file at once both succeed."""
    import subprocess
    import sys

    path = tmp_path / "race.db"
    code = "import sys; from opstui.store import open_store; open_store(sys.argv[1]).close()"
    processes = [subprocess.Popen([sys.executable, "-c", code, str(path)]) for _ in range(4)]
    assert [process.wait(timeout=60) for process in processes] == [0, 0, 0, 0]
    store = open_store(path)
    assert store.scalar("PRAGMA user_version") == SCHEMA_VERSION
    store.close()


def test_concurrent_upgrade_migrates_once(tmp_path, monkeypatch):
    """Four processes opening a version-1 database at once all succeed, with sound backups."""
    import subprocess
    import sys

    path = tmp_path / "team.db"
    with monkeypatch.context() as patch:
        patch.setattr(migrations, "MIGRATIONS", {})
        patch.setattr(migrations, "SCHEMA_VERSION", 1)
        open_store(path).close()

    code = "import sys; from opstui.store import open_store; open_store(sys.argv[1]).close()"
    processes = [subprocess.Popen([sys.executable, "-c", code, str(path)]) for _ in range(4)]
    assert [process.wait(timeout=60) for process in processes] == [0, 0, 0, 0]

    store = open_store(path)
    assert store.scalar("PRAGMA user_version") == SCHEMA_VERSION
    store.close()
    backups = list(tmp_path.glob("team.db.v1-*.bak"))
    assert backups
    for backup in backups:
        copy = sqlite3.connect(backup)
        assert copy.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        copy.close()
