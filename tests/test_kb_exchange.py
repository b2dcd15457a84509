"""Export to and import from folders of Markdown files, on real SQLite files."""

from pathlib import Path

import pytest

from opstui.errors import UserError
from opstui.kb.frontmatter import split_front_matter
from opstui.services import kb
from opstui.services.kb_exchange import export_knowledge_base, import_knowledge_base
from opstui.services.session import open_session
from opstui.store.events import last_event_id
from tests.kb_helpers import RUNBOOK, make_activity_task, open_team


@pytest.fixture
def team(tmp_path):
    alice, bob = open_team(tmp_path / "source.db")
    yield alice, bob
    bob.close()
    alice.close()


@pytest.fixture
def fresh(tmp_path):
    session = open_session(tmp_path / "target.db", login="alice")
    yield session
    session.close()


def folder_bytes(folder: Path) -> dict[str, bytes]:
    return {str(path.relative_to(folder)): path.read_bytes() for path in sorted(folder.rglob("*")) if path.is_file()}


def fill_knowledge_base(session, tmp_path: Path) -> tuple[int, int]:
    _, activity_id = make_activity_task(session)
    official_id = kb.create_instruction(session, "Restart unbound", body=RUNBOOK, task_id=activity_id)
    kb.publish(session, official_id)
    diagram = tmp_path / "flow.svg"
    diagram.write_text("<svg/>")
    kb.add_attachment(session, official_id, diagram)
    draft_id = kb.create_instruction(session, "Rotate keys ü")
    return official_id, draft_id


def test_export_writes_front_matter(team, tmp_path):
    alice, _ = team
    official_id, draft_id = fill_knowledge_base(alice, tmp_path)

    result = export_knowledge_base(alice, tmp_path / "out")
    official_file = tmp_path / "out" / f"{official_id:04d}-restart-unbound.md"
    metadata, body, _ = split_front_matter(official_file.read_text())

    assert official_file in result.written
    assert metadata["id"] == official_id
    assert metadata["status"] == "official"
    assert metadata["revision"] == 1
    assert metadata["components"] == ["ns1.example.net", "unbound"]
    assert metadata["attachments"] == ["flow.svg"]
    assert len(metadata["tasks"]) == 1
    assert body.strip() == RUNBOOK.strip()
    assert (tmp_path / "out" / "attachments" / f"{official_id:04d}" / "flow.svg").read_text() == "<svg/>"
    assert (tmp_path / "out" / f"{draft_id:04d}-rotate-keys-u.md").is_file()


def test_export_is_deterministic(team, tmp_path):
    alice, _ = team
    fill_knowledge_base(alice, tmp_path)

    export_knowledge_base(alice, tmp_path / "first")
    export_knowledge_base(alice, tmp_path / "second")
    again = export_knowledge_base(alice, tmp_path / "first")

    assert folder_bytes(tmp_path / "first") == folder_bytes(tmp_path / "second")
    assert again.written == []


def test_round_trip_into_empty_database(team, fresh, tmp_path):
    alice, _ = team
    fill_knowledge_base(alice, tmp_path)
    export_knowledge_base(alice, tmp_path / "out")

    imported = import_knowledge_base(fresh, tmp_path / "out")
    export_knowledge_base(fresh, tmp_path / "back")

    assert len(imported.created) == 2
    original = folder_bytes(tmp_path / "out")
    returned = folder_bytes(tmp_path / "back")
    assert returned.keys() == original.keys()
    for name in original:
        if name.endswith(".md"):
            metadata, body, _ = split_front_matter(returned[name].decode())
            expected_metadata, expected_body, _ = split_front_matter(original[name].decode())
            expected_metadata["tasks"] = []
            assert metadata == expected_metadata, name
            assert body == expected_body, name


def test_reimport_unchanged_changes_nothing(team, tmp_path):
    alice, _ = team
    fill_knowledge_base(alice, tmp_path)
    export_knowledge_base(alice, tmp_path / "out")
    before = last_event_id(alice.store)

    result = import_knowledge_base(alice, tmp_path / "out")

    assert result.created == []
    assert result.updated == []
    assert len(result.unchanged) == 2
    assert last_event_id(alice.store) == before


def test_changed_official_file_becomes_draft(team, tmp_path):
    alice, _ = team
    official_id, _ = fill_knowledge_base(alice, tmp_path)
    export_knowledge_base(alice, tmp_path / "out")
    path = tmp_path / "out" / f"{official_id:04d}-restart-unbound.md"
    path.write_text(path.read_text().replace("SERVFAIL rate.", "NXDOMAIN rate."))

    result = import_knowledge_base(alice, tmp_path / "out")
    instruction = kb.get_instruction(alice, official_id)

    assert result.updated == [path.name]
    assert instruction["status"] == "official+draft"
    assert "SERVFAIL rate." in instruction["official_body"]
    assert "NXDOMAIN rate." in instruction["draft_body"]


def test_export_leaves_out_secrets_by_default(team, tmp_path):
    alice, _ = team
    instruction_id = kb.create_instruction(alice, "Leaky", body=RUNBOOK + "\npassword=Sup3rS3cretValue!\n",
                                           secrets="keep")

    masked = export_knowledge_base(alice, tmp_path / "masked")
    included = export_knowledge_base(alice, tmp_path / "plain", include_secrets=True)
    name = f"{instruction_id:04d}-leaky.md"

    assert "Sup3rS3cretValue" not in (tmp_path / "masked" / name).read_text()
    assert "left out 1 suspected secret" in masked.warnings[0]
    assert "Sup3rS3cretValue" in (tmp_path / "plain" / name).read_text()
    assert "--include-secrets was given" in included.warnings[0]


def test_renamed_instruction_replaces_old_file(team, tmp_path):
    alice, _ = team
    instruction_id = kb.create_instruction(alice, "Old name", body="# Old name\n\n1. step\n")
    export_knowledge_base(alice, tmp_path / "out")
    version = kb.get_instruction(alice, instruction_id)["version"]
    kb.save_draft(alice, instruction_id, "# New name\n\n1. step\n", expected_version=version)

    result = export_knowledge_base(alice, tmp_path / "out")

    assert [path.name for path in result.removed] == [f"{instruction_id:04d}-old-name.md"]
    assert sorted(p.name for p in (tmp_path / "out").glob("*.md")) == [f"{instruction_id:04d}-new-name.md"]


def test_import_duplicate_id_writes_nothing(fresh, tmp_path):
    folder = tmp_path / "dup"
    folder.mkdir()
    (folder / "a.md").write_text("---\nid: 5\ntitle: A\n---\n# A\n")
    (folder / "b.md").write_text("---\nid: 5\ntitle: B\n---\n# B\n")
    before = last_event_id(fresh.store)

    with pytest.raises(UserError, match="both have id 5"):
        import_knowledge_base(fresh, folder)

    assert kb.list_instructions(fresh) == []
    assert last_event_id(fresh.store) == before


@pytest.mark.parametrize("name, data, message", [
    ("bad-yaml.md", b"---\ntitle: [unclosed\n---\n# T\n", "not valid YAML"),
    ("latin1.md", "# Caf\xe9\n".encode("latin-1"), "not UTF-8"),
    ("bad-id.md", b"---\nid: seven\n---\n# T\n", "not a positive whole number"),
    ("bad-status.md", b"---\nstatus: final\n---\n# T\n", "status 'final' is invalid"),
])
def test_import_bad_file_writes_nothing(fresh, tmp_path, name, data, message):
    folder = tmp_path / "bad"
    folder.mkdir()
    (folder / "0-good.md").write_text("# Good\n\n1. step\n")
    (folder / name).write_bytes(data)

    with pytest.raises(UserError, match=message):
        import_knowledge_base(fresh, folder)

    assert kb.list_instructions(fresh) == []


def test_import_huge_file_is_rejected(fresh, tmp_path, monkeypatch):
    import opstui.kb.document as document

    folder = tmp_path / "huge"
    folder.mkdir()
    (folder / "huge.md").write_text("# Huge\n" + "x" * 5000)
    monkeypatch.setattr(document, "MAX_DOCUMENT_BYTES", 1000)
    monkeypatch.setattr(document.load_document, "__defaults__", (1000,))

    with pytest.raises(UserError, match="limit"):
        import_knowledge_base(fresh, folder)
    assert kb.list_instructions(fresh) == []


def test_import_missing_folder_is_user_error(fresh, tmp_path):
    with pytest.raises(UserError, match="not a folder"):
        import_knowledge_base(fresh, tmp_path / "absent")


def test_sysadmin_import_of_official_file_is_draft(team, tmp_path):
    alice, bob = team
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "0099-x.md").write_text("---\nid: 99\ntitle: X\nstatus: official\nrevision: 2\n---\n# X\n")

    result = import_knowledge_base(bob, folder)

    assert "imported as a draft" in result.warnings[0]
    assert kb.get_instruction(bob, 99)["status"] == "draft"


def test_corpus_runbooks_import_and_reimport(corpus_dir, fresh):
    folder = corpus_dir / "runbooks"
    count = len([p for p in folder.iterdir() if p.is_file()])

    first = import_knowledge_base(fresh, folder)
    second = import_knowledge_base(fresh, folder)

    assert len(first.created) == count
    assert second.created == []
    assert second.updated == []
    assert len(second.unchanged) == count
    titles = {row["title"] for row in kb.list_instructions(fresh)}
    assert "Credentials rotation for auth0 apps" in titles


SECRET_RUNBOOK = RUNBOOK.replace("Shell access.", "Shell access.\n\n```sh\nexport ZBX_TOKEN=3f9a8b7c6d5e4f3a2b1c0d9e8f7a6b5c\n"
                                                  "password=Hunter2Secret!\n```")


def official_with_secrets(session) -> int:
    instruction_id = kb.create_instruction(session, "Rotate the token", body=SECRET_RUNBOOK, secrets="keep")
    kb.publish(session, instruction_id)
    return instruction_id


def test_masked_export_reimports_unchanged(team, tmp_path):
    alice, _ = team
    instruction_id = official_with_secrets(alice)
    export_knowledge_base(alice, tmp_path / "out")
    before = last_event_id(alice.store)
    history = kb.revisions(alice, instruction_id)

    first = import_knowledge_base(alice, tmp_path / "out")
    second = import_knowledge_base(alice, tmp_path / "out")
    instruction = kb.get_instruction(alice, instruction_id)

    assert first.updated == []
    assert len(first.unchanged) == 1
    assert first.secrets_left_out == first.unchanged
    assert second.updated == []
    assert instruction["status"] == "official"
    assert instruction["draft_body"] is None
    assert kb.revisions(alice, instruction_id) == history
    assert last_event_id(alice.store) == before


def test_masked_draft_export_reimports_unchanged(team, tmp_path):
    alice, _ = team
    instruction_id = kb.create_instruction(alice, "Rotate the token", body=SECRET_RUNBOOK, secrets="keep")
    export_knowledge_base(alice, tmp_path / "out")

    result = import_knowledge_base(alice, tmp_path / "out")

    assert result.updated == []
    assert result.secrets_left_out == result.unchanged
    assert kb.get_instruction(alice, instruction_id)["draft_body"] == SECRET_RUNBOOK


def test_edited_masked_export_keeps_real_secrets(team, tmp_path):
    alice, _ = team
    instruction_id = official_with_secrets(alice)
    export_knowledge_base(alice, tmp_path / "out")
    (path,) = (tmp_path / "out").glob("*.md")
    path.write_text(path.read_text().replace("SERVFAIL rate.", "NXDOMAIN rate."))

    result = import_knowledge_base(alice, tmp_path / "out")
    draft = kb.get_instruction(alice, instruction_id)["draft_body"]

    assert result.updated == [path.name]
    assert "NXDOMAIN rate." in draft
    assert "export ZBX_TOKEN=3f9a8b7c6d5e4f3a2b1c0d9e8f7a6b5c" in draft
    assert "password=Hunter2Secret!" in draft
    assert "********" not in draft


def test_with_secrets_export_after_masked_is_unchanged(team, tmp_path):
    alice, _ = team
    instruction_id = official_with_secrets(alice)
    export_knowledge_base(alice, tmp_path / "masked")
    export_knowledge_base(alice, tmp_path / "plain", include_secrets=True)

    import_knowledge_base(alice, tmp_path / "masked")
    plain = import_knowledge_base(alice, tmp_path / "plain")

    assert plain.updated == []
    assert plain.secrets_left_out == []
    assert kb.get_instruction(alice, instruction_id)["draft_body"] is None
