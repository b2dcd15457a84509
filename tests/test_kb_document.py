"""Reading Markdown files: encoding, size, front matter, titles and file names."""

from pathlib import Path

import pytest
import yaml

from opstui.errors import UserError
from opstui.kb.document import load_document, parse_document
from opstui.kb.frontmatter import (
    join_front_matter,
    render_front_matter,
    slugify,
    split_front_matter,
    stable_file_name,
)


def test_front_matter_split_returns_mapping_and_body():
    text = "---\ntitle: Disk cleanup\nweight: 3\n---\n# Heading\n\nBody\n"
    metadata, body, offset = split_front_matter(text)

    assert metadata == {"title": "Disk cleanup", "weight": 3}
    assert body == "# Heading\n\nBody\n"
    assert offset == 4


def test_document_without_front_matter_is_all_body():
    text = "# Only a heading\n\n---\n\nafter a rule\n"
    metadata, body, offset = split_front_matter(text)

    assert metadata == {}
    assert body == text
    assert offset == 0


def test_front_matter_invalid_yaml_names_source_and_line():
    text = "---\ntitle: ok\nbad: [unclosed\n---\nbody\n"

    with pytest.raises(UserError) as caught:
        split_front_matter(text, source="broken.md")

    message = str(caught.value)
    assert message.startswith("broken.md:")
    assert "not valid YAML" in message
    assert "\n" not in message


def test_front_matter_that_is_a_list_is_rejected():
    with pytest.raises(UserError, match="not a mapping"):
        split_front_matter("---\n- a\n- b\n---\nbody\n", source="list.md")


def test_front_matter_render_orders_keys():
    metadata = {"zeta": 1, "tasks": [4], "title": "T", "id": 7, "alpha": "x", "status": "official"}

    rendered = render_front_matter(metadata)
    keys = [line.split(":")[0] for line in rendered.splitlines() if line and line[0].isalpha()]

    assert keys == ["id", "title", "status", "tasks", "alpha", "zeta"]
    assert rendered == render_front_matter(dict(reversed(list(metadata.items()))))


def test_front_matter_round_trip_keeps_values():
    metadata = {"id": 3, "title": "Rotate: keys ü", "components": ["db1", "db2"], "revision": 2}
    body = "# Rotate\n\nText\n"

    text = join_front_matter(metadata, body)
    parsed, parsed_body, _ = split_front_matter(text)

    assert parsed == metadata
    assert parsed_body.strip() == body.strip()
    assert yaml.safe_load(text.split("---\n")[1]) == metadata


def test_slugify_handles_accents_and_symbols():
    assert slugify("Rotate RDS credentials (MySQL) — prod") == "rotate-rds-credentials-mysql-prod"
    assert slugify("Überprüfung") == "uberprufung"
    assert slugify("!!!") == "untitled"
    assert len(slugify("word " * 40)) <= 60


def test_stable_file_name_uses_id_and_slug():
    assert stable_file_name("Disk cleanup", 7) == "0007-disk-cleanup.md"
    assert stable_file_name("Disk cleanup", 7) == stable_file_name("Disk cleanup", 7)
    assert stable_file_name("Same", 1) != stable_file_name("Same", 2)


def test_load_rejects_non_utf8(tmp_path: Path):
    path = tmp_path / "latin1.md"
    path.write_bytes("# Caf\xe9 runbook\n".encode("latin-1"))

    with pytest.raises(UserError) as caught:
        load_document(path)

    assert "not UTF-8" in str(caught.value)
    assert "0xe9" in str(caught.value)
    assert str(path) in str(caught.value)


def test_load_rejects_huge_file(tmp_path: Path):
    path = tmp_path / "huge.md"
    path.write_text("# Huge\n" + "x" * 2000 + "\n")

    with pytest.raises(UserError, match="limit"):
        load_document(path, max_bytes=1000)


def test_load_rejects_binary(tmp_path: Path):
    path = tmp_path / "binary.md"
    path.write_bytes(b"# Title\n\x00\x01\x02")

    with pytest.raises(UserError, match="binary"):
        load_document(path)


def test_load_missing_file_is_user_error(tmp_path: Path):
    with pytest.raises(UserError, match="cannot read"):
        load_document(tmp_path / "absent.md")


def test_load_normalises_crlf_and_bom(tmp_path: Path):
    path = tmp_path / "windows.md"
    path.write_bytes("\ufeff# Windows file\r\n\r\nText\r\n".encode("utf-8"))

    document = load_document(path)

    assert document.title == "Windows file"
    assert "\r" not in document.body


def test_title_source_precedence(tmp_path: Path):
    assert parse_document("---\ntitle: From YAML\n---\n# From heading\n").title == "From YAML"
    assert parse_document("intro\n\n# From heading\n").title == "From heading"
    assert parse_document("# <%= page.title %>\n", fallback_title="From file").title == "From file"

    path = tmp_path / "disk_cleanup-procedure.html.md.erb"
    path.write_text("no heading here\n")
    assert load_document(path).title == "disk cleanup procedure"


def test_one_megabyte_document_loads(tmp_path: Path):
    chunk = "## Section {n}\n\n1. Run this\n\n   ```\n   echo {n}\n   ```\n\nSome prose here.\n\n"
    text = "# Big\n\n" + "".join(chunk.format(n=n) for n in range(14_000))
    path = tmp_path / "big.md"
    path.write_text(text)
    assert path.stat().st_size > 1_000_000

    # Its speed is measured by bench/kb_viewer.py, not here.
    document = load_document(path)

    assert document.title == "Big"
    assert document.body.count("## Section") == 14_000
