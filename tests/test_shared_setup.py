"""Shared folder setup: real folders, a real Unix group and a second real user.

Tests that change group ownership or create users need root and skip otherwise.
"""

import grp
import os
import secrets
import shutil
import sqlite3
import stat
import subprocess
import tempfile
from pathlib import Path

import pytest

from opstui.errors import UserError
from opstui.shared_setup import (
    FILE_MODE,
    FOLDER_MODE,
    check_folder_reachable,
    filesystem_type,
    find_group,
    fix_database_file_modes,
    network_filesystem_type,
    prepare_shared_database,
)

needs_root = pytest.mark.skipif(
    os.geteuid() != 0 or shutil.which("groupadd") is None,
    reason="creating a Unix group and changing file groups needs root and groupadd",
)


@pytest.fixture
def team_group():
    """Create a real Unix group for the test and delete it afterwards."""
    name = "opstui-t-" + secrets.token_hex(3)
    subprocess.run(["groupadd", name], check=True)
    yield name
    subprocess.run(["groupdel", name], check=False)


@pytest.fixture
def team_member(team_group):
    """Create a real user in ``team_group`` with no home folder, deleted afterwards."""
    name = "opstui-u-" + secrets.token_hex(3)
    subprocess.run(["useradd", "-M", "-N", "-g", "nogroup", "-G", team_group, name], check=True)
    yield name
    subprocess.run(["userdel", name], check=False)


@pytest.fixture
def reachable_folder():
    """Return a fresh folder that every user can enter (pytest's tmp_path is 0700)."""
    base = Path(tempfile.mkdtemp(prefix="opstui-shared-", dir="/var/tmp"))
    base.chmod(0o755)
    yield base
    shutil.rmtree(base, ignore_errors=True)


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


MOUNTINFO_SAMPLE = r"""22 27 0:21 / /proc rw,relatime - proc proc rw
27 1 8:1 / / rw,relatime - ext4 /dev/sda1 rw
40 27 0:40 / /srv/nfs rw,relatime shared:5 - nfs4 fileserver:/export rw,vers=4.2
41 27 0:41 / /mnt/win rw,relatime - cifs //nas/share rw
42 27 0:42 / /home/alice/remote rw,nosuid - fuse.sshfs alice@host:/ rw
43 27 0:43 / /mnt/vm rw - 9p hostshare rw
44 27 8:2 / /srv/nfs/local rw - ext4 /dev/sda2 rw
45 27 8:3 / /srv/with\040space rw - xfs /dev/sda3 rw
46 27 0:46 / /srv/overlay rw - fuse.fuse-overlayfs fuse-overlayfs rw
"""

FILESYSTEM_CASES = [
    # (path, expected file system type, expected network type or None)
    ("/srv/opstui/team.db", "ext4", None),
    ("/srv/nfs/team.db", "nfs4", "nfs4"),
    ("/srv/nfs", "nfs4", "nfs4"),
    ("/srv/nfsother/team.db", "ext4", None),  # a prefix of the name, not of the path
    ("/srv/nfs/local/team.db", "ext4", None),  # a local disk mounted inside the NFS mount
    ("/mnt/win/db/team.db", "cifs", "cifs"),
    ("/home/alice/remote/team.db", "fuse.sshfs", "fuse.sshfs"),
    ("/mnt/vm/team.db", "9p", "9p"),
    ("/srv/with space/team.db", "xfs", None),
    ("/srv/overlay/team.db", "fuse.fuse-overlayfs", None),
]


@pytest.mark.parametrize("path, fs_type, network_type", FILESYSTEM_CASES)
def test_filesystem_type_from_mountinfo(path, fs_type, network_type):
    assert filesystem_type(Path(path), MOUNTINFO_SAMPLE) == fs_type


@pytest.mark.parametrize("path, fs_type, network_type", FILESYSTEM_CASES)
def test_network_filesystem_detected(path, fs_type, network_type):
    assert network_filesystem_type(Path(path), MOUNTINFO_SAMPLE) == network_type


def test_filesystem_type_of_real_path(tmp_path):
    # This machine's own mount table must name some type for a real folder.
    assert filesystem_type(tmp_path.resolve(), Path("/proc/self/mountinfo").read_text())


def test_unknown_group_named():
    with pytest.raises(UserError, match="group 'no-such-team-group' not found; create it with 'groupadd"):
        find_group("no-such-team-group")


def test_unknown_group_rejected_before_changes(tmp_path):
    database = tmp_path / "shared" / "team.db"

    with pytest.raises(UserError, match="no-such-team-group"):
        prepare_shared_database(database, "no-such-team-group")

    assert not database.parent.exists()


@needs_root
def test_new_folder_and_file(team_group, tmp_path):
    database = tmp_path / "srv" / "opstui" / "team.db"

    report = prepare_shared_database(database, team_group)

    gid = grp.getgrnam(team_group).gr_gid
    assert database.exists()
    assert database.stat().st_size == 0
    assert database.parent.stat().st_gid == gid
    assert _mode(database.parent) == FOLDER_MODE
    assert database.stat().st_gid == gid
    assert _mode(database) == FILE_MODE
    assert f"created folder {database.parent}" in report.changes
    assert f"created database file {database}" in report.changes
    assert report.group == team_group


@needs_root
def test_existing_files_converted(team_group, tmp_path):
    folder = tmp_path / "old"
    folder.mkdir(mode=0o755)
    database = folder / "team.db"
    sqlite3.connect(database).execute("create table t (x)").connection.close()
    wal = Path(f"{database}-wal")
    shm = Path(f"{database}-shm")
    wal.write_bytes(b"")
    shm.write_bytes(b"")
    for path in (database, wal, shm):
        path.chmod(0o644)

    prepare_shared_database(database, team_group)

    gid = grp.getgrnam(team_group).gr_gid
    for path in (database, wal, shm):
        assert _mode(path) == FILE_MODE, path
        assert path.stat().st_gid == gid, path
    assert _mode(folder) == FOLDER_MODE
    assert sqlite3.connect(database).execute("select count(*) from t").fetchone() == (0,)


@needs_root
def test_second_run_changes_nothing(team_group, tmp_path):
    database = tmp_path / "shared" / "team.db"
    prepare_shared_database(database, team_group)

    report = prepare_shared_database(database, team_group)

    assert report.changes == []


@needs_root
def test_new_files_inherit_group(team_group, tmp_path):
    database = tmp_path / "shared" / "team.db"
    prepare_shared_database(database, team_group)

    later = database.parent / "created-later"
    later.write_text("x")

    assert later.stat().st_gid == grp.getgrnam(team_group).gr_gid


@needs_root
def test_world_writable_folder_rejected(team_group, tmp_path):
    folder = tmp_path / "open"
    folder.mkdir()
    folder.chmod(0o777)

    with pytest.raises(UserError, match=r"folder .*open is world-writable \(mode 0777\).*chmod o-w"):
        prepare_shared_database(folder / "team.db", team_group)

    assert not (folder / "team.db").exists()


@needs_root
def test_world_writable_file_rejected(team_group, tmp_path):
    database = tmp_path / "team.db"
    database.write_bytes(b"")
    database.chmod(0o666)

    with pytest.raises(UserError, match=r"file .*team.db is world-writable \(mode 0666\)"):
        prepare_shared_database(database, team_group)


@needs_root
def test_world_writable_wal_rejected(team_group, tmp_path):
    database = tmp_path / "shared" / "team.db"
    prepare_shared_database(database, team_group)
    wal = Path(f"{database}-wal")
    wal.write_bytes(b"")
    wal.chmod(0o666)

    with pytest.raises(UserError, match="team.db-wal is world-writable"):
        fix_database_file_modes(database, team_group)


@needs_root
def test_folder_path_rejected(team_group, tmp_path):
    with pytest.raises(UserError, match="is a folder; give the database file inside it"):
        prepare_shared_database(tmp_path, team_group)


@needs_root
def test_unreachable_parent_warned(team_group, tmp_path):
    closed = tmp_path / "closed"
    closed.mkdir()
    closed.chmod(0o700)

    report = prepare_shared_database(closed / "shared" / "team.db", team_group)

    assert any(f"may not be able to enter {closed} (mode 0700)" in w for w in report.warnings)


def test_reachable_parents_not_warned(reachable_folder):
    gid = os.getgid()

    assert check_folder_reachable(reachable_folder, gid) == []


@needs_root
@pytest.mark.skipif(shutil.which("sqlite3") is None, reason="needs the sqlite3 program")
def test_other_member_writes_after_first_user(team_group, team_member, reachable_folder):
    """A second user in the group writes the database after root created its -wal file."""
    database = reachable_folder / "shared" / "team.db"
    prepare_shared_database(database, team_group)

    first = sqlite3.connect(database)
    first.execute("pragma journal_mode=wal")
    first.execute("create table notes (body text)")
    first.execute("insert into notes values ('from the first user')")
    first.commit()
    fix_database_file_modes(database, team_group)

    # The sqlite3 program, because the test's Python may live in root's home folder.
    sql = "insert into notes values ('from the second user'); select count(*) from notes;"
    member_gid = grp.getgrnam(team_group).gr_gid
    result = subprocess.run(
        ["sqlite3", str(database), sql],
        cwd=reachable_folder,
        user=team_member,
        group="nogroup",
        extra_groups=[member_gid],
        capture_output=True,
        text=True,
        timeout=30,
    )
    first.close()

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "2"
