"""The behaviour every form dialog shares: enter moves on, ctrl+s saves, escape cancels.

A form calls ``submit(values)``. A UserError keeps the form open with the message
in its ``#form-error`` label, so nothing typed is lost. On success the form is
dismissed with the value ``submit`` returned.
"""

from collections.abc import Callable
from typing import Any

from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label

from opstui.errors import OpstuiError


class SubmitForm(ModalScreen[Any]):
    submit: Callable[[dict[str, Any]], Any]

    def values(self) -> dict[str, Any]:
        raise NotImplementedError

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.focus_next()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "save":
            self.action_save()
        else:
            self.action_cancel()

    def action_save(self) -> None:
        try:
            result = self.submit(self.values())
        except OpstuiError as error:
            self.query_one("#form-error", Label).update(str(error))
            return
        self.dismiss(result)

    def action_cancel(self) -> None:
        self.dismiss(None)
