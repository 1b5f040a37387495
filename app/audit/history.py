"""The steps of a person's record that only the audit trail keeps, read once per page for every feature.

Some steps are kept nowhere but in their audit event: who submitted or returned an assessment each time, who
moved an intervention to each status, each change of location. The person's timeline shows them, each feature
its own. Rather than one query per feature, each registers the kinds of event it reads (`registry.history_kinds`,
as (object type, action) pairs, at start-up) and reads them here: one statement per request brings the person's
events of every registered kind, oldest first, with the name of the user who acted.

Part of the core: it imports no feature.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Select, and_, bindparam, or_, select

from app.audit.models import AuditEvent
from app.auth.models import User
from app.db import built_once, db, per_request
from app.registry import registry


@dataclass(frozen=True)
class Step:
    """An audit event about the person, as a timeline reads it."""

    object_type: str | None
    action: str
    object_id: str | None
    occurred_at: datetime
    details: dict[str, Any]
    actor_username: str | None
    actor_name: str | None  # the user's display name; None for the command line


def steps_of(subject_id: int, object_type: str, *actions: str) -> list[Step]:
    """The person's events of this object type and these actions, oldest first (the kinds must be registered)."""
    kinds = registry().history_kinds
    if any((object_type, action) not in kinds for action in actions):
        raise ValueError(f"history kind {object_type}/{actions} is not registered")
    return [s for s in _steps(subject_id) if s.object_type == object_type and s.action in actions]


def _steps(subject_id: int) -> list[Step]:
    kinds = tuple(sorted(registry().history_kinds))
    if not kinds:
        return []
    return per_request(("audit_history", subject_id), lambda: [
        Step(object_type, action, object_id, occurred_at, details or {}, username, name)
        for object_type, action, object_id, occurred_at, details, username, name in db.session.execute(
            built_once(_history_of, kinds), {"subject_id": subject_id})])


def _history_of(kinds: tuple[tuple[str, str], ...]) -> Select[Any]:
    return (select(AuditEvent.object_type, AuditEvent.action, AuditEvent.object_id, AuditEvent.occurred_at,
                   AuditEvent.details, AuditEvent.actor_username, User.display_name)
            .outerjoin(User, User.id == AuditEvent.actor_id)
            .where(AuditEvent.subject_id == bindparam("subject_id"),
                   or_(*(and_(AuditEvent.object_type == t, AuditEvent.action == a) for t, a in kinds)))
            .order_by(AuditEvent.id))
