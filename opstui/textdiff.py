"""Line diffs of two texts for side-by-side display, and a three-way line merge.

Pure functions on strings (difflib underneath) so the note editor, the history
screen and the CLI show and merge versions the same way.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from typing import Literal

RowKind = Literal["equal", "replace", "delete", "insert"]


@dataclass(frozen=True)
class DiffRow:
    """One display row: a line of the old text beside a line of the new one.

    Line numbers start at 1. A side is None where that text has no line here
    (a pure insert or delete).
    """

    kind: RowKind
    old_number: int | None
    old_line: str | None
    new_number: int | None
    new_line: str | None


@dataclass(frozen=True)
class MergeResult:
    """Merged text, with conflict markers around each block that both sides changed."""

    text: str
    conflicts: int

    @property
    def clean(self) -> bool:
        return self.conflicts == 0


def side_by_side(old: str, new: str) -> list[DiffRow]:
    """Pair the lines of two texts into rows, changed lines facing each other."""
    old_lines = old.splitlines()
    new_lines = new.splitlines()
    matcher = difflib.SequenceMatcher(a=old_lines, b=new_lines, autojunk=False)
    rows: list[DiffRow] = []

    for tag, old_start, old_end, new_start, new_end in matcher.get_opcodes():
        if tag == "equal":
            for offset in range(old_end - old_start):
                rows.append(DiffRow("equal", old_start + offset + 1, old_lines[old_start + offset],
                                    new_start + offset + 1, new_lines[new_start + offset]))
            continue

        height = max(old_end - old_start, new_end - new_start)
        for offset in range(height):
            old_index = old_start + offset
            new_index = new_start + offset
            has_old = old_index < old_end
            has_new = new_index < new_end
            kind: RowKind = "replace"
            if not has_new:
                kind = "delete"
            elif not has_old:
                kind = "insert"
            rows.append(DiffRow(
                kind,
                old_index + 1 if has_old else None,
                old_lines[old_index] if has_old else None,
                new_index + 1 if has_new else None,
                new_lines[new_index] if has_new else None,
            ))
    return rows


def unified_diff(old: str, new: str, old_label: str = "old", new_label: str = "new", context: int = 3) -> str:
    """Return a unified diff (as `diff -u` prints it) for the CLI and logs."""
    lines = difflib.unified_diff(
        old.splitlines(), new.splitlines(), fromfile=old_label, tofile=new_label, lineterm="", n=context
    )
    return "\n".join(lines) + "\n" if old != new else ""


def changed_line_count(old: str, new: str) -> int:
    """Count the rows of side_by_side that are not equal: a size of the change."""
    return sum(1 for row in side_by_side(old, new) if row.kind != "equal")


def merge_three_way(base: str, ours: str, theirs: str, ours_label: str = "yours",
                    theirs_label: str = "theirs") -> MergeResult:
    """Merge two edits of the same base text line by line.

    A block changed on one side only takes that side; a block changed the same way
    on both sides is taken once. A block changed differently on both sides is written
    between <<<<<<< / ======= / >>>>>>> markers (as git does) and counted as a conflict,
    so the person can pick or edit.
    """
    base_lines = base.splitlines()
    ours_lines = ours.splitlines()
    theirs_lines = theirs.splitlines()
    ours_match = _matched_lines(base_lines, ours_lines)
    theirs_match = _matched_lines(base_lines, theirs_lines)

    merged: list[str] = []
    conflicts = 0
    base_index = ours_index = theirs_index = 0

    while True:
        stable = _next_stable_line(base_index, ours_index, theirs_index, len(base_lines), ours_match, theirs_match)
        if stable is None:
            base_end, ours_end, theirs_end = len(base_lines), len(ours_lines), len(theirs_lines)
        else:
            base_end, ours_end, theirs_end = stable, ours_match[stable], theirs_match[stable]

        base_chunk = base_lines[base_index:base_end]
        ours_chunk = ours_lines[ours_index:ours_end]
        theirs_chunk = theirs_lines[theirs_index:theirs_end]
        if ours_chunk == base_chunk:
            merged.extend(theirs_chunk)
        elif theirs_chunk == base_chunk or ours_chunk == theirs_chunk:
            merged.extend(ours_chunk)
        else:
            conflicts += 1
            merged.append(f"<<<<<<< {ours_label}")
            merged.extend(ours_chunk)
            merged.append("=======")
            merged.extend(theirs_chunk)
            merged.append(f">>>>>>> {theirs_label}")

        if stable is None:
            break
        merged.append(base_lines[stable])
        base_index, ours_index, theirs_index = stable + 1, ours_end + 1, theirs_end + 1

    text = "\n".join(merged)
    if merged and (ours.endswith("\n") or theirs.endswith("\n")):
        text += "\n"
    return MergeResult(text=text, conflicts=conflicts)


def _matched_lines(base_lines: list[str], other_lines: list[str]) -> dict[int, int]:
    """Map each base line kept unchanged in the other text to its index there."""
    matcher = difflib.SequenceMatcher(a=base_lines, b=other_lines, autojunk=False)
    matched: dict[int, int] = {}
    for block in matcher.get_matching_blocks():
        for offset in range(block.size):
            matched[block.a + offset] = block.b + offset
    return matched


def _next_stable_line(base_index: int, ours_index: int, theirs_index: int, base_length: int,
                      ours_match: dict[int, int], theirs_match: dict[int, int]) -> int | None:
    """Return the next base line that both sides kept, at or after the current positions."""
    for candidate in range(base_index, base_length):
        ours_position = ours_match.get(candidate)
        theirs_position = theirs_match.get(candidate)
        if ours_position is None or theirs_position is None:
            continue
        if ours_position >= ours_index and theirs_position >= theirs_index:
            return candidate
    return None
