"""A realistic demo database: four colleagues and several changes at different stages."""

from collections.abc import Callable
from datetime import date, timedelta

from pathlib import Path

from opstui.errors import OpstuiError
from opstui.services import tasks, users
from opstui.services.session import Session
from opstui.store import open_store
from opstui.store import settings as setting_rows

DEMO_MARKER_SETTING = "demo_database"

DEMO_USERS = [
    ("alice", "Alice Martin", "alice@example.org", "manager"),
    ("bob", "Bob Okafor", "bob@example.org", "sysadmin"),
    ("carol", "Carol Nguyen", "carol@example.org", "sysadmin"),
    ("dave", "Dave Kowalski", "dave@example.org", "sysadmin"),
]

# (title, source, requester, reference, stage, priority, due in days, description, subtasks)
DEMO_CHANGES = [
    ("Upgrade PostgreSQL 13 to 16 on db-prod-1", "infrastructure", "DBA team", "CHG-1042", "discovery",
     "high", 10,
     "PostgreSQL 13 reaches end of life. Upgrade the primary and both replicas with `pg_upgrade`"
     " and a short maintenance window.\n\n- Check extension compatibility\n- Rehearse on the sandbox clone",
     [("Inventory extensions and their 16.x versions", "bob", True),
      ("Rehearse pg_upgrade on the sandbox clone", "carol", False),
      ("Write the rollback plan", "bob", False)]),
    ("Rotate the TLS certificates of the load balancers", "infrastructure", "Security", "SEC-311", "sandbox",
     "urgent", -2,
     "The wildcard certificate expires soon. Replace it on both HAProxy nodes without dropping connections.",
     [("Order the new certificate", "alice", True),
      ("Test the reload on the sandbox HAProxy", "dave", True),
      ("Prepare the production reload procedure", "dave", False)]),
    ("Deploy billing-api 2.4 to production", "deployment", "Billing squad", "REL-2.4", "production",
     "normal", 3,
     "Release 2.4 adds invoice exports. Database migration included; feature flag `invoice_export`.",
     [("Run the schema migration", "carol", True),
      ("Roll out the new containers", "bob", False)]),
    ("Customer ACME: open port 8443 to their VPN range", "customer", "ACME Corp", "TICKET-88231", "request",
     "normal", 7,
     "ACME asks for access to the reporting service from 203.0.113.0/24 over their VPN.",
     [("Check the firewall policy with security", "dave", False)]),
    ("Add disk-space alerting for the backup volumes", "infrastructure", "On-call review", "PM-17",
     "monitoring", "low", 14,
     "Last month's outage started with a full backup volume. Alert at 80 % and 90 %.",
     [("Write the Zabbix trigger and its action", "carol", True),
      ("Document the clean-up procedure", "bob", True)]),
    ("Decommission the old LDAP replica", "infrastructure", "Identity team", "CHG-0990", "done", "low", -20,
     "ldap-3 is replaced by the new directory cluster; remove it from DNS and monitoring.",
     [("Remove DNS records", "dave", True), ("Remove monitoring", "carol", True)]),
]

# Other services add demo content (notes, instructions, time entries) by
# appending a function here; each gets the session and the created task ids.
DEMO_EXTENSIONS: list[Callable[[Session, list[int]], None]] = []


def write_demo(session: Session) -> list[int]:
    """Fill an empty database with the demo team and changes; return the master task ids."""
    session.store.write(session.login, lambda transaction: setting_rows.put_setting(
        transaction, DEMO_MARKER_SETTING, True, None))
    for login, name, email, role in DEMO_USERS:
        if login == session.login:
            continue
        users.add_user(session, login, display_name=name, email=email, role=role)

    task_ids: list[int] = []
    today = date.today()
    for title, source, requester, ref, stage, priority, due_days, description, subtasks in DEMO_CHANGES:
        received = (today - timedelta(days=abs(due_days) + 5)).isoformat()
        due = (today + timedelta(days=due_days)).isoformat()
        task_id = tasks.create_request(session, title, source=source, requester=requester, external_ref=ref,
                                       received_on=received, description=description, priority=priority,
                                       due_on=due)
        for subtask_title, assignee, done in subtasks:
            subtask_id = tasks.add_subtask(session, task_id, subtask_title, assignee=assignee, due_on=due)
            if done:
                tasks.set_subtask_done(session, subtask_id, True)
        if stage != "request":
            tasks.move_task(session, task_id, stage, reason="demo data")
        task_ids.append(task_id)

    for extension in DEMO_EXTENSIONS:
        extension(session, task_ids)
    return task_ids


def is_demo_database(path: Path) -> bool:
    """Tell whether ``path`` was written by ``write_demo`` (and so may be replaced)."""
    try:
        store = open_store(path, create=False)
    except OpstuiError:
        return False
    try:
        return setting_rows.get_setting(store, DEMO_MARKER_SETTING) is not None
    finally:
        store.close()


import opstui.services.knowledge_demo  # noqa: E402,F401  (registers demo notes and instructions)
import opstui.services.timelog_demo  # noqa: E402,F401  (registers demo time entries)
import opstui.services.process_demo  # noqa: E402,F401  (registers demo process steps)
