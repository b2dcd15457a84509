"""Links from Markdown text to instructions, tasks and notes."""

import pytest

from opstui.kb.links import FileLink, make_link, markdown_link, match_file_link, parse_file_link, parse_link


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


def test_parse_file_link_reads_relative_markdown_paths():
    link = parse_file_link("../db/restore.md#step-2")
    assert link == FileLink(path="../db/restore.md", file_name="restore.md", anchor="step-2")
    assert parse_file_link("other%20runbook.md").file_name == "other runbook.md"
    assert parse_file_link("deploy.html.md.erb?plain=1").file_name == "deploy.html.md.erb"
    assert parse_file_link("other-runbook.md").anchor is None


def test_parse_file_link_ignores_urls_anchors_and_other_files():
    for href in ("https://example.org/a.md", "#step-2", "task:4", "mailto:x@example.org", "diagram.png", ""):
        assert parse_file_link(href) is None, href


INSTRUCTIONS = [
    {"id": 3, "title": "Restore a database", "draft_title": None, "import_source": "restore.md"},
    {"id": 7, "title": "Restart unbound", "draft_title": "Restart unbound safely", "import_source": None},
    {"id": 12, "title": "Rotate credentials", "draft_title": None, "import_source": "Rotate.MD"},
]


def match(href: str) -> int | None:
    return match_file_link(parse_file_link(href), INSTRUCTIONS)


def test_match_file_link_by_imported_file_name():
    assert match("../db/restore.md#step-2") == 3
    assert match("rotate.md") == 12


def test_match_file_link_by_exported_name_or_its_id():
    assert match("0007-restart-unbound.md") == 7
    assert match("0007-restart-unbound-safely.md") == 7
    assert match("0012-an-old-title.md") == 12


def test_match_file_link_by_title_slug():
    assert match("Restart_Unbound.md") == 7
    assert match("restart-unbound-safely.markdown") == 7


def test_match_file_link_misses_unknown_files():
    assert match("backup.md") is None
    assert match("0099-restart-unbound.md") == 7
    assert match("0099-nothing-like-it.md") is None
