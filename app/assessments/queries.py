"""Reading screenings and assessments: per subject, for dashboards, for the timeline and the chart."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import Select, bindparam, func, select, union_all
from sqlalchemy.orm import contains_eager, joinedload

from app import policy
from app.assessments import catalogue
from app.assessments.models import Assessment, AssessmentStatus, Screening
from app.auth.models import User
from app.db import built_once, db, per_request
from app.i18n import gettext as _
from app.registry import Panel
from app.subjects import queries as subjects_queries
from app.subjects.models import Subject
from reports.charts import JudgementPoint


def subject_screenings(subject: Subject) -> list[Screening]:
    return per_request(("screenings", subject.id), lambda: list(db.session.scalars(
        built_once(_screenings_of), {"subject_id": subject.id})))


def _screenings_of() -> Select[tuple[Screening]]:
    return (select(Screening).where(Screening.subject_id == bindparam("subject_id"))
            .order_by(Screening.screened_on.desc(), Screening.id.desc()).options(joinedload(Screening.author)))


def subject_assessments(subject: Subject) -> list[Assessment]:
    return per_request(("assessments", subject.id), lambda: list(db.session.scalars(
        built_once(_assessments_of), {"subject_id": subject.id})))


def _assessments_of() -> Select[tuple[Assessment]]:
    return (select(Assessment).where(Assessment.subject_id == bindparam("subject_id"))
            .order_by(Assessment.created_at.desc(), Assessment.id.desc())
            .options(joinedload(Assessment.author), joinedload(Assessment.approved_by)))


def assessments_needed(user: User) -> list[Subject]:
    """People referred by a screening and not yet assessed (subjects.queries reads them, with the dashboard's
    review lists when it shows them)."""
    return subjects_queries.assessments_needed(user)


def awaiting_approval(user: User) -> list[Assessment]:
    """Submitted assessments of the supervisor's units that they did not write (four eyes)."""
    if not policy.is_supervisor(user):
        return []
    return list(db.session.scalars(
        select(Assessment).join(Subject, Subject.id == Assessment.subject_id)
        .where(policy.assessments_decidable_by(user))
        .order_by(Assessment.submitted_at)
        .options(joinedload(Assessment.subject), joinedload(Assessment.author))))


def my_drafts(user: User) -> list[Assessment]:
    """The user's drafts, most recently saved first (returned ones included: see `returned`)."""
    return list(db.session.scalars(built_once(_drafts_of), {"viewer_id": user.id}))


def _drafts_of() -> Select[tuple[Assessment]]:
    return (select(Assessment)
            .where(Assessment.author_id == policy.VIEWER_ID, Assessment.status == AssessmentStatus.DRAFT.value)
            .order_by(Assessment.updated_at.desc()).options(joinedload(Assessment.subject)))


def judgement_history(subject: Subject) -> tuple[list[JudgementPoint], list[str]]:
    """Approved overall judgements over time (superseded ones included: the history is the point).

    Returns the points and the level labels from lowest to highest, taken from the instrument.
    """
    rows = sorted((a for a in subject_assessments(subject)
                   if a.status in (AssessmentStatus.APPROVED, AssessmentStatus.SUPERSEDED)),
                  key=lambda a: (a.approved_at is None, a.approved_at or a.created_at, a.id))
    points: list[JudgementPoint] = []
    levels: list[str] = []
    for a in rows:
        instrument = catalogue.get(a.instrument_id, a.instrument_version)
        labels = [o.label for o in instrument.overall_judgements]
        if len(labels) > len(levels):
            levels = labels
        values = [o.value for o in instrument.overall_judgements]
        if a.overall_judgement in values and a.approved_at is not None:
            index = values.index(a.overall_judgement)
            points.append(JudgementPoint(a.approved_at.date(), index, labels[index]))
    return points, levels


def subject_panel(user: User, subject: Subject) -> Panel | None:
    from app.assessments.services import accreditation_problem
    from reports.charts import judgement_history_svg

    points, levels = judgement_history(subject)
    instruments = catalogue.current("assessment")
    in_progress = {a.instrument_id: a for a in reversed(subject_assessments(subject))
                   if a.status in (AssessmentStatus.DRAFT, AssessmentStatus.SUBMITTED)}
    startable = [(i, accreditation_problem(user, i), in_progress.get(i.id)) for i in instruments] \
        if policy.in_scope(user, subject) else []
    continuable = {a.id for a in in_progress.values() if policy.can_edit_assessment(user, a)}
    return Panel("assessments/_subject_panel.html", {
        "subject": subject,
        "screenings": subject_screenings(subject),
        "assessments": subject_assessments(subject),
        "chart_svg": judgement_history_svg(points, levels),
        "can_screen": policy.can_screen(user, subject) and bool(catalogue.current("screening")),
        "startable": startable,
        "continuable": continuable,
    }, subject_ids=(subject.id,))


def _drafts_and_awaiting(user: User) -> tuple[list[Assessment], list[Assessment]]:
    """`my_drafts` and `awaiting_approval` in one statement, told apart by their status (a user never decides
    their own assessment, so none is in both)."""
    if not policy.is_supervisor(user):
        return my_drafts(user), []
    rows = list(db.session.scalars(built_once(_drafts_and_decisions_of, user.role), policy.viewer_params(user)))
    drafts = sorted((a for a in rows if a.status == AssessmentStatus.DRAFT.value),
                    key=lambda a: a.updated_at, reverse=True)
    awaiting = sorted((a for a in rows if a.status != AssessmentStatus.DRAFT.value),
                      key=lambda a: (a.submitted_at is None, a.submitted_at))
    return drafts, awaiting


def _drafts_and_decisions_of(role: str) -> Select[tuple[Assessment]]:
    # A union of the two, each read through its own index: an OR of them made PostgreSQL read every submitted
    # assessment in the country (105 ms on the national data, bench/README.md).
    chosen = union_all(
        select(Assessment.id)
        .where(Assessment.author_id == policy.VIEWER_ID, Assessment.status == AssessmentStatus.DRAFT.value),
        select(Assessment.id).join(Subject, Subject.id == Assessment.subject_id)
        .where(policy.assessments_decidable_by_viewer(role)))
    return (select(Assessment).join(Subject, Subject.id == Assessment.subject_id).where(Assessment.id.in_(chosen))
            .options(contains_eager(Assessment.subject), joinedload(Assessment.author)))


def dashboard_panel(user: User) -> Panel | None:
    drafts, awaiting = _drafts_and_awaiting(user)
    needed = assessments_needed(user)
    return Panel("assessments/_dashboard_panel.html", {
        "needed": needed,
        "awaiting": awaiting,
        "returned": [a for a in drafts if a.returned_at is not None],
        "drafts": [a for a in drafts if a.returned_at is None],
        "is_supervisor": policy.is_supervisor(user),
    }, subject_ids=tuple(s.id for s in needed) + tuple(a.subject_id for a in awaiting + drafts))


# --- consistency of practice ------------------------------------------------------------------------------


@dataclass(frozen=True)
class ConsistencyRow:
    """One unit or one assessor: how their approved judgements are distributed, and how often their
    submissions were returned at countersignature. An aid to spot inconsistent practice, not a rating."""

    label: str
    judgements: dict[str, int]  # judgement label -> approved assessments (superseded included)
    approved: int
    submitted: int
    returned: int

    @property
    def returned_share(self) -> int | None:
        return None if self.submitted == 0 else round(100 * self.returned / self.submitted)


def consistency(user: User) -> tuple[list[str], list[ConsistencyRow], list[ConsistencyRow]]:
    """Per unit and per assessor, over the assessments of the supervisor's units. Uses no protected
    characteristic (none is recorded): only judgements and returns."""
    # Each assessment counts under the unit where it was submitted and approved, not where the person is now.
    rows = list(db.session.execute(
        select(Assessment, func.coalesce(Assessment.unit_id, Subject.unit_id))
        .join(Subject, Subject.id == Assessment.subject_id)
        .where(policy.assessments_practised_in_units_of(user))
        .options(joinedload(Assessment.author))))
    # Judgements are counted by their code, under the current instruments' label for it (in the reader's
    # language): an assessment made with an earlier version of an instrument counts with the later ones.
    labels: list[str] = []
    label_of: dict[str, str] = {}
    for instrument in catalogue.current("assessment"):
        for option in instrument.overall_judgements:
            label_of.setdefault(option.value, option.label)
            if option.label not in labels:
                labels.append(option.label)
    units = {u.id: u.name for u in user.units}

    def build(key_of: Callable[[Assessment, int], str]) -> list[ConsistencyRow]:
        groups: dict[str, list[Assessment]] = {}
        for assessment, unit_id in rows:
            groups.setdefault(key_of(assessment, unit_id), []).append(assessment)
        result = []
        for label, items in sorted(groups.items()):
            counts = dict.fromkeys(labels, 0)
            approved = [a for a in items if a.status in (AssessmentStatus.APPROVED, AssessmentStatus.SUPERSEDED)]
            for a in approved:
                instrument = catalogue.get(a.instrument_id, a.instrument_version)
                judgement = label_of.get(a.overall_judgement or "") or next(
                    (o.label for o in instrument.overall_judgements if o.value == a.overall_judgement), None)
                if judgement is not None:
                    counts[judgement] = counts.get(judgement, 0) + 1
            submitted = [a for a in items if a.submitted_at or a.returned_at or a in approved]
            result.append(ConsistencyRow(label, counts, len(approved), len(submitted),
                                         sum(1 for a in submitted if a.returned_at is not None)))
        return result

    other = _("Other")
    by_unit = build(lambda _a, unit_id: units.get(unit_id, other))
    by_assessor = build(lambda a, _unit_id: a.author.display_name)
    return labels, by_unit, by_assessor
