"""Cutting long documents into chunks, and the fast heading scan."""

from opstui.kb.chunks import (
    SINGLE_CHUNK_BLOCKS,
    SINGLE_CHUNK_BYTES,
    chunk_index_for_line,
    label_bare_fences,
    scan_document,
    scan_headings,
    split_into_chunks,
)


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


def test_scan_document_gives_chunks_and_headings():
    body = "# T\n\n" + "".join(f"## Part {n}\n\n```\n# comment {n}\n```\n\nText {n}.\n\n" for n in range(300))

    scanned = scan_document(body, chunk_characters=500)

    assert len(scanned.chunks) > 5
    assert [(c.start_line, c.end_line) for c in scanned.chunks] == \
        [(c.start_line, c.end_line) for c in split_into_chunks(body, chunk_characters=500)]
    assert scanned.headings == scan_headings(body)
    assert [h.title for h in scanned.headings[:3]] == ["T", "Part 0", "Part 1"]
    assert all(h.level in (1, 2) for h in scanned.headings)


def test_dense_document_is_cut_below_size_limit():
    dense = "".join(f"Line {n} of a dense runbook.\n\n" for n in range(SINGLE_CHUNK_BLOCKS + 10))
    sparse = "".join(f"Line {n} of a dense runbook.\n\n" for n in range(SINGLE_CHUNK_BLOCKS - 10))
    assert len(dense.encode()) < SINGLE_CHUNK_BYTES

    assert len(scan_document(dense).chunks) > 1
    assert len(scan_document(sparse).chunks) == 1
