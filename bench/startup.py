"""Start-up in a real terminal: launch to the first painted board, under tmux.

Each program is started in a new tmux pane (100x30), and the pane is read with
capture-pane every 10 ms until the program's marker text is on screen. The
markers are the board's column titles for opstui, the table's header for the
minimal Textual app (bench/minimal_app.py), and for kanban-tui (which has no
board in a new home folder) the title of its board chooser.
Runs alternate between the programs so that they share the machine's load.

Targets: opstui within 1.3 times the minimal app on the demo database, and
within 1.6 times on a database of 10,000 master tasks with 50,000 subtasks
(the big board of bench/board.py). kanban-tui is measured
too when it can be installed from PyPI into its own venv (never the project's).

    .venv/bin/python bench/startup.py [--smoke]
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench import data
from bench.benchlib import VENV_BIN, Figures, median, parse_options, print_machine
from opstui.services import users
from opstui.services.session import open_session

RUNS = 7
SMOKE_RUNS = 1
BIG_BOARD_MASTERS = 10_000
BIG_BOARD_SUBTASKS_PER_MASTER = 5
TARGET_DEMO_RATIO = 1.3
TARGET_BIG_RATIO = 1.6
POLL_S = 0.01
TIMEOUT_S = 60.0
SOCKET = f"opstui-bench-{os.getpid()}"
KANBAN_TUI_VENV = Path("/tmp/ktui-venv")


def tmux(*arguments: str, check: bool = True) -> subprocess.CompletedProcess:
    return subprocess.run(["tmux", "-L", SOCKET, *arguments], capture_output=True, text=True, check=check)


def time_to_screen(command: list[str], markers: list[str], environment: dict[str, str]) -> float:
    """Start ``command`` in a new tmux session and return the seconds until every marker is shown."""
    name = f"run-{uuid.uuid4().hex[:8]}"
    exports = " ".join(f"{key}={value}" for key, value in environment.items())
    shell_command = f"env {exports} {' '.join(command)}; sleep 60"
    started = time.perf_counter()
    tmux("new-session", "-d", "-s", name, "-x", "100", "-y", "30", shell_command)
    try:
        while time.perf_counter() - started < TIMEOUT_S:
            screen = tmux("capture-pane", "-p", "-t", name).stdout
            if all(marker in screen for marker in markers):
                return time.perf_counter() - started
            time.sleep(POLL_S)
        raise RuntimeError(f"{command[0]} did not show {markers} within {TIMEOUT_S:g} s. The screen shows:\n{screen}")
    finally:
        tmux("kill-session", "-t", name, check=False)


def install_kanban_tui() -> tuple[list[str] | None, str]:
    """Install kanban-tui into its own venv under /tmp and return its command (None and the reason on failure)."""
    program = KANBAN_TUI_VENV / "bin" / "ktui"
    if not program.exists():
        try:
            subprocess.run([sys.executable, "-m", "venv", str(KANBAN_TUI_VENV)], check=True, capture_output=True)
            subprocess.run([str(KANBAN_TUI_VENV / "bin" / "pip"), "install", "--quiet", "kanban-tui"], check=True,
                           capture_output=True, text=True, timeout=600)
        except (subprocess.CalledProcessError, subprocess.TimeoutExpired) as error:
            detail = getattr(error, "stderr", "") or str(error)
            return None, f"pip install kanban-tui failed: {detail.strip().splitlines()[-1] if detail else error}"
    if not program.exists():
        return None, f"kanban-tui installed no {program}"
    return [str(program)], ""


def main() -> int:
    options = parse_options(__doc__.splitlines()[0])
    figures = Figures(options.smoke)
    print_machine()
    if shutil.which("tmux") is None:
        figures.note("tmux is not installed; install it (apt-get install -y tmux) to measure start-up")
        return 1
    runs = SMOKE_RUNS if options.smoke else RUNS

    with tempfile.TemporaryDirectory(prefix="opstui-bench-") as temporary:
        folder = options.keep or Path(temporary)
        folder.mkdir(parents=True, exist_ok=True)
        home = folder / "home"
        environment = {"HOME": str(home), "XDG_CONFIG_HOME": str(home / "config"),
                       "XDG_DATA_HOME": str(home / "data"), "XDG_STATE_HOME": str(home / "state"),
                       "XDG_CACHE_HOME": str(home / "cache"), "TERM": "xterm-256color",
                       "USER": data.MANAGER, "LOGNAME": data.MANAGER}
        opstui = str(VENV_BIN / "opstui")
        demo = folder / "demo.db"
        subprocess.run([opstui, "--db", str(demo), "demo"], check=True, capture_output=True,
                       env={**os.environ, **environment})
        # Confirm the profile, because the first-use dialog would otherwise cover the board.
        session = open_session(demo, login=data.MANAGER)
        users.update_profile(session, data.MANAGER, display_name="Alice Martin", email="alice@example.org")
        session.close()
        programs: dict[str, tuple[list[str], list[str]]] = {
            "minimal": ([str(VENV_BIN / "python"), str(Path(__file__).with_name("minimal_app.py"))], ["Host"]),
            "opstui_demo": ([opstui, "--db", str(demo)], ["Request (", "Discovery ("]),
        }
        if not options.smoke:
            big = folder / "big.db"
            session = data.create_database(big)
            data.insert_board(session, BIG_BOARD_MASTERS, BIG_BOARD_SUBTASKS_PER_MASTER)
            session.close()
            programs["opstui_10k"] = ([opstui, "--db", str(big)], ["Request (", "Discovery ("])
            command, reason = install_kanban_tui()
            if command:
                # With no board yet, kanban-tui's first screen is its board chooser.
                programs["kanban_tui"] = (command, ["kanban-tui", "Your Boards"])
            else:
                figures.note(f"kanban-tui not measured: {reason}")

        # A session that lives for the whole run keeps one tmux server up. Otherwise the
        # server exits with the last session, and the next launch may race its shutdown.
        tmux("new-session", "-d", "-s", "keeper", "sleep 100000")
        # One untimed launch each warms the tmux server and the file cache (skipped
        # by a smoke run, which only checks that the measurement works).
        if not options.smoke:
            for command, markers in programs.values():
                time_to_screen(command, markers, environment)
        times: dict[str, list[float]] = {name: [] for name in programs}
        for _ in range(runs):
            for name, (command, markers) in programs.items():
                times[name].append(time_to_screen(command, markers, environment))
        tmux("kill-server", check=False)

    minimal = median(times["minimal"])
    figures.add("startup.minimal_app", minimal, "s")
    demo_time = median(times["opstui_demo"])
    figures.add("startup.opstui_demo", demo_time, "s")
    figures.add("startup.demo_ratio", demo_time / minimal, "x", target=f"<= {TARGET_DEMO_RATIO}",
                met=demo_time / minimal <= TARGET_DEMO_RATIO)
    if "opstui_10k" in times:
        big_time = median(times["opstui_10k"])
        figures.add("startup.opstui_10k", big_time, "s")
        figures.add("startup.10k_ratio", big_time / minimal, "x", target=f"<= {TARGET_BIG_RATIO}",
                    met=big_time / minimal <= TARGET_BIG_RATIO)
    if "kanban_tui" in times:
        kanban = median(times["kanban_tui"])
        figures.add("startup.kanban_tui", kanban, "s")
        figures.add("startup.kanban_tui_ratio", kanban / minimal, "x")
    for name, values in times.items():
        figures.note(f"{name}: runs {', '.join(f'{value:.2f}' for value in values)} s")
    return figures.finish()


if __name__ == "__main__":
    sys.exit(main())
