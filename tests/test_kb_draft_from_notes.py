"""Drafts gathered from discovery notes under the template headings."""

from opstui.kb import template
from opstui.kb.draft_from_notes import NoteSource, build_draft_from_notes, classify_heading
from opstui.kb.sections import components_list, find_section, monitoring_details, section_text, split_sections
from opstui.kb.steps import extract_steps

RESEARCH = NoteSource(3, "DNS research", """Resolvers answer slowly since the upgrade.

## Sandbox trial

1. Stop unbound
2. Edit the config:

   ```
   vi /etc/unbound/unbound.conf
   ```

## Rollback plan

Restore the backup.

### Details

Keep the old file for a week.

## Failure criteria

SERVFAIL rate above 1%.
""")

HOSTS = NoteSource(4, "Hosts [prod]", "## Affected hosts\n\n- ns1\n- ns2\n")


def section_of(text: str, title: str) -> str:
    return section_text(text, find_section(split_sections(text), title, level=2))


def test_classify_heading_keywords():
    assert classify_heading("Rollback plan") == template.ROLLBACK
    assert classify_heading("Post-install checks") == template.VERIFICATION
    assert classify_heading("Pre-install requirements") == template.PREREQUISITES
    assert classify_heading("Action on failure") == template.ACTION_ON_FAILURE
    assert classify_heading("Failure criteria") == template.FAILURE_CRITERIA
    assert classify_heading("Random thoughts") is None


def test_draft_keeps_template_headings():
    draft = build_draft_from_notes("Move DNS", [RESEARCH, HOSTS])
    level_two = [s.title for s in split_sections(draft) if s.level == 2]

    assert level_two == list(template.TEMPLATE_HEADINGS)


def test_draft_puts_note_parts_under_matching_headings():
    draft = build_draft_from_notes("Move DNS", [RESEARCH, HOSTS])

    assert "Resolvers answer slowly" in section_of(draft, "Summary")
    assert "Restore the backup." in section_of(draft, "Rollback")
    assert "Keep the old file" in section_of(draft, "Rollback")
    assert "**Details**" in section_of(draft, "Rollback")
    assert monitoring_details(draft)["failure_criteria"].endswith("SERVFAIL rate above 1%.")
    assert components_list(draft) == ["ns1", "ns2"]


def test_unnamed_numbered_list_goes_to_steps():
    draft = build_draft_from_notes("Move DNS", [RESEARCH])
    steps = extract_steps(draft)

    assert [s.text for s in steps] == ["Stop unbound", "Edit the config:"]
    assert steps[1].commands[0].code == "vi /etc/unbound/unbound.conf\n"


def test_every_part_links_back_to_its_note():
    draft = build_draft_from_notes("Move DNS", [RESEARCH, HOSTS])

    assert "[DNS research](note:3)" in section_of(draft, "Rollback")
    assert "[Hosts \\[prod\\]](note:4)" in section_of(draft, "Components affected")


def test_no_notes_gives_empty_template():
    assert build_draft_from_notes("Empty", []) == template.render_template("Empty")
