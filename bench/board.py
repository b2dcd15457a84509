"""Big board: 10,000 master tasks with 50,000 subtasks, driven by keys under Textual's Pilot.

Targets: opening the board, moving the focus and moving a card each respond in
under 50 ms median, and the process stays under 250 MB RSS. A response is timed
from the key press (or the push of the board screen) to the last screen update
the app made before Pilot found it idle again. The CPU time this process spent
until that update is printed too, because it depends less on other load. Pilot's own idle detection sleeps
in 20 ms steps, so it is waited for but not timed. The live refresh is slowed to
once an hour, so that only the response to the key updates the screen.

    .venv/bin/python bench/board.py [--smoke] [--keep FOLDER]

With --keep, the generated database stays in FOLDER and later runs start from
a copy of it, so each run measures the same board without generating it again.
"""

from __future__ import annotations

import asyncio
import shutil
import sys
import tempfile
import time
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench import data
from bench.benchlib import Figures, current_rss_mb, median, parse_options, peak_rss_mb, print_machine
from opstui.services.session import open_session

MASTERS = 10_000
SUBTASKS_PER_MASTER = 5
SMOKE_MASTERS = 30
TARGET_MS = 50.0
TARGET_RSS_MB = 250.0
SIZE = (120, 40)


async def measure(session, smoke: bool) -> dict[str, list[float]]:
    from opstui.app import build_app
    from opstui.screens.board import BoardScreen

    times: dict[str, list[float]] = {"first_paint": [], "open": [], "return": [], "from_task": [], "focus": [],
                                     "column": [], "move": []}
    repeats = 2 if smoke else 15
    app = build_app(session, poll_interval=3600)
    updates: list[tuple[float, float]] = []
    show = app._display

    def record_update(screen, update) -> None:
        # Textual calls App._display with each compositor update (skipped output when headless).
        if update is not None:
            updates.append((time.perf_counter(), time.process_time()))
        show(screen, update)

    app._display = record_update
    cpu_times: dict[str, list[float]] = {name: [] for name in times}
    cpu_started = [0.0]

    def response(started: float, name: str = "") -> float:
        """Return the wall time to the last update, and record the CPU time this process spent on it."""
        after = [update for update in updates if update[0] >= started]
        if not after:
            raise RuntimeError("the screen was not updated after the key press")
        if name:
            cpu_times[name].append(after[-1][1] - cpu_started[0])
        return after[-1][0] - started

    started = time.perf_counter()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        times["first_paint"].append(response(started))

        # Opening the board: a fresh board screen reads and shows every card.
        for _ in range(repeats):
            started = time.perf_counter()
            cpu_started[0] = time.process_time()
            await app.push_screen(BoardScreen())
            await pilot.pause()
            times["open"].append(response(started, "open"))
            await app.pop_screen()
            await pilot.pause()

        # Back from another screen (the key help) to the board, which reloads every card.
        for _ in range(repeats):
            await pilot.press("question_mark")
            await pilot.pause()
            started = time.perf_counter()
            cpu_started[0] = time.process_time()
            await pilot.press("escape")
            await pilot.pause()
            times["return"].append(response(started, "return"))

        # Back from a card's task screen (enter, then escape), the usual way to the board.
        for _ in range(repeats):
            await pilot.press("enter")
            await pilot.pause()
            started = time.perf_counter()
            cpu_started[0] = time.process_time()
            await pilot.press("escape")
            await pilot.pause()
            times["from_task"].append(response(started, "from_task"))

        for key in ["j"] * (repeats * 3) + ["k"] * repeats:
            started = time.perf_counter()
            cpu_started[0] = time.process_time()
            await pilot.press(key)
            await pilot.pause()
            times["focus"].append(response(started, "focus"))

        for key in ["l", "l", "l", "h", "h", "h"] * max(1, repeats // 3):
            started = time.perf_counter()
            cpu_started[0] = time.process_time()
            await pilot.press(key)
            await pilot.pause()
            times["column"].append(response(started, "column"))

        # Move cards from Production back to Sandbox, because a backward move opens no dialog.
        for _ in range(3):
            await pilot.press("l")
        await pilot.pause()
        for _ in range(repeats):
            if app.screen.board.current_column.stage != "production":
                await pilot.press("l")
                await pilot.pause()
            started = time.perf_counter()
            cpu_started[0] = time.process_time()
            await pilot.press("H")
            await pilot.pause()
            times["move"].append(response(started, "move"))
        times["rss_after"] = [current_rss_mb()]
    times.update({f"{name}_cpu": values for name, values in cpu_times.items()})
    return times


def main() -> int:
    options = parse_options(__doc__.splitlines()[0])
    figures = Figures(options.smoke)
    print_machine()
    masters = SMOKE_MASTERS if options.smoke else MASTERS

    with tempfile.TemporaryDirectory(prefix="opstui-bench-") as temporary:
        database = Path(temporary) / "board.db"
        kept_database = options.keep / f"board-{masters}.db" if options.keep else None
        if kept_database is not None and kept_database.exists():
            # The run moves cards, so it works on a copy and the kept board stays as generated.
            shutil.copyfile(kept_database, database)
            session = open_session(database, login=data.MANAGER)
            figures.note(f"reusing {kept_database} ({masters} master tasks)")
        else:
            session = data.create_database(database)
            started = time.perf_counter()
            data.insert_board(session, masters, SUBTASKS_PER_MASTER)
            figures.note(f"generated {masters} master tasks with {masters * SUBTASKS_PER_MASTER} subtasks"
                         f" in {time.perf_counter() - started:.1f} s")
            if kept_database is not None:
                kept_database.parent.mkdir(parents=True, exist_ok=True)
                session.store.connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
                shutil.copyfile(database, kept_database)
        times = asyncio.run(measure(session, options.smoke))
        session.close()

    for name, label in (("open", "open"), ("return", "return_to_board"), ("from_task", "back_from_task"),
                        ("focus", "focus_move"),
                        ("column", "column_move"), ("move", "card_move")):
        value = median(times[name]) * 1000
        figures.add(f"board.{label}_median", value, "ms", target=f"< {TARGET_MS:g} ms", met=value < TARGET_MS)
        figures.add(f"board.{label}_cpu_median", median(times[f"{name}_cpu"]) * 1000, "ms")
        figures.note(f"{label}: max {max(times[name]) * 1000:.1f} ms over {len(times[name])} runs")
    figures.add("board.first_paint", times["first_paint"][0] * 1000, "ms")
    rss = peak_rss_mb()
    figures.add("board.peak_rss", rss, "MiB", target=f"< {TARGET_RSS_MB:g} MB", met=rss < TARGET_RSS_MB)
    figures.add("board.rss_after", times["rss_after"][0], "MiB")
    return figures.finish()


if __name__ == "__main__":
    sys.exit(main())
