"""Gather what a report prints into the plain dataclasses of reports/model.py (no PDF here)."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from app.assessments import catalogue
from app.assessments.models import Assessment, AssessmentStatus, Challenge, ChallengeOutcome
from app.assessments.queries import judgement_history, subject_assessments, subject_screenings
from app.audit.models import AuditEvent
from app.auth.models import User
from app.db import db, utcnow
from app.interventions.models import GoalOutcome, Intervention
from app.interventions.queries import attendance_rate, engagement_points, subject_interventions, subject_observations
from app.subjects.models import Movement, Subject
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


def intervention_section(i: Intervention) -> model.InterventionSection:
    return model.InterventionSection(
        type=i.type_label, provider=i.provider, owner=i.owner.display_name, status=i.status_label,
        referred_on=i.referred_on, started_on=i.started_on, ended_on=i.ended_on,
        attendance=attendance_rate(i.sessions).text,
        goals=tuple((g.text, GoalOutcome(g.outcome).label if g.outcome else None) for g in i.goals),
        outcome_summary=i.outcome_summary, engagement=tuple(engagement_points(i)),
        sessions=tuple(model.SessionLine(s.held_on, s.attendance_label, s.engagement, s.notes) for s in i.sessions),
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


def subject_access_report(subject: Subject, head: model.Header) -> model.SubjectAccessReport:
    movements = db.session.scalars(select(Movement).where(Movement.subject_id == subject.id)
                                   .order_by(Movement.moved_on)
                                   .options(selectinload(Movement.from_unit), selectinload(Movement.to_unit)))
    accesses = db.session.scalars(select(AuditEvent).where(AuditEvent.subject_id == subject.id)
                                  .order_by(AuditEvent.id))
    return model.SubjectAccessReport(
        header=head, identity=identity(subject),
        movements=tuple(model.MovementLine(m.moved_on, m.from_unit.name, m.to_unit.name, m.reason)
                        for m in movements),
        screenings=tuple(model.ScreeningLine(s.screened_on, f"{s.instrument_id} {s.instrument_version}",
                                             "Referred for assessment" if s.outcome == "refer_for_assessment"
                                             else "No concern identified", s.rationale, s.author.display_name)
                         for s in subject_screenings(subject)),
        assessments=tuple(assessment_section(a) for a in subject_assessments(subject)),
        challenges=challenges(subject),
        interventions=tuple(intervention_section(i) for i in subject_interventions(subject)),
        observations=observation_lines(subject, None),
        accesses=tuple(_access_line(e) for e in accesses),
    )
