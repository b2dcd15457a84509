"""Cutting long documents into chunks, and the fast heading scan."""

from opstui.kb.chunks import chunk_index_for_line, label_bare_fences, scan_headings, split_into_chunks


def test_short_document_is_one_chunk():
    body = "# T\n\ntext\n"
    (chunk,) = split_into_chunks(body)

    assert chunk.text == body
    assert (chunk.start_line, chunk.end_line) == (0, 4)


def test_chunks_cover_every_line_once():
    body = "\n".join(f"Paragraph {n} with some words.\n" for n in range(3000))
    chunks = split_into_chunks(body, chunk_characters=1000, single_chunk_bytes=100)

    assert len(chunks) > 10
    assert chunks[0].start_line == 0
    assert chunks[-1].end_line == len(body.split("\n"))
    for earlier, later in zip(chunks, chunks[1:]):
        assert earlier.end_line == later.start_line


def test_cut_never_splits_a_fence():
    fence = "```\n" + "\n\n".join(f"line {n}" for n in range(400)) + "\n```\n"
    body = "intro\n\n" + fence + "\nafter\n"
    chunks = split_into_chunks(body, chunk_characters=100, single_chunk_bytes=10)

    for chunk in chunks:
        assert chunk.text.count("```") % 2 == 0


def test_reference_definitions_repeat_in_chunks():
    body = "".join(f"See [docs][ref] {n}.\n\n" for n in range(500)) + "[ref]: https://example.org\n"
    chunks = split_into_chunks(body, chunk_characters=500, single_chunk_bytes=10)

    assert all("[ref]: https://example.org" in chunk.text for chunk in chunks)


def test_chunk_index_for_line():
    body = "\n".join(f"Paragraph {n}.\n" for n in range(1000))
    chunks = split_into_chunks(body, chunk_characters=500, single_chunk_bytes=10)

    assert chunk_index_for_line(chunks, 0) == 0
    assert chunk_index_for_line(chunks, chunks[3].start_line) == 3
    assert chunk_index_for_line(chunks, 10**6) == len(chunks) - 1


def test_scan_headings_skips_fences():
    body = "# Title\n\n```\n# not a heading\n```\n\n## Part ##\n\ntext\n"

    headings = scan_headings(body)

    assert [(h.level, h.title, h.line) for h in headings] == [(1, "Title", 0), (2, "Part", 6)]


def test_bare_fences_get_a_language_for_display():
    text = "intro\n```\necho 1\n```\n\n  ```bash\nls\n  ```\n~~~~\nx\n```\n~~~~\n"
    labelled = label_bare_fences(text)
    assert labelled.split("\n") == ["intro", "```text", "echo 1", "```", "", "  ```bash", "ls", "  ```",
                                    "~~~~text", "x", "```", "~~~~", ""]
