"""Shared database: 20 writer processes on one file, beside one writer alone.

Each writer (bench/writer_worker.py) runs a few hundred mixed operations through
the services: create a request, assign someone, move a task (version-checked),
edit a shared note (version-checked, retried on conflict) and log time. Figures:
operations per second, p50 and p99 latency, "database is locked" errors (target 0)
and lost updates (target 0). A lost update is a completed operation whose result
is missing afterwards: a created task, a logged time entry, or a line a writer
appended to the shared note.

    .venv/bin/python bench/writers.py [--smoke]
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench import data
from bench.benchlib import Figures, parse_options, percentile, print_machine
from opstui.services import notes, tasks

WORKER = Path(__file__).with_name("writer_worker.py")
WRITERS = 20
OPERATIONS = 300
SMOKE_WRITERS = 2
SMOKE_OPERATIONS = 5
SHARED_TASKS = 30


def run_writers(folder: Path, name: str, writers: int, operations: int) -> dict:
    """Run ``writers`` processes on a fresh database; return the combined figures."""
    session = data.create_database(folder / f"{name}.db", team_size=max(writers, 2))
    logins = data.team_logins(session)
    task_ids = [tasks.create_request(session, f"Shared change {number}") for number in range(SHARED_TASKS)]
    note_id = notes.add_note(session, task_ids[0], "Shared discovery notes", "")
    go_file = folder / f"{name}.go"

    processes = [
        subprocess.Popen([sys.executable, str(WORKER), str(session.store.path), logins[number % len(logins)],
                          str(number), str(operations), str(go_file), str(note_id),
                          ",".join(map(str, task_ids))],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        for number in range(writers)
    ]
    time.sleep(1.0 + 0.2 * writers)  # let every writer import and open the database
    go_file.touch()
    reports = []
    for process in processes:
        stdout, stderr = process.communicate(timeout=1800)
        if process.returncode != 0:
            raise RuntimeError(f"a writer failed with status {process.returncode}:\n{stderr}")
        reports.append(json.loads(stdout.strip().splitlines()[-1]))

    latencies = [value for report in reports for values in report["latencies"].values() for value in values]
    elapsed = max(report["finished"] for report in reports) - min(report["started"] for report in reports)
    lost = count_lost_updates(session, reports, note_id)
    session.close()
    return {
        "ops_per_s": len(latencies) / elapsed,
        "p50_ms": percentile(latencies, 0.50),
        "p99_ms": percentile(latencies, 0.99),
        "operations": len(latencies),
        "lock_errors": sum(report["lock_errors"] for report in reports),
        "other_errors": [error for report in reports for error in report["errors"]],
        "conflicts": sum(report["conflicts"] for report in reports),
        "lost_updates": lost,
    }


def count_lost_updates(session, reports: list[dict], note_id: int) -> int:
    body = notes.get_note(session, note_id)["body"]
    lines = set(body.splitlines())
    lost = 0
    for report in reports:
        lost += sum(1 for token in report["tokens"] if token not in lines)
        for task_id in report["created"]:
            if session.store.query_one("SELECT id FROM tasks WHERE id = ?", (task_id,)) is None:
                lost += 1
        for entry_id in report["time_entries"]:
            if session.store.query_one("SELECT id FROM time_entries WHERE id = ?", (entry_id,)) is None:
                lost += 1
    return lost


def main() -> int:
    options = parse_options(__doc__.splitlines()[0])
    figures = Figures(options.smoke)
    print_machine()
    writers = SMOKE_WRITERS if options.smoke else WRITERS
    operations = SMOKE_OPERATIONS if options.smoke else OPERATIONS

    with tempfile.TemporaryDirectory(prefix="opstui-bench-") as temporary:
        folder = options.keep or Path(temporary)
        folder.mkdir(parents=True, exist_ok=True)
        for name, count in (("one_writer", 1), (f"{writers}_writers", writers)):
            result = run_writers(folder, name, count, operations)
            prefix = f"writers.{name}"
            figures.add(f"{prefix}.ops_per_s", result["ops_per_s"], "ops/s")
            figures.add(f"{prefix}.p50", result["p50_ms"], "ms")
            figures.add(f"{prefix}.p99", result["p99_ms"], "ms")
            figures.add(f"{prefix}.lock_errors", result["lock_errors"], target="= 0",
                        met=result["lock_errors"] == 0)
            figures.add(f"{prefix}.lost_updates", result["lost_updates"], target="= 0",
                        met=result["lost_updates"] == 0)
            figures.note(f"{name}: {result['operations']} operations, {result['conflicts']} version conflicts"
                         f" retried, other errors: {result['other_errors'][:3] or 'none'}")
    return figures.finish()


if __name__ == "__main__":
    sys.exit(main())
