"""Text from the database, ready for widgets: never parsed as markup, escapes made visible.

Textual parses plain ``str`` prompts and labels as content markup, so a title
such as "[@click=app.quit]" would act. Widgets get ``Content`` objects instead.
"""

from rich.text import Text
from textual.content import Content

from opstui.sanitize import ONE_LINE_MAX_LENGTH, one_line, visible_text


def literal_line(text: str | None, max_length: int = ONE_LINE_MAX_LENGTH) -> Content:
    """Return one line of user text with control characters visible, cut to ``max_length``."""
    return Content(one_line(text or "", max_length))


def literal_block(text: str | None) -> Content:
    """Multi-line user text with line breaks kept and every other control made visible."""
    return Content(visible_text(text or ""))


def literal_cell(text: str | None, max_length: int = ONE_LINE_MAX_LENGTH) -> Text:
    """Return one line of user text as a rich Text, which DataTable measures correctly."""
    return Text(one_line(text or "", max_length), no_wrap=True, overflow="ellipsis")
