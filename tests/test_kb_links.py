"""Links from Markdown text to instructions, tasks and notes."""

import pytest

from opstui.kb.links import (DocumentLink, FileLink, document_links, make_link, markdown_link, match_file_link,
                             parse_file_link, parse_link)
from opstui.screens.link_picker import links_around


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


def test_parse_file_link_ignores_other_hrefs():
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


def test_match_file_link_by_exported_name():
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


LINKED_BODY = """# Failover

See [the restore](../db/restore.md#step-2) and [task \\[4\\]](task:4 "the change").
![diagram](net.png) `[not a link](code.md)` <https://status.example.org/db>
Read the [wiki][w] and [W][] first, then [missing][nowhere].

```bash
echo "[in code](code.md)"
[w]: https://wrong.example
```
[w]: https://wiki.example/db "Wiki"
"""


def test_document_links_in_reading_order():
    assert document_links(LINKED_BODY) == [
        DocumentLink(2, "the restore", "../db/restore.md#step-2"),
        DocumentLink(2, "task [4]", "task:4"),
        DocumentLink(3, "https://status.example.org/db", "https://status.example.org/db"),
        DocumentLink(4, "wiki", "https://wiki.example/db"),
        DocumentLink(4, "W", "https://wiki.example/db"),
    ]


def test_document_links_of_text_without_links():
    assert document_links("# Title\n\nJust text, [brackets] and (parentheses).\n") == []


def test_links_around_starts_at_reading_position():
    links = [DocumentLink(line, f"link {line}", f"task:{line}") for line in range(0, 2000, 2)]

    listed, first = links_around(links, 1001, limit=300)

    assert len(listed) == 300
    assert listed[first].line == 1002
    assert listed[0].line < 1002 < listed[-1].line


def test_links_around_past_the_last_link():
    links = [DocumentLink(line, "x", "task:1") for line in (3, 5)]

    listed, first = links_around(links, 50)

    assert listed == links
    assert first == 1
