"""Ordered steps for guided execution: lists, task lists, Step N headings, errors."""


import pytest

from opstui.errors import UserError
from opstui.kb import template
from opstui.kb.steps import NoStepsError, extract_steps


def test_numbered_list_items_are_steps():
    body = "# T\n\n1. First\n2. Second\n   more text\n3. Third\n"
    steps = extract_steps(body)

    assert [s.number for s in steps] == [1, 2, 3]
    assert [s.text for s in steps] == ["First", "Second more text", "Third"]


def test_step_commands_and_notes_come_from_the_item():
    body = """1. Stop the service:

   ```bash
   systemctl stop unbound
   ```

   Wait until the port is closed.

   - check with ss
2. Start it again.
"""
    first, second = extract_steps(body)

    assert first.text == "Stop the service:"
    assert len(first.commands) == 1
    assert first.commands[0].language == "bash"
    assert first.commands[0].code == "systemctl stop unbound\n"
    assert "Wait until the port is closed." in first.notes
    assert "- check with ss" in first.notes
    assert "systemctl stop unbound" in first.markdown
    assert second.commands == ()


def test_task_list_items_are_steps_with_checked_state():
    body = "- [ ] open the ticket\n- [x] announce in chat\n  - plain sub bullet\n"
    steps = extract_steps(body)

    assert [s.text for s in steps] == ["open the ticket", "announce in chat"]
    assert [s.checked for s in steps] == [False, True]
    assert steps[1].notes == ("- plain sub bullet",)


def test_plain_bullet_list_is_not_steps():
    with pytest.raises(NoStepsError):
        extract_steps("# Notes\n\n- one idea\n- another idea\n")


def test_nested_numbered_items_stay_in_their_parent():
    body = "1. Outer\n    1. inner a\n    1. inner b\n1. Second outer\n"
    steps = extract_steps(body)

    assert [s.text for s in steps] == ["Outer", "Second outer"]
    assert "inner a" in steps[0].notes[0]


def test_step_headings_are_steps():
    body = """# Diagnose

## Step 1: Check status

```
ceph status
```

Look for HEALTH_WARN.

## Step 2: Check metrics

Open the dashboard.

## Other
"""
    steps = extract_steps(body)

    assert [s.text for s in steps] == ["Check status", "Check metrics"]
    assert steps[0].commands[0].code == "ceph status\n"
    assert steps[0].notes == ("Look for HEALTH_WARN.",)
    assert steps[0].section == "Diagnose"


def test_step_heading_with_list_groups_its_items():
    body = "## Step 1: Prepare\n\n1. a\n2. b\n\n## Step 2: Finish\n\nDone.\n"
    steps = extract_steps(body)

    assert [s.text for s in steps] == ["a", "b", "Finish"]
    assert steps[0].section == "Step 1: Prepare"


def test_decimal_step_heading_keeps_its_number():
    steps = extract_steps("## Step 0.1\n\ntext\n\n## Step 0.2\n\ntext\n")

    assert [s.text for s in steps] == ["Step 0.1", "Step 0.2"]


def test_single_numbered_heading_is_not_a_step():
    with pytest.raises(NoStepsError):
        extract_steps("## 1. Introduction\n\nProse only.\n")


def test_fence_right_after_list_belongs_to_last_step():
    body = "- [ ] edit the file\n```json\n{\"a\": 1}\n```\n- [ ] apply\n"
    steps = extract_steps(body)

    assert steps[0].commands[0].language == "json"
    assert len(steps) == 2


def test_template_steps_section_is_the_only_scope():
    body = template.render_template("T", {
        template.STEPS: "1. real step\n2. second real step",
        template.ROLLBACK: "1. not a step of the run",
    })
    steps = extract_steps(body)

    assert [s.text for s in steps] == ["real step", "second real step"]
    assert all(s.section == "Steps" for s in steps)


def test_empty_template_steps_section_is_an_error():
    with pytest.raises(NoStepsError, match="'Steps' section"):
        extract_steps(template.render_template("T"), source="draft.md")


def test_no_steps_message_names_source_and_fix():
    with pytest.raises(NoStepsError) as caught:
        extract_steps("# Only prose\n\nNothing to do.\n", source="prose.md")

    message = str(caught.value)
    assert message.startswith("prose.md:")
    assert "numbered list" in message
    assert isinstance(caught.value, UserError)


def test_named_section_limits_steps():
    body = "## A\n\n1. a1\n2. a2\n\n## B\n\n1. b1\n"

    assert [s.text for s in extract_steps(body, section="b")] == ["b1"]

    with pytest.raises(UserError, match="no section named 'C'"):
        extract_steps(body, section="C")


def test_hash_comment_inside_fence_is_not_a_heading():
    body = "1. run\n\n   ```\n   # Step 9: not a heading\n   ls\n   ```\n"
    steps = extract_steps(body)

    assert len(steps) == 1
    assert "# Step 9" in steps[0].commands[0].code


def test_large_document_steps_all_found():
    item = "1. Run the command\n\n   ```\n   echo hello\n   ```\n\n"
    body = "## Steps\n\n" + item * 20_000
    assert len(body) > 800_000

    # Its speed is measured by bench/kb_viewer.py, not here.
    steps = extract_steps(body)

    assert len(steps) == 20_000
    assert steps[-1].commands[0].code.strip() == "echo hello"


# extract_steps parses without inline children for speed. These tests compare it with
# the full markdown-it parse it replaced, on every real runbook and a hand-made one.
def steps_and_sections_inputs(corpus_dir) -> dict[str, str]:
    from opstui.kb.document import load_document

    bodies = {path.name: load_document(path).body for path in sorted((corpus_dir / "runbooks").iterdir())}
    bodies["escaped headings"] = "# T\n\n" + "".join(
        f"## Step {n}: run \\*{n}\\* `x` [link][r]\n\ntext\n\n```\nrun {n}\n```\n\n### Sub {n}\n\n- a\n"
        for n in range(1, 6)) + "\n[r]: https://example.org\n"
    return bodies


def test_fast_steps_equal_full_parse_steps(corpus_dir, monkeypatch):
    from opstui.kb import steps
    from opstui.kb.markdown import markdown_parser
    from opstui.kb.sections import BlockParse

    def full_parse(body: str) -> BlockParse:
        env: dict = {}
        return BlockParse(tuple(markdown_parser().parse(body, env)), env)

    def outcome(body: str, name: str):
        try:
            return extract_steps(body, source=name)
        except NoStepsError as error:
            return str(error)

    bodies = steps_and_sections_inputs(corpus_dir)
    fast = {name: outcome(body, name) for name, body in bodies.items()}
    monkeypatch.setattr(steps, "parse_blocks", full_parse)
    full = {name: outcome(body, name) for name, body in bodies.items()}

    assert fast == full
    assert sum(isinstance(result, list) for result in fast.values()) >= 8


def test_sections_equal_full_parse_headings(corpus_dir):
    from opstui.kb.markdown import inline_plain_text, parse_tokens
    from opstui.kb.sections import split_sections

    for name, body in steps_and_sections_inputs(corpus_dir).items():
        tokens = parse_tokens(body)
        expected = [(int(token.tag[1]), inline_plain_text(tokens[index + 1]), token.map[0], token.map[1])
                    for index, token in enumerate(tokens) if token.type == "heading_open"]
        line_count = len(body.split("\n"))
        ends = []
        for position, (level, _, _, _) in enumerate(expected):
            later = [line for later_level, _, line, _ in expected[position + 1:] if later_level <= level]
            ends.append(later[0] if later else line_count)

        sections = split_sections(body)
        assert [(s.level, s.title, s.line, s.content_start) for s in sections] == expected, name
        assert [s.end for s in sections] == ends, name
