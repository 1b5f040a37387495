"""Referring to interventions, moving them through their lifecycle, recording sessions, closing them with
outcomes, and recording observations. Services flush, never commit, and audit every change (narrative
text is not copied into the audit trail)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta

from sqlalchemy import select

from app import policy
from app.assessments.models import Assessment, AssessmentStatus
from app.assessments.refusals import Refused
from app.assessments.services import instrument_of
from app.audit import trail
from app.auth.models import User
from app.db import bump_version, db, utcnow
from app.errors import Invalid
from app.i18n import day
from app.i18n import gettext as _
from app.i18n import lazy_gettext as _l
from app.interventions.models import (
    ENGAGEMENT_ANCHORS,
    NEEDS_REASON,
    TRANSITIONS,
    Attendance,
    GoalOutcome,
    Intervention,
    InterventionFactor,
    InterventionGoal,
    InterventionSession,
    InterventionStatus,
    InterventionType,
    Observation,
    ObservationCategory,
)
from app.subjects.models import Subject

MAX_GOALS = 6


def latest_approved_assessment(subject: Subject) -> Assessment | None:
    return db.session.scalars(select(Assessment).where(
        Assessment.subject_id == subject.id, Assessment.status == AssessmentStatus.APPROVED.value)
        .order_by(Assessment.approved_at.desc()).limit(1)).first()


@dataclass
class Referral:
    type: str
    provider: str
    owner_id: int | None
    referred_on: date | None
    goals: list[str] = field(default_factory=list)
    item_codes: list[str] = field(default_factory=list)


def _date_messages(name: str) -> tuple[str, str]:
    """(when the date is missing, when it is in the future) for a date field, each one whole sentence."""
    example = utcnow().date().isoformat()
    if name == "referred_on":
        return (_("Enter the referral date, for example %(example)s.", example=example),
                _("The referral date cannot be in the future."))
    if name == "held_on":
        return (_("Enter the session date, for example %(example)s.", example=example),
                _("The session date cannot be in the future."))
    if name == "observed_on":
        return (_("Enter the date of the observation, for example %(example)s.", example=example),
                _("The date of the observation cannot be in the future."))
    if name == "end":
        return (_("Enter the end date, for example %(example)s.", example=example),
                _("The end date cannot be in the future."))
    return (_("Enter the date, for example %(example)s.", example=example), _("The date cannot be in the future."))


def _not_future(value: date | None, name: str, errors: dict[str, list[str]], messages: str | None = None) -> None:
    """A date that must be given and not be after today; `messages` names the field's wording when it differs
    from the field's name."""
    if value is None:
        errors[name] = [_date_messages(messages or name)[0]]
    elif value > utcnow().date():
        errors[name] = [_date_messages(messages or name)[1]]


def refer(actor: User, subject: Subject, referral: Referral) -> Intervention:
    """Refer the person to an intervention, linked to factors of their latest approved assessment."""
    if not policy.can_refer(actor, subject):
        raise Refused(_l("You can refer only the people of your units or caseload."))
    from app.subjects.services import eligible_owners

    errors: dict[str, list[str]] = {}
    if referral.type not in {t.value for t in InterventionType}:
        errors["type"] = [_("Choose the type of intervention.")]
    if not referral.provider.strip():
        errors["provider"] = [_("Name the provider (organisation or team).")]
    elif len(referral.provider) > 200:
        errors["provider"] = [_("Use at most 200 characters.")]
    if referral.owner_id not in {u.id for u in eligible_owners(subject)}:
        errors["owner"] = [_("Choose who owns the intervention: a case worker of the person's unit.")]
    _not_future(referral.referred_on, "referred_on", errors)
    goals = [g.strip() for g in referral.goals if g.strip()]
    if not goals:
        errors["goals"] = [_("Write at least one goal: what should change for the person.")]
    elif len(goals) > MAX_GOALS:
        errors["goals"] = [_("Keep to at most %(num)d goals.", num=MAX_GOALS)]
    assessment = latest_approved_assessment(subject)
    codes = sorted(set(referral.item_codes))
    if codes:
        known = {i.code for i in instrument_of(assessment).items()} if assessment else set()
        if not known.issuperset(codes):
            errors["item_codes"] = [_("Choose factors of the person's latest approved assessment.")]
    if errors:
        raise Invalid(_("The referral was not saved."), field_errors=errors)
    assert referral.referred_on is not None and referral.owner_id is not None  # noqa: S101 - checked above
    intervention = Intervention(
        subject_id=subject.id, type=referral.type, provider=referral.provider.strip(), owner_id=referral.owner_id,
        status=InterventionStatus.REFERRED.value, referred_on=referral.referred_on, created_by_id=actor.id,
        assessment_id=assessment.id if assessment and codes else None, version=1,
        goals=[InterventionGoal(position=i + 1, text=text) for i, text in enumerate(goals)],
        factors=[InterventionFactor(item_code=code) for code in codes],
    )
    db.session.add(intervention)
    db.session.flush()
    trail.record("create", object_type="intervention", object_id=intervention.id, subject_id=subject.id,
                 details={"type": referral.type, "owner_id": referral.owner_id, "factors": codes,
                          "goals": len(goals)})
    return intervention


def _bump(intervention: Intervention, expected_version: int) -> None:
    bump_version(intervention, expected_version,
                 _("This intervention was changed by someone else after you opened it. Nothing was saved."))


def _latest(*days: date | None) -> date:
    """The latest of the known dates (a step cannot be dated before the one it follows)."""
    return max(d for d in days if d is not None)


def transition(actor: User, intervention: Intervention, to_status: str, on: date | None, reason: str,
               expected_version: int) -> None:
    """Move along the lifecycle; an invalid step is refused with a message saying what is possible."""
    if not policy.can_manage_intervention(actor, intervention):
        raise Refused(_l("Only the owner of the intervention or a supervisor of the unit can change its status."))
    allowed = TRANSITIONS[intervention.status]
    if to_status == InterventionStatus.COMPLETED:
        raise Invalid(_("Close a completed intervention with its outcomes."),
                      field_errors={"to_status": [_("Use “Close with outcomes” to complete it.")]})
    if to_status not in allowed:
        current = intervention.status_label.lower()
        wanted = InterventionStatus(to_status).label.lower() if to_status in InterventionStatus.__members__.values() \
            else to_status
        options = ", ".join(InterventionStatus(s).label.lower() for s in allowed)
        problem = _("From %(status)s it can become: %(options)s.", status=current, options=options) if options \
            else _("From %(status)s it can become: nothing (it is closed).", status=current)
        raise Invalid(_("A %(status)s intervention cannot become %(wanted)s.", status=current, wanted=wanted),
                      field_errors={"to_status": [problem]})
    errors: dict[str, list[str]] = {}
    _not_future(on, "on", errors)
    previous_step = _latest(intervention.referred_on, intervention.accepted_on, intervention.started_on)
    if on is not None and on < previous_step:
        errors["on"] = [_("The date cannot be before the previous step (%(day)s).", day=day(previous_step))]
    if to_status in NEEDS_REASON and len(reason.strip()) < 5:
        errors["reason"] = [_("Give the reason.")]
    if errors:
        raise Invalid(_("The status was not changed."), field_errors=errors)
    assert on is not None  # noqa: S101 - checked above
    _bump(intervention, expected_version)
    before = intervention.status
    intervention.status = to_status
    now = utcnow()
    if to_status == InterventionStatus.ACCEPTED:
        intervention.accepted_on, intervention.accepted_at = on, now
    elif to_status == InterventionStatus.ACTIVE:
        intervention.started_on, intervention.started_at = on, now
    else:
        intervention.ended_on, intervention.ended_at = on, now
        intervention.end_reason = reason.strip()
    db.session.flush()
    trail.record("update", object_type="intervention", object_id=intervention.id,
                 subject_id=intervention.subject_id,
                 details={"changes": {"status": [before, to_status]}, "on": on.isoformat()})


@dataclass
class SessionValues:
    held_on: date | None
    attendance: str
    engagement: int | None
    notes: str = ""
    next_steps: str = ""


def suggested_session(intervention: Intervention) -> SessionValues:
    """The next session as it probably was: a week after the last, with the same attendance."""
    last = intervention.sessions[-1] if intervention.sessions else None
    if last is None:
        return SessionValues(held_on=utcnow().date(), attendance=Attendance.ATTENDED.value, engagement=None)
    return SessionValues(held_on=min(last.held_on + timedelta(days=7), utcnow().date()),
                         attendance=last.attendance, engagement=None)


def record_session(actor: User, intervention: Intervention, values: SessionValues) -> InterventionSession:
    if not policy.can_record_session(actor, intervention):
        raise Refused(_l("Sessions are recorded for an active intervention of a person in your scope."))
    errors: dict[str, list[str]] = {}
    _not_future(values.held_on, "held_on", errors)
    if values.held_on and intervention.started_on and values.held_on < intervention.started_on:
        errors["held_on"] = [_("The intervention started on %(day)s.", day=day(intervention.started_on))]
    if values.attendance not in {a.value for a in Attendance}:
        errors["attendance"] = [_("Choose the attendance.")]
    present = values.attendance in (Attendance.ATTENDED, Attendance.LATE)
    if present and values.engagement not in ENGAGEMENT_ANCHORS:
        errors["engagement"] = [_("Rate the engagement from 1 to 5, using the descriptions.")]
    if not present and values.engagement is not None:
        errors["engagement"] = [_("Engagement is rated only when the person attended.")]
    if errors:
        raise Invalid(_("The session was not saved."), field_errors=errors)
    session = InterventionSession(intervention_id=intervention.id, held_on=values.held_on,
                                  attendance=values.attendance, engagement=values.engagement,
                                  notes=values.notes.strip(), next_steps=values.next_steps.strip(),
                                  recorded_by_id=actor.id)
    db.session.add(session)
    db.session.flush()
    trail.record("create", object_type="intervention_session", object_id=session.id,
                 subject_id=intervention.subject_id,
                 details={"intervention_id": intervention.id, "attendance": values.attendance,
                          "engagement": values.engagement})
    return session


def close(actor: User, intervention: Intervention, on: date | None, outcomes: dict[int, str], summary: str,
          expected_version: int) -> None:
    """Complete an active intervention: every goal rated, and an end-of-intervention summary."""
    if not policy.can_manage_intervention(actor, intervention):
        raise Refused(_l("Only the owner of the intervention or a supervisor of the unit can close it."))
    if intervention.status != InterventionStatus.ACTIVE:
        raise Invalid(_("Only an active intervention can be completed; this one is %(status)s.",
                        status=intervention.status_label.lower()))
    errors: dict[str, list[str]] = {}
    _not_future(on, "on", errors, messages="end")
    earliest = _latest(intervention.referred_on, intervention.started_on, *(s.held_on for s in intervention.sessions))
    if on is not None and on < earliest:
        errors["on"] = [_("The end date cannot be before the start or the last session (%(day)s).",
                          day=day(earliest))]
    for goal in intervention.goals:
        if outcomes.get(goal.id, "") not in {o.value for o in GoalOutcome}:
            errors[f"goal_{goal.id}"] = [_("Rate goal %(position)d: achieved, partly achieved or not achieved.",
                                           position=goal.position)]
    if len(summary.strip()) < 10:
        errors["summary"] = [_("Write the end-of-intervention summary.")]
    if errors:
        raise Invalid(_("The intervention was not closed."), field_errors=errors)
    _bump(intervention, expected_version)
    for goal in intervention.goals:
        goal.outcome = outcomes[goal.id]
    intervention.status = InterventionStatus.COMPLETED.value
    intervention.ended_on, intervention.ended_at = on, utcnow()
    intervention.outcome_summary = summary.strip()
    db.session.flush()
    trail.record("update", object_type="intervention", object_id=intervention.id,
                 subject_id=intervention.subject_id,
                 details={"changes": {"status": ["active", "completed"]},
                          "goal_outcomes": {str(g.position): g.outcome for g in intervention.goals}})


def record_observation(actor: User, subject: Subject, observed_on: date | None, category: str, source: str,
                       text: str) -> Observation:
    if not policy.can_record_observation(actor, subject):
        raise Refused(_l("You can record observations only for the people of your units or caseload."))
    errors: dict[str, list[str]] = {}
    _not_future(observed_on, "observed_on", errors)
    if category not in {c.value for c in ObservationCategory}:
        errors["category"] = [_("Choose a category.")]
    if not source.strip():
        errors["source"] = [_("Say where it comes from: who saw or heard it, or which record.")]
    elif len(source) > 200:
        errors["source"] = [_("Use at most 200 characters.")]
    if len(text.strip()) < 10:
        errors["text"] = [_("Describe what was observed, factually.")]
    if errors:
        raise Invalid(_("The observation was not saved."), field_errors=errors)
    assert observed_on is not None  # noqa: S101 - checked above
    observation = Observation(subject_id=subject.id, observed_on=observed_on, category=category,
                              source=source.strip(), text=text.strip(), recorded_by_id=actor.id)
    db.session.add(observation)
    db.session.flush()
    trail.record("create", object_type="observation", object_id=observation.id, subject_id=subject.id,
                 details={"category": category})
    return observation


def record_view(actor: User, intervention: Intervention) -> None:
    trail.record("view", object_type="intervention", object_id=intervention.id,
                 subject_id=intervention.subject_id)


def record_observations_view(actor: User, observations: Sequence[Observation], shown_on: str) -> None:
    """Consultation log for a list of observations (trail.record_view's rule for lists): one `view` event naming
    the people whose observations were shown, and which observations, in the order shown. Each person's
    access log finds it through the event's people (AuditEventPerson)."""
    trail.record_view([o.subject_id for o in observations], object_type="observations",
                      details={"observation_ids": [o.id for o in observations], "shown_on": shown_on})
