"""Backup and maintenance of the shared database, safe while the team keeps working."""

from __future__ import annotations

import logging
import os
import sqlite3
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

from opstui.errors import ConflictError, StoreError, UserError
from opstui.services import permissions
from opstui.services.session import Session
from opstui.store import Store
from opstui.store import maintenance as maintenance_rows
from opstui.store import settings as setting_rows

log = logging.getLogger(__name__)

RETENTION_SETTING = "purge_retention_days"
DEFAULT_RETENTION_DAYS = 30

# VACUUM rewrites the whole file and holds the write lock meanwhile, so it runs only
# when at least this share of the file, and this many bytes, are free pages.
# Both values are judgement calls, not measurements.
VACUUM_MIN_FREE_FRACTION = 0.20
VACUUM_MIN_FREE_BYTES = 4 * 1024 * 1024

VACUUM_CHOICES = ("auto", "always", "never")


@dataclass
class BackupResult:
    """The path and size of a finished backup."""

    path: Path
    size_bytes: int


@dataclass
class MaintenanceReport:
    """The outcome of one maintenance run, for the CLI and the audit trail."""

    fts_optimized: list[str] = field(default_factory=list)
    purged_rows_deleted: dict[str, int] = field(default_factory=dict)
    retention_days: int = DEFAULT_RETENTION_DAYS
    free_bytes_before: int = 0
    file_bytes_before: int = 0
    purges_since_last_run: int = 0
    vacuumed: bool = False
    file_bytes_after: int = 0

    def as_dict(self) -> dict:
        return {
            "fts_optimized": self.fts_optimized,
            "purged_rows_deleted": self.purged_rows_deleted,
            "retention_days": self.retention_days,
            "free_bytes_before": self.free_bytes_before,
            "file_bytes_before": self.file_bytes_before,
            "purges_since_last_run": self.purges_since_last_run,
            "vacuumed": self.vacuumed,
            "file_bytes_after": self.file_bytes_after,
        }


def backup_database(store: Store, destination: Path, *, overwrite: bool = False) -> BackupResult:
    """Copy the database to ``destination`` with SQLite's online backup API.

    Others may keep writing meanwhile: the copy is one consistent snapshot. A
    folder as ``destination`` gets a file named after the database and the time.
    The copy is written next to its final name and renamed when it passed
    integrity_check, so a failed backup never leaves a half-written file under the
    name. It is created 0600 because it contains everything the team wrote.
    """
    destination = Path(destination).expanduser()
    if destination.is_dir():
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
        destination = destination / f"{store.path.stem}-{stamp}.db"
    if destination.resolve() == store.path.resolve():
        raise UserError(f"backup destination {destination} is the database itself; give another path")
    if destination.exists() and not overwrite:
        raise UserError(f"backup destination {destination} already exists; remove it or add --overwrite")
    if not destination.parent.is_dir():
        raise UserError(f"folder {destination.parent} does not exist; create it first")

    partial = destination.with_name(f".{destination.name}.partial-{os.getpid()}")
    try:
        _create_private_file(partial)
        store.backup_to(partial)
        result = maintenance_rows.finish_backup_copy(partial)
        if result != ["ok"]:
            raise StoreError(f"backup copy {partial} failed integrity_check ({'; '.join(result[:3])});"
                             f" check the database with `sqlite3 {store.path} 'PRAGMA integrity_check'`")
        os.replace(partial, destination)
    except (sqlite3.Error, OSError) as error:
        raise StoreError(f"backup of {store.path} to {destination} failed: {error}") from error
    finally:
        if partial.exists():
            partial.unlink()

    log.info("backed up %s to %s", store.path, destination)
    return BackupResult(path=destination, size_bytes=destination.stat().st_size)


def retention_days(store: Store) -> int:
    """Return the team's retention period for purged rows, in days."""
    row = setting_rows.get_setting(store, RETENTION_SETTING)
    if row is None:
        return DEFAULT_RETENTION_DAYS
    return int(row["value"])


def set_retention_days(session: Session, days: int) -> int:
    """Set the team's retention period for purged rows; only managers may."""
    if days < 1:
        raise UserError(f"invalid retention period {days} days; give 1 or more")
    permissions.require(session, "change_team_settings")

    def write(transaction) -> None:
        row = setting_rows.get_setting(transaction, RETENTION_SETTING)
        expected = None if row is None else row["version"]
        if not setting_rows.put_setting(transaction, RETENTION_SETTING, days, expected):
            raise ConflictError("team settings changed meanwhile; look again and retry")
        transaction.event("settings.changed", entity="setting", entity_id=RETENTION_SETTING,
                          data={"value": days})

    session.store.write(session.login, write)
    return days


def run_maintenance(store: Store, actor: str, *, vacuum: str = "auto",
                    now: datetime | None = None) -> MaintenanceReport:
    """Optimise full-text indexes, delete purged rows past retention, VACUUM if worth it.

    Rows purged more than the retention period ago are deleted from tables that
    have a purged_at column. ``vacuum`` is "auto", "always" or "never". Under "auto"
    VACUUM runs when enough of the file is free, or when something was purged
    since the last run and SQLite's secure_delete is off, because then purged text
    lingers in free pages until VACUUM.
    The run is recorded as one maintenance.ran event under ``actor``.
    """
    if vacuum not in VACUUM_CHOICES:
        raise UserError(f"invalid vacuum choice '{vacuum}'; use one of {', '.join(VACUUM_CHOICES)}")

    report = MaintenanceReport(retention_days=retention_days(store))
    now = now or datetime.now(UTC)
    cutoff = (now - timedelta(days=report.retention_days)).strftime("%Y-%m-%dT%H:%M:%SZ")
    fts_tables = maintenance_rows.fts_tables(store)
    purge_tables = maintenance_rows.tables_with_purged_rows(store)
    report.purges_since_last_run = maintenance_rows.purges_since_last_maintenance(store)
    purged_text_lingers = not maintenance_rows.secure_delete_on(store)

    def write(transaction) -> None:
        for table in fts_tables:
            maintenance_rows.optimize_fts(transaction, table)
            report.fts_optimized.append(table)
        for table in purge_tables:
            deleted = maintenance_rows.delete_purged_before(transaction, table, cutoff)
            if deleted:
                report.purged_rows_deleted[table] = deleted
        transaction.event("maintenance.ran", entity="database", entity_id=store.path.name,
                          data={"fts_optimized": report.fts_optimized,
                                "purged_rows_deleted": report.purged_rows_deleted,
                                "retention_days": report.retention_days})

    store.write(actor, write)

    pages = maintenance_rows.page_counts(store)
    report.free_bytes_before = pages["freelist_count"] * pages["page_size"]
    report.file_bytes_before = pages["page_count"] * pages["page_size"]
    if vacuum == "always" or (vacuum == "auto" and _vacuum_worth_it(report, purged_text_lingers)):
        maintenance_rows.vacuum(store)
        report.vacuumed = True
        log.info("vacuumed %s: %d free bytes before", store.path, report.free_bytes_before)

    maintenance_rows.optimize_statistics(store)
    maintenance_rows.checkpoint(store)
    pages = maintenance_rows.page_counts(store)
    report.file_bytes_after = pages["page_count"] * pages["page_size"]
    return report


def _vacuum_worth_it(report: MaintenanceReport, purged_text_lingers: bool) -> bool:
    # Without secure_delete, deleted text stays in the file's free pages until
    # VACUUM rewrites it, so a purge (or a retention delete) is complete only after one.
    if purged_text_lingers and (report.purges_since_last_run or report.purged_rows_deleted):
        return True
    if report.file_bytes_before == 0:
        return False
    fraction = report.free_bytes_before / report.file_bytes_before
    return fraction >= VACUUM_MIN_FREE_FRACTION and report.free_bytes_before >= VACUUM_MIN_FREE_BYTES


def _create_private_file(path: Path) -> None:
    if path.exists():
        path.unlink()
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    os.close(descriptor)
