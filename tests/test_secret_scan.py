"""Secret scanner: table-driven cases of secrets, look-alikes and masking."""

import pytest

from opstui.secret_scan import (
    API_TOKEN,
    MASK,
    PASSWORD,
    PRIVATE_KEY,
    URL_PASSWORD,
    describe_findings,
    mask_secrets,
    scan_secrets,
)

# Built from pieces so that this file itself does not look like it contains live tokens.
GITHUB_TOKEN = "ghp_" + "a1B2c3D4e5F6g7H8i9J0" * 2
AWS_KEY_ID = "AKIA" + "IOSFODNN7EXAMPLE"
SLACK_TOKEN = "xoxb-" + "123456789012-abcdefABCDEF"
GITLAB_TOKEN = "glpat-" + "x1Y2z3W4v5U6t7S8r9Q0"
JWT = "eyJhbGciOiJIUzI1NiJ9" + ".eyJzdWIiOiIxMjM0NTY3ODkwIn0" + ".dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U"
HEX_64 = "3f9a" * 16
BASE64_SECRET = "c2VjcmV0LXZhbHVlLWZvci10ZXN0cw=="

SECRET_CASES = [
    # (text, kind, secret part that must disappear)
    (f"token: {GITHUB_TOKEN}", API_TOKEN, GITHUB_TOKEN),
    (f"the CI uses {GITHUB_TOKEN} for pushes", API_TOKEN, GITHUB_TOKEN),
    (f"aws_access_key_id = {AWS_KEY_ID}", API_TOKEN, AWS_KEY_ID),
    (f"slack webhook bot {SLACK_TOKEN}", API_TOKEN, SLACK_TOKEN),
    (f"GITLAB={GITLAB_TOKEN}", API_TOKEN, GITLAB_TOKEN),
    (f"curl -H 'Authorization: Bearer {JWT}'", API_TOKEN, JWT),
    (f"zabbix_api_token = {HEX_64}", API_TOKEN, HEX_64),
    (f"Zabbix token {HEX_64}", API_TOKEN, HEX_64),
    (f"client secret: {BASE64_SECRET}", API_TOKEN, BASE64_SECRET.rstrip("=")),
    (f'"api_key": "{HEX_64}"', API_TOKEN, HEX_64),
    ("password=hunter2", PASSWORD, "hunter2"),
    ("DB_PASSWORD: 'correct horse battery'", PASSWORD, "correct horse battery"),
    ("  passwd = S3cr3t!", PASSWORD, "S3cr3t!"),
    ("mysql -u root --password=Tr0ub4dor", PASSWORD, "Tr0ub4dor"),
    ("postgres://app:Sup3rS3cret@db1:5432/app", URL_PASSWORD, "Sup3rS3cret"),
]


@pytest.mark.parametrize("text, kind, secret", SECRET_CASES)
def test_scan_finds_secret(text, kind, secret):
    scan = scan_secrets(text)

    assert scan.found
    assert [f.kind for f in scan.findings] == [kind]
    assert secret not in scan.masked_text
    assert MASK in scan.masked_text
    assert secret not in scan.findings[0].masked_line


HARMLESS_CASES = [
    "Restart nginx after the change.",
    "The primary key of the table is id.",
    "key: internationalization",  # long but no digits
    "token: abc123",  # too short to be a token
    "password: ${DB_PASSWORD}",
    "password=<your password>",
    "password = ********",
    "Set the password with passwd(1) on each host.",
    "https://wiki.example.org/page:1",
    "sha256 of the tarball is " + "ab12" * 16,  # a checksum with no secret word
    "",
]


@pytest.mark.parametrize("text", HARMLESS_CASES)
def test_scan_ignores_harmless_text(text):
    scan = scan_secrets(text)

    assert scan.findings == []
    assert scan.masked_text == text


PRIVATE_KEY_TEXT = """Steps for the new bastion:

1. copy the key below
-----BEGIN OPENSSH PRIVATE KEY-----
b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAABAAAAMwAAAAtzc2gtZW
QyNTUxOQAAACBfakefakefakefakefakefakefakefakefakefakefakefakeAAAA
-----END OPENSSH PRIVATE KEY-----
2. run ssh-add
"""


def test_private_key_block_masked():
    scan = scan_secrets(PRIVATE_KEY_TEXT)

    assert [f.kind for f in scan.findings] == [PRIVATE_KEY]
    assert scan.findings[0].line == 4
    assert "b3BlbnNzaC1rZXkt" not in scan.masked_text
    assert "-----BEGIN OPENSSH PRIVATE KEY-----\n" + MASK + "\n-----END OPENSSH PRIVATE KEY-----" in scan.masked_text
    assert scan.masked_text.endswith("2. run ssh-add\n")


def test_private_key_without_end_masks_rest():
    text = "-----BEGIN RSA PRIVATE KEY-----\nMIIEpAIBAAKCAQEA7\nmore key material\n"
    scan = scan_secrets(text)

    assert [f.kind for f in scan.findings] == [PRIVATE_KEY]
    assert scan.masked_text == "-----BEGIN RSA PRIVATE KEY-----\n" + MASK


def test_public_key_not_flagged():
    text = "-----BEGIN PUBLIC KEY-----\nMFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE\n-----END PUBLIC KEY-----\n"

    assert scan_secrets(text).findings == []


def test_line_numbers_and_columns():
    text = "intro\n\npassword=hunter2\nnothing here\n" + f"x {GITHUB_TOKEN}\n"
    scan = scan_secrets(text)

    assert [(f.line, f.column) for f in scan.findings] == [(3, 10), (5, 3)]
    assert scan.findings[0].masked_line == "password=" + MASK
    assert scan.findings[1].masked_line == "x " + MASK


def test_line_number_after_key_block():
    text = PRIVATE_KEY_TEXT + "password=hunter2\n"
    scan = scan_secrets(text)

    assert [f.line for f in scan.findings] == [4, 9]
    assert scan.findings[1].masked_line == "password=" + MASK


def test_masking_is_idempotent():
    text = "\n".join(case[0] for case in SECRET_CASES) + "\n" + PRIVATE_KEY_TEXT
    masked = mask_secrets(text)

    assert scan_secrets(masked).findings == []
    assert mask_secrets(masked) == masked


def test_two_secrets_on_one_line():
    text = f"user=admin password=hunter2 token={HEX_64}"
    scan = scan_secrets(text)

    assert [f.kind for f in scan.findings] == [PASSWORD, API_TOKEN]
    assert scan.masked_text == f"user=admin password={MASK} token={MASK}"


def test_describe_findings_hides_secret():
    scan = scan_secrets("a\npassword=hunter2")
    message = describe_findings(scan.findings)

    assert message == f"line 2: password: password={MASK}"
    assert "hunter2" not in message
