"""Recruitment on the wing (issue 12, item 4): a recruitment-attempt observation about the recruiter names the
people it targeted and the group if known; each target gets a recruiter → target link and a place on their
unit's "targeted for recruitment" list until their case owner or a supervisor reviews it.

The observation page of app/interventions sends a recruitment attempt here (it cannot import this feature:
app/registry.py's `observation_forms`), and this form records the observation with its targets in one
transaction. A target out of the author's scope is named by exact reference and answers as app/connections/
links.py does: the same whether or not the reference names anybody."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import ColumnElement, Select, func, select

from app import policy
from app.audit import trail
from app.auth.models import User
from app.connections.links import Grading, check_grading, current_link, find_by_reference, graded_columns, write_pending
from app.connections.models import Group, LinkKind, LinkStatus, PersonLink, RecruitmentTarget
from app.db import built_once, db, utcnow
from app.errors import Invalid, NotAllowed
from app.i18n import gettext as _
from app.interventions.models import Observation, ObservationCategory
from app.interventions.services import record_observation
from app.registry import Tally
from app.subjects.models import Subject

MAX_TARGETS = 10
# The grading's fields as the recruitment form names them: the observation is the evidence.
FIELD_OF = {"evidence": "text", "learnt_on": "observed_on"}


@dataclass
class RecruitmentValues:
    observed_on: date | None
    source: str
    text: str
    source_grade: str
    intelligence_grade: str
    handling_code: str
    review_on: date | None = None
    group_id: int | None = None
    target_ids: list[int] = field(default_factory=list)
    target_references: list[str] = field(default_factory=list)

    @property
    def grading(self) -> Grading:
        return Grading(self.text, self.source, self.observed_on, self.review_on, self.source_grade,
                       self.intelligence_grade, self.handling_code)


def visible_people(actor: User) -> list[Subject]:
    """The people a link form offers: those of the author's units and caseload, by name."""
    return list(db.session.scalars(select(Subject).where(policy.subjects_visible_to(actor))
                                   .order_by(Subject.family_name, Subject.given_name, Subject.id)))


def target_choices(actor: User, recruiter: Subject) -> list[Subject]:
    """Who the form offers as targets: the people of the recruiter's unit the author may see."""
    return list(db.session.scalars(select(Subject).where(
        policy.subjects_visible_to(actor), Subject.unit_id == recruiter.unit_id, Subject.id != recruiter.id)
        .order_by(Subject.family_name, Subject.given_name, Subject.id)))


def active_groups() -> list[Group]:
    return list(db.session.scalars(select(Group).where(Group.active.is_(True)).order_by(Group.name)))


def _check(actor: User, recruiter: Subject, values: RecruitmentValues) -> list[Subject]:
    """The targets chosen from the list; Invalid with every problem of the form at once."""
    errors: dict[str, list[str]] = {}
    grading_errors: dict[str, list[str]] = {}
    check_grading(values.grading, grading_errors)
    for name, problems in grading_errors.items():
        errors[FIELD_OF.get(name, name)] = problems
    references = [r.strip().upper() for r in values.target_references if r.strip()]
    chosen = [s for i in dict.fromkeys(values.target_ids) if (s := db.session.get(Subject, i)) is not None]
    if len(chosen) != len(set(values.target_ids)) or any(
            not policy.in_scope(actor, s) or s.id == recruiter.id for s in chosen):
        errors["target_ids"] = [_("Choose the people targeted from the list.")]
    if not chosen and not references:
        errors["target_ids"] = [_("Name at least one person targeted: choose them, or type their reference.")]
    if len(chosen) + len(references) > MAX_TARGETS:
        errors["target_references"] = [_("Name at most %(num)d people in one observation.", num=MAX_TARGETS)]
    if recruiter.reference in references:
        errors["target_references"] = [_("The person who made the attempt cannot be its target.")]
    if values.group_id is not None:
        group = db.session.get(Group, values.group_id)
        if group is None or not group.active:
            errors["group_id"] = [_("Choose the group from the list, or leave it as not known.")]
    if errors:
        raise Invalid(_("The recruitment attempt was not saved."), field_errors=errors)
    return chosen


def _link(actor: User, recruiter: Subject, target: Subject, values: RecruitmentValues) -> PersonLink:
    """The current recruiter → target link (a second attempt adds to the one already recorded)."""
    link = current_link(LinkKind.RECRUITER.value, recruiter.id, target.id)
    if link is not None:
        return link
    link = PersonLink(subject_id=recruiter.id, other_id=target.id, kind=LinkKind.RECRUITER.value,
                      status=LinkStatus.ACTIVE.value, recorded_by_id=actor.id, **graded_columns(values.grading))
    db.session.add(link)
    db.session.flush()
    trail.record("create", object_type="person_link", object_id=link.id, subject_id=recruiter.id,
                 details={"kind": link.kind, "status": link.status})
    return link


def _target_out_of_scope(actor: User, recruiter: Subject, observation: Observation, reference: str,
                         values: RecruitmentValues) -> None:
    """A target typed by reference, out of the author's scope: a pending link and a place on their unit's list;
    for a reference naming nobody, the same work taken back. Audited alike either way, naming nobody."""
    target = find_by_reference(reference)
    existing = current_link(LinkKind.RECRUITER.value, recruiter.id, target.id) if target is not None else None
    link = existing or PersonLink(subject_id=recruiter.id, other_id=target.id if target is not None else recruiter.id,
                                  kind=LinkKind.RECRUITER.value, status=LinkStatus.PENDING.value,
                                  recorded_by_id=actor.id, **graded_columns(values.grading))
    if existing is None:
        write_pending(link, target)
    if target is not None:
        db.session.add(RecruitmentTarget(observation_id=observation.id, target_id=target.id,
                                         group_id=values.group_id, link_id=link.id))
        db.session.flush()
    trail.record("create", object_type="recruitment_target_request", subject_id=recruiter.id,
                 details={"observation_id": observation.id})


def record_recruitment_attempt(actor: User, recruiter: Subject, values: RecruitmentValues) -> Observation:
    """Record the observation (about the recruiter), a recruiter → target link per target and each target's
    RecruitmentTarget row, all or nothing (Invalid for any problem, nothing written)."""
    if not policy.can_record_link(actor, recruiter):
        # Not translated: the page refuses with this as the audited reason (policy.refuse), never shown.
        raise NotAllowed("You can record observations only for the people of your units or caseload.")
    chosen = _check(actor, recruiter, values)
    observation = record_observation(actor, recruiter, values.observed_on, ObservationCategory.RECRUITMENT.value,
                                     values.source, values.text)
    for target in chosen + [s for r in values.target_references
                            if (s := find_by_reference(r)) is not None and policy.in_scope(actor, s)
                            and s not in chosen and s.id != recruiter.id]:
        link = _link(actor, recruiter, target, values)
        row = RecruitmentTarget(observation_id=observation.id, target_id=target.id, group_id=values.group_id,
                                link_id=link.id)
        db.session.add(row)
        db.session.flush()
        trail.record("create", object_type="recruitment_target", object_id=row.id, subject_id=target.id,
                     details={"observation_id": observation.id})
    for reference in values.target_references:
        found = find_by_reference(reference)
        if found is None or not policy.in_scope(actor, found):
            _target_out_of_scope(actor, recruiter, observation, reference, values)
    return observation


def _on_the_list(reviewable: ColumnElement[bool]) -> tuple[ColumnElement[bool], ...]:
    """Entries not yet reviewed about people whose case owner or unit supervisor the user is (with the target's
    Subject joined), `reviewable` being policy's rule for the user."""
    return RecruitmentTarget.reviewed_at.is_(None), reviewable


def targeted_list(actor: User) -> Sequence[RecruitmentTarget]:
    """The unit's "targeted for recruitment" list for the user, newest first."""
    return db.session.scalars(
        select(RecruitmentTarget).join(Subject, Subject.id == RecruitmentTarget.target_id)
        .where(*_on_the_list(policy.recruitment_targets_reviewable_by(actor)))
        .order_by(RecruitmentTarget.recorded_at.desc(), RecruitmentTarget.id.desc())).all()


def targeted_count(actor: User) -> Tally:
    """How many entries the list has (the dashboard's count), without reading them."""
    return Tally(built_once(_targeted_count, actor.role), policy.viewer_params(actor))


def _targeted_count(role: str) -> Select[tuple[int]]:
    return (select(func.count()).select_from(RecruitmentTarget)
            .join(Subject, Subject.id == RecruitmentTarget.target_id)
            .where(*_on_the_list(policy.recruitment_targets_reviewable_by_viewer(role))))


def review_target(actor: User, target: RecruitmentTarget, note: str) -> None:
    """Take an entry off the list, with a note of what was done (kept on the row; its digest in the trail)."""
    if not policy.can_review_recruitment_target(actor, target):
        raise NotAllowed(_("Only the person's case owner or a supervisor of their unit reviews this."))
    if len(note.strip()) < 10:
        raise Invalid(_("The review was not saved."),
                      field_errors={"note": [_("Say in a sentence what was done (10 characters or more).")]})
    if target.reviewed_at is not None:
        return
    target.reviewed_at = utcnow()
    target.reviewed_by_id = actor.id
    target.review_note = note.strip()
    db.session.flush()
    trail.record("review", object_type="recruitment_target", object_id=target.id, subject_id=target.target_id,
                 details={"targeting_note_sha256": trail.digest(target.review_note)})
