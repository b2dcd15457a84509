"""Put stored secrets back into an imported file whose export masked them.

A default export replaces each suspected secret with ``********``. When such a file is
imported over the instruction it came from, the masks must not replace the real
secrets: lines that match the stored text once masked take the stored lines, and only
lines the person changed are taken from the file.
"""

import difflib
import re
from dataclasses import dataclass

from opstui.secret_scan import MASK, mask_secrets


@dataclass(frozen=True)
class RestoredText:
    """The imported text with the stored secrets back, and how many masks were filled or left."""

    text: str
    restored: int
    unresolved: int


def restore_masked_secrets(imported: str, stored: str) -> RestoredText:
    """Return ``imported`` with each mask on a line unchanged since export replaced by the stored secret.

    Masks on lines that differ from the stored text cannot be matched to a secret, so they
    stay as written and are counted in ``unresolved``.
    """
    if MASK not in imported:
        return RestoredText(imported, 0, 0)

    masked_lines, stored_lines = _masked_and_stored_lines(stored)
    imported_lines = imported.splitlines(keepends=True)
    matcher = difflib.SequenceMatcher(None, masked_lines, imported_lines)

    pieces: list[str] = []
    restored = 0
    unresolved = 0
    for operation, masked_start, masked_end, imported_start, imported_end in matcher.get_opcodes():
        if operation == "equal":
            for index in range(masked_start, masked_end):
                pieces.append(stored_lines[index])
                if stored_lines[index] != masked_lines[index]:
                    restored += masked_lines[index].count(MASK)
            continue

        written = imported_lines[imported_start:imported_end]
        pieces.extend(written)
        unresolved += sum(line.count(MASK) for line in written)

    return RestoredText("".join(pieces), restored, unresolved)


def _masked_and_stored_lines(stored: str) -> tuple[list[str], list[str]]:
    """Return the masked text's lines and, for each, the stored text it stands for.

    A masked private key is one line standing for the whole key, so the lists are paired
    by index, not by line count.
    """
    masked = mask_secrets(stored)
    values = _secret_values(masked, stored)
    masked_lines = masked.splitlines(keepends=True)
    if values is None:
        return masked_lines, masked_lines

    stored_lines = []
    remaining = iter(values)
    for line in masked_lines:
        parts = line.split(MASK)
        rebuilt = parts[0]
        for part in parts[1:]:
            rebuilt += next(remaining) + part
        stored_lines.append(rebuilt)
    return masked_lines, stored_lines


def _secret_values(masked: str, stored: str) -> list[str] | None:
    """Return the stored text behind each mask, in order; None when they cannot be aligned.

    The masked text is the stored text with some spans replaced by the mask, so the
    pieces between masks appear in the stored text in order. A literal ``********`` in
    the stored text aligns with itself.
    """
    pieces = masked.split(MASK)
    pattern = "(.+?)".join(re.escape(piece) for piece in pieces)
    match = re.fullmatch(pattern, stored, re.DOTALL)
    if match is None:
        return None
    return list(match.groups())
