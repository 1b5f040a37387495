"""What the interventions feature holds about a person — interventions with their goals, linked factors and
sessions, and observations — registered with the core (app/registry.py) in `create_app`: how it is erased,
shown in the subject-access report and on the timeline, and the panels it adds to the pages."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import timedelta

from sqlalchemy import delete, select

from app.assessments import catalogue
from app.assessments.models import Assessment
from app.audit import history
from app.db import db, utcnow
from app.i18n import gettext as _
from app.interventions import queries, work
from app.interventions.models import (
    GoalOutcome,
    Intervention,
    InterventionFactor,
    InterventionGoal,
    InterventionSession,
    Observation,
)
from app.registry import Holding, PersonRegistry, TimelineEntry, bulk, dated
from app.subjects.models import Subject
from reports import model


def _factors(i: Intervention) -> tuple[str, ...]:
    """The factors the intervention addresses, by code and title in the instrument of the linked assessment."""
    if not i.factors:
        return ()
    linked = db.session.get(Assessment, i.assessment_id) if i.assessment_id is not None else None
    instrument = catalogue.find(linked.instrument_id, linked.instrument_version) if linked is not None else None
    return tuple(f"{f.item_code} {catalogue.item_title(instrument, f.item_code)}".strip() for f in i.factors)


def intervention_section(i: Intervention) -> model.InterventionSection:
    return model.InterventionSection(
        type=i.type_label, provider=i.provider, owner=i.owner.display_name, status=i.status_label,
        referred_on=i.referred_on, started_on=i.started_on, ended_on=i.ended_on,
        attendance=queries.attendance_rate(i.sessions).text,
        goals=tuple((g.text, GoalOutcome(g.outcome).label if g.outcome else None) for g in i.goals),
        outcome_summary=i.outcome_summary, engagement=tuple(queries.engagement_points(i)),
        absences=tuple(queries.engagement_marks(i)),
        sessions=tuple(model.SessionLine(s.held_on, s.attendance_label, s.engagement, s.notes, s.next_steps)
                       for s in i.sessions),
        end_reason=i.end_reason, factors=_factors(i),
    )


def observation_lines(subject: Subject, days: int | None) -> tuple[model.ObservationLine, ...]:
    """The person's observations, newest first: those of the last `days` days, or all of them."""
    since = utcnow().date() - timedelta(days=days) if days else None
    return tuple(model.ObservationLine(o.observed_on, o.category_label, o.source, o.text, o.recorded_by.display_name)
                 for o in queries.subject_observations(subject, since))


def subject_access(subject: Subject) -> dict[str, object]:
    return {"interventions": tuple(intervention_section(i) for i in queries.subject_interventions(subject)),
            "observations": observation_lines(subject, None)}


def erase(subject: Subject) -> dict[str, int]:
    """Delete the person's observations and interventions with their sessions, goals and linked factors.
    Registered after the assessments, so erased before them: an intervention points at the assessment it
    addresses."""
    interventions = select(Intervention.id).where(Intervention.subject_id == subject.id)
    counts = {"observations": bulk(delete(Observation).where(Observation.subject_id == subject.id)),
              "sessions": bulk(delete(InterventionSession).where(
                  InterventionSession.intervention_id.in_(interventions)))}
    bulk(delete(InterventionGoal).where(InterventionGoal.intervention_id.in_(interventions)))
    bulk(delete(InterventionFactor).where(InterventionFactor.intervention_id.in_(interventions)))
    counts["interventions"] = bulk(delete(Intervention).where(Intervention.subject_id == subject.id))
    return counts


def _status_changes_by(subject: Subject) -> dict[tuple[str, str], str]:
    """Who moved each of the person's interventions to each status, by (intervention id, status). The
    intervention keeps only the dates of its steps; the audit trail, written with each, keeps who took them."""
    by: dict[tuple[str, str], str] = {}
    for step in history.steps_of(subject.id, "intervention", "update"):
        change = step.details.get("changes", {}).get("status")
        if step.object_id and step.actor_name is not None and isinstance(change, list) and len(change) == 2:
            by[(step.object_id, str(change[1]))] = step.actor_name
    return by


def timeline(subject: Subject) -> Iterable[TimelineEntry]:
    steps_by = _status_changes_by(subject)
    for i in queries.subject_interventions(subject):
        kind = i.type_label
        yield TimelineEntry(dated(i.referred_on, i.created_at), "intervention", _("Referred to %(type)s", type=kind),
                            _("Provider: %(provider)s. Owner: %(owner)s.", provider=i.provider,
                              owner=i.owner.display_name), i.created_by.display_name)
        if i.accepted_on:
            yield TimelineEntry(dated(i.accepted_on, i.accepted_at or i.created_at), "intervention",
                                _("%(type)s accepted", type=kind), by=steps_by.get((str(i.id), "accepted")))
        if i.started_on:
            yield TimelineEntry(dated(i.started_on, i.started_at or i.created_at), "intervention",
                                _("%(type)s started", type=kind), by=steps_by.get((str(i.id), "active")))
        if i.ended_on and not i.is_open:
            yield TimelineEntry(dated(i.ended_on, i.ended_at or i.created_at), "intervention",
                                _ended(kind, i.status), i.end_reason, steps_by.get((str(i.id), i.status)))
        for s in i.sessions:
            attendance = s.attendance_label.lower()
            title = _("%(type)s session: %(attendance)s, engagement %(engagement)s", type=kind, attendance=attendance,
                      engagement=s.engagement) if s.engagement \
                else _("%(type)s session: %(attendance)s", type=kind, attendance=attendance)
            yield TimelineEntry(dated(s.held_on, s.recorded_at), "session", title, by=s.recorded_by.display_name)
    for o in queries.subject_observations(subject):
        yield TimelineEntry(dated(o.observed_on, o.recorded_at), "observation",
                            _("Observation: %(category)s", category=o.category_label),
                            _("Source: %(source)s", source=o.source), o.recorded_by.display_name)


def _ended(kind: str, status: str) -> str:
    """The timeline's title for the end of an intervention, one whole message per way it ends."""
    if status == "completed":
        return str(_("%(type)s completed", type=kind))
    if status == "withdrawn":
        return str(_("%(type)s withdrawn", type=kind))
    if status == "declined":
        return str(_("%(type)s declined", type=kind))
    return f"{kind} {status}"


def register(registry: PersonRegistry) -> None:
    registry.history_kinds.add(("intervention", "update"))
    registry.hold(Holding(
        "interventions",
        ("interventions", "intervention_goals", "intervention_factors", "intervention_sessions", "observations"),
        erase=erase, subject_access=subject_access, timeline=timeline))
    registry.subject_panels.append(queries.subject_panel)
    registry.dashboard_panels.append(queries.dashboard_panel)
    registry.register_work(work.WORK_KIND)
