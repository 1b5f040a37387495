"""Links between people (issue 12, items 2 and 6): recording them, ending them, and the confirmation of a link
to a person out of its author's scope by a supervisor of that person's unit.

A link to a person the author may not see is made by exact reference and answers the same whether or not the
reference exists: the lookup, the checks, the write (rolled back when there is nobody) and the audit event are
the same either way, so neither the page, the trail nor the time taken says whether the person exists.
Services flush, never commit, and audit every change; evidence, sources and reasons go to the trail only as
digests."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import and_, or_, select
from sqlalchemy.exc import IntegrityError

from app import policy
from app.audit import trail
from app.auth.models import User
from app.connections.models import (
    HandlingCode,
    IntelligenceGrade,
    KeepApartLevel,
    LinkKind,
    LinkStatus,
    PersonLink,
    SourceGrade,
)
from app.db import bump_version, db, utcnow
from app.errors import Invalid, NotAllowed
from app.i18n import gettext as _
from app.i18n import lazy_gettext as _l
from app.subjects.models import Subject

# Kinds read the same both ways; recruiter → target is directed.
SYMMETRIC_KINDS = frozenset({LinkKind.ASSOCIATE, LinkKind.FAMILY, LinkKind.CO_DEFENDANT, LinkKind.KEEP_APART})
CURRENT = (LinkStatus.PENDING.value, LinkStatus.ACTIVE.value)
MAX_TEXT = 4000
PENDING_MESSAGE = _l("Link recorded. It waits for a supervisor of the other person's unit to confirm it; until "
                     "then it shows as “awaiting confirmation — a person in another unit”.")
# A current link of the same kind already there, by kind (one sentence each, for the translators).
_ALREADY_LINKED = {
    LinkKind.ASSOCIATE: _l("%(name)s already has a current associate link with this person: end it first, or keep it."),
    LinkKind.FAMILY: _l("%(name)s already has a current family link with this person: end it first, or keep it."),
    LinkKind.CO_DEFENDANT: _l("%(name)s already has a current co-defendant link with this person: end it first, or "
                              "keep it."),
    LinkKind.RECRUITER: _l("%(name)s already has a current recruiter → target link with this person: end it first, "
                           "or keep it."),
    LinkKind.KEEP_APART: _l("%(name)s already has a current keep apart link with this person: end it first, or "
                            "keep it."),
}


@dataclass
class Grading:
    """Evidence, source, dates and the 3×5×2 grading, as typed."""

    evidence: str
    source: str
    learnt_on: date | None
    review_on: date | None
    source_grade: str
    intelligence_grade: str
    handling_code: str


@dataclass
class LinkValues:
    kind: str
    grading: Grading
    other_id: int | None = None  # chosen among the people the author may see
    other_reference: str = ""  # or typed, exactly, for a person out of scope
    keep_apart_level: str | None = None


def check_grading(grading: Grading, errors: dict[str, list[str]]) -> None:
    """The problems of a grading, by field: what every piece of intelligence about a person must carry."""
    today = utcnow().date()
    if len(grading.evidence.strip()) < 10:
        errors["evidence"] = [_("Give the evidence for it, in a sentence at least (10 characters or more).")]
    elif len(grading.evidence) > MAX_TEXT:
        errors["evidence"] = [_("Use at most %(num)d characters.", num=MAX_TEXT)]
    if not grading.source.strip():
        errors["source"] = [_("Say where it comes from: who, or which record.")]
    elif len(grading.source) > 200:
        errors["source"] = [_("Use at most %(num)d characters.", num=200)]
    if grading.learnt_on is None:
        errors["learnt_on"] = [_("Enter the date it was learnt, for example %(date)s.", date=today.isoformat())]
    elif grading.learnt_on > today:
        errors["learnt_on"] = [_("The date it was learnt cannot be in the future.")]
    if grading.review_on is not None and grading.learnt_on is not None and grading.review_on < grading.learnt_on:
        errors["review_on"] = [_("The review date cannot be before the date it was learnt.")]
    if grading.source_grade not in {g.value for g in SourceGrade}:
        errors["source_grade"] = [_("Choose the evaluation of the source (1, 2 or 3).")]
    if grading.intelligence_grade not in {g.value for g in IntelligenceGrade}:
        errors["intelligence_grade"] = [_("Choose the assessment of the information (A to E).")]
    if grading.handling_code not in {h.value for h in HandlingCode}:
        errors["handling_code"] = [_("Choose the handling code (P or C).")]


def graded_columns(grading: Grading) -> dict[str, Any]:
    return {"evidence": grading.evidence.strip(), "source": grading.source.strip(), "learnt_on": grading.learnt_on,
            "review_on": grading.review_on, "source_grade": grading.source_grade,
            "intelligence_grade": grading.intelligence_grade, "handling_code": grading.handling_code}


def current_link(kind: str, subject_id: int, other_id: int) -> PersonLink | None:
    """The pending or current link of this kind between the two people (either way round for a symmetric
    kind), if any."""
    ways = [and_(PersonLink.subject_id == subject_id, PersonLink.other_id == other_id)]
    if kind in SYMMETRIC_KINDS:
        ways.append(and_(PersonLink.subject_id == other_id, PersonLink.other_id == subject_id))
    return db.session.scalars(select(PersonLink).where(
        PersonLink.kind == kind, PersonLink.status.in_(CURRENT), or_(*ways)).limit(1)).first()


def find_by_reference(reference: str) -> Subject | None:
    """The person with exactly this reference (never one erased: that is nobody)."""
    ref = reference.strip().upper()
    return db.session.scalar(select(Subject).where(Subject.reference == ref, Subject.erased_at.is_(None)))


def _audit_create(link: PersonLink | None, subject: Subject, kind: str, pending: bool) -> None:
    """A link to a person out of scope is audited without the link's id or the other person: the event of a
    reference that names nobody must look the same."""
    details: dict[str, Any] = {"kind": kind, "status": LinkStatus.PENDING.value if pending else LinkStatus.ACTIVE.value}
    if pending:
        trail.record("create", object_type="person_link_request", subject_id=subject.id, details=details)
    else:
        assert link is not None  # noqa: S101 - an in-scope link is always written
        trail.record("create", object_type="person_link", object_id=link.id, subject_id=subject.id, details=details)


def write_pending(link: PersonLink, other: Subject | None) -> None:
    """Write a pending link in a savepoint, or, when the reference named nobody, the same row to the person
    themselves, which the database refuses and the savepoint takes back: the same work either way."""
    savepoint = db.session.begin_nested()
    if other is None:
        link.other_id = link.subject_id
    db.session.add(link)
    try:
        db.session.flush()
    except IntegrityError:
        savepoint.rollback()
        return
    savepoint.commit()


def record_link(actor: User, subject: Subject, values: LinkValues) -> PersonLink | None:
    """Record a link from `subject` (in the actor's scope) to another person.

    Returns the link; None when the other person was given by a reference that names nobody in the actor's
    scope. Such a link is `pending` until a supervisor of the other person's unit confirms it, and the answer
    (None) is the same whether or not anybody has that reference, a link already exists, or one is written.
    Raises Invalid for a link to oneself, a duplicate of a current link, and a bad grading or date."""
    if not policy.can_record_link(actor, subject):
        raise NotAllowed(_("You can record links only from the people of your units or caseload."))
    errors: dict[str, list[str]] = {}
    if values.kind not in {k.value for k in LinkKind}:
        errors["kind"] = [_("Choose the kind of link.")]
    level = values.keep_apart_level or None
    if values.kind == LinkKind.KEEP_APART:
        if level not in {lv.value for lv in KeepApartLevel}:
            errors["keep_apart_level"] = [_("Choose how far apart they must be kept.")]
    else:
        level = None
    ref = values.other_reference.strip().upper()
    if values.other_id is None and not ref:
        errors["other_id"] = [_("Choose the other person, or type their exact reference number.")]
    elif values.other_id is not None and ref:
        errors["other_reference"] = [_("Choose a person or type a reference, not both.")]
    check_grading(values.grading, errors)
    if errors:
        raise Invalid(_("The link was not saved."), field_errors=errors)
    other: Subject | None
    if values.other_id is not None:
        other = db.session.get(Subject, values.other_id)
        if other is None or not policy.in_scope(actor, other):
            raise Invalid(_("The link was not saved."),
                          field_errors={"other_id": [_("Choose the other person from the list.")]})
    else:
        other = find_by_reference(ref)
    if other is not None and other.id == subject.id:
        chosen_by = "other_id" if values.other_id is not None else "other_reference"
        raise Invalid(_("The link was not saved."),
                      field_errors={chosen_by: [_("A person cannot be linked to themselves.")]})
    pending = other is None or not policy.in_scope(actor, other)
    existing = current_link(values.kind, subject.id, other.id if other is not None else subject.id)
    if existing is not None and not pending:
        raise Invalid(_("The link was not saved."), field_errors={"kind": [
            str(_ALREADY_LINKED[LinkKind(values.kind)]) % {"name": subject.full_name}]})
    link = PersonLink(subject_id=subject.id, other_id=other.id if other is not None else subject.id,
                      kind=values.kind, keep_apart_level=level, recorded_by_id=actor.id,
                      status=LinkStatus.PENDING.value if pending else LinkStatus.ACTIVE.value,
                      **graded_columns(values.grading))
    if not pending:
        db.session.add(link)
        db.session.flush()
        _audit_create(link, subject, values.kind, pending=False)
        return link
    # A duplicate of a pending or current link is not written again, and answers as any other.
    write_pending(link, other if existing is None else None)
    _audit_create(None, subject, values.kind, pending=True)
    return None


def end_link(actor: User, link: PersonLink, reason: str, expected_version: int) -> None:
    """End a current or pending link with a reason; the row stays as history."""
    if not policy.can_end_link(actor, link):
        raise NotAllowed(_("Only someone with one of the two people in scope can end this link."))
    if len(reason.strip()) < 10:
        raise Invalid(_("The link was not ended."),
                      field_errors={"reason": [_("Say in a sentence why the link ends (10 characters or more).")]})
    before = link.status
    bump_version(link, expected_version, _("Someone else changed this link meanwhile: check it and end it again."),
                 status=LinkStatus.ENDED.value, ended_at=utcnow(), ended_by_id=actor.id, end_reason=reason.strip())
    side = link.subject_id if policy.in_scope(actor, link.subject) else link.other_id
    trail.record("update", object_type="person_link", object_id=link.id, subject_id=side,
                 details={"changes": {"status": [before, LinkStatus.ENDED.value]},
                          "reason_sha256": trail.digest(link.end_reason)})


def decide_pending_link(actor: User, link: PersonLink, confirm: bool, reason: str, expected_version: int) -> None:
    """A supervisor of the other person's unit confirms a pending link (it becomes current) or refuses it
    (with a reason, kept on the row). The link's author learns only that it is current or refused."""
    if not policy.can_confirm_link(actor, link):
        raise NotAllowed(_("Only a supervisor of the person's unit can confirm or refuse this link."))
    if not confirm and len(reason.strip()) < 10:
        raise Invalid(_("The link was not refused."), field_errors={
            "reason": [_("Say in a sentence why the link is refused (10 characters or more).")]})
    status = LinkStatus.ACTIVE if confirm else LinkStatus.REFUSED
    also: dict[str, Any] = {"status": status.value, "confirmed_at": utcnow(), "confirmed_by_id": actor.id}
    if not confirm:
        also |= {"end_reason": reason.strip(), "ended_at": utcnow(), "ended_by_id": actor.id}
    bump_version(link, expected_version, _("Someone else decided on this link meanwhile."), **also)
    details: dict[str, Any] = {"changes": {"status": [LinkStatus.PENDING.value, status.value]}}
    if not confirm:
        details["reason_sha256"] = trail.digest(link.end_reason)
    trail.record("decide", object_type="person_link", object_id=link.id, subject_id=link.other_id, details=details)
