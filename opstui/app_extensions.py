"""Parts of opstui that hook into the running app (toasts, timers, background senders).

Each entry names a module with an ``install(app)`` function, called once when
the app is built. It may append to ``app.event_listeners`` or ``app.startup_hooks``.
"""

import importlib

EXTENSION_MODULES: list[str] = ["opstui.screens.notify_live", "opstui.screens.timer_status",
                                "opstui.screens.profile_prompt", "opstui.screens.kb_route"]


def install_extensions(app) -> None:
    for name in EXTENSION_MODULES:
        importlib.import_module(name).install(app)
