"""A person's affiliations with groups and their criminal skills of concern: recorded by case workers who may
change the person's record, ended with a reason, never deleted (except by erasure).

Evidence and reasons go to the audit trail only as digests (app/registry.py, DigestedText); the text stays on
its row. Services flush, never commit."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from sqlalchemy import CompoundSelect, Select, select, union
from sqlalchemy.orm import joinedload

from app import policy
from app.audit import trail
from app.auth.models import User
from app.connections.links import CURRENT
from app.connections.models import (
    Affiliation,
    AffiliationRole,
    Group,
    HandlingCode,
    IntelligenceGrade,
    PersonLink,
    PersonSkill,
    Skill,
    SourceGrade,
)
from app.db import bump_version, db, reads_once, utcnow
from app.errors import Invalid, NotAllowed
from app.i18n import day
from app.i18n import gettext as _
from app.registry import PersonKey, PersonRows
from app.subjects.models import Subject

SOURCE_MAX = 200
REASON_MIN = 5


@dataclass
class AffiliationValues:
    group_id: int | None
    role: str
    evidence: str
    source: str
    learnt_on: date | None
    review_on: date | None
    source_grade: str
    intelligence_grade: str
    handling_code: str


def _learnt_on(value: date | None, errors: dict[str, list[str]]) -> None:
    if value is None:
        errors["learnt_on"] = [_("Enter the date it was learnt, for example %(date)s.",
                                 date=utcnow().date().isoformat())]
    elif value > utcnow().date():
        errors["learnt_on"] = [_("The date it was learnt cannot be in the future.")]


def _grading(values: AffiliationValues, errors: dict[str, list[str]]) -> None:
    if values.source_grade not in {g.value for g in SourceGrade}:
        errors["source_grade"] = [_("Choose the evaluation of the source (1, 2 or 3).")]
    if values.intelligence_grade not in {g.value for g in IntelligenceGrade}:
        errors["intelligence_grade"] = [_("Choose the assessment of the information (A to E).")]
    if values.handling_code not in {c.value for c in HandlingCode}:
        errors["handling_code"] = [_("Choose the handling code (P or C).")]


def current_affiliation(subject: Subject, group_id: int) -> Affiliation | None:
    return db.session.scalars(select(Affiliation).where(
        Affiliation.subject_id == subject.id, Affiliation.group_id == group_id,
        Affiliation.ended_at.is_(None)).limit(1)).first()


def _check_affiliation(subject: Subject, values: AffiliationValues) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    group = db.session.get(Group, values.group_id) if values.group_id is not None else None
    if group is None:
        errors["group"] = [_("Choose the group.")]
    elif not group.active:
        errors["group"] = [_("%(group)s is no longer an active group of the register.", group=group.name)]
    elif current_affiliation(subject, group.id) is not None:
        errors["group"] = [_("%(name)s already has a current affiliation with %(group)s: end it before recording "
                             "a new one (a change of role is a new affiliation).", name=subject.full_name,
                             group=group.name)]
    if values.role not in {r.value for r in AffiliationRole}:
        errors["role"] = [_("Choose the person's role in the group.")]
    if not values.evidence.strip():
        errors["evidence"] = [_("Give the evidence for the affiliation.")]
    if not values.source.strip():
        errors["source"] = [_("Say where the evidence comes from.")]
    elif len(values.source) > SOURCE_MAX:
        errors["source"] = [_("Use at most %(num)d characters.", num=SOURCE_MAX)]
    _learnt_on(values.learnt_on, errors)
    if values.review_on is None:
        errors["review_on"] = [_("Enter the date the affiliation is to be reviewed.")]
    elif values.learnt_on is not None and values.review_on <= values.learnt_on:
        errors["review_on"] = [_("The review date must be after the date it was learnt (%(date)s).",
                                 date=day(values.learnt_on))]
    _grading(values, errors)
    return errors


def record_affiliation(actor: User, subject: Subject, values: AffiliationValues) -> Affiliation:
    """Record the person's tie to a group, with its evidence, source, dates and 3×5×2 grading."""
    if not policy.can_record_affiliation(actor, subject):
        raise NotAllowed(_("You can record affiliations only for the people of your units or caseload."))
    errors = _check_affiliation(subject, values)
    if errors:
        raise Invalid(_("The affiliation was not saved."), field_errors=errors)
    assert values.group_id is not None and values.learnt_on is not None  # noqa: S101 - checked above
    affiliation = Affiliation(
        subject_id=subject.id, group_id=values.group_id, role=values.role, evidence=values.evidence.strip(),
        source=values.source.strip(), learnt_on=values.learnt_on, review_on=values.review_on,
        source_grade=values.source_grade, intelligence_grade=values.intelligence_grade,
        handling_code=values.handling_code, recorded_by_id=actor.id, version=1)
    db.session.add(affiliation)
    db.session.flush()
    trail.record("create", object_type="affiliation", object_id=affiliation.id, subject_id=subject.id,
                 details={"group_id": affiliation.group_id, "role": affiliation.role,
                          "grading": affiliation.grading, "learnt_on": affiliation.learnt_on.isoformat(),
                          "affiliation_evidence_sha256": trail.digest(affiliation.evidence)})
    return affiliation


def _check_reason(reason: str) -> None:
    if len(reason.strip()) < REASON_MIN:
        raise Invalid(_("Nothing was ended."), field_errors={"reason": [_("Give the reason it ends.")]})


def end_affiliation(actor: User, affiliation: Affiliation, reason: str, expected_version: int) -> None:
    """End an affiliation with a reason; it stays in the person's history."""
    if not policy.can_end_affiliation(actor, affiliation):
        raise NotAllowed(_("You can end affiliations only for the people of your units or caseload."))
    if affiliation.ended_at is not None:
        raise Invalid(_("This affiliation has already ended."))
    _check_reason(reason)
    bump_version(affiliation, expected_version, _("This affiliation was changed by someone else after you opened "
                                                  "it. Nothing was saved."),
                 ended_at=utcnow(), end_reason=reason.strip(), ended_by_id=actor.id)
    trail.record("end", object_type="affiliation", object_id=affiliation.id, subject_id=affiliation.subject_id,
                 details={"affiliation_reason_sha256": trail.digest(reason.strip())})


# --- skills of concern --------------------------------------------------------------------------------------


def current_skill(subject: Subject, skill: str) -> PersonSkill | None:
    return db.session.scalars(select(PersonSkill).where(
        PersonSkill.subject_id == subject.id, PersonSkill.skill == skill, PersonSkill.ended_at.is_(None))
        .limit(1)).first()


def record_skill(actor: User, subject: Subject, skill: str, evidence: str, learnt_on: date | None) -> PersonSkill:
    """Record a criminal skill of concern with its evidence; the same skill twice at once is refused."""
    if not policy.can_record_affiliation(actor, subject):
        raise NotAllowed(_("You can record skills only for the people of your units or caseload."))
    errors: dict[str, list[str]] = {}
    if skill not in {s.value for s in Skill}:
        errors["skill"] = [_("Choose the skill.")]
    elif (held := current_skill(subject, skill)) is not None:
        errors["skill"] = [_("%(skill)s is already recorded for %(name)s: end it before recording it again.",
                             skill=held.skill_label, name=subject.full_name)]
    if not evidence.strip():
        errors["evidence"] = [_("Give the evidence for the skill.")]
    _learnt_on(learnt_on, errors)
    if errors:
        raise Invalid(_("The skill was not saved."), field_errors=errors)
    assert learnt_on is not None  # noqa: S101 - checked above
    row = PersonSkill(subject_id=subject.id, skill=skill, evidence=evidence.strip(), learnt_on=learnt_on,
                      recorded_by_id=actor.id)
    db.session.add(row)
    db.session.flush()
    trail.record("create", object_type="person_skill", object_id=row.id, subject_id=subject.id,
                 details={"skill": skill, "learnt_on": learnt_on.isoformat(),
                          "skill_evidence_sha256": trail.digest(row.evidence)})
    return row


def end_skill(actor: User, row: PersonSkill, reason: str) -> None:
    """End a skill of concern with a reason (no longer believed, or disproved); it stays as history."""
    if not policy.can_end_person_skill(actor, row):
        raise NotAllowed(_("You can end skills only for the people of your units or caseload."))
    if row.ended_at is not None:
        raise Invalid(_("This skill has already ended."))
    _check_reason(reason)
    row.ended_at, row.end_reason, row.ended_by_id = utcnow(), reason.strip(), actor.id
    db.session.flush()
    trail.record("end", object_type="person_skill", object_id=row.id, subject_id=row.subject_id,
                 details={"skill_reason_sha256": trail.digest(row.end_reason)})


# --- reading ------------------------------------------------------------------------------------------------


# A page (a GET) reads the person's affiliations together with those the connections drawing needs for its second
# step: the current ties of the people the person is linked to now, and the current members of the person's
# groups. One statement, each part chosen through its own index, instead of three.


def linked_now(subject_id: PersonKey) -> CompoundSelect[tuple[int]]:
    """The ids of the people with a current or pending link to the person (either side)."""
    current = PersonLink.status.in_(CURRENT)
    return union(select(PersonLink.other_id).where(PersonLink.subject_id == subject_id, current),
                 select(PersonLink.subject_id).where(PersonLink.other_id == subject_id, current))


def _near(subject_id: PersonKey) -> Select[tuple[Affiliation]]:
    """The person's affiliations and the second step's: a page's read (AFFILIATIONS_NEAR)."""
    current = Affiliation.ended_at.is_(None)
    groups = select(Affiliation.group_id).where(Affiliation.subject_id == subject_id, current)
    return select(Affiliation).where(Affiliation.id.in_(union(  # one flat union: SQLite takes no nested one
        select(Affiliation.id).where(Affiliation.subject_id == subject_id),
        select(Affiliation.id).where(Affiliation.subject_id.in_(linked_now(subject_id)), current),
        select(Affiliation.id).where(Affiliation.group_id.in_(groups), current))))


AFFILIATIONS_NEAR = PersonRows("affiliations_near", _near)


def _affiliations_near(subject: Subject, *, near: bool = False) -> list[Affiliation]:
    """The person's affiliations, and with them (`near`, or always on a page, which reads them once for all its
    parts) those of the drawing's second step."""
    def finish(rows: Select[tuple[Affiliation]]) -> Select[tuple[Affiliation]]:
        # What each row points at (its group, its person, who recorded and who ended it) comes joined to it: one
        # statement however many rows, where a load per relation cost a statement each when there were rows.
        return (rows.order_by(Affiliation.learnt_on.desc(), Affiliation.id.desc())
                .options(joinedload(Affiliation.group, innerjoin=True), joinedload(Affiliation.subject, innerjoin=True),
                         joinedload(Affiliation.recorded_by, innerjoin=True), joinedload(Affiliation.ended_by)))

    if near or reads_once():
        return AFFILIATIONS_NEAR.read(subject.id, finish)
    return list(db.session.scalars(finish(select(Affiliation).where(Affiliation.subject_id == subject.id))))


def subject_affiliations(subject: Subject) -> list[Affiliation]:
    """Every affiliation of the person, current ones first, each newest first."""
    rows = [a for a in _affiliations_near(subject) if a.subject_id == subject.id]
    return sorted(rows, key=lambda a: a.ended_at is not None)


def current_ties(subject: Subject, people: Sequence[int], groups: Sequence[int]
                 ) -> tuple[dict[int, list[Affiliation]], dict[int, list[Affiliation]]]:
    """For the connections drawing of `subject`: the current affiliations of each of `people` (linked to the person
    now) and the current members of each of `groups` (the person's), oldest first: from the page's one read."""
    ties: dict[int, list[Affiliation]] = {i: [] for i in people}
    members: dict[int, list[Affiliation]] = {i: [] for i in groups}
    for tie in sorted(_affiliations_near(subject, near=True), key=lambda a: a.id):
        if tie.ended_at is not None:
            continue
        if tie.subject_id in ties:
            ties[tie.subject_id].append(tie)
        if tie.group_id in members:
            members[tie.group_id].append(tie)
    return ties, members


SKILLS = PersonRows("person_skills", lambda subject_id: select(PersonSkill).where(PersonSkill.subject_id == subject_id))


def subject_skills(subject: Subject) -> list[PersonSkill]:
    rows = SKILLS.read(subject.id, lambda rows: rows.order_by(PersonSkill.learnt_on.desc(), PersonSkill.id.desc())
                       .options(joinedload(PersonSkill.recorded_by, innerjoin=True), joinedload(PersonSkill.ended_by)))
    return sorted(rows, key=lambda s: s.ended_at is not None)
