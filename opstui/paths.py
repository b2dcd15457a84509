"""Where opstui keeps its database, configuration and logs by default (platformdirs)."""

from pathlib import Path

import platformdirs

APP_NAME = "opstui"


def data_dir() -> Path:
    return Path(platformdirs.user_data_dir(APP_NAME, appauthor=False))


def config_dir() -> Path:
    return Path(platformdirs.user_config_dir(APP_NAME, appauthor=False))


def log_dir() -> Path:
    return Path(platformdirs.user_log_dir(APP_NAME, appauthor=False))


def default_database_path() -> Path:
    return data_dir() / "opstui.db"


def config_file_path() -> Path:
    return config_dir() / "config.toml"
