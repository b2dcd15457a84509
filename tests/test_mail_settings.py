"""SMTP settings: config file, environment overrides and validation."""

import logging
import os
from pathlib import Path

import pytest

from opstui.errors import UserError
from opstui.mail.settings import config_path, load_smtp_settings


def write_config(text: str) -> Path:
    path = config_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    os.chmod(path, 0o600)
    return path


def test_config_path_under_xdg_config_home(isolated_home):
    assert config_path() == isolated_home / "config" / "opstui" / "config.toml"


def test_no_file_means_not_configured():
    assert load_smtp_settings() is None


def test_file_without_host_means_not_configured():
    write_config('[smtp]\nfrom = "ops@example.org"\n')
    assert load_smtp_settings() is None


def test_file_values_are_read():
    write_config(
        "[smtp]\n"
        'host = "mail.example.org"\n'
        "port = 2525\n"
        'security = "tls"\n'
        'user = "ops"\n'
        'password = "hunter2"\n'
        'from = "Ops Team <ops@example.org>"\n'
        "timeout = 7.5\n"
    )
    settings = load_smtp_settings()
    assert settings.host == "mail.example.org"
    assert settings.port == 2525
    assert settings.security == "tls"
    assert settings.user == "ops"
    assert settings.password == "hunter2"
    assert settings.sender == "Ops Team <ops@example.org>"
    assert settings.timeout == 7.5
    assert settings.server == "mail.example.org:2525"


@pytest.mark.parametrize(("security", "port"), [("none", 25), ("starttls", 587), ("tls", 465)])
def test_default_port_follows_security(security, port):
    write_config(f'[smtp]\nhost = "mx"\nfrom = "a@example.org"\nsecurity = "{security}"\n')
    assert load_smtp_settings().port == port


def test_security_defaults_to_starttls():
    write_config('[smtp]\nhost = "mx"\nfrom = "a@example.org"\n')
    assert load_smtp_settings().security == "starttls"


def test_environment_overrides_file():
    write_config('[smtp]\nhost = "file-host"\nport = 25\nsecurity = "none"\nfrom = "file@example.org"\n')
    environ = {
        "OPSTUI_SMTP_HOST": "env-host",
        "OPSTUI_SMTP_PORT": "1025",
        "OPSTUI_SMTP_SECURITY": "STARTTLS",
        "OPSTUI_SMTP_USER": "envuser",
        "OPSTUI_SMTP_PASSWORD": "envpass",
        "OPSTUI_SMTP_FROM": "env@example.org",
    }
    settings = load_smtp_settings(environ=environ)
    assert settings.host == "env-host"
    assert settings.port == 1025
    assert settings.security == "starttls"
    assert settings.user == "envuser"
    assert settings.password == "envpass"
    assert settings.sender == "env@example.org"


def test_environment_alone_is_enough(monkeypatch):
    monkeypatch.setenv("OPSTUI_SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("OPSTUI_SMTP_FROM", "ops@example.org")
    settings = load_smtp_settings()
    assert settings.host == "127.0.0.1"
    assert settings.port == 587


def test_empty_variable_does_not_override():
    write_config('[smtp]\nhost = "file-host"\nfrom = "a@example.org"\n')
    settings = load_smtp_settings(environ={"OPSTUI_SMTP_HOST": ""})
    assert settings.host == "file-host"


@pytest.mark.parametrize(
    ("environ", "named"),
    [
        ({"OPSTUI_SMTP_PORT": "smtp"}, "'smtp'"),
        ({"OPSTUI_SMTP_PORT": "70000"}, "'70000'"),
        ({"OPSTUI_SMTP_PORT": "0"}, "'0'"),
        ({"OPSTUI_SMTP_SECURITY": "ssl"}, "'ssl'"),
        ({"OPSTUI_SMTP_FROM": "not an address"}, "'not an address'"),
        ({"OPSTUI_SMTP_TIMEOUT": "-3"}, "'-3'"),
    ],
)
def test_invalid_environment_value_is_named(environ, named):
    environ = {"OPSTUI_SMTP_HOST": "mx", "OPSTUI_SMTP_FROM": "a@example.org", **environ}
    with pytest.raises(UserError) as raised:
        load_smtp_settings(environ=environ)
    message = str(raised.value)
    assert named in message
    assert "OPSTUI_SMTP_" in message


def test_invalid_file_port_names_file():
    path = write_config('[smtp]\nhost = "mx"\nfrom = "a@example.org"\nport = "twenty-five"\n')
    with pytest.raises(UserError) as raised:
        load_smtp_settings()
    assert "'twenty-five'" in str(raised.value)
    assert str(path) in str(raised.value)


def test_missing_sender_is_rejected():
    write_config('[smtp]\nhost = "mx"\n')
    with pytest.raises(UserError, match="OPSTUI_SMTP_FROM"):
        load_smtp_settings()


def test_password_without_user_is_rejected():
    write_config('[smtp]\nhost = "mx"\nfrom = "a@example.org"\npassword = "x"\n')
    with pytest.raises(UserError, match="no user"):
        load_smtp_settings()


def test_unknown_key_is_rejected():
    write_config('[smtp]\nhost = "mx"\nfrom = "a@example.org"\nsecurty = "tls"\n')
    with pytest.raises(UserError, match="'securty'"):
        load_smtp_settings()


def test_broken_toml_names_file():
    path = write_config("[smtp\nhost = \n")
    with pytest.raises(UserError) as raised:
        load_smtp_settings()
    assert str(path) in str(raised.value)
    assert "TOML" in str(raised.value)


def test_missing_ca_file_is_rejected(tmp_path):
    missing = tmp_path / "nope.pem"
    with pytest.raises(UserError, match="nope.pem"):
        load_smtp_settings(
            environ={"OPSTUI_SMTP_HOST": "mx", "OPSTUI_SMTP_FROM": "a@x.org", "OPSTUI_SMTP_CA_FILE": str(missing)}
        )


def test_password_not_in_repr():
    write_config('[smtp]\nhost = "mx"\nfrom = "a@example.org"\nuser = "u"\npassword = "hunter2"\n')
    settings = load_smtp_settings()
    assert "hunter2" not in repr(settings)
    assert "hunter2" not in str(settings)


def test_group_readable_password_file_warns(caplog):
    path = write_config('[smtp]\nhost = "mx"\nfrom = "a@example.org"\nuser = "u"\npassword = "hunter2"\n')
    os.chmod(path, 0o644)
    with caplog.at_level(logging.WARNING, logger="opstui.mail.settings"):
        load_smtp_settings()
    assert "chmod 600" in caplog.text
    assert "hunter2" not in caplog.text


def test_private_password_file_does_not_warn(caplog):
    write_config('[smtp]\nhost = "mx"\nfrom = "a@example.org"\nuser = "u"\npassword = "hunter2"\n')
    with caplog.at_level(logging.WARNING, logger="opstui.mail.settings"):
        load_smtp_settings()
    assert caplog.text == ""


def test_non_ascii_password_is_rejected_without_echo():
    write_config('[smtp]\nhost = "mx"\nfrom = "a@example.org"\nuser = "u"\npassword = "pässword"\n')
    with pytest.raises(UserError) as raised:
        load_smtp_settings()
    assert "non-ASCII" in str(raised.value)
    assert "pässword" not in str(raised.value)
