"""The user's own configuration file: per-user settings and every secret.

The file is TOML at ``config_file_path()``. It is never shared: team-wide settings
live in the database, while this file holds the database path, SMTP and Zabbix
credentials and personal preferences. It is created with mode 0600.
"""

import os
from pathlib import Path
from typing import Any

from opstui.errors import UserError
from opstui.paths import config_file_path, default_database_path


def load_config(path: Path | None = None) -> dict[str, Any]:
    """Read the config file; a missing file is an empty configuration."""
    # Imported here because opening the board with --db or OPSTUI_DB does not read
    # this file, which keeps the TOML parser off the start-up path.
    import tomllib

    path = path or config_file_path()
    try:
        with path.open("rb") as handle:
            return tomllib.load(handle)
    except FileNotFoundError:
        return {}
    except tomllib.TOMLDecodeError as error:
        raise UserError(f"config file {path} is not valid TOML ({error}); fix or remove it") from error
    except PermissionError as error:
        raise UserError(f"config file {path} is not readable; check its owner and mode") from error


def config_section(name: str, path: Path | None = None) -> dict[str, Any]:
    """Return one table of the config file, e.g. ``[smtp]``, or an empty dict."""
    section = load_config(path).get(name, {})
    if not isinstance(section, dict):
        raise UserError(f"config file key '{name}' must be a table such as [{name}]")
    return section


def ensure_private_config_file(path: Path | None = None) -> Path:
    """Create the config file (and its folder) readable by its owner only."""
    path = path or config_file_path()
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    if not path.exists():
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        os.close(descriptor)
    os.chmod(path, 0o600)
    return path


def resolve_database_path(cli_value: str | None = None) -> Path:
    """Pick the database: ``--db``, then ``OPSTUI_DB``, then the config file, then the default."""
    if cli_value:
        return Path(cli_value).expanduser()
    from_env = os.environ.get("OPSTUI_DB")
    if from_env:
        return Path(from_env).expanduser()
    from_file = load_config().get("database")
    if from_file:
        if not isinstance(from_file, str):
            raise UserError("config file key 'database' must be a path string")
        return Path(from_file).expanduser()
    return default_database_path()
