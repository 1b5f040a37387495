"""Gather what a report prints into the plain dataclasses of reports/model.py (no PDF here)."""

from __future__ import annotations

from datetime import datetime

from flask import g
from sqlalchemy import or_, select

from app.assessments import holdings as assessment_holdings
from app.assessments.models import Assessment, AssessmentStatus
from app.assessments.queries import judgement_history
from app.audit.models import AuditEvent, AuditEventPerson
from app.auth.models import Role, User
from app.connections import holdings as connection_holdings
from app.connections import link_queries
from app.db import db, utcnow
from app.interventions import holdings as intervention_holdings
from app.interventions.models import Intervention, InterventionSession, InterventionType
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
        affiliations=connection_holdings.affiliation_lines(subject, current_only=True),
        skills=connection_holdings.skill_lines(subject, current_only=True),
        # conn-links: the other people as the requester may see them
        links=link_queries.link_lines(g.get("user"), subject, current_only=True),
        targeted=link_queries.targeted_lines(g.get("user"), subject),
    )


# The access log is read by the person and their representatives: it says what was done and looked at in
# words, never in the audit trail's codes ("intervention_session 2", a username).
ACTION_WORDS = {
    "view": "looked at", "create": "recorded", "update": "changed", "submit": "submitted", "approve": "approved",
    "return": "returned to its author", "amend": "started an amendment of", "decide": "decided",
    "export": "exported", "transfer": "transferred", "allocate": "allocated", "break_glass": "opened by break-glass",
    "denied": "was refused", "erase": "erased", "erase_request": "asked to erase", "erase_cancel":
    "cancelled the erasure of", "search": "searched", "review": "reviewed", "acknowledge": "acknowledged",
    "import": "imported", "close": "closed", "delete": "removed", "handover": "handed over to another unit",
    "reassign": "gave a new owner to", "end": "ended",
}
OBJECT_WORDS = {
    "subject": "the person's record", "subject_page": "another person's record, which mentions them",
    "subject_list": "the unit list", "caseload": "a caseload list", "dashboard": "a dashboard",
    "observations": "the list of observations", "observation": "an observation", "screening": "a screening",
    "assessment": "an assessment", "challenge": "a challenge to an assessment", "alerts": "the alerts list",
    "alert": "an alert for supervisors", "break_glass": "the person's record, from outside its unit",
    "transfer_form": "the transfer form", "allocation_form": "the allocation form",
    "referral_form": "the referral form", "observation_form": "the observation form",
    "screening_form": "the screening form", "export_form": "the export form",
    "erasure_form": "the erasure form", "erasure_request": "a request to erase the record",
    "retention_review": "the retention review list", "case_summary": "the case summary",
    "subject_access_report": "the subject-access report", "audit_extract": "an audit extract",
    "audit_events": "the audit trail", "conference": "a case conference that discussed them",
    "conference_discussion": "their discussion at a case conference",
    "conference_dissent": "a dissent from a case conference's decision about them",
    "conference_action": "an action agreed at a case conference", "conference_minutes": "a case conference's minutes",
    "handover": "a handover between units",
    "departed_work": "the work a departed colleague left to reassign",
    "affiliation": "an affiliation with a group", "affiliation_form": "the affiliation form",
    "person_skill": "a skill of concern", "skill_form": "the skill-of-concern form",
    "group": "a group's page, which lists them", "nexus": "the nexus picture, which counts them",
    "nexus_people": "a list of the nexus picture",
}


def _intervention_words(events: list[AuditEvent]) -> dict[tuple[str, str], str]:
    """(object type, id) -> words, for the events about an intervention or one of its sessions (one query each)."""
    def ids(kind: str) -> set[int]:
        return {int(oid) for e in events if e.object_type == kind and (oid := e.object_id or "").isdigit()}

    words: dict[tuple[str, str], str] = {}
    interventions = ids("intervention")
    if interventions:
        for i in db.session.scalars(select(Intervention).where(Intervention.id.in_(interventions))):
            words[("intervention", str(i.id))] = f"the {i.type_label.lower()} intervention"
    sessions = ids("intervention_session")
    if sessions:
        for session_id, kind in db.session.execute(
                select(InterventionSession.id, Intervention.type)
                .join(Intervention, Intervention.id == InterventionSession.intervention_id)
                .where(InterventionSession.id.in_(sessions))):
            words[("intervention_session", str(session_id))] = \
                f"a session of the {InterventionType(kind).label.lower()} intervention"
    return words


def access_lines(events: list[AuditEvent]) -> tuple[model.AccessLine, ...]:
    """The access log in words: who by name and role, what they did, and what they looked at or changed."""
    actor_ids = {e.actor_id for e in events if e.actor_id is not None}
    names = {u.id: u.display_name for u in db.session.scalars(select(User).where(User.id.in_(actor_ids)))} \
        if actor_ids else {}
    specific = _intervention_words(events)
    roles = {r.value: r.label for r in Role}
    lines = []
    for e in events:
        who = names.get(e.actor_id or 0) or ("Waypoint itself" if e.actor_id is None else "a former user")
        kind = e.object_type or ""
        what = specific.get((kind, e.object_id or "")) or OBJECT_WORDS.get(kind) or (
            "a session of an intervention" if kind == "intervention_session"
            else "an intervention" if kind == "intervention" else kind.replace("_", " "))
        lines.append(model.AccessLine(at=e.occurred_at, who=who, role=roles.get(e.actor_role or "", ""),
                                      action=ACTION_WORDS.get(e.action, e.action.replace("_", " ")), what=what))
    return tuple(lines)


def subject_access_report(subject: Subject, head: model.Header) -> model.SubjectAccessReport:
    """Everything held about the person: each feature's sections (app/registry.py: every table about a person
    is in some feature's holding), and who consulted or changed the record: the events about them, and the
    lists, dashboards and searches that showed them."""
    named = select(AuditEventPerson.event_id).where(AuditEventPerson.subject_id == subject.id)
    accesses = db.session.scalars(select(AuditEvent).where(
        or_(AuditEvent.subject_id == subject.id, AuditEvent.id.in_(named))).order_by(AuditEvent.id))
    return model.SubjectAccessReport(header=head, **registry().subject_access(subject),
                                     accesses=access_lines(list(accesses)))
