"""Each bench script runs once on tiny data (--smoke) and prints its figures.

This is how CI runs the benchmarks: it checks that they work, never their timings.
"""

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parents[1] / "bench"

# The figure names each script must print, one "figure NAME = VALUE" line each.
EXPECTED_FIGURES = {
    "board.py": ["board.open_median", "board.open_cpu_median", "board.focus_move_median", "board.card_move_median",
                 "board.peak_rss"],
    "search.py": ["search.first_page_p99", "search.common_words_p99"],
    "writers.py": ["writers.one_writer.ops_per_s", "writers.2_writers.p99", "writers.2_writers.lock_errors",
                   "writers.2_writers.lost_updates"],
    "reports.py": ["reports.year_by_week", "reports.year_by_week_cpu"],
    "imports.py": ["imports.enex_peak_rss", "imports.timewarrior_peak_rss", "imports.timewarrior_seconds"],
    "kb_viewer.py": ["kb_viewer.parse_cpu", "kb_viewer.viewer_open", "kb_viewer.viewer_page_down_median"],
    "startup.py": ["startup.minimal_app", "startup.opstui_demo", "startup.demo_ratio"],
}


def printed_figures(output: str) -> dict[str, str]:
    figures = {}
    for line in output.splitlines():
        if line.startswith("figure "):
            name, _, value = line[len("figure "):].partition(" = ")
            figures[name] = value
    return figures


@pytest.mark.parametrize("script", sorted(EXPECTED_FIGURES))
def test_bench_smoke_run(script):
    if script == "startup.py" and shutil.which("tmux") is None:
        pytest.skip("tmux is not installed; apt-get install -y tmux")
    result = subprocess.run([sys.executable, str(BENCH / script), "--smoke"], capture_output=True, text=True,
                            timeout=120)
    assert result.returncode == 0, result.stderr
    figures = printed_figures(result.stdout)
    for name in EXPECTED_FIGURES[script]:
        assert name in figures, f"{script} did not print {name}:\n{result.stdout}"
    # A smoke run on tiny data prints its targets but never judges them.
    assert "(target" in result.stdout
    assert "MISSED" not in result.stdout
