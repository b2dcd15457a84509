"""`opstui kb` commands and suspected secrets: the options each rejection names, and re-imports."""

import re

import click
import pytest
from click.testing import CliRunner

from opstui.secret_scan import MASK
from opstui.services import kb
from opstui.services.session import open_session
from tests.kb_helpers import RUNBOOK

PASSWORD = "Hunter2Secret!"
SECRET_RUNBOOK = RUNBOOK + f"\n```sh\npassword={PASSWORD}\n```\n"


class Result:
    def __init__(self, returncode: int, stdout: str, stderr: str):
        self.returncode = returncode
        self.stdout = stdout
        self.stderr = stderr


def run(path, *arguments) -> Result:
    """Run one opstui command in this process; an OpstuiError becomes status 1 and its message."""
    from opstui.cli import _load_commands, cli
    from opstui.errors import OpstuiError

    _load_commands()
    result = CliRunner().invoke(cli, ["--db", str(path), *arguments], env={"USER": "alice", "LOGNAME": "alice"})
    if isinstance(result.exception, OpstuiError):
        return Result(1, result.stdout, f"opstui: error: {result.exception}")
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception
    return Result(result.exit_code, result.stdout, result.stderr)


def kb_command(name: str) -> click.Command:
    from opstui.cli import _load_commands, cli

    _load_commands()
    return cli.commands["kb"].commands[name]


def option_names(command: click.Command) -> set[str]:
    return {option for parameter in command.params for option in getattr(parameter, "opts", [])}


@pytest.fixture
def database(tmp_path):
    path = tmp_path / "kb.db"
    open_session(path, login="alice").close()
    return path


@pytest.fixture
def secret_file(tmp_path):
    path = tmp_path / "secret.md"
    path.write_text(SECRET_RUNBOOK)
    return path


def new_arguments(secret_file, database) -> list[str]:
    return ["new", "Leaky", "--file", str(secret_file)]


def save_arguments(secret_file, database) -> list[str]:
    instruction_id = run(database, "kb", "new", "Leaky").stdout.strip()
    return ["save", instruction_id, str(secret_file)]


# Every kb command that saves text a person supplies, and how to feed it a secret.
COMMANDS_THAT_CHECK_SECRETS = {"new": new_arguments, "save": save_arguments}


@pytest.mark.parametrize("name", sorted(COMMANDS_THAT_CHECK_SECRETS))
def test_secret_message_options_exist(name, database, secret_file):
    arguments = COMMANDS_THAT_CHECK_SECRETS[name](secret_file, database)

    rejected = run(database, "kb", *arguments)
    named = set(re.findall(r"--[a-z][a-z-]+", rejected.stderr.split("\n")[-1]))

    assert rejected.returncode == 1
    assert "looks like it contains 1 secret" in rejected.stderr
    assert named == {"--mask-secrets", "--keep-secrets"}
    assert named <= option_names(kb_command(name))


@pytest.mark.parametrize("name", sorted(COMMANDS_THAT_CHECK_SECRETS))
@pytest.mark.parametrize("flag, expected", [("--mask-secrets", MASK), ("--keep-secrets", PASSWORD)])
def test_secret_options_save_draft(name, flag, expected, database, secret_file):
    arguments = COMMANDS_THAT_CHECK_SECRETS[name](secret_file, database)

    saved = run(database, "kb", *arguments, flag)
    session = open_session(database, login="alice")
    (row,) = kb.list_instructions(session)
    draft = kb.get_instruction(session, row["id"])["draft_body"]
    session.close()

    assert saved.returncode == 0, saved.stderr
    assert f"password={expected}" in draft


def test_both_secret_options_are_rejected(database, secret_file):
    both = run(database, "kb", "new", "Leaky", "--file", str(secret_file), "--mask-secrets", "--keep-secrets")

    assert both.returncode == 1
    assert "exclude each other" in both.stderr


def test_only_listed_kb_commands_check_secrets():
    from opstui.cli import _load_commands, cli

    _load_commands()
    with_options = {name for name, command in cli.commands["kb"].commands.items()
                    if "--mask-secrets" in option_names(command)}

    assert with_options == set(COMMANDS_THAT_CHECK_SECRETS)


def test_masked_export_reimport_summary(database, tmp_path, secret_file):
    instruction_id = run(database, "kb", "new", "Leaky", "--file", str(secret_file), "--keep-secrets").stdout.strip()
    run(database, "kb", "publish", instruction_id)
    run(database, "kb", "export", str(tmp_path / "out"))

    first = run(database, "kb", "import", str(tmp_path / "out"))
    second = run(database, "kb", "import", str(tmp_path / "out"))
    history = run(database, "kb", "history", instruction_id, "--json").stdout

    assert first.stdout.strip() == ("0 created, 0 updated, 1 unchanged "
                                    "(1 with secrets left out of the file; the stored secrets were kept)")
    assert second.stdout == first.stdout
    assert history.count('"kind": "draft"') == 1
    assert run(database, "kb", "show", instruction_id).stdout.count(PASSWORD) == 1
