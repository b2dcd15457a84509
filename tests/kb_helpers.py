"""Shared set-up for knowledge-base tests: sessions, tasks and a small instruction."""

from opstui.services import tasks, users
from opstui.services.session import open_session
from opstui.store import tasks as task_rows

RUNBOOK = """# Restart unbound

## Summary

Restart the resolver after a config change.

## Components affected

- ns1.example.net
- unbound

## Prerequisites

Shell access.

## Steps

1. Check the configuration:

   ```bash
   unbound-checkconf
   ```

2. Restart the service:

   ```bash
   systemctl restart unbound
   ```

3. Query a name.

## Installation

Nothing to install.

## Verification

`dig example.org @ns1`

## Monitoring

### What to watch

SERVFAIL rate.

### Failure criteria

More than 1% SERVFAIL.

### Action on failure

Roll back.

## Rollback

Restore the old configuration.
"""


def open_team(database):
    """Open a manager session (alice) and a sysadmin session (bob) on one file."""
    alice = open_session(database, login="alice")
    users.add_user(alice, "bob", display_name="Bob", role="sysadmin")
    bob = open_session(database, login="bob")
    return alice, bob


def make_activity_task(session, title: str = "Restart resolvers") -> tuple[int, int]:
    """Create a master task and an activity task under it; return both ids."""
    master_id = tasks.create_request(session, title)

    def write(transaction):
        return task_rows.insert_task(transaction, kind="activity", parent_id=master_id, title=f"{title} (production)",
                                     stage="production")

    activity_id = session.store.write(session.login, write)
    return master_id, activity_id
