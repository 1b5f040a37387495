"""record() and verify(): the only way events enter the audit trail, and the way its chain is checked.

`record()` queues an event on the database session. One `before_commit` hook takes the chain lock
(an advisory transaction lock on PostgreSQL; SQLite transactions already hold the write lock from
BEGIN IMMEDIATE), reads the last hash, chains and inserts the queued events, all inside the transaction
of the change they describe. A rollback drops the queue with the change.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from flask import g, has_app_context, has_request_context, request
from sqlalchemy import event, select, text
from sqlalchemy.orm import Session

from app.audit.models import GENESIS_HASH, AuditEvent
from app.db import db, utcnow

_QUEUE_KEY = "waypoint_audit_queue"
# Arbitrary constant naming Waypoint's audit-chain lock among PostgreSQL advisory locks.
_PG_CHAIN_LOCK = 0x57A7_0001


@dataclass
class Actor:
    """Who did it: a user, or the command line (user None, name given)."""

    id: int | None
    username: str | None
    role: str | None


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


def canonical_json(fields: dict[str, Any]) -> bytes:
    return json.dumps(fields, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def chain_hash(prev_hash: str, fields: dict[str, Any]) -> str:
    return hashlib.sha256(prev_hash.encode("ascii") + canonical_json(fields)).hexdigest()


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


def pending_count(session: Session) -> int:
    return len(session.info.get(_QUEUE_KEY, []))


def take_pending(session: Session) -> list[PendingEvent]:
    queue: list[PendingEvent] = session.info.pop(_QUEUE_KEY, [])
    return queue


def requeue(session: Session, events: list[PendingEvent]) -> None:
    session.info.setdefault(_QUEUE_KEY, []).extend(events)


def _lock_chain(session: Session) -> None:
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _PG_CHAIN_LOCK})


def _last_link(session: Session) -> tuple[int, str]:
    row = session.execute(
        select(AuditEvent.id, AuditEvent.hash).order_by(AuditEvent.id.desc()).limit(1)
    ).first()
    return (0, GENESIS_HASH) if row is None else (row[0], row[1])


@event.listens_for(Session, "before_commit")
def _write_queued_events(session: Session) -> None:
    queue = take_pending(session)
    if not queue:
        return
    session.flush()  # the changes first, so the lock is held for the append alone
    _lock_chain(session)
    last_id, last_hash = _last_link(session)
    now = utcnow()
    for pending in queue:
        last_id += 1
        row = AuditEvent(
            id=last_id,
            occurred_at=now,
            actor_id=pending.actor.id,
            actor_username=pending.actor.username,
            actor_role=pending.actor.role,
            action=pending.action,
            object_type=pending.object_type,
            object_id=pending.object_id,
            subject_id=pending.subject_id,
            details=pending.details,
            request_id=pending.request_id,
            ip=pending.ip,
            prev_hash=last_hash,
        )
        row.hash = chain_hash(last_hash, row.canonical_fields())
        last_hash = row.hash
        session.add(row)
    session.flush()


@event.listens_for(Session, "after_soft_rollback")
def _drop_queued_events(session: Session, _previous_transaction: Any) -> None:
    session.info.pop(_QUEUE_KEY, None)


@dataclass
class Verification:
    count: int
    first_bad_id: int | None = None
    problem: str | None = None

    @property
    def intact(self) -> bool:
        return self.first_bad_id is None


def _iter_events(session: Session, batch: int = 2000) -> Iterator[AuditEvent]:
    after = 0
    while True:
        rows = session.scalars(
            select(AuditEvent).where(AuditEvent.id > after).order_by(AuditEvent.id).limit(batch)
        ).all()
        if not rows:
            return
        for row in rows:
            yield row
            session.expunge(row)  # keep memory flat over millions of events
        after = rows[-1].id


def verify(session: Session) -> Verification:
    """Walk the chain in id order; report the first event whose link or hash does not hold."""
    prev_hash = GENESIS_HASH
    expected_id = 1
    count = 0
    for row in _iter_events(session):
        if row.id != expected_id:
            return Verification(count, row.id, f"expected event {expected_id}, found {row.id}")
        if row.prev_hash != prev_hash:
            return Verification(count, row.id, "previous-hash link broken")
        if chain_hash(prev_hash, row.canonical_fields()) != row.hash:
            return Verification(count, row.id, "content does not match its hash")
        prev_hash = row.hash
        expected_id += 1
        count += 1
    return Verification(count)
