"""Shared plumbing of the bench scripts: arguments, timing, memory and printed figures.

Every script prints one line per figure in the form

    figure NAME = VALUE UNIT  (target OP LIMIT: met|MISSED|not judged)

so scripts/run-benchmarks and tests/test_bench_smoke.py can find them. A --smoke
run uses tiny data, so its figures are printed but never judged against targets.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import sqlite3
import statistics
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
VENV_BIN = Path(sys.executable).parent


@dataclass
class Options:
    smoke: bool
    keep: Path | None


def parse_options(description: str) -> Options:
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--smoke", action="store_true",
                        help="run once on tiny data, for CI; figures are printed but not judged")
    parser.add_argument("--keep", type=Path, metavar="FOLDER",
                        help="write the generated data into FOLDER and keep it; search.py and reports.py reuse a"
                             " database already there (default: a temporary folder)")
    arguments = parser.parse_args()
    return Options(smoke=arguments.smoke, keep=arguments.keep)


class Figures:
    """Collects and prints the figures of one bench script."""

    def __init__(self, smoke: bool):
        self.smoke = smoke
        self.missed: list[str] = []

    def add(self, name: str, value: float | int | str, unit: str = "", *, target: str = "",
            met: bool | None = None) -> None:
        """Print one figure; ``target`` is text such as "< 50 ms" and ``met`` its verdict."""
        text = f"{value:.3g}" if isinstance(value, float) else str(value)
        if isinstance(value, float) and abs(value) >= 1000:
            text = f"{value:.0f}"
        line = f"figure {name} = {text}{' ' + unit if unit else ''}"
        if target:
            if self.smoke or met is None:
                verdict = "not judged"
            else:
                verdict = "met" if met else "MISSED"
                if not met:
                    self.missed.append(name)
            line += f"  (target {target}: {verdict})"
        print(line, flush=True)

    def note(self, text: str) -> None:
        print(f"note: {text}", flush=True)

    def finish(self) -> int:
        """Print a closing line; the exit status is 0 even when a target is missed (figures are data)."""
        if self.missed:
            print(f"missed targets: {', '.join(self.missed)}", flush=True)
        return 0


def percentile(values: list[float], fraction: float) -> float:
    """Nearest-rank percentile of ``values`` (fraction 0.99 gives p99)."""
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    index = min(len(ordered) - 1, max(0, int(round(fraction * len(ordered) + 0.5)) - 1))
    return ordered[index]


def median(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")


def peak_rss_mb() -> float:
    """Peak resident set size of this process so far, in MiB.

    Linux's VmHWM starts again at exec, whereas ru_maxrss keeps the parent's
    peak across fork and exec, which would charge a child with its parent's data.
    """
    return _status_mib("VmHWM:")


def current_rss_mb() -> float:
    return _status_mib("VmRSS:")


def _status_mib(field: str) -> float:
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith(field):
                return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def machine() -> dict[str, str]:
    """Describe the machine a figure was measured on, for docs/benchmarks.md."""
    cpu = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    memory = "unknown"
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                memory = f"{int(line.split()[1]) / 1024 / 1024:.1f} GiB"
    except OSError:
        pass
    load = " ".join(f"{value:.1f}" for value in os.getloadavg())
    return {"cpus": str(os.cpu_count()), "cpu": cpu, "memory": memory, "load_average": load,
            "python": platform.python_version(), "sqlite": sqlite3.sqlite_version}


def print_machine() -> None:
    print("machine: " + json.dumps(machine(), sort_keys=True), flush=True)


def run_child(arguments: list[str], timeout: float = 1800) -> dict:
    """Run ``python ARGUMENTS`` and return the JSON object it prints last on stdout."""
    result = subprocess.run([sys.executable, *arguments], capture_output=True, text=True, timeout=timeout,
                            cwd=REPO)
    if result.returncode != 0:
        raise RuntimeError(f"child {arguments} failed with status {result.returncode}:\n{result.stderr}")
    last = [line for line in result.stdout.splitlines() if line.startswith("{")][-1]
    return json.loads(last)
