"""Creating and changing subject records, transfers, allocation and break-glass access.

Services take the acting user and plain values, check the policy, flush and never commit; every change
is audited with its field-level changes in the same transaction.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from sqlalchemy import select

from app import policy, signals
from app.audit import trail
from app.auth.models import Unit, UnitKind, User
from app.db import bump_version, db, utcnow
from app.errors import Invalid, NotAllowed
from app.i18n import day
from app.i18n import gettext as _
from app.i18n import lazy_gettext as _l
from app.registry import Move
from app.subjects import moves
from app.subjects.models import (
    AlertCode,
    Allocation,
    BreakGlassAccess,
    CustodyStatus,
    Movement,
    OffenceCategory,
    Subject,
    SubjectAlert,
)
from app.text import control_character_problem

REFERENCE_PATTERN = re.compile(r"^[A-Z0-9][A-Z0-9/-]{2,19}$")
MIN_AGE_YEARS = 10
MAX_AGE_YEARS = 110
BREAK_GLASS_DURATION = timedelta(hours=1)
# Identifying fields: named as changed in the audit trail but never copied there, since the trail can
# never be erased with the record (coded fields such as status keep their values).
PERSONAL_FIELDS = frozenset({"reference", "given_name", "family_name", "date_of_birth"})
CUSTODY_STATUSES = {CustodyStatus.REMAND.value, CustodyStatus.SENTENCED.value}
EDITABLE_FIELDS = ("reference", "given_name", "family_name", "date_of_birth", "status", "index_offence_category",
                   "sentence_date", "release_date", "next_review_due", "alerts")


@dataclass
class SubjectValues:
    """What a person's record holds, as typed (dates already parsed, or None)."""

    reference: str
    given_name: str
    family_name: str
    date_of_birth: date | None
    status: str
    index_offence_category: str
    sentence_date: date | None = None
    release_date: date | None = None
    next_review_due: date | None = None
    alert_codes: list[str] = field(default_factory=list)

    def normalised(self) -> SubjectValues:
        return SubjectValues(
            reference=self.reference.strip().upper(),
            given_name=" ".join(self.given_name.split()),
            family_name=" ".join(self.family_name.split()),
            date_of_birth=self.date_of_birth,
            status=self.status,
            index_offence_category=self.index_offence_category,
            sentence_date=self.sentence_date,
            release_date=self.release_date,
            next_review_due=self.next_review_due,
            alert_codes=sorted(set(self.alert_codes)),
        )


def name_key(given_name: str, family_name: str) -> str:
    return f"{given_name} {family_name}".casefold()


def values_of(subject: Subject) -> SubjectValues:
    return SubjectValues(
        reference=subject.reference, given_name=subject.given_name, family_name=subject.family_name,
        date_of_birth=subject.date_of_birth, status=subject.status,
        index_offence_category=subject.index_offence_category, sentence_date=subject.sentence_date,
        release_date=subject.release_date, next_review_due=subject.next_review_due,
        alert_codes=subject.alert_codes,
    )


def as_fields(values: SubjectValues) -> dict[str, Any]:
    """The editable fields as plain values (dates as ISO text), for field-level audit and comparison."""

    def iso(d: date | None) -> str | None:
        return d.isoformat() if d else None

    return {
        "reference": values.reference,
        "given_name": values.given_name,
        "family_name": values.family_name,
        "date_of_birth": iso(values.date_of_birth),
        "status": values.status,
        "index_offence_category": values.index_offence_category,
        "sentence_date": iso(values.sentence_date),
        "release_date": iso(values.release_date),
        "next_review_due": iso(values.next_review_due),
        "alerts": sorted(values.alert_codes),
    }


def snapshot(subject: Subject) -> dict[str, Any]:
    return as_fields(values_of(subject))


def validate(
    values: SubjectValues, *, subject_id: int | None = None, today: date | None = None
) -> dict[str, list[str]]:
    """Every problem with the values at once, keyed by field name."""
    today = today or utcnow().date()
    errors: dict[str, list[str]] = {}

    def add(name: str, message: str) -> None:
        errors.setdefault(name, []).append(message)

    if not values.reference:
        add("reference", _("Enter the reference number."))
    elif not REFERENCE_PATTERN.match(values.reference):
        add("reference", _("Use 3 to 20 capital letters, digits, dashes or slashes, for example A1234BC."))
    else:
        clash = db.session.scalar(select(Subject.id).where(Subject.reference == values.reference))
        if clash is not None and clash != subject_id:
            add("reference", _("Another person already has this reference number."))
    for name, missing in (("given_name", _("Enter the given name.")), ("family_name", _("Enter the family name."))):
        value = getattr(values, name)
        if not value:
            add(name, missing)
        elif len(value) > 100:
            add(name, _("Use at most 100 characters."))
        elif problem := control_character_problem(value):  # forms refuse it first; the import and others here
            add(name, problem)
    dob = values.date_of_birth
    if dob is None:
        add("date_of_birth", _("Enter the date of birth as a date, for example 1990-04-27."))
    elif dob > today - timedelta(days=365 * MIN_AGE_YEARS):
        add("date_of_birth", _("The date of birth must be at least %(years)s years ago.", years=MIN_AGE_YEARS))
    elif dob < date(today.year - MAX_AGE_YEARS, today.month, 1):
        add("date_of_birth", _("The date of birth must be within the last %(years)s years.", years=MAX_AGE_YEARS))
    if values.status not in {s.value for s in CustodyStatus}:
        add("status", _("Choose the custody or supervision status."))
    if values.index_offence_category not in {c.value for c in OffenceCategory}:
        add("index_offence_category", _("Choose the index offence category."))
    if values.sentence_date and values.sentence_date > today:
        add("sentence_date", _("The sentence date cannot be in the future."))
    if dob and values.sentence_date and values.sentence_date < dob:
        add("sentence_date", _("The sentence date cannot be before the date of birth."))
    if values.release_date and values.sentence_date and values.release_date < values.sentence_date:
        add("release_date", _("The release date cannot be before the sentence date."))
    unknown = set(values.alert_codes) - {a.value for a in AlertCode}
    if unknown:
        add("alerts", _("Choose alerts from the list."))
    return errors


def _apply(subject: Subject, values: SubjectValues) -> None:
    subject.reference = values.reference
    subject.given_name = values.given_name
    subject.family_name = values.family_name
    subject.name_search = name_key(values.given_name, values.family_name)
    assert values.date_of_birth is not None  # noqa: S101 - validate() guarantees it
    subject.date_of_birth = values.date_of_birth
    subject.status = values.status
    subject.index_offence_category = values.index_offence_category
    subject.sentence_date = values.sentence_date
    subject.release_date = values.release_date
    subject.next_review_due = values.next_review_due
    current = {a.code: a for a in subject.alerts}
    subject.alerts = [current.get(code) or SubjectAlert(code=code) for code in values.alert_codes]


def add_subject(unit_id: int, values: SubjectValues) -> Subject:
    """A new record (version 1) from normalised values that validate() accepted, added to the session.

    Neither checks the policy, validates, flushes nor audits: its callers do (create_subject for one
    record, the roll import for a whole file under one audit event).
    """
    subject = Subject(unit_id=unit_id, version=1)
    _apply(subject, values)
    db.session.add(subject)
    return subject


def create_subject(actor: User, unit_id: int, values: SubjectValues) -> Subject:
    """Create a record in one of the actor's units. Raises Invalid with every problem at once."""
    if not policy.can_create_subject_in(actor, unit_id):
        raise NotAllowed("You can add people only to your own units.")  # audited as written: the page translates it
    values = values.normalised()
    errors = validate(values)
    if errors:
        raise Invalid(_("The record was not saved."), field_errors=errors)
    subject = add_subject(unit_id, values)
    db.session.flush()
    trail.record("create", object_type="subject", object_id=subject.id, subject_id=subject.id,
                 details={"changes": trail.changes({}, snapshot(subject), redact=PERSONAL_FIELDS),
                          "unit_id": unit_id})
    return subject


def update_subject(actor: User, subject: Subject, values: SubjectValues, expected_version: int) -> None:
    """Save an edit made from `expected_version`. Raises Conflict when someone saved in between
    (nothing is overwritten), Invalid with every problem otherwise."""
    if not policy.can_edit_subject(actor, subject):
        raise NotAllowed(_("You can change only the records of your units or caseload."))
    values = values.normalised()
    errors = validate(values, subject_id=subject.id)
    if errors:
        raise Invalid(_("The record was not saved."), field_errors=errors)
    bump_version(subject, expected_version,
                 _("%(name)s's record was changed by someone else while you were editing it.", name=subject.full_name))
    before = snapshot(subject)
    _apply(subject, values)
    db.session.flush()
    diff = trail.changes(before, snapshot(subject), redact=PERSONAL_FIELDS)
    trail.record("update", object_type="subject", object_id=subject.id, subject_id=subject.id,
                 details={"changes": diff, "version": subject.version})


def changes_since(subject: Subject, version: int) -> list[dict[str, Any]]:
    """The saves of a subject after `version`, newest last: who, when, which fields."""
    from app.audit.models import AuditEvent

    events = db.session.scalars(
        select(AuditEvent)
        .where(AuditEvent.object_type == "subject", AuditEvent.object_id == str(subject.id),
               AuditEvent.action == "update")
        .order_by(AuditEvent.id)
    )
    return [
        {"who": e.actor_username, "when": e.occurred_at, "fields": sorted(e.details.get("changes", {}))}
        for e in events
        if int(e.details.get("version", 0)) > version
    ]


def transfer(actor: User, subject: Subject, to_unit_id: int, to_status: str, moved_on: date | None,
             reason: str, release_date: date | None = None,
             confirmation: moves.Confirmation | None = None) -> Movement:
    """Move a subject to another unit and/or status. Access follows the subject from now on. A release on
    licence needs its release date, which is saved to the person's record with the move. A move to another unit
    clears where the person was within the old one, and goes ahead over a keep-apart only with `confirmation`
    (raises moves.MoveNeedsConfirmation otherwise, having changed nothing)."""
    if not policy.can_transfer(actor, subject):
        raise NotAllowed(_("Only a supervisor of the person's unit can record a transfer."))
    errors: dict[str, list[str]] = {}
    unit = db.session.get(Unit, to_unit_id)
    if unit is None:
        errors["to_unit"] = [_("Choose the unit the person moves to.")]
    if to_status not in {s.value for s in CustodyStatus}:
        errors["to_status"] = [_("Choose the status after the move.")]
    elif unit is not None and unit.kind == UnitKind.PRISON and to_status not in CUSTODY_STATUSES:
        errors["to_status"] = [_("In a prison the status must be remand or sentenced.")]
    elif unit is not None and unit.kind == UnitKind.PROBATION_REGION and to_status in CUSTODY_STATUSES:
        errors["to_status"] = [_("Under a probation region the status cannot be remand or sentenced.")]
    if moved_on is None:
        errors["moved_on"] = [_("Enter the date of the move, for example 2026-11-25.")]
    elif moved_on > utcnow().date() + timedelta(days=1):
        errors["moved_on"] = [_("Record a move when it happens, not before.")]
    if not reason.strip():
        errors["reason"] = [_("Give the reason for the move.")]
    _check_release_date(subject, to_status, moved_on, release_date, errors)
    if unit is not None and unit.id == subject.unit_id and to_status == subject.status:
        errors["to_unit"] = [_("That is where the person is now: choose another unit or status.")]
    if errors:
        raise Invalid(_("The transfer was not recorded."), field_errors=errors)
    assert unit is not None and moved_on is not None  # noqa: S101 - checked above
    move = Move("transfer", unit.id)
    conflicts = moves.check_move(actor, subject, move, confirmation or moves.Confirmation()) \
        if unit.id != subject.unit_id else []
    movement = Movement(subject_id=subject.id, from_unit_id=subject.unit_id, to_unit_id=unit.id,
                        from_status=subject.status, to_status=to_status, moved_on=moved_on,
                        reason=reason.strip(), recorded_by_id=actor.id)
    db.session.add(movement)
    before = {"unit_id": subject.unit_id, "status": subject.status, "case_owner_id": subject.case_owner_id,
              "release_date": subject.release_date.isoformat() if subject.release_date else None,
              **moves.location_of(subject).as_fields()}
    if unit.id != subject.unit_id:
        subject.wing = subject.landing = subject.cell = None  # a place in the old unit means nothing in the new
    subject.unit_id = unit.id
    subject.status = to_status
    if release_date is not None:
        subject.release_date = release_date
    owner = subject.case_owner
    if owner is not None and unit.id not in owner.unit_ids:
        # Access follows the subject: a case owner who does not work in the new unit hands the case over.
        db.session.add(Allocation(subject_id=subject.id, owner_id=None, previous_owner_id=owner.id,
                                  allocated_by_id=actor.id, note=f"{HANDED_OVER_PREFIX}{unit.name}."))
        subject.case_owner_id = None
    _bump_version(subject)
    after = {"unit_id": unit.id, "status": to_status, "case_owner_id": subject.case_owner_id,
             "release_date": subject.release_date.isoformat() if subject.release_date else None,
             **moves.location_of(subject).as_fields()}
    trail.record("transfer", object_type="subject", object_id=subject.id, subject_id=subject.id,
                 details={"changes": trail.changes(before, after),
                          "moved_on": moved_on.isoformat(), "movement_id": movement.id, "version": subject.version})
    moves.confirm(actor, subject, move, conflicts, confirmation or moves.Confirmation())
    signals.emit(signals.subject_transferred, actor=actor, subject=subject, movement=movement)
    return movement


def _check_release_date(subject: Subject, to_status: str, moved_on: date | None, release_date: date | None,
                        errors: dict[str, list[str]]) -> None:
    """A release on licence is recorded with the day of the release; no other status takes one here."""
    if to_status != CustodyStatus.RELEASED_ON_LICENCE:
        if release_date is not None:
            errors["release_date"] = [_("Give a release date only when the status after the move is "
                                        "\u201cReleased on licence\u201d; otherwise leave it empty.")]
        return
    if release_date is None:
        errors["release_date"] = [_("Enter the date of the release on licence, for example 2026-11-25.")]
    elif moved_on is not None and release_date > moved_on:
        errors["release_date"] = [_("The release cannot be after the date of the move.")]
    elif subject.sentence_date is not None and release_date < subject.sentence_date:
        errors["release_date"] = [_("The release cannot be before the sentence date (%(date)s).",
                                    date=day(subject.sentence_date))]


def _bump_version(subject: Subject) -> None:
    """A change made without an edit form (transfer, allocation) still moves the version on, so that an
    edit opened before it conflicts."""
    bump_version(subject, None, _("%(name)s's record was removed while it was being changed.",
                                  name=subject.full_name))


def eligible_owners(subject: Subject) -> list[User]:
    """Active case workers of the subject's unit, by name."""
    from app.auth.models import user_units

    return list(db.session.scalars(
        select(User).join(user_units, user_units.c.user_id == User.id)
        .where(user_units.c.unit_id == subject.unit_id, User.is_active.is_(True),
               User.role.in_(sorted(policy.CASE_ROLES)))
        .order_by(User.display_name)
    ))


def allocate(actor: User, subject: Subject, owner_id: int | None, note: str = "") -> Allocation:
    """Make `owner_id` (or nobody) the case owner."""
    if not policy.can_allocate(actor, subject):
        raise NotAllowed(_("Only a supervisor of the person's unit can allocate the case."))
    if owner_id is not None and owner_id not in {u.id for u in eligible_owners(subject)}:
        raise Invalid(_("The case was not allocated."),
                      field_errors={"owner": [_("Choose a case worker of the person's unit.")]})
    if owner_id == subject.case_owner_id:
        raise Invalid(_("The case was not allocated."), field_errors={"owner": [_("That is the case owner already.")]})
    allocation = Allocation(subject_id=subject.id, owner_id=owner_id, previous_owner_id=subject.case_owner_id,
                            allocated_by_id=actor.id, note=note.strip())
    db.session.add(allocation)
    before = subject.case_owner_id
    subject.case_owner_id = owner_id
    _bump_version(subject)
    trail.record("allocate", object_type="subject", object_id=subject.id, subject_id=subject.id,
                 details={"changes": {"case_owner_id": [before, owner_id]}, "version": subject.version})
    return allocation


# Notes Waypoint writes on the case-owner history: stored in English, shown translated (holdings.allocation_note).
OWNER_LEFT_THE_UNIT = "Owner removed from the unit."
HANDED_OVER_PREFIX = "Handed over on transfer to "


def release_caseload(actor: User, owner: User, unit_ids: frozenset[int]) -> list[Subject]:
    """End `owner`'s case ownership of the people of `unit_ids`, which they no longer work in: each person is
    left unallocated, with a case-owner history row saying why and an `allocate` audit event, so that the unit's
    supervisors see them as unallocated and reassign them. Returns the people released."""
    released = list(db.session.scalars(
        select(Subject).where(Subject.case_owner_id == owner.id, Subject.unit_id.in_(sorted(unit_ids)))
        .order_by(Subject.id)))
    for subject in released:
        db.session.add(Allocation(subject_id=subject.id, owner_id=None, previous_owner_id=owner.id,
                                  allocated_by_id=actor.id, note=OWNER_LEFT_THE_UNIT))
        subject.case_owner_id = None
        _bump_version(subject)
        trail.record("allocate", object_type="subject", object_id=subject.id, subject_id=subject.id,
                     details={"changes": {"case_owner_id": [owner.id, None]}, "version": subject.version,
                              "reason": "owner removed from the unit"})
    return released


def record_view(actor: User, subject: Subject, via: BreakGlassAccess | None = None) -> None:
    """Consultation log: every view of a subject's record is an audit event; a run of views in a short
    time raises an unusual-access alert for supervisors (app/oversight/alerts.py hears of it)."""
    details: dict[str, Any] = {}
    if via is not None and not policy.in_scope(actor, subject):
        details = {"break_glass_id": via.id}
    trail.record("view", object_type="subject", object_id=subject.id, subject_id=subject.id, details=details)
    signals.emit(signals.subject_viewed, actor=actor, subject=subject)


def record_search(found: list[Subject]) -> None:
    """Audit a search by name or reference with whom it showed (the ids of the people on the page, and how
    many), never with the text typed: a name typed there would outlive the person's erasure in the trail."""
    trail.record("search", object_type="subject",
                 details={"results": len(found), "subject_ids": [s.id for s in found]})


class NoSuchReference(Invalid):
    """A complete break-glass request whose reference matches no person that could be opened."""


NO_SUCH_PERSON = _l("No person has exactly this reference number.")


def break_glass(actor: User, reference: str, reason: str) -> tuple[Subject | None, BreakGlassAccess | None]:
    """Open a subject outside the actor's scope, found by exact reference only, for a stated reason.

    Returns (subject, access); access is None when the subject is in scope anyway. Raises Invalid when the
    reference or the reason is missing, and NoSuchReference when the reference matches nobody. The access is
    audited as `break_glass` (with the digest of the reason; the text stays on the access row, which erasure of
    the person deletes), listed for the supervisors of the subject's unit and raised as an alert in their queue.

    The form is no existence oracle beyond what break-glass itself must reveal: the reference is looked up only
    once the request is complete, so an incomplete one answers alike whether or not the reference exists (and
    costs nothing to probe with); and an erased person's record, kept anonymised for the audit trail under its
    own reference, is no person to open: it answers as a reference that never existed.
    """
    if not policy.works_cases(actor):
        raise NotAllowed(_("Break-glass access is for case workers."))
    ref = reference.strip().upper()
    errors: dict[str, list[str]] = {}
    if not ref:
        errors["reference"] = [_("Enter the exact reference number.")]
    if len(reason.strip()) < 10:
        errors["reason"] = [_("Explain in a sentence why you need this record now (at least 10 characters).")]
    if errors:
        raise Invalid(_("Access was not opened."), field_errors=errors)
    subject = db.session.scalar(select(Subject).where(Subject.reference == ref, Subject.erased_at.is_(None)))
    if subject is None:
        raise NoSuchReference(_("Access was not opened."), field_errors={"reference": [str(NO_SUCH_PERSON)]})
    if policy.in_scope(actor, subject):
        return subject, None
    access = BreakGlassAccess(user_id=actor.id, subject_id=subject.id, unit_id=subject.unit_id,
                              reason=reason.strip(), expires_at=utcnow() + BREAK_GLASS_DURATION)
    db.session.add(access)
    db.session.flush()
    trail.record("break_glass", object_type="subject", object_id=subject.id, subject_id=subject.id,
                 details={"reason_sha256": trail.digest(access.reason), "break_glass_id": access.id,
                          "expires_at": access.expires_at.isoformat()})
    signals.emit(signals.break_glass_opened, actor=actor, subject=subject, access=access)
    return subject, access


def review_break_glass(actor: User, access: BreakGlassAccess) -> None:
    if not policy.can_review_break_glass(actor, access):
        raise NotAllowed(_("Only a supervisor of the person's unit, other than the user, can review this access."))
    if access.reviewed_at is not None:
        return
    access.reviewed_by_id = actor.id
    access.reviewed_at = utcnow()
    db.session.flush()
    trail.record("review", object_type="break_glass", object_id=access.id, subject_id=access.subject_id)
