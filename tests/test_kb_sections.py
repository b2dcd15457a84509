"""Sections by heading, the Monitoring fields, components and the template."""

from opstui.kb import template
from opstui.kb.sections import (
    components_list,
    find_section,
    missing_template_headings,
    monitoring_details,
    section_text,
    split_sections,
)

FILLED = """# Move DNS

## Summary

Move the resolvers.

## Components affected

- ns1.example.net
- `unbound` package
  - nested detail, not a component
- ns1.example.net

## Steps

1. Stop unbound.

## Monitoring

General words.

### What to watch

The SERVFAIL rate.

### Failure criteria

More than 1% SERVFAIL for 5 minutes.

```
# not a heading
```

### Action on failure

Page the DNS on-call.

## Rollback

Restore the old config.
"""


def test_split_sections_levels_and_ranges():
    sections = split_sections(FILLED)
    titles = [(s.level, s.title) for s in sections]

    assert titles[0] == (1, "Move DNS")
    assert (3, "Failure criteria") in titles
    assert not any("not a heading" in title for _, title in titles)

    monitoring = find_section(sections, "monitoring", level=2)
    rollback = find_section(sections, "Rollback")
    assert monitoring.end == rollback.line


def test_duplicate_headings_get_unique_anchors():
    sections = split_sections("# A\n\n## Restart\n\nx\n\n## Restart\n\ny\n\n## Restart\n")

    assert [s.anchor for s in sections] == ["a", "restart", "restart-1", "restart-2"]


def test_setext_heading_content_starts_after_underline():
    body = "Title\n=====\n\ntext under\n"
    (section,) = split_sections(body)

    assert section.title == "Title"
    assert section_text(body, section) == "text under"


def test_monitoring_details_reads_three_fields():
    details = monitoring_details(FILLED)

    assert details["what_to_watch"] == "The SERVFAIL rate."
    assert details["failure_criteria"].startswith("More than 1% SERVFAIL")
    assert "# not a heading" in details["failure_criteria"]
    assert details["action_on_failure"] == "Page the DNS on-call."


def test_monitoring_details_missing_section_gives_empty_strings():
    assert monitoring_details("# T\n\n## Summary\n\nx\n") == {
        "what_to_watch": "",
        "failure_criteria": "",
        "action_on_failure": "",
    }


def test_monitoring_hints_of_new_template_are_empty():
    details = monitoring_details(template.render_template("New"))

    assert details == {"what_to_watch": "", "failure_criteria": "", "action_on_failure": ""}


def test_components_list_from_list_items():
    assert components_list(FILLED) == ["ns1.example.net", "unbound package"]


def test_components_list_from_plain_lines():
    body = "## Components affected\n\nweb01\nweb02\n\n## Steps\n"

    assert components_list(body) == ["web01", "web02"]


def test_components_list_absent_is_empty():
    assert components_list(template.render_template("New")) == []


def test_template_has_every_heading_in_order():
    text = template.render_template("Rotate keys")
    level_two = [s.title for s in split_sections(text) if s.level == 2]

    assert level_two == list(template.TEMPLATE_HEADINGS)
    assert missing_template_headings(text) == []


def test_missing_template_headings_lists_gaps():
    missing = missing_template_headings(FILLED)

    assert "Prerequisites" in missing
    assert "Installation" in missing
    assert "Verification" in missing
    assert "Summary" not in missing
    assert not any(item.startswith("Monitoring /") for item in missing)


def test_render_template_puts_text_under_headings():
    text = template.render_template("T", {template.ROLLBACK: "Undo it.", template.WHAT_TO_WATCH: "CPU"})

    assert section_text(text, find_section(split_sections(text), "Rollback")) == "Undo it."
    assert monitoring_details(text)["what_to_watch"] == "CPU"
