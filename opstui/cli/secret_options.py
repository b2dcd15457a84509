"""``--mask-secrets`` and ``--keep-secrets``: what a save does with text that looks like a secret.

Without either flag a save of such text fails with the findings and both flags named,
so nothing secret reaches the group-readable database without a decision.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

import click

from opstui.errors import UserError
from opstui.services.secret_guard import SecretPolicy

Command = TypeVar("Command", bound=Callable)


def secret_options(command: Command) -> Command:
    """Add --mask-secrets and --keep-secrets to a command that saves user text."""
    command = click.option("--keep-secrets", is_flag=True,
                           help="Save text that looks like a secret as written.")(command)
    command = click.option("--mask-secrets", is_flag=True,
                           help="Save text that looks like a secret with each secret replaced by ********.")(command)
    return command


def secret_policy(mask_secrets: bool, keep_secrets: bool) -> SecretPolicy:
    """Return the policy the flags choose; REJECT without either flag."""
    if mask_secrets and keep_secrets:
        raise UserError("--mask-secrets and --keep-secrets exclude each other; give one of them")
    if mask_secrets:
        return SecretPolicy.MASK
    if keep_secrets:
        return SecretPolicy.KEEP
    return SecretPolicy.REJECT
