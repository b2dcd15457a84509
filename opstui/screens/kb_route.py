"""The ``K`` key and the "Knowledge base" palette command: open the list of instructions.

``install(app)`` is listed in opstui.app_extensions. It adds an app-level binding, so the
footer, the ``?`` help and the command palette list it like the app's own keys. A screen
with its own ``K`` (the subtask list's "Move up") keeps it there.
"""

ACTION = "open_knowledge_base"


def install(app) -> None:
    # NOTE: Textual 8's App.bind takes no binding id, so a keymap cannot rebind this key.
    app.bind("K", ACTION, description="Knowledge base")
    # Textual finds an action as an ``action_`` attribute of its namespace, the app here.
    setattr(app, f"action_{ACTION}", lambda: open_knowledge_base(app))


def open_knowledge_base(app) -> None:
    """Open the instruction list for the task on screen, if any. On the list itself, do nothing."""
    from opstui.screens.instruction_list import InstructionList

    if isinstance(app.screen, InstructionList):
        return

    task_id = getattr(app.screen, "task_id", None)
    app.push_screen(InstructionList(task_id if isinstance(task_id, int) else None))
