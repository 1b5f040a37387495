"""record() and verify(): the only way events enter the audit trail, and the way its chain is checked.

`record()` queues an event on the database session. One `before_commit` hook takes the chain lock
(an advisory transaction lock on PostgreSQL; SQLite transactions already hold the write lock from
BEGIN IMMEDIATE), reads the last hash, chains and inserts the queued events, all inside the transaction
of the change they describe (on PostgreSQL all four in one statement: `_APPEND`). A rollback drops the
queue with the change.

Both the append and `verify()` work on plain rows through the session's connection, not on AuditEvent
objects: they run once per commit and once per event of the chain, where the ORM's bookkeeping cost many
times the hashing. The hashed form is still exactly `canonical_json(AuditEvent.canonical_fields())`.
"""

from __future__ import annotations

import getpass
import hashlib
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, cast

from flask import g, has_app_context, has_request_context, request
from sqlalchemy import Connection, Row, Table, Text, event, insert, select, text
from sqlalchemy import cast as sql_cast
from sqlalchemy.orm import Session
from sqlalchemy.pool import ConnectionPoolEntry, Pool

from app.audit.models import CANONICAL_ENCODER, GENESIS_HASH, AuditEvent, AuditEventPerson, people_named
from app.db import db, utcnow

_QUEUE_KEY = "waypoint_audit_queue"
# Arbitrary constant naming Waypoint's audit-chain lock among PostgreSQL advisory locks.
_PG_CHAIN_LOCK = 0x57A7_0001

_EVENTS = cast(Table, AuditEvent.__table__)
# Built once: building these statements costs more than running them.
_LOCK = text("SELECT pg_advisory_xact_lock(:key)")
_LAST_LINK = select(_EVENTS.c.id, _EVENTS.c.hash).order_by(_EVENTS.c.id.desc()).limit(1)
_INSERT = insert(_EVENTS)
_INSERT_PEOPLE = insert(cast(Table, AuditEventPerson.__table__))
# The hashed columns as verify() reads them. `details` comes as its JSON text, parsed here by json.loads, as
# the JSON type would; the cast makes PostgreSQL's driver hand over the text of a `json` column unparsed.
CHAIN_COLUMNS = (
    _EVENTS.c.id, _EVENTS.c.occurred_at, _EVENTS.c.actor_id, _EVENTS.c.actor_username, _EVENTS.c.actor_role,
    _EVENTS.c.action, _EVENTS.c.object_type, _EVENTS.c.object_id, _EVENTS.c.subject_id,
    sql_cast(_EVENTS.c.details, Text), _EVENTS.c.request_id, _EVENTS.c.ip, _EVENTS.c.prev_hash, _EVENTS.c.hash,
)


@dataclass
class Actor:
    """Who did it: a user, or the command line (user None, name given)."""

    id: int | None
    username: str | None
    role: str | None


def canonical_json(fields: dict[str, Any]) -> bytes:
    """The bytes the chain hashes: sorted keys, no spaces, text as it is (UTF-8)."""
    return CANONICAL_ENCODER.encode(fields).encode()


@dataclass
class PendingEvent:
    action: str
    actor: Actor
    object_type: str | None
    object_id: str | None
    subject_id: int | None
    details: dict[str, Any] = field(default_factory=dict)
    request_id: str | None = None
    ip: str | None = None


def chain_hash(prev_hash: str, fields: dict[str, Any]) -> str:
    return hashlib.sha256(prev_hash.encode("ascii") + canonical_json(fields)).hexdigest()


def cli_actor() -> None:
    """Audit events from the command line name the operating-system account that ran it."""
    g.cli_actor = f"cli:{getpass.getuser()}"


def current_actor() -> Actor:
    user = g.get("user") if has_app_context() else None
    if user is not None:
        return Actor(user.id, user.username, user.role)
    name = g.get("cli_actor") if has_app_context() else None
    return Actor(None, name, None)


def record(
    action: str,
    *,
    object_type: str | None = None,
    object_id: object | None = None,
    subject_id: int | None = None,
    details: dict[str, Any] | None = None,
    actor: Actor | None = None,
    session: Session | None = None,
) -> PendingEvent:
    """Queue an audit event in the current transaction; it is written when (and only if) it commits.

    `details` holds what the event needs to be understood later: for updates, the field-level changes
    as {"changes": {field: [before, after]}}. Never a password, token or secret.
    """
    pending = PendingEvent(
        action=action,
        actor=actor or current_actor(),
        object_type=object_type,
        object_id=None if object_id is None else str(object_id),
        subject_id=subject_id,
        details=json.loads(json.dumps(details or {}, default=str)),
    )
    if has_request_context():
        pending.request_id = g.get("request_id")
        pending.ip = request.remote_addr
    target = session if session is not None else db.session
    if not target.in_transaction():
        target.begin()  # so that a rollback, even before any query, fires the hook that drops the queue
    target.info.setdefault(_QUEUE_KEY, []).append(pending)
    return pending


def record_view(shown: int | Iterable[int], *, object_type: str, object_id: object | None = None,
                details: dict[str, Any] | None = None) -> PendingEvent | None:
    """The one rule for auditing reads: a page that shows case content about a person records a `view` event
    in the request that shows it, and nothing else.

    A page about one person (`shown` is their id) records the event with that subject_id. A list, a panel or a
    dashboard (`shown` is the ids of the people on it) records one event naming them in its details,
    {"subject_ids": [...], "count": n}, with an `object_type` that says which list; a list showing nobody
    records nothing. People are named by id only, never by name or reference: text in the trail would outlive
    their erasure.
    """
    if isinstance(shown, int):
        return record("view", object_type=object_type, object_id=object_id, subject_id=shown, details=details)
    ids = sorted(set(shown))
    if not ids:
        return None
    return record("view", object_type=object_type, object_id=object_id,
                  details={**(details or {}), "subject_ids": ids, "count": len(ids)})


REDACTED = "(not copied to the audit trail)"


def changes(before: dict[str, Any], after: dict[str, Any], *, redact: frozenset[str] = frozenset()
            ) -> dict[str, list[Any]]:
    """Field-level changes between two snapshots, as {field: [before, after]}.

    Fields in `redact` (personal identifiers, narrative) are named as changed without their values: the
    trail is append-only, so what it holds can never be erased with the record.
    """
    return {
        k: ([REDACTED, REDACTED] if k in redact else [before.get(k), after.get(k)])
        for k in sorted(after)
        if before.get(k) != after.get(k)
    }


def digest(text: str) -> str:
    """The SHA-256 (hex) of free text that an event must vouch for without holding it: a reason or a note
    typed by a user can name a person, and the trail can never be erased with them. The text itself stays in
    its own row, which erasure clears; the digest still proves what was written there, and when."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def take_pending(session: Session) -> list[PendingEvent]:
    queue: list[PendingEvent] = session.info.pop(_QUEUE_KEY, [])
    return queue


def requeue(session: Session, events: list[PendingEvent]) -> None:
    session.info.setdefault(_QUEUE_KEY, []).extend(events)


def _timestamp(moment: datetime) -> str:
    """occurred_at as AuditEvent.canonical_fields() writes it."""
    return moment.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _lock_chain(connection: Connection) -> None:
    if connection.dialect.name == "postgresql":
        connection.execute(_LOCK, {"key": _PG_CHAIN_LOCK})


def _last_link(connection: Connection) -> tuple[int, str]:
    row = connection.execute(_LAST_LINK).first()
    return (0, GENESIS_HASH) if row is None else (row[0], row[1])


def _fields(event_id: int, stamp: str, pending: PendingEvent) -> dict[str, Any]:
    """The keys and values of AuditEvent.canonical_fields() for a queued event."""
    return {"id": event_id, "occurred_at": stamp, "actor_id": pending.actor.id,
            "actor_username": pending.actor.username, "actor_role": pending.actor.role, "action": pending.action,
            "object_type": pending.object_type, "object_id": pending.object_id, "subject_id": pending.subject_id,
            "details": pending.details, "request_id": pending.request_id, "ip": pending.ip}


# --- the append in one statement (PostgreSQL) -------------------------------------------------------------
# On PostgreSQL a commit's events reach the chain through one call of `audit_append` (the migration
# audit_append_function): it takes the chain lock, reads the last link (after the lock, so it sees every append
# committed before), gives each event the id after the one before and the hash sha256(previous hash +
# canonical bytes), and inserts the events with the people they name. The canonical bytes are made here, as
# the general append makes them, with a mark where the id goes, and passed as the bytes before and after it:
# what is stored and hashed is exactly what chain_hash() computes and verify() checks
# (tests/test_audit_append.py). SQLite, whose transactions hold the write lock from BEGIN IMMEDIATE, keeps the
# general append.
_ID_MARK = -7_305_019_283_746  # an id no event has: where the id goes in the canonical bytes
_ID_KEY = b'"id":'
_PER_EVENT = ("actor_id", "actor_username", "actor_role", "action", "object_type", "object_id", "subject_id",
              "details", "request_id", "ip")
_APPEND = text(
    "SELECT audit_append(CAST(:lock_key AS bigint), CAST(:genesis AS text), CAST(:occurred_at AS timestamptz), "
    "CAST(:before AS bytea[]), CAST(:after AS bytea[]), CAST(:actor_id AS integer[]), "
    "CAST(:actor_username AS text[]), CAST(:actor_role AS text[]), CAST(:action AS text[]), "
    "CAST(:object_type AS text[]), CAST(:object_id AS text[]), CAST(:subject_id AS integer[]), "
    "CAST(:details AS text[]), CAST(:request_id AS text[]), CAST(:ip AS text[]), CAST(:named_n AS bigint[]), "
    "CAST(:named_subject AS integer[]))")


# The function's signature, as to_regprocedure() finds it. A connection opened on a database that does not have it
# (migrated to an earlier revision) uses the general append.
_APPEND_FUNCTION = ("audit_append(bigint, text, timestamptz, bytea[], bytea[], integer[], text[], text[], text[], "
                    "text[], text[], integer[], text[], text[], text[], bigint[], integer[])")


@event.listens_for(Pool, "connect")
def _note_the_append_function(dbapi_connection: Any, record: ConnectionPoolEntry) -> None:
    """Whether this PostgreSQL connection's database has `audit_append`: asked once, when the pool opens it."""
    if type(dbapi_connection).__module__.partition(".")[0] != "psycopg":
        return
    with dbapi_connection.cursor() as cursor:
        cursor.execute("SELECT to_regprocedure(%s) IS NOT NULL", (_APPEND_FUNCTION,))
        row = cursor.fetchone()
    dbapi_connection.rollback()
    record.info["audit_append"] = bool(row and row[0])


def _append_in_one(connection: Connection, queue: list[PendingEvent]) -> bool:
    """Lock the chain, chain and insert the queued events in one statement (see above); False, and nothing done,
    when the database has no `audit_append` or an event's canonical bytes cannot be split at its id (its
    details hold the mark itself)."""
    if not connection.connection.info.get("audit_append"):
        return False
    now = utcnow()
    stamp = _timestamp(now)
    mark = _ID_KEY + str(_ID_MARK).encode()
    values: dict[str, list[Any]] = {name: [] for name in ("before", "after", *_PER_EVENT, "named_n", "named_subject")}
    for n, pending in enumerate(queue, start=1):
        fields = _fields(_ID_MARK, stamp, pending)
        canonical = canonical_json(fields)
        if canonical.count(mark) != 1:
            return False
        before, after = canonical.split(mark)
        values["before"].append(before + _ID_KEY)
        values["after"].append(after)
        for name in _PER_EVENT:
            values[name].append(CANONICAL_ENCODER.encode(fields[name]) if name == "details" else fields[name])
        for person in people_named(pending.details):
            values["named_n"].append(n)
            values["named_subject"].append(person)
    connection.execute(_APPEND, {**values, "occurred_at": now, "genesis": GENESIS_HASH, "lock_key": _PG_CHAIN_LOCK})
    return True


@event.listens_for(Session, "before_commit")
def _write_queued_events(session: Session) -> None:
    queue = take_pending(session)
    if not queue:
        return
    session.flush()  # the changes first, so the lock is held for the append alone
    connection = session.connection()  # the session's own transaction
    if connection.dialect.name == "postgresql" and _append_in_one(connection, queue):
        return
    _lock_chain(connection)
    last_id, last_hash = _last_link(connection)
    now = utcnow()
    stamp = _timestamp(now)
    rows = []
    named_in: list[tuple[int, dict[str, Any]]] = []
    for pending in queue:
        last_id += 1
        fields = _fields(last_id, stamp, pending)
        digest = chain_hash(last_hash, fields)
        named_in.append((last_id, pending.details))
        rows.append(fields | {"occurred_at": now, "prev_hash": last_hash, "hash": digest})
        last_hash = digest
    # A Core insert into the mapped table: its column types (UTCDateTime, JSON) store the values as the ORM would.
    connection.execute(_INSERT, rows)
    # The people list events name, for their access logs (AuditEventPerson).
    named = [{"event_id": event_id, "subject_id": person} for event_id, details in named_in
             for person in people_named(details)]
    if named:
        connection.execute(_INSERT_PEOPLE, named)


@event.listens_for(Session, "after_soft_rollback")
def _drop_queued_events(session: Session, _previous_transaction: Any) -> None:
    session.info.pop(_QUEUE_KEY, None)


LINK_BROKEN = "previous-hash link broken"
CONTENT_CHANGED = "content does not match its hash"


def out_of_sequence(expected_id: int, found_id: int) -> str:
    return f"expected event {expected_id}, found {found_id}"


@dataclass
class Verification:
    count: int
    first_bad_id: int | None = None
    problem: str | None = None

    @property
    def intact(self) -> bool:
        return self.first_bad_id is None


def chain_fields(id_: int, occurred_at: datetime, actor_id: int | None, actor_username: str | None,
                 actor_role: str | None, action: str, object_type: str | None, object_id: str | None,
                 subject_id: int | None, details: str | None, request_id: str | None, ip: str | None
                 ) -> dict[str, Any]:
    """The keys and values of AuditEvent.canonical_fields(), from a row of CHAIN_COLUMNS (details as its
    JSON text): what every way of verifying hashes when it must be exact."""
    return {
        "id": id_,
        "occurred_at": _timestamp(occurred_at),
        "actor_id": actor_id,
        "actor_username": actor_username,
        "actor_role": actor_role,
        "action": action,
        "object_type": object_type,
        "object_id": object_id,
        "subject_id": subject_id,
        "details": None if details is None else json.loads(details),
        "request_id": request_id,
        "ip": ip,
    }


def _chain_batches(session: Session, batch: int = 2000, limit: int | None = None) -> Iterator[list[Row[Any]]]:
    """The events in id order, `batch` rows at a time (keyset paging), as plain rows: memory stays flat over
    millions of events and nothing enters the session. With `limit`, the first `limit` events only."""
    after = 0
    left = limit
    while left is None or left > 0:
        size = batch if left is None else min(batch, left)
        rows = list(session.execute(
            select(*CHAIN_COLUMNS).where(_EVENTS.c.id > after).order_by(_EVENTS.c.id).limit(size)
        ))
        if not rows:
            return
        yield rows
        after = rows[-1][0]
        if left is not None:
            left -= len(rows)


def verify(session: Session, *, batch: int = 2000, limit: int | None = None) -> Verification:
    """Walk the chain in id order, `batch` events at a time; report the first event whose link or hash does not
    hold. With `limit`, only the first `limit` events are walked (the benchmark times part of a long chain)."""
    prev_hash = GENESIS_HASH
    expected_id = 1
    count = 0
    for rows in _chain_batches(session, batch, limit):
        for (id_, occurred_at, actor_id, actor_username, actor_role, action, object_type, object_id, subject_id,
             details, request_id, ip, row_prev_hash, row_hash) in rows:
            if id_ != expected_id:
                return Verification(count, id_, out_of_sequence(expected_id, id_))
            if row_prev_hash != prev_hash:
                return Verification(count, id_, LINK_BROKEN)
            fields = chain_fields(id_, occurred_at, actor_id, actor_username, actor_role, action, object_type,
                                  object_id, subject_id, details, request_id, ip)
            if chain_hash(prev_hash, fields) != row_hash:
                return Verification(count, id_, CONTENT_CHANGED)
            prev_hash = row_hash
            expected_id += 1
            count += 1
    return Verification(count)
