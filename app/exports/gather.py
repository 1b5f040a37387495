"""Gather what a report prints into the plain dataclasses of reports/model.py (no PDF here)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import or_, select

from app.assessments import holdings as assessment_holdings
from app.assessments.models import Assessment, AssessmentStatus
from app.assessments.queries import judgement_history
from app.audit.models import AuditEvent, AuditEventPerson
from app.auth.models import User
from app.db import db, utcnow
from app.interventions import holdings as intervention_holdings
from app.interventions.queries import subject_interventions
from app.registry import registry
from app.subjects import holdings as subject_holdings
from app.subjects.models import Subject
from reports import model

OBSERVATION_DAYS = 90


def header(title: str, requester: User, purpose: str, recipient: str, marking: str,
           at: datetime | None = None) -> model.Header:
    return model.Header(title=title, marking=marking, generated_by=requester.display_name,
                        generated_at=at or utcnow(), purpose=purpose, recipient=recipient)


def latest_approved(subject: Subject) -> Assessment | None:
    return db.session.scalars(select(Assessment).where(
        Assessment.subject_id == subject.id, Assessment.status == AssessmentStatus.APPROVED.value)
        .order_by(Assessment.approved_at.desc()).limit(1)).first()


def case_summary(subject: Subject, head: model.Header) -> model.CaseSummary:
    latest = latest_approved(subject)
    points, levels = judgement_history(subject)
    return model.CaseSummary(
        header=head, identity=subject_holdings.identity(subject),
        assessment=assessment_holdings.assessment_section(latest) if latest else None,
        judgement_history=tuple(points), judgement_levels=tuple(levels),
        interventions=tuple(intervention_holdings.intervention_section(i) for i in subject_interventions(subject)),
        observations=intervention_holdings.observation_lines(subject, OBSERVATION_DAYS),
        challenges=assessment_holdings.challenges(subject),
    )


def _access_line(e: AuditEvent) -> model.AccessLine:
    what = f"{e.object_type or ''} {e.object_id or ''}".strip()
    return model.AccessLine(at=e.occurred_at, who=e.actor_username or "system", role=e.actor_role or "",
                            action=e.action, what=what)


def subject_access_report(subject: Subject, head: model.Header) -> model.SubjectAccessReport:
    """Everything held about the person: each feature's sections (app/registry.py: every table about a person
    is in some feature's holding), and who consulted or changed the record: the events about them, and the
    lists, dashboards and searches that showed them."""
    named = select(AuditEventPerson.event_id).where(AuditEventPerson.subject_id == subject.id)
    accesses = db.session.scalars(select(AuditEvent).where(
        or_(AuditEvent.subject_id == subject.id, AuditEvent.id.in_(named))).order_by(AuditEvent.id))
    return model.SubjectAccessReport(header=head, **registry().subject_access(subject),
                                     accesses=tuple(_access_line(e) for e in accesses))
