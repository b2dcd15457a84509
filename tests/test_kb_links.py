"""Links from Markdown text to instructions, tasks and notes."""

import pytest

from opstui.kb.links import make_link, markdown_link, parse_link


def test_make_and_parse_link_round_trip():
    for kind in ("instruction", "task", "note"):
        assert parse_link(make_link(kind, 42)) == (kind, 42)


def test_parse_link_ignores_other_hrefs():
    assert parse_link("https://example.org/task:1") is None
    assert parse_link("#anchor") is None
    assert parse_link("task:abc") is None


def test_make_link_rejects_unknown_kind():
    with pytest.raises(ValueError, match="unknown link kind"):
        make_link("user", 1)


def test_markdown_link_escapes_brackets():
    assert markdown_link("task", 5, "fix [prod]") == "[fix \\[prod\\]](task:5)"
