"""Zabbix settings: the config file, the environment, validation and file mode."""

import os
import stat
import tomllib

import pytest

from opstui.errors import UserError
from opstui.zabbix.settings import (
    config_path,
    config_permission_problem,
    load_zabbix_settings,
    read_zabbix_section,
    save_zabbix_settings,
)

TOKEN = "a" * 64


def write_config(path, text):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def test_config_path_follows_xdg(isolated_home):
    assert config_path() == isolated_home / "config" / "opstui" / "config.toml"


def test_settings_from_file(tmp_path):
    path = write_config(tmp_path / "config.toml", f"""
[zabbix]
url = "https://zabbix.example.com/"
token = "{TOKEN}"
verify = false
timeout = 12
instruction_base_url = "https://kb.example.com/docs"
""")
    settings = load_zabbix_settings(path, environ={})

    assert settings.url == "https://zabbix.example.com/"
    assert settings.api_url == "https://zabbix.example.com/api_jsonrpc.php"
    assert settings.token == TOKEN
    assert settings.verify is False
    assert settings.timeout == 12.0
    assert settings.instruction_base_url == "https://kb.example.com/docs"


def test_environment_overrides_file(tmp_path):
    path = write_config(tmp_path / "config.toml", '[zabbix]\nurl = "https://old.example.com"\ntoken = "x"\n')
    environ = {
        "OPSTUI_ZABBIX_URL": "http://127.0.0.1:8080/api_jsonrpc.php",
        "OPSTUI_ZABBIX_USER": "Admin",
        "OPSTUI_ZABBIX_PASSWORD": "zabbix",
        "OPSTUI_ZABBIX_TIMEOUT": "5",
        "OPSTUI_ZABBIX_VERIFY": "no",
    }
    settings = load_zabbix_settings(path, environ=environ)

    assert settings.api_url == "http://127.0.0.1:8080/api_jsonrpc.php"
    assert settings.user == "Admin"
    assert settings.password == "zabbix"
    assert settings.token == "x"
    assert settings.timeout == 5.0
    assert settings.verify is False


def test_environment_alone_is_enough(tmp_path):
    settings = load_zabbix_settings(tmp_path / "absent.toml", environ={
        "OPSTUI_ZABBIX_URL": "https://zabbix.example.com", "OPSTUI_ZABBIX_TOKEN": TOKEN,
    })
    assert settings.token == TOKEN
    assert settings.verify is True


def test_secrets_hidden_from_repr(tmp_path):
    settings = load_zabbix_settings(tmp_path / "absent.toml", environ={
        "OPSTUI_ZABBIX_URL": "https://z.example.com", "OPSTUI_ZABBIX_USER": "u", "OPSTUI_ZABBIX_PASSWORD": "s3cret-pw",
    })
    assert "s3cret-pw" not in repr(settings)


@pytest.mark.parametrize("text, expected", [
    ("", "no Zabbix URL"),
    ('url = "ftp://zabbix"\ntoken = "t"', "must start with https://"),
    ('url = "https://z.example.com"', "no Zabbix credentials"),
    ('url = "https://z.example.com"\nuser = "Admin"', "no Zabbix credentials"),
    ('url = "https://z.example.com"\ntoken = "t"\ntimeout = 0', "timeout 0 is invalid"),
    ('url = "https://z.example.com"\ntoken = "t"\ntimeout = "soon"', "timeout 'soon' is invalid"),
    ('url = "https://z.example.com"\ntoken = "t"\nverify = "maybe"', "verify = 'maybe' is invalid"),
    ('url = "https://z.example.com"\ntoken = "t"\nca_bundle = "/nonexistent/ca.pem"', "is not a file"),
    ('url = "https://z.example.com"\ntoken = "t"\ntokn = "t"', "unknown key(s) tokn"),
    ('url = "https://z.example.com"\ntoken = 5', "must be a string"),
])
def test_invalid_settings_rejected(tmp_path, text, expected):
    path = write_config(tmp_path / "config.toml", "[zabbix]\n" + text + "\n")
    with pytest.raises(UserError) as raised:
        load_zabbix_settings(path, environ={})
    assert expected in str(raised.value)


def test_invalid_toml_named(tmp_path):
    path = write_config(tmp_path / "config.toml", "[zabbix\nurl = 1\n")
    with pytest.raises(UserError, match="not valid TOML"):
        read_zabbix_section(path)


def test_ca_bundle_path_kept(tmp_path):
    bundle = tmp_path / "ca.pem"
    bundle.write_text("-----BEGIN CERTIFICATE-----\n")
    path = write_config(tmp_path / "config.toml", f'[zabbix]\nurl = "https://z"\ntoken = "t"\nca_bundle = "{bundle}"\n')
    assert load_zabbix_settings(path, environ={}).ca_bundle == str(bundle)


def test_save_creates_file_mode_0600(tmp_path):
    path = tmp_path / "sub" / "config.toml"
    save_zabbix_settings({"url": "https://z.example.com", "token": TOKEN, "timeout": 10}, path)

    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert read_zabbix_section(path) == {"url": "https://z.example.com", "token": TOKEN, "timeout": 10}


def test_save_keeps_other_sections_and_comments(tmp_path):
    original = (
        "# my opstui settings\n"
        "[smtp]\nhost = \"mail.example.com\" # relay\n\n"
        "[zabbix]\nurl = \"https://old\"\ntoken = \"old\"\n\n"
        "[ui]\ntheme = \"dark\"\n"
    )
    path = write_config(tmp_path / "config.toml", original)
    os.chmod(path, 0o644)

    save_zabbix_settings({"url": "https://new.example.com", "token": None, "user": 'quote"d\\name'}, path)

    text = path.read_text()
    document = tomllib.loads(text)
    assert text.startswith("# my opstui settings\n[smtp]\nhost = \"mail.example.com\" # relay\n")
    assert document["smtp"] == {"host": "mail.example.com"}
    assert document["ui"] == {"theme": "dark"}
    assert document["zabbix"] == {"url": "https://new.example.com", "user": 'quote"d\\name'}
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_save_appends_section(tmp_path):
    path = write_config(tmp_path / "config.toml", "[smtp]\nport = 25\n")
    save_zabbix_settings({"url": "https://z", "verify": False}, path)
    document = tomllib.loads(path.read_text())
    assert document == {"smtp": {"port": 25}, "zabbix": {"url": "https://z", "verify": False}}


def test_save_rejects_unknown_key(tmp_path):
    with pytest.raises(UserError, match="unknown Zabbix setting"):
        save_zabbix_settings({"passwd": "x"}, tmp_path / "config.toml")


def test_permission_problem_reported(tmp_path):
    path = write_config(tmp_path / "config.toml", f'[zabbix]\nurl = "https://z"\ntoken = "{TOKEN}"\n')
    os.chmod(path, 0o644)
    assert "chmod 600" in config_permission_problem(path)

    os.chmod(path, 0o600)
    assert config_permission_problem(path) is None
