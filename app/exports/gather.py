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
from app.i18n import gettext as _
from app.i18n import lazy_gettext as _l
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
    "view": _l("looked at"),
    "create": _l("recorded"),
    "update": _l("changed"),
    "submit": _l("submitted"),
    "approve": _l("approved"),
    "return": _l("returned to its author"),
    "amend": _l("started an amendment of"),
    "decide": _l("decided"),
    "export": _l("exported"),
    "transfer": _l("transferred"),
    "allocate": _l("allocated"),
    "break_glass": _l("opened by break-glass"),
    "denied": _l("was refused"),
    "erase": _l("erased"),
    "erase_request": _l("asked to erase"),
    "erase_cancel": _l("cancelled the erasure of"),
    "search": _l("searched"),
    "review": _l("reviewed"),
    "acknowledge": _l("acknowledged"),
    "import": _l("imported"),
    "close": _l("closed"),
    "delete": _l("removed"),
    "handover": _l("handed over to another unit"),
    "reassign": _l("gave a new owner to"),
    "end": _l("ended"),
    "disclose": _l("disclosed"),
    "withhold": _l("withheld from the subject-access report"),
    "authorise_keep_apart": _l("authorised a keep-apart in"),
    "decline_keep_apart": _l("declined a keep-apart in"),
    "override_keep_apart": _l("confirmed a move over a keep-apart in"),
    "discard": _l("discarded"),
    "revoke": _l("revoked"),
}
OBJECT_WORDS = {
    "subject": _l("the person's record"),
    "subject_page": _l("another person's record, which mentions them"),
    "subject_list": _l("the unit list"),
    "caseload": _l("a caseload list"),
    "dashboard": _l("a dashboard"),
    "observations": _l("the list of observations"),
    "observation": _l("an observation"),
    "screening": _l("a screening"),
    "assessment": _l("an assessment"),
    "challenge": _l("a challenge to an assessment"),
    "alerts": _l("the alerts list"),
    "alert": _l("an alert for supervisors"),
    "break_glass": _l("the person's record, from outside its unit"),
    "transfer_form": _l("the transfer form"),
    "allocation_form": _l("the allocation form"),
    "referral_form": _l("the referral form"),
    "observation_form": _l("the observation form"),
    "screening_form": _l("the screening form"),
    "export_form": _l("the export form"),
    "erasure_form": _l("the erasure form"),
    "erasure_request": _l("a request to erase the record"),
    "retention_review": _l("the retention review list"),
    "case_summary": _l("the case summary"),
    "subject_access_report": _l("the subject-access report"),
    "audit_extract": _l("an audit extract"),
    "audit_events": _l("the audit trail"),
    "conference": _l("a case conference that discussed them"),
    "conference_discussion": _l("their discussion at a case conference"),
    "conference_dissent": _l("a dissent from a case conference's decision about them"),
    "conference_action": _l("an action agreed at a case conference"),
    "conference_minutes": _l("a case conference's minutes"),
    "handover": _l("a handover between units"),
    "departed_work": _l("the work a departed colleague left to reassign"),
    "affiliation": _l("an affiliation with a group"),
    "affiliation_form": _l("the affiliation form"),
    "person_skill": _l("a skill of concern"),
    "skill_form": _l("the skill-of-concern form"),
    "group": _l("a group's page, which lists them"),
    "nexus": _l("the nexus picture, which counts them"),
    "nexus_people": _l("a list of the nexus picture"),
    "case_package": _l("a case package sent to another agency"),
    "disclosure": _l("a disclosure to or from another agency"),
    "disclosure_form": _l("the disclosure form"),
    "disclosure_register": _l("the disclosure register"),
    "disclosure_request": _l("a request for information from another agency"),
    "disclosure_request_form": _l("the form for a request for information"),
    "package_form": _l("the case package form"),
    "package_match": _l("a case package received, matched to the record"),
    "received_package": _l("a case package received"),
    "person_link": _l("a link with another person"),
    "person_link_request": _l("a link with another person, awaiting confirmation"),
    "link_form": _l("the link form"),
    "links_awaiting": _l("the list of links awaiting confirmation"),
    "group_link": _l("a link between groups"),
    "keep_apart": _l("a keep-apart"),
    "keep_apart_override": _l("a move confirmed over a keep-apart"),
    "keep_aparts_awaiting": _l("the list of keep-aparts awaiting authorisation"),
    "move_conflicts": _l("the check of a move against keep-aparts"),
    "recruitment_target": _l("a recruitment attempt that targeted them"),
    "recruitment_target_request": _l("a recruitment attempt, awaiting confirmation"),
    "recruitment_form": _l("the recruitment attempt form"),
    "targeted_for_recruitment": _l("the list of people targeted for recruitment"),
    "location_form": _l("the location form"),
    "conference_attendee": _l("an attendee of a case conference"),
    "subject_import": _l("a roll import"),
    "departure": _l("a colleague's departure"),
}


def _intervention_words(events: list[AuditEvent]) -> dict[tuple[str, str], str]:
    """(object type, id) -> words, for the events about an intervention or one of its sessions (one query each)."""
    def ids(kind: str) -> set[int]:
        return {int(oid) for e in events if e.object_type == kind and (oid := e.object_id or "").isdigit()}

    words: dict[tuple[str, str], str] = {}
    interventions = ids("intervention")
    if interventions:
        for i in db.session.scalars(select(Intervention).where(Intervention.id.in_(interventions))):
            words[("intervention", str(i.id))] = _("the %(type)s intervention", type=str(i.type_label).lower())
    sessions = ids("intervention_session")
    if sessions:
        for session_id, kind in db.session.execute(
                select(InterventionSession.id, Intervention.type)
                .join(Intervention, Intervention.id == InterventionSession.intervention_id)
                .where(InterventionSession.id.in_(sessions))):
            words[("intervention_session", str(session_id))] = \
                _("a session of the %(type)s intervention", type=str(InterventionType(kind).label).lower())
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
        who = names.get(e.actor_id or 0) or (_("Waypoint itself") if e.actor_id is None else _("a former user"))
        kind = e.object_type or ""
        known = OBJECT_WORDS.get(kind)
        what = specific.get((kind, e.object_id or "")) or (str(known) if known else None) or (
            _("a session of an intervention") if kind == "intervention_session"
            else _("an intervention") if kind == "intervention" else kind.replace("_", " "))
        action = ACTION_WORDS.get(e.action)
        lines.append(model.AccessLine(at=e.occurred_at, who=who, role=str(roles.get(e.actor_role or "", "")),
                                      action=str(action) if action else e.action.replace("_", " "), what=what))
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
