"""Draw horizontal bars with block characters, for a chart in a terminal.

Textual 8 has no chart widget, and a bar of eighth-blocks reads well in any
terminal font, so the reports screen and the CLI draw bars from these strings.
"""

_EIGHTHS = " ▏▎▍▌▋▊▉"
_FULL_BLOCK = "█"


def bar(value: float, maximum: float, width: int) -> str:
    """Return a bar of at most width cells whose length is value / maximum of width.

    Each cell is split into eighths, so small differences stay visible; a value
    above zero always gets at least one eighth.
    """
    if width <= 0 or maximum <= 0 or value <= 0:
        return ""

    eighths = round(min(value / maximum, 1.0) * width * 8)
    eighths = max(eighths, 1)
    full_cells, remainder = divmod(eighths, 8)
    text = _FULL_BLOCK * full_cells
    if remainder:
        text += _EIGHTHS[remainder]
    return text


def bar_lines(items: list[tuple[str, float, str]], width: int) -> list[str]:
    """Render (label, value, value text) items as aligned "label  bar  value" lines.

    The longest value fills width cells; labels are padded to the longest label.
    """
    if not items:
        return []

    label_width = max(len(label) for label, _value, _text in items)
    maximum = max(value for _label, value, _text in items)
    lines = []
    for label, value, value_text in items:
        drawn = bar(value, maximum, width)
        lines.append(f"{label:<{label_width}}  {drawn:<{width}}  {value_text}")
    return lines
