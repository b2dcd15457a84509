"""Errors with their context go to a log file in the platformdirs log folder."""

import logging
from pathlib import Path

from opstui.paths import log_dir

LOG_FORMAT = "%(asctime)s %(levelname)s %(process)d %(name)s: %(message)s"


def configure_logging(level: int = logging.INFO) -> Path | None:
    """Send opstui's log records to ``opstui.log``; return its path, or None if unwritable."""
    root = logging.getLogger("opstui")
    if root.handlers:
        return None
    try:
        folder = log_dir()
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / "opstui.log"
        handler = logging.FileHandler(path, encoding="utf-8")
    except OSError:
        root.addHandler(logging.NullHandler())
        return None
    handler.setFormatter(logging.Formatter(LOG_FORMAT))
    root.addHandler(handler)
    root.setLevel(level)
    return path
