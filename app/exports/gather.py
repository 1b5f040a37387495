"""Gather what a report prints into the plain dataclasses of reports/model.py (no PDF here)."""

from __future__ import annotations

from contextlib import suppress
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from app.assessments import catalogue
from app.assessments.models import Assessment, AssessmentStatus, Challenge, ChallengeOutcome, Screening
from app.assessments.queries import judgement_history, subject_assessments, subject_screenings
from app.audit.models import AuditEvent
from app.auth.models import User
from app.db import db, utcnow
from app.interventions.models import GoalOutcome, Intervention
from app.interventions.queries import attendance_rate, engagement_points, subject_interventions, subject_observations
from app.retention.models import ErasureRequest
from app.subjects.models import Allocation, BreakGlassAccess, CustodyStatus, Movement, Subject
from instruments.loader import Instrument
from reports import model

OBSERVATION_DAYS = 90


def header(title: str, requester: User, purpose: str, recipient: str, marking: str,
           at: datetime | None = None) -> model.Header:
    return model.Header(title=title, marking=marking, generated_by=requester.display_name,
                        generated_at=at or utcnow(), purpose=purpose, recipient=recipient)


def identity(subject: Subject) -> model.Identity:
    return model.Identity(
        reference=subject.reference, full_name=subject.full_name, date_of_birth=subject.date_of_birth,
        unit=subject.unit.name, custody_status=subject.status_label,
        case_owner=subject.case_owner.display_name if subject.case_owner else "Unallocated",
        index_offence=subject.offence_label, sentence_date=subject.sentence_date,
        release_date=subject.release_date, next_review_due=subject.next_review_due,
        alerts=tuple(a.label for a in subject.alerts),
    )


def assessment_section(a: Assessment) -> model.AssessmentSection:
    instrument = catalogue.get(a.instrument_id, a.instrument_version)
    items = []
    for domain in instrument.domains:
        for item in domain.items:
            rating = a.rating_for(item.code)
            label = instrument.option_label(item.code, rating.rating) if rating and rating.rating else "Not rated"
            items.append(model.RatedItem(domain.title, item.code, item.title, label,
                                         rating.evidence if rating else ""))
    judgement = next((o.label for o in instrument.overall_judgements if o.value == a.overall_judgement),
                     "Not recorded")
    return model.AssessmentSection(
        instrument=f"{instrument.title} (version {instrument.version})", status_notice=instrument.status_notice,
        status=a.status_enum.label, author=a.author.display_name,
        approved_by=a.approved_by.display_name if a.approved_by else None,
        approved_on=a.approved_at.date() if a.approved_at else None, items=tuple(items),
        overall_judgement=judgement, rationale=a.rationale, person_view=a.person_view,
        shared_with_person=a.shared_with_person, shared_on=a.shared_on, review_due=a.review_due,
        return_comment=a.return_comment, returned_by=a.returned_by.display_name if a.returned_by else None,
        returned_on=a.returned_at.date() if a.returned_at else None,
    )


def challenges(subject: Subject) -> tuple[model.ChallengeLine, ...]:
    rows = db.session.scalars(select(Challenge).join(Assessment, Assessment.id == Challenge.assessment_id)
                              .where(Assessment.subject_id == subject.id).order_by(Challenge.raised_on))
    return tuple(model.ChallengeLine(
        raised_on=c.raised_on, raised_by=f"{c.raised_by_name} ({c.raised_by_kind})", grounds=c.grounds,
        outcome=ChallengeOutcome(c.outcome).label if c.outcome else None, outcome_reason=c.outcome_reason,
        decided_by=c.decided_by.display_name if c.decided_by else None,
        decided_on=c.decided_at.date() if c.decided_at else None,
    ) for c in rows)


def _instrument(instrument_id: str, version: str) -> Instrument | None:
    """The pinned instrument version, or None if its file is gone (the codes then print on their own)."""
    try:
        return catalogue.get(instrument_id, version)
    except KeyError:
        return None


def _item_title(instrument: Instrument | None, code: str) -> str:
    if instrument is None:
        return ""
    try:
        return instrument.item(code).title
    except KeyError:
        return ""


def _factors(i: Intervention) -> tuple[str, ...]:
    """The factors the intervention addresses, by code and title in the instrument of the linked assessment."""
    if not i.factors:
        return ()
    linked = db.session.get(Assessment, i.assessment_id) if i.assessment_id is not None else None
    instrument = _instrument(linked.instrument_id, linked.instrument_version) if linked is not None else None
    return tuple(f"{f.item_code} {_item_title(instrument, f.item_code)}".strip() for f in i.factors)


def intervention_section(i: Intervention) -> model.InterventionSection:
    return model.InterventionSection(
        type=i.type_label, provider=i.provider, owner=i.owner.display_name, status=i.status_label,
        referred_on=i.referred_on, started_on=i.started_on, ended_on=i.ended_on,
        attendance=attendance_rate(i.sessions).text,
        goals=tuple((g.text, GoalOutcome(g.outcome).label if g.outcome else None) for g in i.goals),
        outcome_summary=i.outcome_summary, engagement=tuple(engagement_points(i)),
        sessions=tuple(model.SessionLine(s.held_on, s.attendance_label, s.engagement, s.notes, s.next_steps)
                       for s in i.sessions),
        end_reason=i.end_reason, factors=_factors(i),
    )


def observation_lines(subject: Subject, days: int | None) -> tuple[model.ObservationLine, ...]:
    since = utcnow().date() - timedelta(days=days) if days else None
    return tuple(model.ObservationLine(o.observed_on, o.category_label, o.source, o.text, o.recorded_by.display_name)
                 for o in subject_observations(subject, since))


def latest_approved(subject: Subject) -> Assessment | None:
    return db.session.scalars(select(Assessment).where(
        Assessment.subject_id == subject.id, Assessment.status == AssessmentStatus.APPROVED.value)
        .order_by(Assessment.approved_at.desc()).limit(1)).first()


def case_summary(subject: Subject, head: model.Header) -> model.CaseSummary:
    latest = latest_approved(subject)
    points, levels = judgement_history(subject)
    return model.CaseSummary(
        header=head, identity=identity(subject),
        assessment=assessment_section(latest) if latest else None,
        judgement_history=tuple(points), judgement_levels=tuple(levels),
        interventions=tuple(intervention_section(i) for i in subject_interventions(subject)),
        observations=observation_lines(subject, OBSERVATION_DAYS), challenges=challenges(subject),
    )


def _access_line(e: AuditEvent) -> model.AccessLine:
    what = f"{e.object_type or ''} {e.object_id or ''}".strip()
    return model.AccessLine(at=e.occurred_at, who=e.actor_username or "system", role=e.actor_role or "",
                            action=e.action, what=what)


def _status_label(value: str) -> str:
    try:
        return CustodyStatus(value).label
    except ValueError:
        return value


def _name(user: User | None, empty: str = "Unallocated") -> str:
    return user.display_name if user is not None else empty


def screening_line(s: Screening) -> model.ScreeningLine:
    """A screening with its occasion and every answer (the option's label) and note, in the instrument's order."""
    instrument = _instrument(s.instrument_id, s.instrument_version)
    answers = []
    for r in s.responses:
        question, answer = r.item_code, r.value
        if instrument is not None:
            question = _item_title(instrument, r.item_code) or r.item_code
            with suppress(KeyError):  # an answer the instrument no longer lists prints as stored
                answer = instrument.option_label(r.item_code, r.value)
        answers.append(model.ScreeningAnswer(r.item_code, question, answer, r.note))
    title = f"{instrument.title} (version {s.instrument_version})" if instrument is not None \
        else f"{s.instrument_id} {s.instrument_version}"
    return model.ScreeningLine(
        screened_on=s.screened_on, instrument=title,
        outcome="Referred for assessment" if s.outcome == "refer_for_assessment" else "No concern identified",
        rationale=s.rationale, author=s.author.display_name, occasion=s.occasion, answers=tuple(answers))


def subject_access_report(subject: Subject, head: model.Header) -> model.SubjectAccessReport:
    """Everything held about the person: every record that names them, and who consulted or changed it."""
    movements = db.session.scalars(select(Movement).where(Movement.subject_id == subject.id)
                                   .order_by(Movement.moved_on, Movement.id)
                                   .options(selectinload(Movement.from_unit), selectinload(Movement.to_unit),
                                            selectinload(Movement.recorded_by)))
    allocations = db.session.scalars(select(Allocation).where(Allocation.subject_id == subject.id)
                                     .order_by(Allocation.allocated_at, Allocation.id)
                                     .options(selectinload(Allocation.owner), selectinload(Allocation.previous_owner),
                                              selectinload(Allocation.allocated_by)))
    break_glass = db.session.scalars(select(BreakGlassAccess).where(BreakGlassAccess.subject_id == subject.id)
                                     .order_by(BreakGlassAccess.granted_at, BreakGlassAccess.id)
                                     .options(selectinload(BreakGlassAccess.user),
                                              selectinload(BreakGlassAccess.reviewed_by)))
    erasures = db.session.scalars(select(ErasureRequest).where(ErasureRequest.subject_id == subject.id)
                                  .order_by(ErasureRequest.requested_at, ErasureRequest.id)
                                  .options(selectinload(ErasureRequest.requested_by)))
    accesses = db.session.scalars(select(AuditEvent).where(AuditEvent.subject_id == subject.id)
                                  .order_by(AuditEvent.id))
    return model.SubjectAccessReport(
        header=head, identity=identity(subject),
        movements=tuple(model.MovementLine(m.moved_on, m.from_unit.name, m.to_unit.name, m.reason,
                                           _status_label(m.from_status), _status_label(m.to_status),
                                           _name(m.recorded_by, ""))
                        for m in movements),
        allocations=tuple(model.AllocationLine(a.allocated_at, _name(a.owner), _name(a.previous_owner),
                                               _name(a.allocated_by, "system"), a.note)
                          for a in allocations),
        screenings=tuple(screening_line(s) for s in subject_screenings(subject)),
        assessments=tuple(assessment_section(a) for a in subject_assessments(subject)),
        challenges=challenges(subject),
        interventions=tuple(intervention_section(i) for i in subject_interventions(subject)),
        observations=observation_lines(subject, None),
        erasure_requests=tuple(model.ErasureLine(r.requested_at, r.requested_by.display_name, r.status.capitalize(),
                                                 r.reason) for r in erasures),
        break_glass=tuple(model.BreakGlassLine(b.granted_at, b.user.display_name, b.reason, b.expires_at,
                                               _name(b.reviewed_by, "") or None, b.reviewed_at)
                          for b in break_glass),
        accesses=tuple(_access_line(e) for e in accesses),
    )
