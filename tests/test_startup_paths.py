"""The board's start-up path: what it loads, and quitting before the start-up hooks ran."""

import subprocess
import sys
import threading

from opstui.app import build_app
from opstui.services.session import open_session
from tests.helpers import team_session

# Modules that opening an existing database with --db must not load. Each one is
# needed only to create or migrate a database, or to read the config file.
NOT_ON_START_UP = ["tomllib", "importlib.resources", "opstui.store.report_hours", "opstui.store.schema"]


def test_current_database_skips_creation_imports(tmp_path):
    database = tmp_path / "board.db"
    team_session(database).close()

    # A new interpreter, because the test process has imported these modules already.
    script = (
        "import sys\n"
        "from opstui.config import resolve_database_path\n"
        "from opstui.services.session import open_session\n"
        f"session = open_session(resolve_database_path({str(database)!r}), login='alice')\n"
        "session.close()\n"
        f"print(sorted(name for name in {NOT_ON_START_UP!r} if name in sys.modules))\n"
    )
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "[]"


def test_new_database_gets_migrations(tmp_path):
    # The migrations import their modules only when they run. A new file must still
    # end at the current version with the report tables in place.
    from opstui.store.migrations import SCHEMA_VERSION

    session = open_session(tmp_path / "new.db", login="alice")
    try:
        assert session.store.scalar("PRAGMA user_version") == SCHEMA_VERSION
        assert session.store.scalar(
            "SELECT count(*) FROM sqlite_master WHERE name = 'time_report_hours'") == 1
    finally:
        session.close()


def _notify_threads() -> list[threading.Thread]:
    return [thread for thread in threading.enumerate() if thread.is_alive() and "notify" in thread.name]


async def test_notify_start_after_quit_no_thread(tmp_path):
    # After a quit before the first frame's hooks ran, the app has cancelled its workers,
    # so a background sender started then would keep the process alive.
    session = team_session(tmp_path / "board.db")
    app = build_app(session)
    before = _notify_threads()
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
    # The hooks may have run before the quit: their worker is cancelled, not running.
    workers_at_quit = list(app.workers)
    app.notify_live.start(app)
    try:
        assert _notify_threads() == before
        assert list(app.workers) == workers_at_quit
        assert all(worker.is_cancelled or worker.is_finished for worker in workers_at_quit)
    finally:
        session.close()
