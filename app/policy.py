"""Every permission rule of Waypoint, and the one place where they are enforced.

Deny by default: the `enforce` hook runs before every request and lets through only endpoints on
PUBLIC_ENDPOINTS or views that declared a rule with `@requires(...)`. An endpoint with neither is refused,
and so is any request whose rule raises. Rules are small named predicates composed with `all_of` /
`any_of`, so that each guard reads like the policy it implements.

Refusals: 403 for a role that may not use the endpoint, 404 for a record outside the user's scope (so
that its existence is not disclosed). Each refusal is an audit event.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, NoReturn, TypeVar

from flask import Flask, abort, current_app, g, redirect, request, url_for
from sqlalchemy import (
    BindParameter,
    ColumnElement,
    Integer,
    Select,
    and_,
    bindparam,
    false,
    func,
    literal,
    or_,
    select,
    true,
    union,
)
from sqlalchemy.orm import InstrumentedAttribute
from sqlalchemy.orm.interfaces import ORMOption
from werkzeug.wrappers import Response

from app.assessments.models import Accreditation, Assessment, AssessmentStatus, Challenge, Screening
from app.audit import trail
from app.audit.models import AuditEvent, AuditEventPerson, people_named
from app.auth.models import Role, Unit, UnitKind, User
from app.conferences.models import Conference, ConferenceAction, Discussion
from app.connections.models import (
    Affiliation,
    Group,
    GroupLink,
    LinkKind,
    LinkStatus,
    PersonLink,
    PersonSkill,
    RecruitmentTarget,
)
from app.db import Base, db, per_request, utcnow
from app.i18n import gettext as _
from app.i18n import lazy_gettext as _l
from app.interventions.models import Intervention
from app.oversight.models import Alert
from app.retention.models import ErasureRequest
from app.sharing.models import Decision, Disclosure, DisclosureRequest
from app.subjects.handover_models import Departure, Handover
from app.subjects.models import BreakGlassAccess, Subject

log = logging.getLogger(__name__)

# auth.login_code is the second step of sign-in: it checks the half-signed-in state itself.
PUBLIC_ENDPOINTS = frozenset({"static", "bootstrap.static", "auth.login", "auth.login_code", "main.health"})
# Endpoints a signed-in user who must change their password may still reach.
PASSWORD_CHANGE_ENDPOINTS = frozenset({"auth.change_password", "auth.logout"})
# Endpoints a supervisor or admin without a second factor may still reach (static files are public).
TOTP_ENROLMENT_ENDPOINTS = frozenset({"auth.enrol_totp", "auth.logout"})

CASE_ROLES = frozenset({Role.ASSESSOR, Role.PROBATION_OFFICER, Role.SUPERVISOR})

F = TypeVar("F", bound=Callable[..., Any])
R = TypeVar("R", bound=Base)


@dataclass(frozen=True)
class Rule:
    """A named predicate over the signed-in user."""

    name: str
    test: Callable[[User], bool]

    def __call__(self, user: User) -> bool:
        return bool(self.test(user))


def has_role(*roles: Role) -> Rule:
    allowed = frozenset(roles)
    return Rule("role in " + "/".join(sorted(allowed)), lambda user: user.role in allowed)


def all_of(*rules: Rule) -> Rule:
    return Rule(" and ".join(r.name for r in rules), lambda user: all(r(user) for r in rules))


def any_of(*rules: Rule) -> Rule:
    return Rule(" or ".join(r.name for r in rules), lambda user: any(r(user) for r in rules))


authenticated = Rule("authenticated", lambda user: user.is_active)
is_admin = has_role(Role.ADMIN)
is_supervisor = has_role(Role.SUPERVISOR)
# Case content: people, assessments, interventions. Admins never see it.
works_cases = has_role(*CASE_ROLES)
# Supervisors' pages: approvals, allocation, alerts, retention, subject access, audit extracts.
supervises_cases = all_of(works_cases, is_supervisor)
manages_users = is_admin


def requires(rule: Rule) -> Callable[[F], F]:
    """Declare the rule that guards a view. A view without one is refused by `enforce`."""

    def mark(view: F) -> F:
        view._waypoint_rule = rule  # type: ignore[attr-defined]
        return view

    return mark


def rule_for(app: Flask, endpoint: str) -> Rule | None:
    view = app.view_functions.get(endpoint)
    return getattr(view, "_waypoint_rule", None)


# --- record scoping -------------------------------------------------------------------------------


def visible_unit_ids(user: User) -> set[int]:
    """The units whose case records the user may see: their own units; none for admins."""
    if user.role not in CASE_ROLES:
        return set()
    return user.unit_ids


def can_view_unit(user: User, unit_id: int | None) -> bool:
    return unit_id is not None and unit_id in visible_unit_ids(user)


def scope_to_units(stmt: Select[Any], unit_column: InstrumentedAttribute[Any], user: User) -> Select[Any]:
    """Restrict a query to rows whose `unit_column` is one of the user's visible units."""
    return stmt.where(_in_visible_units(user.role, unit_column, sorted(user.unit_ids)))


def units_visible_to_viewer(role: str, unit_column: InstrumentedAttribute[Any]) -> ColumnElement[bool]:
    """`scope_to_units`'s condition for a statement built once, bound with `viewer_params`."""
    return _in_visible_units(role, unit_column, VIEWER_UNITS)


def _in_visible_units(role: str, unit_column: InstrumentedAttribute[Any], units: Any) -> ColumnElement[bool]:
    return unit_column.in_(units) if role in CASE_ROLES else false()  # visible_unit_ids: none for admins


def must_enrol_second_factor(user: User) -> bool:
    """A role that needs TOTP (config TOTP_REQUIRED_ROLES), and no secret yet: enrolment comes first."""
    return user.role in current_app.config["TOTP_REQUIRED_ROLES"] and user.totp_secret is None


# --- enforcement ----------------------------------------------------------------------------------


def refuse(status: int, reason: str, **audit_fields: Any) -> NoReturn:
    """Refuse the request: audit a `denied` event that survives the request's rollback, then abort."""
    event = trail.record("denied", details=_refusal(status, reason), **audit_fields)
    # The request rolls back on abort; the refusal itself must still reach the trail.
    g.setdefault("audit_kept_on_error", []).append(event)
    abort(status)


def record_refusal(status: int, reason: str, **audit_fields: Any) -> None:
    """Audit a refusal that the handler answers itself, for a request that goes on and commits (a draft
    saved although its submission was refused)."""
    trail.record("denied", details=_refusal(status, reason), **audit_fields)


def _refusal(status: int, reason: str) -> dict[str, Any]:
    return {"status": status, "reason": reason, "endpoint": request.endpoint,
            "method": request.method, "path": request.path}


def require_record(allowed: bool, object_type: str, object_id: object, subject_id: int | None = None) -> None:
    """404 (audited) when a record is outside the user's scope, so its existence is not disclosed."""
    if not allowed:
        refuse(404, "out of scope", object_type=object_type, object_id=object_id, subject_id=subject_id)


def enforce() -> Response | None:
    """before_request hook: deny by default."""
    endpoint = request.endpoint
    if endpoint is None:
        return None  # no route matched: the router answers 404 or 405
    if endpoint in PUBLIC_ENDPOINTS:
        return None
    user: User | None = g.get("user")
    if user is None:
        trail.record("denied", details=_refusal(302, "not signed in"))
        return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))
    if user.must_change_password:
        if endpoint not in PASSWORD_CHANGE_ENDPOINTS:
            return redirect(url_for("auth.change_password"))
    elif must_enrol_second_factor(user) and endpoint not in TOTP_ENROLMENT_ENDPOINTS:
        return redirect(url_for("auth.enrol_totp"))
    rule = rule_for(current_app, endpoint)
    if rule is None:
        log.error("endpoint %s has no access rule; refused", endpoint)
        refuse(403, "endpoint has no access rule")
        return None
    try:
        allowed = authenticated(user) and rule(user)
    except Exception:
        log.exception("access rule %s raised on %s; refused", rule.name, endpoint)
        allowed = False
    if not allowed:
        refuse(403, f"requires {rule.name}")
    return None


# --- subjects -------------------------------------------------------------------------------------
# Each rule that lists records is written twice, as a predicate over one object and as a WHERE clause,
# side by side; tests/test_policy_filters.py proves on generated data that each pair selects the same rows.


# A statement built once for every viewer of a role (app/db.py built_once) names the viewer by these, and runs
# with `viewer_params(user)`: the `..._to_viewer` clauses below are their rules written with them.
VIEWER_ID: BindParameter[int] = bindparam("viewer_id", type_=Integer)
VIEWER_UNITS: BindParameter[Any] = bindparam("viewer_unit_ids", type_=Integer, expanding=True)


def viewer_params(user: User) -> dict[str, Any]:
    """The values of VIEWER_ID and VIEWER_UNITS for `user`."""
    return {"viewer_id": user.id, "viewer_unit_ids": sorted(user.unit_ids)}


def in_scope(user: User, subject: Subject) -> bool:
    """The subject is in one of the user's units or on their caseload."""
    if user.role not in CASE_ROLES or subject.erased_at is not None:
        return False
    return subject.unit_id in user.unit_ids or subject.case_owner_id == user.id


def subjects_visible_to(user: User) -> ColumnElement[bool]:
    """WHERE clause of `in_scope`: the subjects of the user's units and of their caseload (none for admins)."""
    return _subjects_visible(user.role, user.id, sorted(user.unit_ids))


def subjects_visible_to_viewer(role: str) -> ColumnElement[bool]:
    """`subjects_visible_to` for a statement built once (db.built_once): the viewer's values are bound when it
    runs (`viewer_params`)."""
    return _subjects_visible(role, VIEWER_ID, VIEWER_UNITS)


def _subjects_visible(role: str, viewer: int | BindParameter[int], units: Any) -> ColumnElement[bool]:
    if role not in CASE_ROLES:
        return Subject.id.is_(None)  # matches nothing
    in_units_or_caseload = or_(Subject.unit_id.in_(units), Subject.case_owner_id == viewer)
    return and_(Subject.erased_at.is_(None), in_units_or_caseload)


def active_break_glass(user: User, subject: Subject) -> BreakGlassAccess | None:
    if user.role not in CASE_ROLES:
        return None
    return next((a for a in _active_break_glass(user) if a.subject_id == subject.id), None)


def _active_break_glass(user: User) -> list[BreakGlassAccess]:
    """The user's break-glass accesses that have not expired, latest expiry first: read once per page however
    many people out of the user's scope it names (a page of links, a drawing), and afresh by every request."""
    return per_request(("active_break_glass", user.id), lambda: list(db.session.scalars(
        select(BreakGlassAccess)
        .where(BreakGlassAccess.user_id == user.id, BreakGlassAccess.expires_at > utcnow())
        .order_by(BreakGlassAccess.expires_at.desc(), BreakGlassAccess.id.desc()))))


def can_view_subject(user: User, subject: Subject) -> bool:
    """In scope, or opened through a recorded break-glass access that has not expired (never once erased)."""
    if subject.erased_at is not None:
        return False
    return in_scope(user, subject) or active_break_glass(user, subject) is not None


def can_edit_subject(user: User, subject: Subject) -> bool:
    """Break-glass gives reading only: changes need the subject in scope."""
    return in_scope(user, subject)


def can_create_subject_in(user: User, unit_id: int) -> bool:
    return user.role in CASE_ROLES and unit_id in user.unit_ids


def supervises(user: User, subject: Subject) -> bool:
    """A supervisor of the subject's unit: allocation, transfer, break-glass review."""
    return user.role == Role.SUPERVISOR and subject.unit_id in user.unit_ids


def can_allocate(user: User, subject: Subject) -> bool:
    return supervises(user, subject)


def can_transfer(user: User, subject: Subject) -> bool:
    return supervises(user, subject)


def can_review_break_glass(user: User, access: BreakGlassAccess) -> bool:
    """A supervisor of the unit the access was to, who did not open it themselves."""
    return user.role == Role.SUPERVISOR and access.unit_id in user.unit_ids and access.user_id != user.id


def break_glass_reviewable_by(user: User) -> ColumnElement[bool]:
    """WHERE clause of `can_review_break_glass`."""
    return _break_glass_reviewable(user.role, user.id, sorted(user.unit_ids))


def break_glass_reviewable_by_viewer(role: str) -> ColumnElement[bool]:
    """`break_glass_reviewable_by` for a statement built once, bound with `viewer_params`."""
    return _break_glass_reviewable(role, VIEWER_ID, VIEWER_UNITS)


def _break_glass_reviewable(role: str, viewer: int | BindParameter[int], units: Any) -> ColumnElement[bool]:
    if role != Role.SUPERVISOR:
        return BreakGlassAccess.id.is_(None)
    return and_(BreakGlassAccess.unit_id.in_(units), BreakGlassAccess.user_id != viewer)


# --- handover and reassignment of owned work ---------------------------------------------------------------


def can_own_work_in(user: User, unit_id: int) -> bool:
    """Who may own a piece of work about a person of the unit (a case, an intervention, a draft, an action):
    an active case worker of the unit, who will be able to open the person's record."""
    return user.is_active and user.role in CASE_ROLES and unit_id in user.unit_ids


def can_view_handover(user: User, handover: Handover) -> bool:
    """The supervisors of the receiving unit, who acknowledge it, and of the sending unit, who wrote it."""
    return user.role == Role.SUPERVISOR and bool({handover.to_unit_id, handover.from_unit_id} & user.unit_ids)


def handovers_visible_to(user: User) -> ColumnElement[bool]:
    """WHERE clause of `can_view_handover`."""
    return _handovers_visible(user.role, sorted(user.unit_ids))


def handovers_visible_to_viewer(role: str) -> ColumnElement[bool]:
    """`handovers_visible_to` for a statement built once, bound with `viewer_params`."""
    return _handovers_visible(role, VIEWER_UNITS)


def _handovers_visible(role: str, units: Any) -> ColumnElement[bool]:
    if role != Role.SUPERVISOR:
        return Handover.id.is_(None)
    return or_(Handover.to_unit_id.in_(units), Handover.from_unit_id.in_(units))


def can_acknowledge_handover(user: User, handover: Handover) -> bool:
    return user.role == Role.SUPERVISOR and handover.to_unit_id in user.unit_ids


def can_reassign_intervention(user: User, intervention: Intervention) -> bool:
    """A supervisor of the person's unit gives any open intervention there a new owner."""
    return intervention.is_open and supervises(user, intervention.subject)


def can_reassign_departed_work(user: User, departure: Departure) -> bool:
    """The work a user left in a unit is reassigned by a supervisor of that unit (not by the one who left)."""
    return (user.role == Role.SUPERVISOR and departure.unit_id in user.unit_ids and departure.user_id != user.id
            and user.is_active)


def departures_visible_to(user: User) -> ColumnElement[bool]:
    """WHERE clause of `can_reassign_departed_work`."""
    return _departures_visible(user.role, user.is_active, user.id, sorted(user.unit_ids))


def departures_visible_to_viewer(role: str, active: bool) -> ColumnElement[bool]:
    """`departures_visible_to` for a statement built once, bound with `viewer_params`."""
    return _departures_visible(role, active, VIEWER_ID, VIEWER_UNITS)


def _departures_visible(role: str, active: bool, viewer: int | BindParameter[int], units: Any) -> ColumnElement[bool]:
    if role != Role.SUPERVISOR or not active:
        return Departure.id.is_(None)
    return and_(Departure.unit_id.in_(units), Departure.user_id != viewer)


# --- screenings and assessments --------------------------------------------------------------------


def can_screen(user: User, subject: Subject) -> bool:
    return in_scope(user, subject)


def can_view_screening(user: User, screening: Screening) -> bool:
    return can_view_subject(user, screening.subject)


def can_view_assessment(user: User, assessment: Assessment) -> bool:
    return can_view_subject(user, assessment.subject)


def can_edit_assessment(user: User, assessment: Assessment) -> bool:
    """Only the author edits, only a draft, only while the person is in their scope."""
    return assessment.status == "draft" and assessment.author_id == user.id and in_scope(user, assessment.subject)


def can_discard_assessment(user: User, assessment: Assessment) -> bool:
    """Only the author discards, only a draft that no supervisor has seen: a returned draft carries the
    countersignature's record (its returns), so it is kept and corrected instead."""
    return (can_edit_assessment(user, assessment) and assessment.submitted_at is None
            and assessment.returned_at is None)


def can_decide_assessment(user: User, assessment: Assessment) -> bool:
    """Four eyes: a supervisor of the person's unit who did not write it approves or returns it."""
    return (assessment.status == AssessmentStatus.SUBMITTED and assessment.author_id != user.id
            and supervises(user, assessment.subject))


def assessments_decidable_by(user: User) -> ColumnElement[bool]:
    """WHERE clause of `can_decide_assessment`, for a query that joins Assessment.subject."""
    return _assessments_decidable(user.role, user.id, sorted(user.unit_ids))


def assessments_decidable_by_viewer(role: str) -> ColumnElement[bool]:
    """`assessments_decidable_by` for a statement built once, bound with `viewer_params`."""
    return _assessments_decidable(role, VIEWER_ID, VIEWER_UNITS)


def _assessments_decidable(role: str, viewer: int | BindParameter[int], units: Any) -> ColumnElement[bool]:
    if role != Role.SUPERVISOR:
        return Assessment.id.is_(None)
    return and_(Assessment.status == AssessmentStatus.SUBMITTED.value, Assessment.author_id != viewer,
                Subject.unit_id.in_(units))


def assessments_practised_in_units_of(user: User) -> ColumnElement[bool]:
    """WHERE clause for the supervisor's consistency-of-practice counts (no case content): the assessments
    submitted or approved in their units, counted there even after the person moved on; a draft never
    submitted by the person's unit now. For a query that joins Assessment.subject."""
    if user.role != Role.SUPERVISOR:
        return Assessment.id.is_(None)
    return and_(Subject.erased_at.is_(None),
                func.coalesce(Assessment.unit_id, Subject.unit_id).in_(sorted(user.unit_ids)))


def can_amend_assessment(user: User, assessment: Assessment) -> bool:
    return assessment.status == "approved" and in_scope(user, assessment.subject)


def can_record_challenge(user: User, assessment: Assessment) -> bool:
    return assessment.status in ("approved", "superseded") and in_scope(user, assessment.subject)


def can_view_challenge(user: User, challenge: Challenge) -> bool:
    return can_view_assessment(user, challenge.assessment)


def can_decide_challenge(user: User, assessment: Assessment) -> bool:
    return supervises(user, assessment.subject)


manages_accreditations = is_admin


# --- interventions and observations ------------------------------------------------------------------


def can_refer(user: User, subject: Subject) -> bool:
    return in_scope(user, subject)


def can_view_intervention(user: User, intervention: Intervention) -> bool:
    return can_view_subject(user, intervention.subject)


def can_manage_intervention(user: User, intervention: Intervention) -> bool:
    """Accept, start, close, withdraw: the owner, or a supervisor of the person's unit."""
    subject = intervention.subject
    return in_scope(user, subject) and (intervention.owner_id == user.id or supervises(user, subject))


def can_record_session(user: User, intervention: Intervention) -> bool:
    return intervention.status == "active" and in_scope(user, intervention.subject)


def can_record_observation(user: User, subject: Subject) -> bool:
    return in_scope(user, subject)


# --- case conferences -----------------------------------------------------------------------------------
# A conference belongs to one unit: its case workers see it, and nobody else learns it exists (the same 404 as a
# conference that does not exist). The person discussed is shown only while the viewer may see them.


def can_view_conference(user: User, conference: Conference) -> bool:
    return can_view_unit(user, conference.unit_id)


def conferences_visible_to(user: User) -> ColumnElement[bool]:
    """WHERE clause of `can_view_conference`."""
    return Conference.unit_id.in_(sorted(visible_unit_ids(user)))


def can_hold_conference(user: User, unit_id: int) -> bool:
    """Any case worker of the unit records a conference of it, as they record its other case work."""
    return can_view_unit(user, unit_id)


def can_edit_conference(user: User, conference: Conference) -> bool:
    """Attendees, people discussed, decisions, dissent and actions: the chair, whoever recorded the conference,
    or a supervisor of its unit, while they still work in the unit."""
    return can_view_conference(user, conference) and (
        user.id in (conference.chair_id, conference.created_by_id) or user.role == Role.SUPERVISOR)


def can_view_discussion(user: User, discussion: Discussion) -> bool:
    """The conference's unit, and the person still in the viewer's scope (after a transfer they are "a person in
    another unit" to those who no longer see them)."""
    return can_view_conference(user, discussion.conference) and in_scope(user, discussion.subject)


def can_discuss(user: User, conference: Conference, subject: Subject) -> bool:
    """Only people of the conference's unit are discussed there."""
    return (can_edit_conference(user, conference) and subject.erased_at is None
            and subject.unit_id == conference.unit_id and in_scope(user, subject))


def can_edit_discussion(user: User, discussion: Discussion) -> bool:
    return can_edit_conference(user, discussion.conference) and in_scope(user, discussion.subject)


def can_own_action(user: User, subject: Subject) -> bool:
    """An action's owner must be able to open the person it is about."""
    return user.is_active and in_scope(user, subject)


def can_view_action(user: User, action: ConferenceAction) -> bool:
    return can_view_discussion(user, action.discussion) or (
        action.owner_id == user.id and in_scope(user, action.discussion.subject))


def can_close_action(user: User, action: ConferenceAction) -> bool:
    """Done or cancelled: its owner, or whoever may edit the conference, or a supervisor of the person's unit."""
    subject = action.discussion.subject
    return action.is_open and in_scope(user, subject) and (
        action.owner_id == user.id or can_edit_conference(user, action.discussion.conference)
        or supervises(user, subject))


def can_reassign_action(user: User, action: ConferenceAction) -> bool:
    """Handing an open action to someone else: a supervisor of the conference's unit or of the person's unit
    (handover on a transfer is done from either side)."""
    return action.is_open and user.role == Role.SUPERVISOR and (
        action.discussion.conference.unit_id in user.unit_ids or supervises(user, action.discussion.subject))


def can_export_minutes(user: User, conference: Conference) -> bool:
    return can_view_conference(user, conference)
# --- conn-apart: locations, keep-apart authorisation, moves that meet a keep-apart -------------------------


def can_change_location(user: User, subject: Subject) -> bool:
    """Wing, landing and cell are places in a prison: changed by those who may edit the person there."""
    return can_edit_subject(user, subject) and subject.unit.kind == UnitKind.PRISON


def can_confirm_conflicting_move(user: User, subject: Subject) -> bool:
    """A move that meets a keep-apart goes ahead only on the word of a supervisor of the person's unit."""
    return supervises(user, subject)


def can_authorise_keep_apart(user: User, link: PersonLink) -> bool:
    """A current keep-apart awaiting authorisation, by a supervisor of either person's unit (it binds both)."""
    return (link.kind == LinkKind.KEEP_APART and link.status == LinkStatus.ACTIVE and link.authorised_at is None
            and link.ended_at is None and link.subject.erased_at is None and link.other.erased_at is None
            and (supervises(user, link.subject) or supervises(user, link.other)))


def keep_aparts_authorisable_by(user: User) -> ColumnElement[bool]:
    """WHERE clause of `can_authorise_keep_apart`."""
    return _keep_aparts_authorisable(user.role, sorted(user.unit_ids))


def keep_aparts_authorisable_by_viewer(role: str) -> ColumnElement[bool]:
    """`keep_aparts_authorisable_by` for a statement built once, bound with `viewer_params`."""
    return _keep_aparts_authorisable(role, VIEWER_UNITS)


def _keep_aparts_authorisable(role: str, units: Any) -> ColumnElement[bool]:
    if role != Role.SUPERVISOR:
        return PersonLink.id.is_(None)
    live = select(Subject.id).where(Subject.erased_at.is_(None))
    mine = live.where(Subject.unit_id.in_(units))
    return and_(PersonLink.kind == LinkKind.KEEP_APART.value, PersonLink.status == LinkStatus.ACTIVE.value,
                PersonLink.authorised_at.is_(None), PersonLink.ended_at.is_(None),
                PersonLink.subject_id.in_(live), PersonLink.other_id.in_(live),
                or_(PersonLink.subject_id.in_(mine), PersonLink.other_id.in_(mine)))


def load_keep_apart_to_authorise(link_id: int) -> PersonLink:
    return load(PersonLink, link_id, can_authorise_keep_apart, "person_link", lambda link: link.subject_id)


# --- exports -------------------------------------------------------------------------------------------


def can_export_case_summary(user: User, subject: Subject) -> bool:
    """Only what the user may see, and not through break-glass: exports need the person in scope."""
    return in_scope(user, subject)


def can_export_subject_access_report(user: User, subject: Subject) -> bool:
    """Subject-access reports are produced by a supervisor of the person's unit."""
    return supervises(user, subject)


def can_extract_audit(user: User) -> bool:
    return supervises_cases(user)


# --- information sharing -------------------------------------------------------------------------------------
# The disclosure register is per unit: a supervisor reviews the entries of their units (made while the person was
# there), and records, decides and withholds there. Sending a case package outside the service, and receiving
# one, is for a supervisor of the person's unit (of the receiving unit).


def can_review_register(user: User) -> bool:
    return supervises_cases(user)


def can_view_disclosure(user: User, entry: Disclosure) -> bool:
    return can_review_register(user) and entry.unit_id in user.unit_ids


def disclosures_visible_to(user: User) -> ColumnElement[bool]:
    """WHERE clause of `can_view_disclosure`."""
    if not can_review_register(user):
        return Disclosure.id.is_(None)
    return Disclosure.unit_id.in_(sorted(user.unit_ids))


def can_view_disclosure_request(user: User, request: DisclosureRequest) -> bool:
    return can_review_register(user) and request.unit_id in user.unit_ids


def disclosure_requests_visible_to(user: User) -> ColumnElement[bool]:
    """WHERE clause of `can_view_disclosure_request`."""
    if not can_review_register(user):
        return DisclosureRequest.id.is_(None)
    return DisclosureRequest.unit_id.in_(sorted(user.unit_ids))


def can_record_disclosure_request(user: User, subject: Subject) -> bool:
    return supervises(user, subject) and subject.erased_at is None


def can_decide_disclosure_request(user: User, request: DisclosureRequest) -> bool:
    return can_view_disclosure_request(user, request) and request.decision == Decision.PENDING


def can_withhold_disclosure(user: User, entry: Disclosure) -> bool:
    return can_view_disclosure(user, entry) and entry.withheld_exemption is None


def can_send_package(user: User, subject: Subject) -> bool:
    """A disclosure outside the service: a supervisor of the person's unit, never through break-glass."""
    return supervises(user, subject) and subject.erased_at is None


def can_receive_packages(user: User) -> bool:
    return supervises_cases(user)


def can_receive_into(user: User, unit_id: int) -> bool:
    return can_receive_packages(user) and unit_id in user.unit_ids


# --- audit review and extracts -------------------------------------------------------------------------
# Supervisors review the events about the people of their units, with everything those events hold.
# Admins review every event, but an event's details may carry case content (field values of a person's
# record, narrative), which admins never see: they get the details of user administration and sign-ins only.

ADMIN_AUDIT_OBJECT_TYPES = frozenset({"user", "unit", "accreditation", "audit_verification"})
SIGN_IN_ACTIONS = frozenset({"login", "login_failed", "logout"})

reviews_audit = any_of(is_admin, supervises_cases)


def can_review_all_audit(user: User) -> bool:
    """Every event of the trail, whoever it is about (their case content stays hidden)."""
    return is_admin(user)


def people_in_event(event: AuditEvent) -> list[int]:
    """The people an event is about: its subject, and those a list, dashboard or search event names."""
    return sorted({*([event.subject_id] if event.subject_id is not None else []), *people_named(event.details)})


def can_view_audit_event(user: User, event: AuditEvent) -> bool:
    """Admins: any event. Supervisors: an event about a person of their units, or a list that showed one."""
    if can_review_all_audit(user):
        return True
    if not can_extract_audit(user):
        return False
    return any((subject := db.session.get(Subject, person)) is not None and subject.unit_id in user.unit_ids
               for person in people_in_event(event))


def audit_events_visible_to(user: User) -> ColumnElement[bool]:
    """WHERE clause of `can_view_audit_event`."""
    if can_review_all_audit(user):
        return true()
    if not can_extract_audit(user):
        return AuditEvent.id.is_(None)
    # The people's ids are read first and given as a list: PostgreSQL then checks each event of its
    # newest-first walk against a hash of them, where a subquery became a join probing subjects once per
    # event (20 times slower over ten million events; bench/README.md).
    # The lists naming them are asked as EXISTS, which PostgreSQL may answer per event from the index of
    # (event, person) where a filter leaves few events to check, or from a hash of the unit's whole access log
    # where it leaves many: as IN, only the hash (200 ms on the national benchmark whatever the filter; 6 to
    # 12 ms for a day or a user of the unit through EXISTS). The unfiltered pages walk person by person
    # (audit_events_visible_newest).
    ids = db.session.scalars(audit_people_reviewed_by(user)).all()
    named = (select(AuditEventPerson.event_id)
             .where(AuditEventPerson.event_id == AuditEvent.id, AuditEventPerson.subject_id.in_(ids)))
    return or_(AuditEvent.subject_id.in_(ids), named.exists())


def audit_events_about(user: User, subject_id: int) -> ColumnElement[bool]:
    """WHERE clause of the events about a person or naming them in a list, for a supervisor of their unit:
    each is one `audit_events_visible_to` allows. For a person of another unit, none: the review's person
    filter finds only the people the reviewer is responsible for, as if the others were unknown."""
    named = select(AuditEventPerson.event_id).where(AuditEventPerson.subject_id == subject_id)
    return and_(literal(subject_id, Integer).in_(audit_people_reviewed_by(user)),
                or_(AuditEvent.subject_id == subject_id, AuditEvent.id.in_(named)))


def audit_events_visible_newest(user: User, before: int | None, limit: int) -> Select[tuple[AuditEvent]]:
    """The newest `limit` events (older than `before`) that `audit_events_visible_to` allows a supervisor:
    about one of `audit_people_reviewed_by`'s people or naming one in a list, walked person by person
    (PostgreSQL only: LATERAL).

    The rule as a WHERE clause costs what the unit's whole access log costs: PostgreSQL hashes every event
    id that names one of its people before its walk starts, and each view of a list of two hundred people
    adds two hundred (1.57 million for one prison of the national benchmark, 0.2 to 1 s a visit). Here
    each person gives at most `limit` events of each kind, newest first from the index on (person, event),
    so a page costs the same however long the trail grows. Filtered pages keep the WHERE clause, whose plan
    PostgreSQL chooses by what the filters select."""
    person = audit_people_reviewed_by(user).subquery("person")

    def newest(event_id: Any, person_id: Any) -> Any:
        stmt = select(event_id.label("id")).where(person_id == person.c.id)
        if before is not None:
            stmt = stmt.where(event_id < before)
        return stmt.order_by(event_id.desc()).limit(limit).lateral()

    about, named = newest(AuditEvent.id, AuditEvent.subject_id), newest(AuditEventPerson.event_id,
                                                                         AuditEventPerson.subject_id)
    found = union(select(about.c.id).select_from(person.join(about, true())),
                  select(named.c.id).select_from(person.join(named, true()))).subquery("found")
    newest_ids = select(found.c.id).order_by(found.c.id.desc()).limit(limit)
    return select(AuditEvent).where(AuditEvent.id.in_(newest_ids)).order_by(AuditEvent.id.desc())


def audit_people_reviewed_by(user: User) -> Select[tuple[int]]:
    """The people whose events (about them, or a list naming them) a supervisor may review: those of their
    units; nobody for a user who reviews no one's. `audit_events_visible_to` is this rule as a WHERE clause; the
    review's first pages walk its people, each newest first (audit_events_visible_newest)."""
    people = select(Subject.id).where(Subject.unit_id.in_(sorted(user.unit_ids)))
    return people if can_extract_audit(user) else people.where(false())


def audit_details_visible(user: User, event: AuditEvent) -> bool:
    """Whether the user may read an event's details (changes, reasons, address, request id)."""
    if can_review_all_audit(user):
        return event.object_type in ADMIN_AUDIT_OBJECT_TYPES or event.action in SIGN_IN_ACTIONS
    return can_view_audit_event(user, event)


# --- retention ----------------------------------------------------------------------------------------


def can_erase(user: User, subject: Subject) -> bool:
    """Erasure (both steps) is for supervisors of the person's unit."""
    return supervises(user, subject) and subject.erased_at is None


def can_handle_erasure_request(user: User, request: ErasureRequest) -> bool:
    subject = db.session.get(Subject, request.subject_id)
    return subject is not None and can_erase(user, subject)


# --- alerts ---------------------------------------------------------------------------------------------


def can_acknowledge_alert(user: User, alert: Alert) -> bool:
    """A supervisor of the alert's unit (any supervisor when it has none), not the person it is about."""
    return (supervises_cases(user) and (alert.unit_id is None or alert.unit_id in user.unit_ids)
            and alert.user_id != user.id)


def alerts_visible_to(user: User) -> ColumnElement[bool]:
    """WHERE clause of `can_acknowledge_alert`."""
    return _alerts_visible(user.role, user.id, sorted(user.unit_ids))


def alerts_visible_to_viewer(role: str) -> ColumnElement[bool]:
    """`alerts_visible_to` for a statement built once, bound with `viewer_params`."""
    return _alerts_visible(role, VIEWER_ID, VIEWER_UNITS)


def _alerts_visible(role: str, viewer: int | BindParameter[int], units: Any) -> ColumnElement[bool]:
    if role != Role.SUPERVISOR:  # supervises_cases
        return Alert.id.is_(None)
    in_units = or_(Alert.unit_id.in_(units), Alert.unit_id.is_(None))
    return in_units & or_(Alert.user_id.is_(None), Alert.user_id != viewer)


# --- administration -------------------------------------------------------------------------------------


def can_administer(user: User, _record: User | Unit) -> bool:
    return manages_users(user)


def can_revoke_accreditation(user: User, _accreditation: Accreditation) -> bool:
    return manages_accreditations(user)


# --- loading a record by id -------------------------------------------------------------------------------
# Every route that takes a record's id loads it here: a record that is missing, or that `rule` does not let
# the signed-in user reach, is the same audited 404, so that a record's existence is not disclosed.


def _no_subject(_record: object) -> int | None:
    return None


def load(model: type[R], record_id: int, rule: Callable[[User, R], bool], object_type: str,
         subject_of: Callable[[R], int | None] = _no_subject, options: Sequence[ORMOption] = ()) -> R:
    """The record, or an audited 404. The refusal names the person only when the user may reach the record.
    `options` are loader options for what the page will read of it (joined into the same statement)."""
    record = db.session.get(model, record_id, options=options)
    if record is None:
        refuse(404, "not found", object_type=object_type, object_id=record_id)
    allowed = rule(g.user, record)
    require_record(allowed, object_type, record_id, subject_of(record) if allowed else None)
    return record


def load_subject(subject_id: int, rule: Callable[[User, Subject], bool] = can_view_subject,
                 options: Sequence[ORMOption] = ()) -> Subject:
    return load(Subject, subject_id, rule, "subject", lambda s: s.id, options)


def load_screening(screening_id: int) -> Screening:
    return load(Screening, screening_id, can_view_screening, "screening", lambda s: s.subject_id)


def load_assessment(assessment_id: int) -> Assessment:
    return load(Assessment, assessment_id, can_view_assessment, "assessment", lambda a: a.subject_id)


def load_challenge(challenge_id: int) -> Challenge:
    return load(Challenge, challenge_id, can_view_challenge, "challenge", lambda c: c.assessment.subject_id)


def load_intervention(intervention_id: int) -> Intervention:
    return load(Intervention, intervention_id, can_view_intervention, "intervention", lambda i: i.subject_id)


def load_conference(conference_id: int) -> Conference:
    return load(Conference, conference_id, can_view_conference, "conference")


def load_discussion(conference: Conference, discussion_id: int) -> Discussion:
    """A person discussed at this conference; another conference's discussion is not found here either."""
    return load(Discussion, discussion_id,
                lambda user, d: d.conference_id == conference.id and can_view_discussion(user, d),
                "conference_discussion", lambda d: d.subject_id)


def load_conference_action(action_id: int) -> ConferenceAction:
    return load(ConferenceAction, action_id, can_view_action, "conference_action",
                lambda a: a.discussion.subject_id)


def load_handover(handover_id: int) -> Handover:
    return load(Handover, handover_id, can_view_handover, "handover", lambda h: h.subject_id)


def load_departure(departure_id: int) -> Departure:
    return load(Departure, departure_id, can_reassign_departed_work, "departure")


def load_break_glass(access_id: int) -> BreakGlassAccess:
    return load(BreakGlassAccess, access_id, can_review_break_glass, "break_glass")


def load_audit_event(event_id: int) -> AuditEvent:
    return load(AuditEvent, event_id, can_view_audit_event, "audit_events")


def load_erasure_request(request_id: int) -> ErasureRequest:
    return load(ErasureRequest, request_id, can_handle_erasure_request, "erasure_request", lambda r: r.subject_id)


def load_alert(alert_id: int) -> Alert:
    return load(Alert, alert_id, can_acknowledge_alert, "alert", lambda a: a.subject_id)


def load_disclosure(disclosure_id: int) -> Disclosure:
    return load(Disclosure, disclosure_id, can_view_disclosure, "disclosure", lambda d: d.subject_id)


def load_disclosure_request(request_id: int) -> DisclosureRequest:
    return load(DisclosureRequest, request_id, can_view_disclosure_request, "disclosure_request",
                lambda r: r.subject_id)


def load_user(user_id: int) -> User:
    return load(User, user_id, can_administer, "user")


def load_unit(unit_id: int) -> Unit:
    return load(Unit, unit_id, can_administer, "unit")


def load_accreditation(accreditation_id: int) -> Accreditation:
    return load(Accreditation, accreditation_id, can_revoke_accreditation, "accreditation")


# --- connections: groups, affiliations, skills, the nexus picture (conn-groups) ----------------------------
# The groups register is reference data, not case content: case roles read it, supervisors keep it. What it
# says about people (members, affiliations, skills) is seen only as far as the people are.

views_groups = works_cases
keeps_groups = supervises_cases
# The nexus picture counts the people of the supervisor's units (not their caseload elsewhere).
views_nexus = supervises_cases


def can_view_group(user: User, _group: Group) -> bool:
    return views_groups(user)


def can_keep_group(user: User, _group: Group) -> bool:
    return keeps_groups(user)


def can_view_group_link(user: User, _link: GroupLink) -> bool:
    return views_groups(user)


def can_record_affiliation(user: User, subject: Subject) -> bool:
    """Affiliations and skills are recorded by case workers who may change the person's record."""
    return can_edit_subject(user, subject)


def can_view_affiliation(user: User, affiliation: Affiliation) -> bool:
    return can_view_subject(user, affiliation.subject)


def can_end_affiliation(user: User, affiliation: Affiliation) -> bool:
    return can_record_affiliation(user, affiliation.subject)


def can_view_person_skill(user: User, skill: PersonSkill) -> bool:
    return can_view_subject(user, skill.subject)


def can_end_person_skill(user: User, skill: PersonSkill) -> bool:
    return can_record_affiliation(user, skill.subject)


def counted_in_nexus(user: User, subject: Subject) -> bool:
    """A person the supervisor's nexus picture counts and lists: one of their units' people, never erased."""
    return views_nexus(user) and subject.erased_at is None and subject.unit_id in user.unit_ids


def nexus_people_of(user: User) -> ColumnElement[bool]:
    """WHERE clause of `counted_in_nexus`."""
    if not views_nexus(user):
        return Subject.id.is_(None)
    return and_(Subject.erased_at.is_(None), Subject.unit_id.in_(sorted(user.unit_ids)))


def load_group(group_id: int) -> Group:
    return load(Group, group_id, can_view_group, "group")


def load_group_link(link_id: int) -> GroupLink:
    return load(GroupLink, link_id, can_view_group_link, "group_link")


def load_affiliation(affiliation_id: int) -> Affiliation:
    return load(Affiliation, affiliation_id, can_view_affiliation, "affiliation", lambda a: a.subject_id)


def load_person_skill(skill_id: int) -> PersonSkill:
    return load(PersonSkill, skill_id, can_view_person_skill, "person_skill", lambda s: s.subject_id)


# --- connections: links between people (conn-links) -------------------------------------------------
# Scope holds through links: a linked person the viewer may not see is "a person in another unit" on every
# page, drawing, PDF and CSV, and nothing else of them (no name, reference, unit or id) is shown.

# In the reader's language (lazy: str() or format it during a request); never written to the audit trail.
ANOTHER_UNIT = _l("a person in another unit")
# The same at the start of a sentence or alone as a label (a node of a drawing).
ANOTHER_UNIT_ALONE = _l("A person in another unit")


def describe_linked_person(user: User | None, other: Subject) -> str:
    """How every page, drawing, PDF and CSV names a linked person: by name and reference when the viewer may
    see them (in scope or through break-glass), otherwise only as "a person in another unit" (in the reader's
    language)."""
    if user is not None and can_view_subject(user, other):
        return f"{other.full_name} ({other.reference})"
    return str(_("a person in another unit"))


def can_see_linked_person(user: User | None, other: Subject) -> bool:
    """Whether a page may name, count as shown, or link to a linked person (describe_linked_person's test)."""
    return user is not None and can_view_subject(user, other)


def can_record_link(user: User, subject: Subject) -> bool:
    """Links, and recruitment attempts, are recorded from the page of a person in the author's scope."""
    return in_scope(user, subject)


def can_view_link(user: User, link: PersonLink) -> bool:
    return can_view_subject(user, link.subject) or can_view_subject(user, link.other)


def can_read_link_evidence(user: User, link: PersonLink) -> bool:
    """Evidence, source and reasons may name either person: shown only to a viewer who may see both (not even
    to the supervisor who confirms a pending link: they judge it by its kind, grading and their own records)."""
    return can_view_subject(user, link.subject) and can_view_subject(user, link.other)


def can_end_link(user: User, link: PersonLink) -> bool:
    """A current or pending link is ended from either person's side, by someone who has that person in scope."""
    return link.status in (LinkStatus.ACTIVE, LinkStatus.PENDING) and (
        in_scope(user, link.subject) or in_scope(user, link.other))


def can_confirm_link(user: User, link: PersonLink) -> bool:
    """A pending link (to a person out of its author's scope) is confirmed or refused by a supervisor of the
    unit of that person, the link's `other`."""
    return link.status == LinkStatus.PENDING and supervises(user, link.other)


def links_confirmable_by(user: User) -> ColumnElement[bool]:
    """WHERE clause of `can_confirm_link`, for a query that joins PersonLink.other as Subject."""
    return _links_confirmable(user.role, sorted(user.unit_ids))


def links_confirmable_by_viewer(role: str) -> ColumnElement[bool]:
    """`links_confirmable_by` for a statement built once, bound with `viewer_params`."""
    return _links_confirmable(role, VIEWER_UNITS)


def _links_confirmable(role: str, units: Any) -> ColumnElement[bool]:
    if role != Role.SUPERVISOR:
        return PersonLink.id.is_(None)
    return and_(PersonLink.status == LinkStatus.PENDING.value, Subject.unit_id.in_(units))


def can_review_recruitment_target(user: User, target: RecruitmentTarget) -> bool:
    """The "targeted for recruitment" list is for the targeted person's case owner and their unit's
    supervisors, who review each entry."""
    person = target.target
    if user.role not in CASE_ROLES or person.erased_at is not None:
        return False
    return person.case_owner_id == user.id or supervises(user, person)


def recruitment_targets_reviewable_by(user: User) -> ColumnElement[bool]:
    """WHERE clause of `can_review_recruitment_target`, for a query that joins RecruitmentTarget.target as
    Subject."""
    return _recruitment_targets_reviewable(user.role, user.id, sorted(user.unit_ids))


def recruitment_targets_reviewable_by_viewer(role: str) -> ColumnElement[bool]:
    """`recruitment_targets_reviewable_by` for a statement built once, bound with `viewer_params`."""
    return _recruitment_targets_reviewable(role, VIEWER_ID, VIEWER_UNITS)


def _recruitment_targets_reviewable(role: str, viewer: int | BindParameter[int], units: Any) -> ColumnElement[bool]:
    if role not in CASE_ROLES:
        return RecruitmentTarget.id.is_(None)
    in_units = Subject.unit_id.in_(units) if role == Role.SUPERVISOR else false()
    return and_(Subject.erased_at.is_(None), or_(Subject.case_owner_id == viewer, in_units))


def load_link(link_id: int, rule: Callable[[User, PersonLink], bool]) -> PersonLink:
    """A link the user may act on by `rule`, else the same audited 404 as a link that does not exist."""
    return load(PersonLink, link_id, rule, "person_link",
                lambda link: link.subject_id if in_scope(g.user, link.subject) else link.other_id)


def load_recruitment_target(target_id: int) -> RecruitmentTarget:
    return load(RecruitmentTarget, target_id, can_review_recruitment_target, "recruitment_target",
                lambda t: t.target_id)
