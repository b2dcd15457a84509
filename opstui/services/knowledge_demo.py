"""Demo notes and instructions, so the notes, knowledge-base and run screens have content."""

from opstui.services import kb, note_lifecycle, notes
from opstui.services.demo import DEMO_EXTENSIONS
from opstui.services.session import Session

POSTGRES_NOTES = [
    ("bob", "Extension inventory", "# Extensions on db-prod-1\n\n| extension | 13.x | 16.x available |\n"
     "| --- | --- | --- |\n| pg_stat_statements | 1.8 | 1.10 |\n| postgis | 3.1 | 3.4 |\n\n"
     "- [x] list extensions with `\\dx` on every database\n- [ ] check postgis upgrade path\n\n"
     "@carol can you confirm the replica versions?"),
    ("carol", "Replica lag during pg_upgrade", "Rehearsal on the sandbox clone:\n\n```\npg_upgrade --link "
     "-b /usr/lib/postgresql/13/bin -B /usr/lib/postgresql/16/bin\n```\n\nReplicas need a fresh "
     "`pg_basebackup` afterwards; plan 40 minutes per replica."),
]

BILLING_INSTRUCTION = """# Deploy billing-api 2.4

## Summary

Release 2.4 adds invoice exports behind the feature flag `invoice_export`.

## Components affected

- billing-api (containers on app-1 and app-2)
- PostgreSQL database `billing`

## Prerequisites

- The schema migration of 2.4 has run on the `billing` database.

## Steps

1. Announce the deployment in the operations channel.
2. Pull the new image on both hosts:

   ```
   docker pull registry.example.org/billing-api:2.4
   ```

3. Restart app-1, wait for `/health` to answer 200, then restart app-2.
4. Enable the flag for internal users only:

   ```
   billing-admin flags set invoice_export --group staff
   ```

## Installation

The image is built by CI; nothing is installed by hand.

## Verification

Create a test invoice export as a staff user and check the file downloads.

## Monitoring

### What to watch

HTTP 5xx rate of billing-api and the export job queue length.

### Failure criteria

More than 2 % 5xx over 5 minutes, or more than 100 queued exports.

### Action on failure

Disable the flag with `billing-admin flags unset invoice_export`, then roll back to 2.3.

## Rollback

Redeploy image 2.3 on both hosts; the 2.4 migration is backward compatible.
"""


def add_demo_knowledge(session: Session, task_ids: list[int]) -> None:
    """Notes on the PostgreSQL upgrade, and a published instruction for the billing deployment."""
    postgres_id, certificates_id, billing_id = task_ids[0], task_ids[1], task_ids[2]

    for login, title, body in POSTGRES_NOTES:
        notes.add_note(Session(store=session.store, login=login), postgres_id, title, body)

    draft_note = notes.add_note(Session(store=session.store, login="dave"), certificates_id,
                                "HAProxy reload test", "A `systemctl reload haproxy` kept every connection open"
                                " on the sandbox node.\n\nOrder of work: node B first, then node A.")
    kb.create_from_notes(session, certificates_id, title="Rotate the HAProxy TLS certificate",
                         note_ids=[draft_note])

    billing_note = notes.add_note(Session(store=session.store, login="carol"), billing_id, "Rollout order",
                                  "app-1 first, then app-2; keep the flag off until both run 2.4.")
    instruction_id = kb.create_instruction(session, "Deploy billing-api 2.4", body=BILLING_INSTRUCTION,
                                           task_id=billing_id)
    kb.publish(session, instruction_id, task_id=billing_id)
    note_lifecycle.mark_taken(session, billing_note, instruction_id)
    note_lifecycle.retire_note(session, billing_note)


DEMO_EXTENSIONS.append(add_demo_knowledge)
