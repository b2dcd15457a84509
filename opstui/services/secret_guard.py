"""Check text for secrets before a service saves it to the shared database.

Services that save user text (notes, comments, instructions, the knowledge-base
export) call ``guard_secrets`` with the caller's choice. The first attempt uses
``REJECT``: when the text looks like it contains a secret, SecretsFound is raised
and the caller asks the person. The TUI shows a dialog, and the CLI prints the
findings and the options. The second attempt passes ``MASK`` or ``KEEP``.
"""

from __future__ import annotations

from enum import StrEnum

from opstui.errors import UserError
from opstui.secret_scan import SecretScan, describe_findings, scan_secrets


class SecretPolicy(StrEnum):
    """The choice for text that looks like it contains a secret."""

    REJECT = "reject"  # raise SecretsFound so the caller can ask the person
    MASK = "mask"  # save the text with each secret replaced by ********
    KEEP = "keep"  # save the text as written, because the person confirmed it


class SecretsFound(UserError):
    """Raised when text to be saved looks like it contains a secret. ``scan`` has the findings."""

    def __init__(self, what: str, scan: SecretScan):
        self.what = what
        self.scan = scan
        count = len(scan.findings)
        noun = "secret" if count == 1 else "secrets"
        super().__init__(
            f"the {what} looks like it contains {count} {noun} and the shared database is "
            f"readable by the whole team:\n{describe_findings(scan.findings)}\n"
            f"mask them with --mask-secrets, or keep the text as written with --keep-secrets"
        )


def guard_secrets(text: str, *, what: str, policy: SecretPolicy | str = SecretPolicy.REJECT) -> str:
    """Return the text to save under ``policy``, or raise SecretsFound for REJECT.

    ``what`` names the text in the message, for example "note" or "comment".
    Clean text comes back unchanged under every policy.
    """
    policy = SecretPolicy(policy)
    if policy is SecretPolicy.KEEP:
        return text

    scan = scan_secrets(text)
    if not scan.found:
        return text
    if policy is SecretPolicy.MASK:
        return scan.masked_text

    raise SecretsFound(what, scan)
