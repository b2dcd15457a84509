"""ENML to Markdown: Evernote's own constructs and ordinary HTML both become Markdown."""

import pytest
from markdown_it import MarkdownIt

from opstui.enex import AttachmentLink, EnexTask, enml_to_markdown, read_enex, tasks_to_markdown

PROLOG = '<?xml version="1.0" encoding="UTF-8"?><!DOCTYPE en-note SYSTEM "http://xml.evernote.com/pub/enml2.dtd">'


def convert(body: str, attachments=()) -> str:
    return enml_to_markdown(f"{PROLOG}<en-note>{body}</en-note>", attachments)


def test_headings_and_emphasis():
    markdown = convert("<h1>Plan</h1><h3>Step</h3><div><b>bold</b> and <i>soft</i></div>")

    assert markdown.splitlines()[0] == "# Plan"
    assert "### Step" in markdown
    assert "**bold** and *soft*" in markdown
    assert "DOCTYPE" not in markdown
    assert "xml version" not in markdown


def test_en_todo_in_list_items():
    markdown = convert(
        '<ul><li><en-todo checked="true"/>done</li><li><b><en-todo/></b>open</li></ul>'
    )

    assert markdown.splitlines() == ["- [x] done", "- [ ] open"]


def test_en_todo_in_divs_become_task_items():
    markdown = convert('<div><en-todo checked="false"/>first</div><div><en-todo checked="true"/>second</div>')

    lines = [line for line in markdown.splitlines() if line]
    assert lines == ["- [ ] first", "- [x] second"]


def test_evernote10_checklist_styles():
    markdown = convert(
        '<ul style="--en-todo:true;"><li style="--en-checked:true;"><div>shipped</div></li>'
        '<li style="--en-checked:false;"><div>pending</div></li></ul>'
    )

    assert markdown.splitlines() == ["- [x] shipped", "- [ ] pending"]


def test_lists_nested_directly_are_indented():
    markdown = convert("<ul><li>a</li><ul><li>a1</li></ul><li>b</li></ul><ol><li>one</li><li>two</li></ol>")

    assert "- a\n  - a1\n- b" in markdown
    assert "1. one\n2. two" in markdown


def test_table_first_row_becomes_header():
    markdown = convert(
        "<table><tr><td><div>Host</div></td><td><div>Role</div></td></tr>"
        "<tr><td>db1</td><td><div>primary</div><div>since 2020</div></td></tr></table>"
    )

    lines = markdown.splitlines()
    assert lines[0] == "| Host | Role |"
    assert lines[1] == "| --- | --- |"
    assert lines[2].startswith("| db1 | primary")
    assert "since 2020" in lines[2]


def test_links_and_autolinks():
    markdown = convert('<div><a href="https://example.com/a?b=1&amp;c=2">docs</a> <a href="https://x.org/">https://x.org/</a></div>')

    assert "[docs](https://example.com/a?b=1&c=2)" in markdown
    assert "<https://x.org/>" in markdown


def test_code_block_div_keeps_lines():
    markdown = convert(
        '<div style="--en-codeblock:true; font-family: monospace"><div>if a &lt; b:</div>'
        "<div>    print(1)</div><div><br/></div><div>done</div></div>"
    )

    assert "```\nif a < b:\n    print(1)\n\ndone\n```" in markdown


def test_pre_block():
    markdown = convert("<pre>systemctl restart nginx\njournalctl -u nginx</pre>")

    assert "```\nsystemctl restart nginx\njournalctl -u nginx\n```" in markdown


def test_media_links_to_attachment():
    image = AttachmentLink(hash="aa11", url="attachment:7", name="diagram.png", mime="image/png")
    pdf = AttachmentLink(hash="bb22", url="attachment:8", name="run book.pdf", mime="application/pdf")

    markdown = convert('<div>see</div><en-media hash="aa11" type="image/png"/><en-media hash="bb22" type="application/pdf"/>', [image, pdf])

    assert "![diagram.png](attachment:7)" in markdown
    assert "[run book.pdf](attachment:8)" in markdown
    assert "Attachments:" not in markdown


def test_media_with_unmatched_hash_takes_unused_attachment():
    link = AttachmentLink(hash="cc33", url="attachment:9", name="1.jpg", mime="image/gif")

    markdown = convert('<en-media hash="0000" type="image/jpeg"/>', [link])

    assert markdown.strip() == "![1.jpg](attachment:9)"


def test_media_without_attachment_is_named():
    markdown = convert('<en-media hash="dead" type="image/png"/>')

    assert "(missing attachment dead)" in markdown


def test_unreferenced_attachments_are_listed():
    link = AttachmentLink(hash="dd44", url="attachment:10", name="notes.txt", mime="text/plain")

    markdown = convert("<div>body</div>", [link])

    assert markdown.endswith("Attachments:\n\n- [notes.txt](attachment:10)\n")


def test_attachment_url_with_spaces_is_encoded():
    link = AttachmentLink(hash="ee55", url="attachment:11/my file (1).png", name="my file", mime="image/png")

    markdown = convert('<en-media hash="ee55"/>', [link])

    assert "(attachment:11/my%20file%20%281%29.png)" in markdown


def test_markup_and_escapes_stay_text():
    markdown = convert("<div>[b]bold?[/b] [@click=app.quit]x[/] \x1b[31mred</div>")

    assert "[b]bold?[/b]" in markdown
    assert "[@click=app.quit]x[/]" in markdown
    assert "\x1b[31mred" in markdown


def test_empty_note():
    assert enml_to_markdown("") == ""
    assert convert("<div><br/></div>") == ""


def test_encrypted_block_is_named():
    markdown = convert('<en-crypt cipher="AES">c2VjcmV0</en-crypt>')

    assert "encrypted" in markdown
    assert "c2VjcmV0" not in markdown


def test_tasks_to_markdown_sorts_by_weight():
    tasks = [EnexTask("second", False, "M"), EnexTask("first", True, "B")]

    assert tasks_to_markdown(tasks) == "- [x] first\n- [ ] second\n"
    assert tasks_to_markdown([]) == ""


EXPECTED_CORPUS_TEXT = {
    "evernote2md__export.enex": ["text in the note", "**bold text**", "![1.jpg](attachment:"],
    "yarle__sanitize_fulltest.enex": ["```", '"replacementCharacterMap": {', "Linking sanitized note:"],
    "yarle__test-checklist.enex": ["- [ ] Checklist item 1", "  - [x] Nested checked item",
                                   "- [x] Checked checklist item 2", "  1. Nested ordered 3a",
                                   "[link](https://example.com/?a=1&b=2)", "```\ncodeblock\n```"],
    "yarle__test-empty-en-todo.enex": ["- [x] Add view_post_X_forum variable", "- [ ] Begin stepwise regression work"],
    "yarle__test-tana-02.enex": ["    - task1.1.1", "| TABLE0.0 | Column1 | Column2 |", "[See Tana](https://tana.inc)",
                                 "~~striked~~", "- [ ] checkpoint2"],
}


@pytest.mark.parametrize("name", sorted(EXPECTED_CORPUS_TEXT))
def test_corpus_converts_and_renders(corpus_dir, name):
    parser = MarkdownIt("commonmark").enable("table").enable("strikethrough")
    texts = []
    for note in read_enex(corpus_dir / "enex" / name):
        links = [AttachmentLink(resource.hash, f"attachment:{number}", resource.file_name or "", resource.mime)
                 for number, resource in enumerate(note.resources)]
        markdown = enml_to_markdown(note.content, links)
        assert markdown.strip(), f"note {note.title!r} converted to nothing"
        assert "<en-" not in markdown
        assert "\ue000" not in markdown
        assert "\ue001" not in markdown
        assert parser.render(markdown)
        texts.append(markdown)

    joined = "\n".join(texts)
    for expected in EXPECTED_CORPUS_TEXT[name]:
        assert expected in joined


def test_corpus_table_renders_as_table(corpus_dir):
    notes = {note.title: note for note in read_enex(corpus_dir / "enex" / "yarle__test-tana-02.enex")}

    html = MarkdownIt("commonmark").enable("table").render(enml_to_markdown(notes["Table"].content))

    assert "<table>" in html
    assert "<th>TABLE0.0</th>" in html
    assert "<td>Cell2.2</td>" in html


def test_recovered_cdata_note_converts(corpus_dir):
    (note,) = read_enex(corpus_dir / "enex" / "evernote2md__cdata.issue.enex", recover=True)

    markdown = enml_to_markdown(note.content)

    for text in ("email", "**Title**", "Date", "text"):
        assert text in markdown
