"""Secret check on save: the service policy and the warning dialog."""

import pytest
from textual.app import App
from textual.widgets import Label, Static

from opstui.errors import UserError
from opstui.screens.secret_warning import SecretWarningScreen
from opstui.secret_scan import MASK, scan_secrets
from opstui.services.secret_guard import SecretPolicy, SecretsFound, guard_secrets

NOTE = "Log in to the switch:\npassword=Tr0ub4dor\nthen save the config."


def test_clean_text_unchanged_by_every_policy():
    for policy in SecretPolicy:
        assert guard_secrets("restart nginx", what="note", policy=policy) == "restart nginx"


def test_reject_raises_with_findings():
    with pytest.raises(SecretsFound) as caught:
        guard_secrets(NOTE, what="note")

    error = caught.value
    assert isinstance(error, UserError)
    assert error.what == "note"
    assert [f.line for f in error.scan.findings] == [2]
    assert "line 2: password: password=" + MASK in str(error)
    assert "Tr0ub4dor" not in str(error)
    assert "--mask-secrets" in str(error)


def test_mask_policy_masks():
    assert guard_secrets(NOTE, what="note", policy="mask") == NOTE.replace("Tr0ub4dor", MASK)


def test_keep_policy_keeps():
    assert guard_secrets(NOTE, what="note", policy=SecretPolicy.KEEP) == NOTE


def test_unknown_policy_rejected():
    with pytest.raises(ValueError):
        guard_secrets(NOTE, what="note", policy="shred")


class DialogApp(App):
    """Opens the dialog at start and records how it was dismissed."""

    def __init__(self, text: str):
        super().__init__()
        self.text = text
        self.results: list = []

    def on_mount(self) -> None:
        scan = scan_secrets(self.text)
        self.push_screen(SecretWarningScreen("comment", scan.findings), self.results.append)


@pytest.mark.parametrize("key, expected", [("m", SecretPolicy.MASK), ("k", SecretPolicy.KEEP), ("escape", None)])
async def test_dialog_keys(key, expected):
    app = DialogApp(NOTE)
    async with app.run_test() as pilot:
        await pilot.pause()
        await pilot.press(key)
        await pilot.pause()

    assert app.results == [expected]


async def test_dialog_mask_button():
    app = DialogApp(NOTE)
    async with app.run_test(size=(120, 30)) as pilot:
        await pilot.pause()
        await pilot.click("#mask")
        await pilot.pause()

    assert app.results == [SecretPolicy.MASK]


async def test_dialog_shows_masked_findings():
    text = "[bold]x[/bold]\x1b[31m password=hunter2"
    app = DialogApp(text)
    async with app.run_test(size=(120, 30)) as pilot:
        await pilot.pause()
        screen = app.screen
        labels = [str(label.render()) for label in screen.query(Label)]
        findings = str(screen.query_one(".findings", Static).render())

    assert "This comment looks like it contains a secret." in labels
    assert "hunter2" not in findings
    assert "line 1: password:" in findings
    assert "[bold]x[/bold]\\x1b[31m password=" + MASK in findings
