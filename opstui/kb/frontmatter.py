"""YAML front matter: read it, write it in a fixed key order, and name files stably.

Exported knowledge bases live in git, so the same instruction must always produce the
same bytes: keys come in a fixed order, text is never re-wrapped, and file names depend
only on the instruction's id and title.
"""

import re
import unicodedata

import yaml

from opstui.errors import UserError

# Keys opstui writes, in the order they appear; any other key follows, sorted by name.
FRONT_MATTER_KEYS = ("id", "title", "status", "revision", "components", "tasks", "attachments")

FENCE_OPEN = "---"
FENCE_CLOSE = ("---", "...")

SLUG_MAX_LENGTH = 60


def split_front_matter(text: str, source: str = "document") -> tuple[dict, str, int]:
    """Split text into (front matter, body, number of lines before the body).

    A document has front matter only when its first line is ``---`` and a later line
    is ``---`` or ``...``. Anything else is all body. Raises UserError when the block
    is there but is not a YAML mapping, so a broken header is never imported as text.
    """
    lines = text.split("\n")
    if not lines or lines[0].rstrip() != FENCE_OPEN:
        return {}, text, 0

    closing = None
    for index in range(1, len(lines)):
        if lines[index].rstrip() in FENCE_CLOSE:
            closing = index
            break
    if closing is None:
        return {}, text, 0

    yaml_text = "\n".join(lines[1:closing])
    try:
        metadata = yaml.safe_load(yaml_text)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f" at line {mark.line + 2}" if mark is not None else ""
        problem = getattr(error, "problem", None) or "invalid YAML"
        raise UserError(
            f"{source}: the front matter (lines 1-{closing + 1}) is not valid YAML: "
            f"{problem}{where}; fix the YAML between the '---' lines or remove the block"
        ) from None

    if metadata is None:
        metadata = {}
    if not isinstance(metadata, dict):
        raise UserError(
            f"{source}: the front matter (lines 1-{closing + 1}) is a YAML "
            f"{type(metadata).__name__}, not a mapping of keys to values; write it as 'key: value' lines"
        )

    body = "\n".join(lines[closing + 1:])
    return metadata, body, closing + 1


def ordered_front_matter(metadata: dict) -> dict:
    """Return a copy of metadata with opstui's keys first, then the rest sorted by name."""
    ordered = {key: metadata[key] for key in FRONT_MATTER_KEYS if key in metadata}
    for key in sorted(metadata, key=str):
        if key not in ordered:
            ordered[key] = metadata[key]
    return ordered


def render_front_matter(metadata: dict) -> str:
    """Render metadata as a ``---`` block, byte-for-byte the same for the same input."""
    dumped = yaml.safe_dump(
        ordered_front_matter(metadata),
        sort_keys=False,
        allow_unicode=True,
        default_flow_style=False,
        width=10_000,
    )
    return f"{FENCE_OPEN}\n{dumped}{FENCE_OPEN}\n"


def join_front_matter(metadata: dict, body: str) -> str:
    """Return a whole Markdown file: front matter, then the body ending in one newline."""
    return render_front_matter(metadata) + "\n" + body.strip("\n") + "\n"


def slugify(title: str, max_length: int = SLUG_MAX_LENGTH) -> str:
    """Turn a title into lowercase ASCII words joined by hyphens, or 'untitled'."""
    ascii_title = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode("ascii")
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_title.lower()).strip("-")
    if len(slug) > max_length:
        slug = slug[:max_length].rsplit("-", 1)[0] or slug[:max_length]
    return slug or "untitled"


def stable_file_name(title: str, instruction_id: int | str) -> str:
    """Return the export file name of an instruction: zero-padded id, then title slug.

    The id makes the name unique even when two titles slugify alike, and leading with it
    keeps a folder listing in creation order.
    """
    if isinstance(instruction_id, int):
        prefix = f"{instruction_id:04d}"
    else:
        prefix = slugify(str(instruction_id), max_length=40)
    return f"{prefix}-{slugify(title)}.md"
