"""Holding a case conference: the meeting, its attendees, the people discussed with the decision about each
and any dissent, and the actions agreed. Services check the policy, flush and never commit, and audit every
change in the same transaction; narrative (what was presented, notes, rationale, views) stays out of the trail,
which records that it changed and, for a closing note, its digest."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select

from app import policy
from app.audit import trail
from app.auth.models import Unit, User, user_units
from app.conferences import decisions
from app.conferences.models import (
    CHAIR_ROLE,
    ActionStatus,
    Attendance,
    Conference,
    ConferenceAction,
    ConferenceAttendee,
    ConferenceKind,
    Discussion,
    Dissent,
)
from app.db import bump_version, db, utcnow
from app.errors import Invalid, NotAllowed
from app.i18n import day
from app.i18n import gettext as _
from app.i18n import lazy_gettext as _l
from app.subjects.models import Subject

SHORT = 200
MIN_RATIONALE = 10


def _short(value: str, name: str, what: str, errors: dict[str, list[str]], *, required: bool = True) -> None:
    if required and not value.strip():
        errors[name] = [what]
    elif len(value.strip()) > SHORT:
        errors[name] = [_("Use at most %(num)d characters.", num=SHORT)]


def case_workers_of(unit_id: int) -> list[User]:
    """Active case workers of the unit, by name: who may chair a conference of it or attend as a user."""
    return list(db.session.scalars(
        select(User).join(user_units, user_units.c.user_id == User.id)
        .where(user_units.c.unit_id == unit_id, User.is_active.is_(True), User.role.in_(sorted(policy.CASE_ROLES)))
        .order_by(User.display_name, User.id)))


def action_owners(subject: Subject) -> list[User]:
    """Who may own an action about the person: every active user who may open their record."""
    candidates = db.session.scalars(
        select(User).where(User.is_active.is_(True), User.role.in_(sorted(policy.CASE_ROLES)))
        .order_by(User.display_name, User.id))
    return [u for u in candidates if policy.can_own_action(u, subject)]


# --- the conference ---------------------------------------------------------------------------------------


@dataclass
class Meeting:
    unit_id: int | None
    held_on: date | None
    kind: str
    chair_id: int | None


def _check_meeting(actor: User, meeting: Meeting) -> None:
    errors: dict[str, list[str]] = {}
    chairs: set[int] = set()
    if meeting.unit_id is None or not policy.can_hold_conference(actor, meeting.unit_id):
        errors["unit"] = [_("Choose one of your units.")]
    else:
        chairs = {u.id for u in case_workers_of(meeting.unit_id)}
    if meeting.held_on is None:
        errors["held_on"] = [_("Enter the date of the conference, for example %(example)s.",
                               example=utcnow().date().isoformat())]
    elif meeting.held_on > utcnow().date():
        errors["held_on"] = [_("The date of the conference cannot be in the future.")]
    if meeting.kind not in {k.value for k in ConferenceKind}:
        errors["kind"] = [_("Choose the kind of conference.")]
    if meeting.chair_id not in chairs:
        errors["chair"] = [_("Choose the chair: a case worker of the unit.")]
    if errors:
        raise Invalid(_("The conference was not saved."), field_errors=errors)


def hold(actor: User, meeting: Meeting) -> Conference:
    """Record a conference held in one of the actor's units; the chair attends it."""
    _check_meeting(actor, meeting)
    assert meeting.unit_id is not None and meeting.held_on and meeting.chair_id  # noqa: S101 - checked above
    chair = db.session.get(User, meeting.chair_id)
    assert chair is not None  # noqa: S101 - a case worker of the unit, checked above
    conference = Conference(unit_id=meeting.unit_id, held_on=meeting.held_on, kind=meeting.kind,
                            chair_id=chair.id, created_by_id=actor.id, version=1)
    conference.attendees.append(ConferenceAttendee(user_id=chair.id, name=chair.display_name, agency=unit_name(
        meeting.unit_id), role=CHAIR_ROLE, attendance=Attendance.ATTENDED.value))
    db.session.add(conference)
    db.session.flush()
    trail.record("create", object_type="conference", object_id=conference.id,
                 details={"unit_id": conference.unit_id, "kind": conference.kind,
                          "held_on": conference.held_on.isoformat(), "chair_id": chair.id})
    return conference


def unit_name(unit_id: int) -> str:
    """A user attends for their unit: its name is recorded as their agency."""
    unit = db.session.get(Unit, unit_id)
    return unit.name if unit is not None else ""


def amend(actor: User, conference: Conference, meeting: Meeting, expected_version: int) -> None:
    """Correct the date, kind or chair; the unit stays (its people were discussed there)."""
    if not policy.can_edit_conference(actor, conference):
        raise NotAllowed("Only the chair, whoever recorded the conference or a supervisor of the unit can change it.")
    meeting.unit_id = conference.unit_id
    _check_meeting(actor, meeting)
    before = {"held_on": conference.held_on.isoformat(), "kind": conference.kind, "chair_id": conference.chair_id}
    assert meeting.held_on is not None and meeting.chair_id is not None  # noqa: S101 - checked above
    bump_version(conference, expected_version,
                 _("This conference was changed by someone else after you opened it. Nothing was saved."),
                 held_on=meeting.held_on, kind=meeting.kind, chair_id=meeting.chair_id)
    after = {"held_on": conference.held_on.isoformat(), "kind": conference.kind, "chair_id": conference.chair_id}
    trail.record("update", object_type="conference", object_id=conference.id,
                 details={"changes": trail.changes(before, after)})
    if all(a.user_id != conference.chair_id for a in conference.attendees):
        chair = db.session.get(User, conference.chair_id)
        assert chair is not None  # noqa: S101 - a case worker of the unit, checked above
        add_attendee(actor, conference, Attendee(chair.id, "", "", CHAIR_ROLE, Attendance.ATTENDED.value))


# --- attendees --------------------------------------------------------------------------------------------


@dataclass
class Attendee:
    user_id: int | None
    name: str
    agency: str
    role: str
    attendance: str


def add_attendee(actor: User, conference: Conference, attendee: Attendee) -> ConferenceAttendee:
    """A user of the unit (their name and unit recorded as they are now) or an outside participant (name and
    agency required), who attended or sent apologies."""
    if not policy.can_edit_conference(actor, conference):
        raise NotAllowed("Only the chair, whoever recorded the conference or a supervisor of the unit can change it.")
    errors: dict[str, list[str]] = {}
    user = None
    if attendee.user_id is not None:
        user = db.session.get(User, attendee.user_id)
        if user is None or user.id not in {u.id for u in case_workers_of(conference.unit_id)}:
            errors["user"] = [_("Choose a case worker of the unit, or leave it empty for an outside participant.")]
        elif any(a.user_id == user.id for a in conference.attendees):
            errors["user"] = [_("%(name)s is already on the list.", name=user.display_name)]
        elif attendee.name.strip() or attendee.agency.strip():
            errors["name"] = [_("Leave the name and agency empty for a user of Waypoint: they are recorded for you.")]
    else:
        _short(attendee.name, "name", _("Name the participant, or choose a user of Waypoint."), errors)
        _short(attendee.agency, "agency", _("Name their agency or service."), errors)
    _short(attendee.role, "role", "", errors, required=False)
    if attendee.attendance not in {a.value for a in Attendance}:
        errors["attendance"] = [_("Say whether they attended or sent apologies.")]
    if errors:
        raise Invalid(_("The attendee was not added."), field_errors=errors)
    row = ConferenceAttendee(
        conference_id=conference.id, user_id=user.id if user else None,
        name=user.display_name if user else attendee.name.strip(),
        agency=unit_name(conference.unit_id) if user else attendee.agency.strip(),
        role=attendee.role.strip(), attendance=attendee.attendance)
    db.session.add(row)
    db.session.flush()
    db.session.refresh(conference, ["attendees"])
    trail.record("create", object_type="conference_attendee", object_id=row.id,
                 details={"conference_id": conference.id, "user_id": row.user_id, "attendance": row.attendance})
    return row


def remove_attendee(actor: User, conference: Conference, attendee: ConferenceAttendee) -> None:
    """An attendee added by mistake; one whose dissent is on record stays (the dissent names them)."""
    if not policy.can_edit_conference(actor, conference) or attendee.conference_id != conference.id:
        raise NotAllowed("Only the chair, whoever recorded the conference or a supervisor of the unit can change it.")
    if attendee.user_id == conference.chair_id:
        raise Invalid(_("The chair attends their conference: choose another chair first."))
    if db.session.scalar(select(Dissent.id).where(Dissent.attendee_id == attendee.id).limit(1)) is not None:
        raise Invalid(_("%(name)s dissented from a decision: their dissent names them, so they stay.",
                        name=attendee.name))
    ident = attendee.id
    db.session.delete(attendee)
    db.session.flush()
    db.session.refresh(conference, ["attendees"])
    trail.record("delete", object_type="conference_attendee", object_id=ident,
                 details={"conference_id": conference.id})


# --- people discussed -------------------------------------------------------------------------------------

# Said alike for a reference that does not exist and one of a person the actor may not see here.
NOT_FOUND = _l("No person with this reference is in this unit's scope.")


def discuss(actor: User, conference: Conference, reference: str) -> Discussion:
    """Add a person of the conference's unit to those discussed."""
    if not policy.can_edit_conference(actor, conference):
        raise NotAllowed("Only the chair, whoever recorded the conference or a supervisor of the unit can change it.")
    typed = reference.strip().upper()
    subject = db.session.scalar(select(Subject).where(Subject.reference == typed)) if typed else None
    if not typed:
        raise Invalid(_("Nobody was added."), field_errors={"reference": [_("Enter the person's reference.")]})
    if subject is None or not policy.can_discuss(actor, conference, subject):
        raise Invalid(_("Nobody was added."), field_errors={"reference": [str(NOT_FOUND)]})
    if any(d.subject_id == subject.id for d in conference.discussions):
        raise Invalid(_("Nobody was added."), field_errors={
            "reference": [_("%(name)s is already on the list.", name=subject.full_name)]})
    discussion = Discussion(conference_id=conference.id, subject_id=subject.id, added_by_id=actor.id, version=1)
    db.session.add(discussion)
    db.session.flush()
    db.session.refresh(conference, ["discussions"])
    trail.record("create", object_type="conference_discussion", object_id=discussion.id, subject_id=subject.id,
                 details={"conference_id": conference.id})
    return discussion


@dataclass
class Decision:
    presented: str
    notes: str
    decision: str
    rationale: str


NARRATIVE = frozenset({"presented", "notes", "rationale"})


def record_decision(actor: User, discussion: Discussion, values: Decision, expected_version: int) -> None:
    """What was presented and discussed, and the decision with its rationale. The decision may wait (notes are
    kept meanwhile); once given it needs a rationale, and a rationale needs a decision."""
    if not policy.can_edit_discussion(actor, discussion):
        raise NotAllowed("Only the chair, whoever recorded the conference or a supervisor of the unit can record it.")
    errors: dict[str, list[str]] = {}
    code = values.decision.strip()
    rationale = values.rationale.strip()
    if code and code not in decisions.offered():
        errors["decision"] = [_("Choose a decision from the list.")]
    if code and len(rationale) < MIN_RATIONALE:
        errors["rationale"] = [_("Give the rationale for the decision: why the conference decided it.")]
    if rationale and not code:
        errors["decision"] = [_("Choose the decision this rationale explains, or leave both empty for now.")]
    if discussion.dissents and not code:
        errors["decision"] = [_("Dissent is on record from this decision: a decision cannot be taken back.")]
    if errors:
        raise Invalid(_("The decision was not saved."), field_errors=errors)
    before = {"presented": discussion.presented, "notes": discussion.notes, "decision": discussion.decision,
              "rationale": discussion.rationale}
    after = {"presented": values.presented.strip(), "notes": values.notes.strip(), "decision": code or None,
             "rationale": rationale}
    decided = code and code != discussion.decision
    also = {**after, **({"decided_at": utcnow(), "decided_by_id": actor.id} if decided else {})}
    bump_version(discussion, expected_version,
                 _("This discussion was changed by someone else after you opened it. Nothing was saved."), **also)
    trail.record("update", object_type="conference_discussion", object_id=discussion.id,
                 subject_id=discussion.subject_id,
                 details={"conference_id": discussion.conference_id,
                          "changes": trail.changes(before, after, redact=NARRATIVE)})


def record_dissent(actor: User, discussion: Discussion, attendee_id: int | None, view: str) -> Dissent:
    """An attendee who attended and disagrees with the decision, with their view in their words."""
    if not policy.can_edit_discussion(actor, discussion):
        raise NotAllowed("Only the chair, whoever recorded the conference or a supervisor of the unit can record it.")
    errors: dict[str, list[str]] = {}
    present = {a.id: a for a in discussion.conference.attendees if a.attendance == Attendance.ATTENDED}
    if discussion.decision is None:
        errors["attendee"] = [_("Record the decision first: dissent is from a decision.")]
    elif attendee_id not in present:
        errors["attendee"] = [_("Choose an attendee who was there.")]
    elif any(d.attendee_id == attendee_id for d in discussion.dissents):
        errors["attendee"] = [_("The dissent of %(name)s is already recorded.", name=present[attendee_id].name)]
    if len(view.strip()) < MIN_RATIONALE:
        errors["view"] = [_("Record their view: what they disagreed with and why.")]
    if errors:
        raise Invalid(_("The dissent was not recorded."), field_errors=errors)
    dissent = Dissent(discussion_id=discussion.id, attendee_id=attendee_id, view=view.strip(),
                      recorded_by_id=actor.id)
    db.session.add(dissent)
    db.session.flush()
    db.session.refresh(discussion, ["dissents"])
    trail.record("create", object_type="conference_dissent", object_id=dissent.id, subject_id=discussion.subject_id,
                 details={"discussion_id": discussion.id, "attendee_id": attendee_id})
    return dissent


# --- actions ----------------------------------------------------------------------------------------------


@dataclass
class NewAction:
    description: str
    owner_id: int | None
    due_on: date | None


def agree_action(actor: User, discussion: Discussion, values: NewAction) -> ConferenceAction:
    """An action for the person discussed, owned by someone who may open their record, due on or after the
    conference."""
    if not policy.can_edit_discussion(actor, discussion):
        raise NotAllowed("Only the chair, whoever recorded the conference or a supervisor of the unit can record it.")
    errors: dict[str, list[str]] = {}
    if len(values.description.strip()) < 5:
        errors["description"] = [_("Say what is to be done.")]
    owner = db.session.get(User, values.owner_id) if values.owner_id is not None else None
    if owner is None or not policy.can_own_action(owner, discussion.subject):
        errors["owner"] = [_("Choose an owner who can open the person's record.")]
    held_on = discussion.conference.held_on
    if values.due_on is None:
        errors["due_on"] = [_("Enter the due date, for example %(example)s.", example=utcnow().date().isoformat())]
    elif values.due_on < held_on:
        errors["due_on"] = [_("The due date cannot be before the conference (%(date)s).", date=day(held_on))]
    if errors:
        raise Invalid(_("The action was not saved."), field_errors=errors)
    assert owner is not None and values.due_on is not None  # noqa: S101 - checked above
    action = ConferenceAction(discussion_id=discussion.id, description=values.description.strip(),
                              owner_id=owner.id, due_on=values.due_on, status=ActionStatus.OPEN.value,
                              created_by_id=actor.id, version=1)
    db.session.add(action)
    db.session.flush()
    db.session.refresh(discussion, ["actions"])
    trail.record("create", object_type="conference_action", object_id=action.id, subject_id=discussion.subject_id,
                 details={"discussion_id": discussion.id, "owner_id": owner.id, "due_on": action.due_on.isoformat()})
    return action


def close_action(actor: User, action: ConferenceAction, outcome: str, note: str, expected_version: int | None) -> None:
    """Done (with a note of what was done) or cancelled (with the reason). The note is kept on the action; the
    trail holds its digest."""
    if not policy.can_close_action(actor, action):
        raise NotAllowed("Only the owner of the action, the conference's chair or a supervisor can close it.")
    _close(actor, action, outcome, note, expected_version)


def end_action(actor: User, action: ConferenceAction, reason: str) -> None:
    """Cancel an open action with the reason, as its owner or chair would, or as the supervisor who hands over
    a person's work (WorkKind.end)."""
    if not (policy.can_close_action(actor, action) or policy.can_reassign_action(actor, action)):
        raise NotAllowed("Only the owner of the action, the conference's chair or a supervisor can close it.")
    _close(actor, action, ActionStatus.CANCELLED.value, reason, None)


def _close(actor: User, action: ConferenceAction, outcome: str, note: str, expected_version: int | None) -> None:
    if not action.is_open:
        raise Invalid(_("This action is already done.") if action.status == ActionStatus.DONE
                      else _("This action is already cancelled."))
    errors: dict[str, list[str]] = {}
    if outcome not in (ActionStatus.DONE, ActionStatus.CANCELLED):
        errors["outcome"] = [_("Say whether it was done or is cancelled.")]
    if len(note.strip()) < 5:
        errors["note"] = [_("Say what was done.") if outcome == ActionStatus.DONE else _("Give the reason.")]
    if errors:
        raise Invalid(_("The action was not closed."), field_errors=errors)
    bump_version(action, expected_version,
                 _("This action was changed by someone else after you opened it. Nothing was saved."),
                 status=outcome, note=note.strip(), closed_at=utcnow(), closed_by_id=actor.id)
    trail.record("close", object_type="conference_action", object_id=action.id,
                 subject_id=action.discussion.subject_id,
                 details={"changes": {"status": [ActionStatus.OPEN.value, outcome]},
                          "note_sha256": trail.digest(action.note)})


def reassign_action(actor: User, action: ConferenceAction, new_owner: User) -> None:
    """Hand an open action to someone who can open the person's record (handover, reassignment)."""
    if not policy.can_reassign_action(actor, action):
        raise NotAllowed("Only a supervisor of the conference's or the person's unit can reassign an action.")
    if not policy.can_own_action(new_owner, action.discussion.subject):
        raise Invalid(_("The action was not reassigned."), field_errors={
            "owner": [_("%(name)s cannot open the person's record.", name=new_owner.display_name)]})
    before = action.owner_id
    if before == new_owner.id:
        return
    bump_version(action, None, "", owner_id=new_owner.id)
    trail.record("update", object_type="conference_action", object_id=action.id,
                 subject_id=action.discussion.subject_id,
                 details={"changes": {"owner_id": [before, new_owner.id]}})
