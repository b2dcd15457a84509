"""Fast generation of large benchmark databases.

The services write one row (and one event) per call, which would take hours for
a million rows. This module therefore inserts rows with executemany inside one
opstui.store write transaction. That SQL is here for data generation only: the
product's SQL stays in opstui/store/, and every measured operation goes through
the services. The schema's triggers still run, so the search index is filled as
it would be by the application.
"""

from __future__ import annotations

import itertools
import random
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta, timezone
from pathlib import Path

from opstui.services import users
from opstui.services.process_steps import STAGES
from opstui.services.session import Session, open_session

MANAGER = "alice"
BATCH_ROWS = 20_000
ISO = "%Y-%m-%dT%H:%M:%SZ"

# Words of an operations team's notes. Weights follow Zipf's law (the n-th word is
# used about 1/n as often as the first), as words in real text do.
OPS_WORDS = (
    "the server restart config backup disk network postgres replica firewall nginx certificate"
    " kernel patch upgrade rollback ansible cluster node ldap dns zabbix trigger alert volume"
    " snapshot migration schema index vacuum haproxy reload timeout latency packet route vlan"
    " bond interface raid controller firmware bios ipmi console ssh key rotate token vault secret"
    " audit log journal syslog rsyslog logrotate cron systemd unit service socket mount nfs samba"
    " ceph osd pool pg monitor quorum etcd kubernetes pod deployment ingress helm chart registry"
    " image container docker podman selinux apparmor iptables nftables conntrack mtu ospf bgp peer"
    " prefix subnet gateway dhcp lease ntp chrony drift clock tls openssl cipher handshake proxy"
    " cache redis memcached queue rabbitmq kafka topic partition consumer lag offset grafana"
    " prometheus exporter scrape metric dashboard threshold runbook oncall pager incident change"
    " window maintenance freeze approval ticket customer vpn tunnel ipsec wireguard bastion jump"
).split()


# The most frequent words of English prose come first, as in real notes.
FUNCTION_WORDS = (
    "the of and to a in is it that for on with as was be this by are or at from not have an but"
    " then if all can will one we they which so after before"
).split()


def vocabulary(size: int = 5000) -> list[str]:
    """Return words most frequent first: English function words, then filler and OPS_WORDS.

    The operations words are spread from rank 60 to about rank 3,000, so a
    technical word appears in roughly 1 % to 15 % of 1 KB notes, as a product
    or tool name does in a real team's notes.
    """
    rng = random.Random(7)
    words = list(FUNCTION_WORDS)
    seen = set(words) | set(OPS_WORDS)
    syllables = ["ka", "lo", "mi", "ne", "ru", "ta", "vo", "zi", "pe", "sa", "dor", "fen", "gli", "hul"]
    placed = {60 + index * 20: word for index, word in enumerate(OPS_WORDS)}
    while len(words) < size:
        if len(words) in placed:
            words.append(placed[len(words)])
            continue
        word = "".join(rng.choice(syllables) for _ in range(rng.randint(2, 4)))
        if word not in seen:
            seen.add(word)
            words.append(word)
    return words


def zipf_cumulative_weights(count: int) -> list[float]:
    return list(itertools.accumulate(1.0 / rank for rank in range(1, count + 1)))


@contextmanager
def bulk_loading(session: Session) -> Iterator[None]:
    """Skip foreign-key checks and use a large page cache while generating rows.

    The generated rows are consistent by construction; this only makes loading
    a million rows take seconds instead of minutes.
    """
    connection = session.store.connection
    connection.execute("PRAGMA foreign_keys = OFF")
    connection.execute("PRAGMA cache_size = -262144")
    try:
        yield
    finally:
        connection.execute("PRAGMA foreign_keys = ON")
        connection.execute("PRAGMA cache_size = -2000")


def create_database(path: Path, *, team_size: int = 20) -> Session:
    """Create a database with a manager (alice) and ``team_size - 1`` sysadmins; return alice's session."""
    session = open_session(path, login=MANAGER)
    users.update_profile(session, MANAGER, display_name="Alice Martin", email="alice@example.org")
    for number in range(1, team_size):
        users.add_user(session, f"admin{number:02d}", display_name=f"Admin {number:02d}",
                       email=f"admin{number:02d}@example.org")
    return session


def team_logins(session: Session) -> list[str]:
    return [user["login"] for user in users.list_users(session)]


def _batches(rows: Iterator[tuple], size: int = BATCH_ROWS) -> Iterator[list[tuple]]:
    batch: list[tuple] = []
    for row in rows:
        batch.append(row)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


def insert_board(session: Session, masters: int, subtasks_per_master: int, *, seed: int = 1) -> list[int]:
    """Insert ``masters`` requests with master tasks spread over the stages, each with subtasks.

    Every master task and subtask gets one assignee. Returns the master task ids.
    """
    rng = random.Random(seed)
    logins = team_logins(session)
    now = datetime.now(timezone.utc).strftime(ISO)
    store = session.store
    first_request = (store.scalar("SELECT coalesce(max(id), 0) FROM requests") or 0) + 1
    first_task = (store.scalar("SELECT coalesce(max(id), 0) FROM tasks") or 0) + 1

    request_rows = [(first_request + number, rng.choice(("deployment", "infrastructure", "customer")),
                     "Bench team", f"CHG-{number}", now[:10], MANAGER, now) for number in range(masters)]
    master_ids: list[int] = []
    task_rows: list[tuple] = []
    assignment_rows: list[tuple] = []
    next_id = first_task
    for number in range(masters):
        master_id = next_id
        next_id += 1
        master_ids.append(master_id)
        stage = STAGES[number % (len(STAGES) - 1)] if number % 10 else "done"
        status = "done" if stage == "done" else "open"
        words = " ".join(rng.choices(OPS_WORDS, k=4))
        task_rows.append((master_id, "master", None, first_request + number, f"Change {number}: {words}", "",
                          stage, status, rng.choice(("low", "normal", "high", "urgent")), None, number,
                          MANAGER, now, now))
        assignment_rows.append((master_id, rng.choice(logins), MANAGER, now))
        for position in range(1, subtasks_per_master + 1):
            subtask_id = next_id
            next_id += 1
            task_rows.append((subtask_id, "subtask", master_id, None, f"Part {position} of change {number}", "",
                              "request", rng.choice(("open", "done")), "normal", None, position, MANAGER, now, now))
            assignment_rows.append((subtask_id, rng.choice(logins), MANAGER, now))

    with bulk_loading(session), store.transaction(MANAGER) as transaction:
        connection = transaction.connection
        connection.executemany(
            "INSERT INTO requests (id, source, requester, external_ref, received_on, created_by, created_at)"
            " VALUES (?, ?, ?, ?, ?, ?, ?)", request_rows)
        for batch in _batches(iter(task_rows)):
            connection.executemany(
                "INSERT INTO tasks (id, kind, parent_id, request_id, title, description, stage, status, priority,"
                " due_on, position, created_by, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                batch)
        connection.executemany(
            "INSERT INTO assignments (task_id, login, assigned_by, assigned_at) VALUES (?, ?, ?, ?)",
            assignment_rows)
        transaction.event("bench.generated", entity="bench", data={"masters": masters})
    return master_ids


def note_body(rng: random.Random, words: list[str], cumulative: list[float], size: int) -> str:
    """Return text of about ``size`` characters, in lines of 12 words (words average 6 characters)."""
    chosen = rng.choices(words, cum_weights=cumulative, k=max(12, size // 7))
    return "\n".join(" ".join(chosen[start:start + 12]) for start in range(0, len(chosen), 12))


def insert_notes(session: Session, task_id: int, count: int, *, size: int = 1024, seed: int = 2) -> None:
    """Insert ``count`` active notes of about ``size`` characters on one master task."""
    rng = random.Random(seed)
    words = vocabulary()
    cumulative = zipf_cumulative_weights(len(words))
    now = datetime.now(timezone.utc).strftime(ISO)

    def rows() -> Iterator[tuple]:
        for number in range(count):
            title = f"Note {number}: " + " ".join(rng.choices(words, cum_weights=cumulative, k=3))
            yield (task_id, title, note_body(rng, words, cumulative, size), MANAGER, now, MANAGER, now)

    with bulk_loading(session):
        for batch in _batches(rows(), 5_000):
            with session.store.transaction(MANAGER) as transaction:
                transaction.connection.executemany(
                    "INSERT INTO notes (task_id, title, body, created_by, created_at, updated_by, updated_at)"
                    " VALUES (?, ?, ?, ?, ?, ?, ?)", batch)


def insert_time_entries(session: Session, task_ids: list[int], count: int, *, first_day: datetime,
                        days: int, seed: int = 3) -> None:
    """Insert ``count`` finished time entries spread evenly over ``days`` days from ``first_day``.

    Entries last 5 minutes to 3 hours and start during working hours, so some
    cross midnight in zones far from UTC, as real ones do.
    """
    rng = random.Random(seed)
    logins = team_logins(session)
    now = datetime.now(timezone.utc).strftime(ISO)
    per_day = max(1, count // days)

    def rows() -> Iterator[tuple]:
        for number in range(count):
            day = first_day + timedelta(days=min(days - 1, number // per_day))
            start = day + timedelta(hours=rng.randint(6, 20), minutes=rng.randint(0, 59))
            end = start + timedelta(minutes=rng.randint(5, 180))
            login = rng.choice(logins)
            yield (rng.choice(task_ids), login, start.strftime(ISO), end.strftime(ISO), login, now, now)

    with bulk_loading(session):
        for batch in _batches(rows(), 50_000):
            with session.store.transaction(MANAGER) as transaction:
                transaction.connection.executemany(
                    "INSERT INTO time_entries (task_id, login, started_at, ended_at, created_by, created_at,"
                    " updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)", batch)
