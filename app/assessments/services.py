"""The assessment lifecycle: draft → submitted → approved, or returned with a comment → draft.

Approved means immutable (here and in the database); a correction is an amendment: a new draft prefilled
from the approved one, which supersedes it when approved. Services flush, never commit, and audit every
change; narrative text is never copied into the audit trail (it could not be erased from there).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from sqlalchemy import Select, bindparam, func, select

from app import policy
from app.assessments import catalogue
from app.assessments.models import (
    Accreditation,
    Assessment,
    AssessmentRating,
    AssessmentReturn,
    AssessmentStatus,
)
from app.assessments.refusals import Refused
from app.audit import trail
from app.auth.models import User
from app.db import bump_version, db, utcnow
from app.errors import Invalid
from app.i18n import day, day_from_iso
from app.i18n import gettext as _
from app.i18n import lazy_gettext as _l
from app.registry import FirstValue
from app.subjects.models import Subject
from instruments.loader import Instrument

NARRATIVE = frozenset({"rationale", "person_view"})


@dataclass
class AssessmentInput:
    """What the form holds; anything may be empty in a draft."""

    ratings: dict[str, str] = field(default_factory=dict)  # item code -> option value ("" = not yet)
    evidence: dict[str, str] = field(default_factory=dict)  # item code -> evidence text
    overall_judgement: str = ""
    rationale: str = ""
    person_view: str = ""
    shared_with_person: bool = False
    shared_on: date | None = None
    review_due: date | None = None


def instrument_of(assessment: Assessment) -> Instrument:
    return catalogue.get(assessment.instrument_id, assessment.instrument_version)


def accredited_until(user: User, instrument_id: str) -> FirstValue[date]:
    """The last day of the user's longest accreditation for the instrument that is not revoked (None: none); the
    person's page reads it in its first statement."""
    def build() -> Select[tuple[date]]:
        return select(func.max(Accreditation.valid_until)).where(
            Accreditation.user_id == bindparam("accredited_user_id"), Accreditation.instrument_id == instrument_id,
            Accreditation.revoked_at.is_(None))

    return FirstValue(("accredited_until", user.id, instrument_id), f"accredited_until {instrument_id}", build,
                      {"accredited_user_id": user.id})


def accreditation_problem(user: User, instrument: Instrument, today: date | None = None) -> Any:
    """Why the user may not complete this instrument (a lazy text: str() it in the current language, or give it
    to Refused), or None when they may."""
    today = today or utcnow().date()
    latest = accredited_until(user, instrument.id).read()
    if latest is None:
        return _l("You are not accredited for “%(instrument)s”. An administrator records accreditation once you "
                  "have completed the training.", instrument=instrument.title)
    if latest < today:
        return _l("Your accreditation for “%(instrument)s” expired on %(day)s. Ask an administrator to renew it "
                  "after refresher training.", instrument=instrument.title, day=_LazyDay(latest))
    return None


class _LazyDay:
    """A date shown in the language its message is rendered in."""

    def __init__(self, value: date) -> None:
        self.value = value

    def __str__(self) -> str:
        return day(self.value)


def _snapshot(a: Assessment) -> dict[str, Any]:
    values: dict[str, Any] = {
        "overall_judgement": a.overall_judgement,
        "rationale": a.rationale,
        "person_view": a.person_view,
        "shared_with_person": a.shared_with_person,
        "shared_on": a.shared_on.isoformat() if a.shared_on else None,
        "review_due": a.review_due.isoformat() if a.review_due else None,
    }
    for r in a.ratings:
        values[f"rating:{r.item_code}"] = r.rating
        values[f"evidence:{r.item_code}"] = r.evidence
    return values


def _redacted(values: dict[str, Any]) -> frozenset[str]:
    return frozenset(k for k in values if k in NARRATIVE or k.startswith("evidence:"))


def _bump(assessment: Assessment, expected_version: int) -> None:
    bump_version(assessment, expected_version,
                 _("This assessment was saved elsewhere (another tab or person) after you opened it."),
                 updated_at=utcnow())


OPEN_STATUSES = (AssessmentStatus.DRAFT.value, AssessmentStatus.SUBMITTED.value)


def open_assessment(subject_id: int, instrument_id: str) -> Assessment | None:
    """The person's assessment with this instrument still in progress (a draft, returned or not, or one
    awaiting countersignature), amendments included: there is at most one."""
    return db.session.scalars(select(Assessment).where(
        Assessment.subject_id == subject_id, Assessment.instrument_id == instrument_id,
        Assessment.status.in_(OPEN_STATUSES)).order_by(Assessment.id)).first()


def start(actor: User, subject: Subject, instrument: Instrument) -> Assessment:
    """A new draft for the subject with every item of the instrument, unrated; or, when the person already
    has an assessment with this instrument in progress, that one (one draft per person and instrument,
    whoever clicks and however often)."""
    if not policy.in_scope(actor, subject):
        raise Refused(_l("You can assess only the people of your units or caseload."))
    if instrument.kind != "assessment":
        raise Invalid(_("That instrument is not an assessment."))
    # Two clicks at once (two app processes on PostgreSQL) would each find no draft and make one: the person's
    # row is locked first, so the second waits for the first to commit and then finds its draft. (SQLite takes
    # the database's write lock at the start of every request already.)
    db.session.execute(select(Subject.id).where(Subject.id == subject.id).with_for_update())
    existing = open_assessment(subject.id, instrument.id)
    if existing is not None:
        return existing
    problem = accreditation_problem(actor, instrument)
    if problem:
        raise Refused(problem)
    catalogue.register(db.session, instrument)
    assessment = Assessment(
        subject_id=subject.id, instrument_id=instrument.id, instrument_version=instrument.version,
        author_id=actor.id, status=AssessmentStatus.DRAFT.value, version=1,
        review_due=utcnow().date() + timedelta(days=instrument.review_interval_days),
        ratings=[AssessmentRating(item_code=item.code) for item in instrument.items()],
    )
    db.session.add(assessment)
    db.session.flush()
    trail.record("create", object_type="assessment", object_id=assessment.id, subject_id=subject.id,
                 details={"instrument": f"{instrument.id} {instrument.version}"})
    return assessment


def _check_values(instrument: Instrument, data: AssessmentInput) -> dict[str, list[str]]:
    """Values that can never be right, even in a draft (an option the instrument does not have)."""
    errors: dict[str, list[str]] = {}
    for item in instrument.items():
        value = data.ratings.get(item.code, "")
        if value and value not in {o.value for o in item.options}:
            errors[f"rating_{item.code}"] = [_("Choose one of the instrument's ratings.")]
    if data.overall_judgement and data.overall_judgement not in {o.value for o in instrument.overall_judgements}:
        errors["overall_judgement"] = [_("Choose one of the instrument's overall judgements.")]
    if data.shared_on and data.shared_on > utcnow().date():
        errors["shared_on"] = [_("The date it was shared cannot be in the future.")]
    return errors


def save_draft(actor: User, assessment: Assessment, data: AssessmentInput, expected_version: int) -> None:
    """Save what is typed so far (drafts may be incomplete). Conflict if saved elsewhere meanwhile."""
    if assessment.locked:
        raise Refused(_l("An approved assessment cannot be changed. Amend it to make a new version."))
    if not policy.can_edit_assessment(actor, assessment):
        raise Refused(_l("Only the author can change a draft assessment."))
    instrument = instrument_of(assessment)
    errors = _check_values(instrument, data)
    if errors:
        raise Invalid(_("The draft was not saved."), field_errors=errors)
    _bump(assessment, expected_version)
    before = _snapshot(assessment)
    for rating in assessment.ratings:
        rating.rating = data.ratings.get(rating.item_code, "")
        rating.evidence = data.evidence.get(rating.item_code, "").strip()
    assessment.overall_judgement = data.overall_judgement
    assessment.rationale = data.rationale.strip()
    assessment.person_view = data.person_view.strip()
    assessment.shared_with_person = data.shared_with_person
    assessment.shared_on = data.shared_on if data.shared_with_person else None
    assessment.review_due = data.review_due
    db.session.flush()
    after = _snapshot(assessment)
    diff = trail.changes(before, after, redact=_redacted(after))
    if diff:
        trail.record("update", object_type="assessment", object_id=assessment.id,
                     subject_id=assessment.subject_id, details={"changes": diff, "version": assessment.version})


def completeness_problems(assessment: Assessment) -> dict[str, list[str]]:
    """Everything missing before the assessment can be submitted, keyed by the field to fix."""
    instrument = instrument_of(assessment)
    problems: dict[str, list[str]] = {}
    for item in instrument.items():
        rating = assessment.rating_for(item.code)
        if rating is None or not rating.rating:
            problems[f"rating_{item.code}"] = [_("Rate %(code)s “%(item)s”.", code=item.code, item=item.title)]
        if rating is None or not rating.evidence.strip():
            problems[f"evidence_{item.code}"] = [_("Write the evidence for %(code)s “%(item)s”.", code=item.code,
                                                   item=item.title)]
    if not assessment.overall_judgement:
        problems["overall_judgement"] = [_("Record your overall judgement.")]
    if not assessment.rationale.strip():
        problems["rationale"] = [_("Explain the reasons for your overall judgement.")]
    if assessment.review_due is None:
        problems["review_due"] = [_("Set the date by which this assessment must be reviewed.")]
    elif assessment.review_due <= utcnow().date():
        problems["review_due"] = [_("The review date must be in the future.")]
    if assessment.shared_with_person and assessment.shared_on is None:
        problems["shared_on"] = [_("Give the date the assessment was shared with the person.")]
    return problems


def submit(actor: User, assessment: Assessment, expected_version: int) -> None:
    """Send a complete draft for countersignature; Invalid lists every missing item.

    The author must hold a current accreditation for the instrument now, not only when the draft was
    started: NotAllowed says why. Saving the draft stays allowed, so that nothing typed is lost while the
    accreditation is renewed."""
    if not policy.can_edit_assessment(actor, assessment):
        raise Refused(_l("Only the author can submit a draft assessment."))
    problem = accreditation_problem(actor, instrument_of(assessment))
    if problem:
        raise Refused(_l("%(problem)s Your draft is kept and you can go on saving it; it can be submitted once "
                         "the accreditation is renewed.", problem=problem))
    problems = completeness_problems(assessment)
    if problems:
        raise Invalid(_("The assessment is not complete yet. Everything still missing is listed below."),
                      field_errors=problems)
    _bump(assessment, expected_version)
    assessment.status = AssessmentStatus.SUBMITTED.value
    assessment.submitted_at = utcnow()
    assessment.unit_id = assessment.subject.unit_id
    db.session.flush()
    trail.record("submit", object_type="assessment", object_id=assessment.id, subject_id=assessment.subject_id)


def approve(actor: User, assessment: Assessment, expected_version: int) -> None:
    """Countersign: the assessment is locked; the one it amends is marked superseded; the person's next
    review date becomes this assessment's, and they leave the "assessment needed" list."""
    if not policy.can_decide_assessment(actor, assessment):
        if assessment.author_id == actor.id:
            raise Refused(_l("You cannot approve an assessment you wrote: another supervisor must countersign it."))
        raise Refused(_l("Only a supervisor of the person's unit can approve a submitted assessment."))
    _bump(assessment, expected_version)
    assessment.status = AssessmentStatus.APPROVED.value
    assessment.approved_at = utcnow()
    assessment.approved_by_id = actor.id
    assessment.unit_id = assessment.subject.unit_id  # where it was countersigned, whatever happens after
    previous = assessment.supersedes
    if previous is not None and previous.status == AssessmentStatus.APPROVED:
        previous.status = AssessmentStatus.SUPERSEDED.value
        previous.superseded_by_id = assessment.id
    subject = assessment.subject
    subject.next_review_due = assessment.review_due
    subject.assessment_needed_since = None
    db.session.flush()
    trail.record("approve", object_type="assessment", object_id=assessment.id, subject_id=assessment.subject_id,
                 details={"supersedes": previous.id if previous else None})


def return_to_author(actor: User, assessment: Assessment, comment: str, expected_version: int) -> None:
    if not policy.can_decide_assessment(actor, assessment):
        if assessment.author_id == actor.id:
            raise Refused(_l("You cannot return an assessment you wrote."))
        raise Refused(_l("Only a supervisor of the person's unit can return a submitted assessment."))
    if len(comment.strip()) < 5:
        raise Invalid(_("The assessment was not returned."),
                      field_errors={"comment": [_("Tell the author what to change.")]})
    _bump(assessment, expected_version)
    returned_at = utcnow()
    # Every return is kept, with what the assessment said, so that the resubmission is read against it.
    assessment.returns.append(AssessmentReturn(comment=comment.strip(), returned_by_id=actor.id,
                                               returned_at=returned_at, snapshot=_snapshot(assessment)))
    assessment.status = AssessmentStatus.DRAFT.value
    assessment.return_comment = comment.strip()
    assessment.returned_by_id = actor.id
    assessment.returned_at = returned_at
    assessment.submitted_at = None
    db.session.flush()
    trail.record("return", object_type="assessment", object_id=assessment.id, subject_id=assessment.subject_id)


def discard(actor: User, assessment: Assessment) -> None:
    """Delete a draft its author no longer wants, with its ratings; audited without its content.

    Only a draft that was never submitted: a returned one carries the record of its countersignature and is
    corrected and resubmitted instead. An amendment's draft may be discarded: the approved version it
    amends is untouched."""
    if not policy.can_discard_assessment(actor, assessment):
        if assessment.status == AssessmentStatus.DRAFT and assessment.returned_at is not None \
                and assessment.author_id == actor.id:
            raise Refused(_l("A returned assessment cannot be discarded: a supervisor has read it and the return "
                             "is on its record. Correct it and submit it again."))
        raise Refused(_l("Only the author can discard a draft, and only before it is first submitted."))
    trail.record("discard", object_type="assessment", object_id=assessment.id, subject_id=assessment.subject_id,
                 details={"instrument": f"{assessment.instrument_id} {assessment.instrument_version}",
                          "amends": assessment.supersedes_id})
    db.session.delete(assessment)
    db.session.flush()


def open_amendment(assessment: Assessment) -> Assessment | None:
    return db.session.scalar(select(Assessment).where(
        Assessment.supersedes_id == assessment.id,
        Assessment.status.in_([AssessmentStatus.DRAFT.value, AssessmentStatus.SUBMITTED.value])))


def amend(actor: User, assessment: Assessment) -> Assessment:
    """A new draft prefilled from an approved assessment, pinned to the same instrument version.

    If an amendment is already open, that one is returned rather than starting a second.
    """
    if not policy.can_amend_assessment(actor, assessment):
        raise Refused(_l("Only an approved assessment of a person in your units or caseload can be amended."))
    existing = open_amendment(assessment)
    if existing is not None:
        return existing
    instrument = instrument_of(assessment)
    problem = accreditation_problem(actor, instrument)
    if problem:
        raise Refused(problem)
    draft = Assessment(
        subject_id=assessment.subject_id, instrument_id=assessment.instrument_id,
        instrument_version=assessment.instrument_version, author_id=actor.id, status=AssessmentStatus.DRAFT.value,
        overall_judgement=assessment.overall_judgement, rationale=assessment.rationale,
        person_view=assessment.person_view, shared_with_person=False, shared_on=None,
        review_due=utcnow().date() + timedelta(days=instrument.review_interval_days),
        supersedes_id=assessment.id, version=1,
        ratings=[AssessmentRating(item_code=r.item_code, rating=r.rating, evidence=r.evidence)
                 for r in assessment.ratings],
    )
    db.session.add(draft)
    db.session.flush()
    trail.record("amend", object_type="assessment", object_id=draft.id, subject_id=draft.subject_id,
                 details={"amends": assessment.id, "instrument": f"{instrument.id} {instrument.version}"})
    return draft


def record_view(actor: User, assessment: Assessment, compared_with: Assessment | None = None) -> None:
    details = {"compared_with": compared_with.id} if compared_with is not None else {}
    trail.record("view", object_type="assessment", object_id=assessment.id, subject_id=assessment.subject_id,
                 details=details)


@dataclass
class ComparedRow:
    code: str
    title: str
    left_rating: str
    right_rating: str
    left_evidence: str
    right_evidence: str

    @property
    def rating_changed(self) -> bool:
        return self.left_rating != self.right_rating

    @property
    def evidence_changed(self) -> bool:
        return self.left_evidence != self.right_evidence


def compare(left: Assessment, right: Assessment) -> list[ComparedRow]:
    """Item by item, with labels from each assessment's own instrument version."""
    left_instrument, right_instrument = instrument_of(left), instrument_of(right)
    codes = [i.code for i in left_instrument.items()]
    codes += [i.code for i in right_instrument.items() if i.code not in codes]
    rows = []
    for code in codes:
        lr, rr = left.rating_for(code), right.rating_for(code)

        def label(instrument: Instrument, value: str, code: str = code) -> str:
            try:
                return instrument.option_label(code, value) if value else ""
            except KeyError:
                return value

        item = right_instrument.item(code) if code in {i.code for i in right_instrument.items()} \
            else left_instrument.item(code)
        rows.append(ComparedRow(code, item.title, label(left_instrument, lr.rating if lr else ""),
                                label(right_instrument, rr.rating if rr else ""),
                                lr.evidence if lr else "", rr.evidence if rr else ""))
    return rows



@dataclass(frozen=True)
class ChangedField:
    """A part of the assessment that differs from what it said when it was last returned."""

    label: str
    before: str
    after: str


def changes_since_return(assessment: Assessment) -> tuple[AssessmentReturn, list[ChangedField]] | None:
    """What changed between the last return and now, for the supervisor reading the resubmission; None when
    it was never returned, or was returned before returns kept what the assessment said."""
    if not assessment.returns or not assessment.returns[-1].snapshot:
        return None
    last = assessment.returns[-1]
    before, now = last.snapshot, _snapshot(assessment)
    instrument = instrument_of(assessment)
    judgements = {o.value: o.label for o in instrument.overall_judgements}

    def rating_label(code: str, value: object) -> str:
        try:
            return instrument.option_label(code, str(value)) if value else _("Not rated")
        except KeyError:
            return str(value)

    changed: list[ChangedField] = []
    for item in instrument.items():
        key = f"rating:{item.code}"
        if before.get(key, "") != now.get(key, ""):
            changed.append(ChangedField(_("%(code)s %(item)s: rating", code=item.code, item=item.title),
                                        rating_label(item.code, before.get(key)),
                                        rating_label(item.code, now.get(key))))
        key = f"evidence:{item.code}"
        if before.get(key, "") != now.get(key, ""):
            changed.append(ChangedField(_("%(code)s %(item)s: evidence", code=item.code, item=item.title),
                                        str(before.get(key) or ""), str(now.get(key) or "")))
    labels = {"overall_judgement": _("Overall judgement"), "rationale": _("Reasons for the judgement"),
              "person_view": _("The person's view"), "shared_with_person": _("Shared with the person"),
              "shared_on": _("Date shared"), "review_due": _("Review due by")}
    for key, label in labels.items():
        if before.get(key) != now.get(key):
            if key == "overall_judgement":
                old, new = judgements.get(str(before.get(key)), ""), judgements.get(str(now.get(key)), "")
            elif key == "shared_with_person":
                old, new = (_("Yes") if before.get(key) else _("No")), (_("Yes") if now.get(key) else _("No"))
            elif key in ("shared_on", "review_due"):
                old, new = day_from_iso(before.get(key)), day_from_iso(now.get(key))
            else:
                old, new = str(before.get(key) or ""), str(now.get(key) or "")
            changed.append(ChangedField(label, old, new))
    return last, changed
