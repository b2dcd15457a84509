"""Shown when a save finds a newer version: both texts side by side, then merge or pick."""

from __future__ import annotations

from dataclasses import dataclass

from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import ModalScreen
from textual.widgets import Static

from opstui.sanitize import one_line
from opstui.widgets.key_bar import KeyBar
from opstui.widgets.side_by_side_diff import SideBySideDiff


@dataclass(frozen=True)
class ConflictTexts:
    """The user's unsaved text and the version someone else saved meanwhile."""

    mine_title: str
    mine_body: str
    theirs_title: str
    theirs_body: str
    theirs_version: int
    theirs_author: str


class NoteConflictScreen(ModalScreen[str | None]):
    """Return "mine", "theirs" or "merge" (merge in the editor), or None to keep editing.

    Whatever is chosen, the user's text is kept as a revision by the save that follows.
    """

    BINDINGS = [
        Binding("m", "choose('merge')", "Merge in editor", id="conflict.merge"),
        Binding("y", "choose('mine')", "Keep mine", id="conflict.mine"),
        Binding("t", "choose('theirs')", "Take theirs", id="conflict.theirs"),
        Binding("escape", "choose(None)", "Back to editing", id="conflict.cancel"),
    ]
    DEFAULT_CSS = """
    NoteConflictScreen { background: $background 60%; }
    NoteConflictScreen #conflict-box { margin: 1 2; height: 1fr; border: thick $warning; background: $surface; }
    NoteConflictScreen #conflict-heading { height: auto; padding: 0 1; }
    """

    def __init__(self, texts: ConflictTexts):
        super().__init__()
        self.texts = texts

    def compose(self) -> ComposeResult:
        from textual.containers import Vertical

        with Vertical(id="conflict-box"):
            yield Static(self._heading(), id="conflict-heading", markup=False)
            yield SideBySideDiff("Yours (unsaved)", f"{self.texts.theirs_author}'s version {self.texts.theirs_version}",
                                 id="conflict-diff")
        yield KeyBar()

    def _heading(self) -> str:
        texts = self.texts
        lines = [f"{one_line(texts.theirs_author)} saved version {texts.theirs_version} while you were editing.",
                 "m: merge both in the editor   y: keep yours   t: take theirs   escape: keep editing."
                 " Your text is kept in the history whatever you choose."]
        if texts.mine_title != texts.theirs_title:
            lines.append(f"Titles differ: yours {one_line(texts.mine_title, 60)!r},"
                         f" theirs {one_line(texts.theirs_title, 60)!r}")
        return "\n".join(lines)

    def on_mount(self) -> None:
        diff = self.query_one(SideBySideDiff)
        diff.show(self.texts.mine_body, self.texts.theirs_body)
        diff.focus()

    def action_choose(self, choice: str | None) -> None:
        self.dismiss(choice)
