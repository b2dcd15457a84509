"""Prepare a folder and database file that every member of a Unix group can use.

SQLite creates a database file 0644 even under umask 002 (measured with Python 3.11's
sqlite3 module), and its -wal and -shm files copy the database file's mode. If one user's -wal file ends up read-only for the
others, every other user is locked out. So the shared folder gets the team's group
and the setgid bit (new files inherit the group), and the database and its
companions are made 0660 with that group. This module does the file-system part of
`opstui init-shared` and opens no database.
"""

from __future__ import annotations

import grp
import os
import stat
from dataclasses import dataclass, field
from pathlib import Path

from opstui.errors import UserError

FOLDER_MODE = 0o2770
FILE_MODE = 0o660
COMPANION_SUFFIXES = ("-wal", "-shm", "-journal")

# File system types on which SQLite's locking and WAL shared memory are unreliable.
# SQLite's documentation of WAL mode (sqlite.org/wal.html) states that all processes
# must be on the same host, because WAL does not work over a network file system.
NETWORK_FILESYSTEMS = frozenset(
    [
        "nfs", "nfs4", "cifs", "smb", "smb3", "smbfs", "9p", "afs", "ceph", "glusterfs",
        "lustre", "gpfs", "ncpfs", "coda", "davfs", "fuse.sshfs", "sshfs", "fuse.rclone",
        "fuse.s3fs", "fuse.gcsfuse", "fuse.glusterfs", "fuse.cephfs", "fuse.davfs2",
        "fuse.smbnetfs", "fuse.curlftpfs", "fuse.juicefs", "vboxsf", "vmhgfs", "fuse.vmhgfs-fuse",
    ]
)

MOUNTINFO = Path("/proc/self/mountinfo")


@dataclass
class SharedSetupReport:
    """Changes made by init-shared and its warnings, one sentence per line."""

    folder: Path
    database: Path
    group: str
    changes: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def find_group(name: str) -> grp.struct_group:
    """Return the Unix group called ``name`` or raise UserError naming it."""
    try:
        return grp.getgrnam(name)
    except KeyError:
        raise UserError(
            f"group {name!r} not found; create it with 'groupadd {name}' and add each "
            f"team member with 'usermod -aG {name} LOGIN'"
        ) from None


def prepare_shared_database(database: Path, group_name: str) -> SharedSetupReport:
    """Create or convert the folder and database file of a shared database.

    The folder is created when missing, then given the group and mode 2770. The
    database file is created empty when missing (SQLite treats an empty file as a
    new database), and it and any existing -wal, -shm or -journal file get the group
    and mode 0660. Raises UserError for an unknown group, a path that is a folder,
    or a world-writable folder or file.
    """
    group = find_group(group_name)
    database = Path(database).expanduser().absolute()
    folder = database.parent
    report = SharedSetupReport(folder=folder, database=database, group=group.gr_name)

    if database.is_dir():
        raise UserError(
            f"{database} is a folder; give the database file inside it, for example {database / 'opstui.db'}"
        )

    if folder.exists():
        reject_world_writable(folder)
    else:
        folder.mkdir(parents=True)
        report.changes.append(f"created folder {folder}")

    _set_group_and_mode(folder, group, FOLDER_MODE, report)

    if not database.exists():
        _create_empty_file(database)
        report.changes.append(f"created database file {database}")

    report.changes.extend(fix_database_file_modes(database, group_name))
    report.warnings.extend(check_folder_reachable(folder, group.gr_gid))

    fs_type = network_filesystem_type(folder)
    if fs_type:
        report.warnings.append(network_filesystem_warning(folder, fs_type))

    return report


def fix_database_file_modes(database: Path, group_name: str) -> list[str]:
    """Give the database file and its existing companions the group and mode 0660.

    Call it again after the first open of the database, because SQLite creates the
    -wal and -shm files then. Returns one line per change. Raises UserError for a
    world-writable file.
    """
    group = find_group(group_name)
    report = SharedSetupReport(folder=database.parent, database=database, group=group.gr_name)
    paths = [database] + [Path(f"{database}{suffix}") for suffix in COMPANION_SUFFIXES]

    for path in paths:
        if not path.exists():
            continue
        reject_world_writable(path)
        _set_group_and_mode(path, group, FILE_MODE, report)

    return report.changes


def reject_world_writable(path: Path) -> None:
    """Raise UserError when any local user may write ``path``."""
    mode = path.stat().st_mode
    if not mode & stat.S_IWOTH:
        return

    kind = "folder" if stat.S_ISDIR(mode) else "file"
    raise UserError(
        f"{kind} {path} is world-writable (mode {stat.S_IMODE(mode):04o}), so any local user "
        f"could change or replace the team's database; run 'chmod o-w {path}' or choose "
        f"a folder that only the team's group can write"
    )


def check_folder_reachable(folder: Path, gid: int) -> list[str]:
    """Return a warning for each parent folder that the group's members cannot enter."""
    warnings: list[str] = []

    for parent in folder.resolve().parents:
        info = parent.stat()
        mode = info.st_mode
        can_enter = bool(mode & stat.S_IXOTH) or (info.st_gid == gid and bool(mode & stat.S_IXGRP))
        if not can_enter:
            warnings.append(
                f"members of the group may not be able to enter {parent} (mode "
                f"{stat.S_IMODE(mode):04o}); run 'chmod o+x {parent}' or move the database"
            )

    return warnings


def network_filesystem_type(path: Path, mountinfo: str | None = None) -> str | None:
    """Return the file system type of ``path`` when it is a network one, else None.

    Reads /proc/self/mountinfo (Linux). ``mountinfo`` can be given for tests.
    NOTE: on a system without /proc/self/mountinfo this returns None, so no warning.
    """
    if mountinfo is None:
        try:
            mountinfo = MOUNTINFO.read_text()
        except OSError:
            return None

    fs_type = filesystem_type(Path(os.path.realpath(path)), mountinfo)
    if fs_type is None:
        return None

    if fs_type in NETWORK_FILESYSTEMS:
        return fs_type
    return None


def filesystem_type(path: Path, mountinfo: str) -> str | None:
    """Return the type of the mount that contains ``path`` (an absolute, resolved path)."""
    best_mount = ""
    best_type: str | None = None
    target = str(path)

    for line in mountinfo.splitlines():
        fields = line.split()
        if " - " not in line or len(fields) < 5:
            continue

        mount_point = _unescape_mountinfo(fields[4])
        after_separator = line.split(" - ", 1)[1].split()
        if not after_separator:
            continue

        inside = target == mount_point or target.startswith(mount_point.rstrip("/") + "/")
        # A later line with the same mount point is a mount on top of the earlier one.
        if inside and len(mount_point) >= len(best_mount):
            best_mount = mount_point
            best_type = after_separator[0]

    return best_type


def network_filesystem_warning(folder: Path, fs_type: str) -> str:
    """Return the warning shown when the database lies on a network file system."""
    return (
        f"{folder} is on a network file system ({fs_type}). SQLite's WAL mode needs "
        f"shared memory and file locks that work only on a local disk, so the database "
        f"can be corrupted or lock up. Put it on a local disk of one shared host and "
        f"let the team reach it with SSH, or move to a database server."
    )


def _set_group_and_mode(path: Path, group: grp.struct_group, mode: int, report: SharedSetupReport) -> None:
    info = path.stat()

    if info.st_gid != group.gr_gid:
        try:
            os.chown(path, -1, group.gr_gid)
        except PermissionError:
            raise UserError(
                f"cannot change the group of {path} to {group.gr_name}: permission denied; "
                f"run init-shared as the owner of {path} (who must be a member of "
                f"{group.gr_name}) or as root"
            ) from None
        report.changes.append(f"set group of {path} to {group.gr_name}")

    if stat.S_IMODE(info.st_mode) != mode:
        try:
            os.chmod(path, mode)
        except PermissionError:
            raise UserError(
                f"cannot change the mode of {path} to {mode:04o}: permission denied; "
                f"run init-shared as the owner of {path} or as root"
            ) from None
        report.changes.append(f"set mode of {path} to {mode:04o}")


def _create_empty_file(path: Path) -> None:
    # O_EXCL: never truncate a database that another user created in the meantime.
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, FILE_MODE)
    os.close(descriptor)


def _unescape_mountinfo(field_text: str) -> str:
    """Decode the octal escapes (\\040 for a space) that mountinfo uses in paths."""
    if "\\" not in field_text:
        return field_text
    return field_text.encode().decode("unicode_escape").encode("latin-1").decode()
