"""Retention review and erasure.

Erasure is two steps by supervisors of the person's unit: a request with a reason, then a confirmation
that types the person's reference. It deletes every record about the person, anonymises the subject row
that the audit trail points at, clears the free text of the rows it keeps (alert notes, the erasure
requests' reasons), and leaves the audit trail untouched, so `flask audit verify` still passes. The trail
holds no personal text to begin with: identifying fields, narrative and typed searches are never copied into
it, and reasons and notes enter it only as their SHA-256 digests.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from flask import current_app
from sqlalchemy import delete, func, or_, select, update

from app import policy
from app.audit import trail
from app.auth.models import User
from app.db import db, utcnow
from app.errors import Invalid, NotAllowed
from app.i18n import gettext as _
from app.registry import REMOVED_TEXT, bulk, registry
from app.retention.models import ErasureInProgress, ErasureRequest, ErasureStatus
from app.subjects.models import Movement, Subject


@dataclass(frozen=True)
class DueRecord:
    subject: Subject
    last_activity: date
    due_on: date


def last_activity(subject: Subject) -> date:
    """The latest of: the record's last change, its release date, its last movement."""
    moved = db.session.scalar(select(func.max(Movement.moved_on)).where(Movement.subject_id == subject.id))
    days = [subject.updated_at.date(), subject.release_date, moved]
    return max(d for d in days if d is not None)


def due(today: date | None = None, unit_ids: set[int] | None = None) -> list[DueRecord]:
    """Records past their retention date (per custody status, from config), oldest first."""
    today = today or utcnow().date()
    periods: dict[str, timedelta | None] = current_app.config["RETENTION_PERIODS"]
    statuses = sorted(status for status, period in periods.items() if period is not None)
    stmt = select(Subject).where(Subject.erased_at.is_(None), Subject.status.in_(statuses))
    if unit_ids is not None:
        stmt = stmt.where(Subject.unit_id.in_(sorted(unit_ids)))
    result = []
    for subject in db.session.scalars(stmt.order_by(Subject.id)):
        period = periods[subject.status]
        assert period is not None  # noqa: S101 - filtered above
        activity = last_activity(subject)
        if activity + period <= today:
            result.append(DueRecord(subject, activity, activity + period))
    return sorted(result, key=lambda r: r.due_on)


def open_request(subject: Subject) -> ErasureRequest | None:
    return db.session.scalar(select(ErasureRequest).where(
        ErasureRequest.subject_id == subject.id, ErasureRequest.status == ErasureStatus.REQUESTED))


def request_erasure(actor: User, subject: Subject, reason: str) -> ErasureRequest:
    """Step one: a supervisor of the person's unit asks for erasure, with the reason."""
    if not policy.can_erase(actor, subject):
        raise NotAllowed(_("Only a supervisor of the person's unit can ask for a record to be erased."))
    if subject.erased_at is not None or open_request(subject) is not None:
        raise Invalid(_("This record is already erased or awaiting confirmation of its erasure."))
    if len(reason.strip()) < 10:
        raise Invalid(_("Nothing was requested."), field_errors={
            "reason": [_("Give the reason, for example the retention rule that applies. Do not name the person.")]})
    request = ErasureRequest(subject_id=subject.id, reason=reason.strip(), requested_by_id=actor.id)
    db.session.add(request)
    db.session.flush()
    trail.record("erase_request", object_type="subject", object_id=subject.id, subject_id=subject.id,
                 details={"erasure_request_id": request.id, "reason_sha256": trail.digest(request.reason)})
    return request


def cancel_request(actor: User, request: ErasureRequest) -> None:
    subject = db.session.get(Subject, request.subject_id)
    if subject is None or not policy.can_erase(actor, subject):
        raise NotAllowed(_("Only a supervisor of the person's unit can cancel the request."))
    request.status = ErasureStatus.CANCELLED.value
    db.session.flush()
    trail.record("erase_cancel", object_type="subject", object_id=subject.id, subject_id=subject.id,
                 details={"erasure_request_id": request.id})


def _remove_mentions(subject: Subject) -> None:
    """Clear the notes and reasons kept about other matters (an unusual-access alert, another person's
    break-glass access) that name the erased person by reference or full name: every free-text column a
    feature registered as one that may name someone else. SQLite's lower() folds ASCII only, hence the name as
    stored besides its lower case."""
    name = subject.full_name
    for mention in registry().mentions:
        column = mention.column
        lowered = func.lower(column)
        names = or_(lowered.contains(subject.reference.lower(), autoescape=True),
                    lowered.contains(name.lower(), autoescape=True), column.contains(name, autoescape=True))
        bulk(update(column.class_).where(names).values({column: mention.cleared}))


def confirm_erasure(actor: User, request: ErasureRequest, typed_reference: str) -> dict[str, int]:
    """Step two: erase. Returns how many rows of each kind went. Everything happens in the caller's
    transaction: a failure part-way leaves the record as it was."""
    subject = db.session.get(Subject, request.subject_id)
    if subject is None or not policy.can_erase(actor, subject):
        # Audited as the refusal's reason (routes.confirm: policy.refuse): its text stays English.
        raise NotAllowed("Only a supervisor of the person's unit can erase the record.")
    if request.status != ErasureStatus.REQUESTED:
        raise Invalid(_("This request is not awaiting confirmation."))
    if typed_reference.strip().upper() != subject.reference:
        raise Invalid(_("Nothing was erased."), field_errors={
            "reference": [_("Type the person's reference exactly, to confirm which record goes.")]})
    sid = subject.id
    # Approved assessments are immutable in the database too; its triggers let an erasure in progress through.
    db.session.add(ErasureInProgress(subject_id=sid))
    db.session.flush()
    counts = registry().erase(subject)
    _remove_mentions(subject)
    bulk(update(Subject).where(Subject.id == sid).values(
        reference=f"ERASED-{sid}", given_name="Erased", family_name="record", name_search="",
        date_of_birth=date(1900, 1, 1), status="ended", index_offence_category="other", sentence_date=None,
        release_date=None, next_review_due=None, case_owner_id=None, assessment_needed_since=None,
        erased_at=utcnow(), version=Subject.version + 1))
    bulk(delete(ErasureInProgress).where(ErasureInProgress.subject_id == sid))
    request.status = ErasureStatus.COMPLETED.value
    request.reason = REMOVED_TEXT
    request.confirmed_by_id = actor.id
    request.confirmed_at = utcnow()
    request.counts = counts
    db.session.flush()
    db.session.expire(subject)
    trail.record("erase", object_type="subject", object_id=sid, subject_id=sid,
                 details={"erasure_request_id": request.id, "counts": counts})
    return counts
