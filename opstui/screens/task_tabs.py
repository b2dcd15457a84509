"""The tabs of the task screen, one module each.

Each module listed here defines ``TAB_TITLE`` (str), ``TAB_ORDER`` (int, lower
first) and ``build(task_id: int) -> Widget``. The widget implements
``reload()`` and is called on it whenever events touch the task, so it shows
other users' changes live. ``applies_to(task: dict) -> bool`` is optional and
hides the tab for kinds of task it does not fit.
"""

import importlib
from types import ModuleType

TAB_MODULES = [
    "opstui.widgets.task_overview",
    "opstui.widgets.process_checklist",
    "opstui.widgets.comment_list",
    "opstui.widgets.subtask_list",
    "opstui.widgets.audit_trail",
    "opstui.widgets.task_instructions",
    "opstui.screens.notes_tab",
    "opstui.screens.zabbix",
    "opstui.screens.time_tab",
]


def tab_modules() -> list[ModuleType]:
    modules = [importlib.import_module(name) for name in TAB_MODULES]
    return sorted(modules, key=lambda module: module.TAB_ORDER)
