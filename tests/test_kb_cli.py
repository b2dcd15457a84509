"""The `opstui kb` commands, run as real processes."""

import json
import os
import subprocess
import sys

import pytest

from tests.kb_helpers import RUNBOOK

# Each command starts a Python process, so these tests take several seconds.
pytestmark = pytest.mark.slow


@pytest.fixture
def environment(tmp_path):
    env = dict(os.environ)
    env["OPSTUI_DB"] = str(tmp_path / "opstui.db")
    return env


def opstui(environment, *arguments: str, check: bool = True) -> subprocess.CompletedProcess:
    completed = subprocess.run([sys.executable, "-m", "opstui", *arguments], env=environment,
                               capture_output=True, text=True, timeout=60)
    if check:
        assert completed.returncode == 0, completed.stderr
    return completed


def test_kb_new_publish_list_export_import(environment, tmp_path):
    source = tmp_path / "restart.md"
    source.write_text(RUNBOOK)

    instruction_id = opstui(environment, "kb", "new", "Restart unbound", "--file", str(source)).stdout.strip()
    assert opstui(environment, "kb", "publish", instruction_id).stdout.strip() == "1"

    (row,) = json.loads(opstui(environment, "kb", "list", "--json").stdout)
    assert row["status"] == "official"
    assert row["official_revision"] == 1

    shown = opstui(environment, "kb", "show", instruction_id).stdout
    assert shown == RUNBOOK

    exported = opstui(environment, "kb", "export", str(tmp_path / "out"))
    assert exported.stdout.strip() == "1 written, 0 unchanged, 0 removed"

    imported = opstui(environment, "kb", "import", str(tmp_path / "out"))
    assert imported.stdout.strip() == "0 created, 0 updated, 1 unchanged"


def test_kb_export_warns_about_secrets(environment, tmp_path):
    source = tmp_path / "leaky.md"
    source.write_text(RUNBOOK + "\npassword=Sup3rS3cretValue!\n")

    rejected = opstui(environment, "kb", "new", "Leaky", "--file", str(source), check=False)
    assert rejected.returncode == 1
    assert "--keep-secrets" in rejected.stderr or "secret" in rejected.stderr

    instruction_id = opstui(environment, "kb", "new", "Leaky").stdout.strip()
    opstui(environment, "kb", "save", instruction_id, str(source), "--keep-secrets")
    exported = opstui(environment, "kb", "export", str(tmp_path / "out"))

    assert "left out 1 suspected secret" in exported.stderr
    (exported_file,) = (tmp_path / "out").glob(f"{int(instruction_id):04d}-*.md")
    assert "Sup3rS3cretValue" not in exported_file.read_text()


def test_kb_errors_go_to_stderr(environment, tmp_path):
    missing = opstui(environment, "kb", "show", "42", check=False)
    assert missing.returncode == 1
    assert "no instruction with id 42" in missing.stderr

    latin = tmp_path / "latin.md"
    latin.write_bytes("# Caf\xe9\n".encode("latin-1"))
    bad = opstui(environment, "kb", "new", "Bad", "--file", str(latin), check=False)
    assert bad.returncode == 1
    assert "not UTF-8" in bad.stderr
