"""The standard instruction template: fixed level-2 headings in a fixed order.

The Zabbix push reads the three level-3 headings under Monitoring, and guided execution
reads the Steps section, so these names are part of the data format, not just style.
"""

SUMMARY = "Summary"
COMPONENTS = "Components affected"
PREREQUISITES = "Prerequisites"
STEPS = "Steps"
INSTALLATION = "Installation"
VERIFICATION = "Verification"
MONITORING = "Monitoring"
ROLLBACK = "Rollback"

WHAT_TO_WATCH = "What to watch"
FAILURE_CRITERIA = "Failure criteria"
ACTION_ON_FAILURE = "Action on failure"

TEMPLATE_HEADINGS = (
    SUMMARY,
    COMPONENTS,
    PREREQUISITES,
    STEPS,
    INSTALLATION,
    VERIFICATION,
    MONITORING,
    ROLLBACK,
)

MONITORING_HEADINGS = (WHAT_TO_WATCH, FAILURE_CRITERIA, ACTION_ON_FAILURE)

# Keys of the monitoring details handed to the Zabbix push, one per level-3 heading.
MONITORING_KEYS = {
    WHAT_TO_WATCH: "what_to_watch",
    FAILURE_CRITERIA: "failure_criteria",
    ACTION_ON_FAILURE: "action_on_failure",
}

# Placeholder prose under each heading of a new draft, as HTML comments so that the
# viewer does not show them and the parsers see an empty section.
HEADING_HINTS = {
    SUMMARY: "What this change does and why.",
    COMPONENTS: "One list item per host, service or package this change touches.",
    PREREQUISITES: "Access, approvals, backups and tools needed before starting.",
    STEPS: "A numbered list: one step per item, with its commands in fenced code blocks.",
    INSTALLATION: "How the software or configuration is installed.",
    VERIFICATION: "How to check that the change works.",
    WHAT_TO_WATCH: "Items, metrics or logs to watch in production.",
    FAILURE_CRITERIA: "Values or events that mean the change failed.",
    ACTION_ON_FAILURE: "What the person on call does when a failure criterion is met.",
    ROLLBACK: "How to undo the change.",
}


def render_template(title: str, sections: dict[str, str] | None = None) -> str:
    """Return a new instruction in the standard template.

    sections maps a template heading (level 2, or a Monitoring level-3 heading) to the
    Markdown to put under it. Headings without text get a hint in an HTML comment.
    """
    sections = sections or {}
    parts = [f"# {title.strip() or 'Untitled instruction'}", ""]

    for heading in TEMPLATE_HEADINGS:
        parts += [f"## {heading}", ""]

        if heading == MONITORING:
            if sections.get(MONITORING, "").strip():
                parts += [sections[MONITORING].strip("\n"), ""]
            for subheading in MONITORING_HEADINGS:
                parts += [f"### {subheading}", ""]
                parts += [_text_or_hint(sections, subheading), ""]
            continue

        parts += [_text_or_hint(sections, heading), ""]

    return "\n".join(parts).rstrip("\n") + "\n"


def _text_or_hint(sections: dict[str, str], heading: str) -> str:
    text = sections.get(heading, "").strip("\n")
    if text.strip():
        return text
    return f"<!-- {HEADING_HINTS[heading]} -->"
