"""Reports: a year's weekly time report over a database of 1,000,000 time entries.

The entries cover two calendar years (2024 and 2025), so the report of 2025
totals about half of them. Target: under 1 s through
opstui.services.timelog.time_report (by week, Europe/Paris time zone).

    .venv/bin/python bench/reports.py [--smoke]
"""

from __future__ import annotations

import sys
import tempfile
import time
from datetime import date, datetime, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench import data
from bench.benchlib import Figures, median, parse_options, peak_rss_mb, print_machine
from opstui.services import timelog
from opstui.services.session import open_session

ENTRIES = 1_000_000
SMOKE_ENTRIES = 2_000
RUNS = 5
TARGET_S = 1.0
ZONE = ZoneInfo("Europe/Paris")


def main() -> int:
    options = parse_options(__doc__.splitlines()[0])
    figures = Figures(options.smoke)
    print_machine()
    count = SMOKE_ENTRIES if options.smoke else ENTRIES
    runs = 1 if options.smoke else RUNS

    with tempfile.TemporaryDirectory(prefix="opstui-bench-") as temporary:
        folder = options.keep or Path(temporary)
        folder.mkdir(parents=True, exist_ok=True)
        database = folder / "reports.db"
        if database.exists():
            session = open_session(database, login=data.MANAGER)
            figures.note(f"reusing {database}")
        else:
            session = data.create_database(database)
            task_ids = data.insert_board(session, 200, 0)
            started = time.perf_counter()
            data.insert_time_entries(session, task_ids, count, first_day=datetime(2024, 1, 1, tzinfo=timezone.utc),
                                     days=731)
            figures.note(f"generated {count} time entries in {time.perf_counter() - started:.1f} s")

        times = []
        cpu_times = []
        report = None
        for _ in range(runs):
            started = time.perf_counter()
            cpu_started = time.process_time()
            report = timelog.time_report(session, by="week", date_from=date(2025, 1, 1), date_to=date(2025, 12, 31),
                                         zone=ZONE)
            times.append(time.perf_counter() - started)
            cpu_times.append(time.process_time() - cpu_started)
        session.close()

    figures.note(f"the report has {len(report.rows)} weeks totalling {report.total_seconds / 3600:.0f} hours")
    seconds = median(times)
    figures.add("reports.year_by_week", seconds, "s", target=f"< {TARGET_S:g} s", met=seconds < TARGET_S)
    figures.add("reports.year_by_week_cpu", median(cpu_times), "s")
    figures.add("reports.entries", count, "entries")
    figures.add("reports.peak_rss", peak_rss_mb(), "MiB")
    return figures.finish()


if __name__ == "__main__":
    sys.exit(main())
