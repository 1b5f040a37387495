"""The append-only, hash-chained audit table (DESIGN §6), and the record of its verification runs."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, Dialect, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column
from sqlalchemy.types import TypeDecorator

from app.db import Base, UTCDateTime, utcnow

GENESIS_HASH = "0" * 64

# json.dumps(fields, sort_keys=True, separators=(",", ":"), ensure_ascii=False) makes exactly this encoder
# (every other argument at its default) for each call and calls its encode(); making it once gives the same
# bytes. An encoder keeps no state between calls, so threads may share it.
# The chain hashes canonical_json() of an event's fields: this encoder's text, as UTF-8 (app/audit/trail.py).
CANONICAL_ENCODER = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=False)


class ChainedJSON(TypeDecorator[Any]):
    """JSON stored in the canonical form the chain hashes it in, so that verification can hash the stored text as
    it is instead of parsing and encoding it again (app/audit/chain.py). Read back as JSON always is."""

    impl = JSON
    cache_ok = True

    def bind_processor(self, dialect: Dialect) -> Callable[[Any], str | None]:
        def process(value: Any) -> str | None:
            return None if value is None else CANONICAL_ENCODER.encode(value)

        return process


class AuditEvent(Base):
    """One event. Ids are assigned densely under the chain lock, so id order is chain order."""

    __tablename__ = "audit_events"
    # A user's recent events: the unusual-access alert counts them on every subject view, and the review
    # filters by user. By actor alone, each count would read every event the user ever caused.
    # A person's events newest first: the audit review walks each person of a unit this way
    # (policy.audit_events_visible_newest).
    # A person's events by action: the person's page shows a few kinds (app/audit/history.py), and every view of
    # the page adds an event about them.
    __table_args__ = (Index("ix_audit_events_actor_id_occurred_at", "actor_id", "occurred_at"),
                      Index("ix_audit_events_subject_id_id", "subject_id", "id"),
                      Index("ix_audit_events_subject_id_action", "subject_id", "action"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    actor_id: Mapped[int | None] = mapped_column(Integer)
    actor_username: Mapped[str | None] = mapped_column(String(64))
    actor_role: Mapped[str | None] = mapped_column(String(32))
    action: Mapped[str] = mapped_column(String(32), index=True)
    object_type: Mapped[str | None] = mapped_column(String(32))
    object_id: Mapped[str | None] = mapped_column(String(64))
    subject_id: Mapped[int | None] = mapped_column(Integer)
    details: Mapped[dict[str, Any]] = mapped_column(ChainedJSON, default=dict)
    request_id: Mapped[str | None] = mapped_column(String(32))
    ip: Mapped[str | None] = mapped_column(String(64))
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))  # not unique: see the migration audit_hash_not_unique

    def canonical_fields(self) -> dict[str, Any]:
        """What the hash covers: every column but the hashes themselves."""
        return {
            "id": self.id,
            "occurred_at": self.occurred_at.strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
            "actor_id": self.actor_id,
            "actor_username": self.actor_username,
            "actor_role": self.actor_role,
            "action": self.action,
            "object_type": self.object_type,
            "object_id": self.object_id,
            "subject_id": self.subject_id,
            "details": self.details,
            "request_id": self.request_id,
            "ip": self.ip,
        }


class AuditEventPerson(Base):
    """A person an event names in its details' `subject_ids` (a list page, a dashboard, a search): an index of
    the trail, written with the event in the same insert, so that a person's access log (the subject-access
    report, the audit review's person filter, supervisors' scope) finds the lists that showed them with one
    indexed lookup. What it says is in the chained details, which `flask audit verify` checks."""

    __tablename__ = "audit_event_people"
    # The lists that showed a person, newest first (the audit review, policy.audit_events_visible_newest).
    __table_args__ = (Index("ix_audit_event_people_subject_id_event_id", "subject_id", "event_id"),)

    # No foreign key: the trail's own table must stay the only one its append-only triggers guard (a key
    # would make TRUNCATE fail on the key before the trigger refuses it), and event ids are never reused.
    event_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    subject_id: Mapped[int] = mapped_column(Integer, primary_key=True)


def people_named(details: dict[str, Any] | None) -> list[int]:
    """The people an event's details name in `subject_ids`."""
    ids = (details or {}).get("subject_ids")
    if not isinstance(ids, list):
        return []
    return sorted({i for i in ids if isinstance(i, int) and not isinstance(i, bool)})


class AuditVerification(Base):
    """One run of the chain verification (from the page or `flask audit verify`)."""

    __tablename__ = "audit_verifications"

    id: Mapped[int] = mapped_column(primary_key=True)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    finished_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    event_count: Mapped[int] = mapped_column(Integer)
    intact: Mapped[bool] = mapped_column(Boolean)
    first_bad_id: Mapped[int | None] = mapped_column(Integer)
    problem: Mapped[str] = mapped_column(Text, default="")
    run_by: Mapped[str] = mapped_column(String(80))  # a username, or cli:<os user>
