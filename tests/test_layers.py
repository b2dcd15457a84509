"""The store and services never import Textual, so the CLI starts fast and the core stays portable."""

import subprocess
import sys

CORE_MODULES = [
    "opstui.store",
    "opstui.store.tasks",
    "opstui.store.users",
    "opstui.store.events",
    "opstui.services.tasks",
    "opstui.services.users",
    "opstui.services.live",
    "opstui.services.demo",
    "opstui.services.permissions",
    "opstui.cli",
]


def test_core_does_not_import_textual():
    code = (
        "import importlib, pkgutil, sys\n"
        f"for name in {CORE_MODULES!r}:\n"
        "    importlib.import_module(name)\n"
        "import opstui.services\n"
        "for module in pkgutil.iter_modules(opstui.services.__path__):\n"
        "    importlib.import_module('opstui.services.' + module.name)\n"
        "import opstui.cli\n"
        "opstui.cli._load_commands()\n"
        "loaded = sorted(name for name in sys.modules if name == 'textual' or name.startswith('textual.'))\n"
        "print(','.join(loaded))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == ""


def test_screens_and_widgets_hold_no_sql():
    import re
    from pathlib import Path

    import opstui

    package = Path(opstui.__file__).parent
    offenders = []
    for folder in ("screens", "widgets"):
        for path in (package / folder).rglob("*.py"):
            text = path.read_text(encoding="utf-8")
            if re.search(r"\b(SELECT|INSERT INTO|UPDATE|DELETE FROM|PRAGMA)\s", text) or "sqlite3" in text:
                offenders.append(path.name)
    assert offenders == []
