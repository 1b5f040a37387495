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
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from flask import Flask, abort, current_app, g, redirect, request, url_for
from sqlalchemy import ColumnElement, Select, and_, or_, select
from sqlalchemy.orm import InstrumentedAttribute
from werkzeug.wrappers import Response

from app.audit import trail
from app.auth.models import Role, User
from app.db import db, utcnow
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
    return stmt.where(unit_column.in_(sorted(visible_unit_ids(user))))


def can_manage_users(user: User) -> bool:
    return manages_users(user)


def must_enrol_second_factor(user: User) -> bool:
    """A role that needs TOTP (config TOTP_REQUIRED_ROLES), and no secret yet: enrolment comes first."""
    return user.role in current_app.config["TOTP_REQUIRED_ROLES"] and user.totp_secret is None


# --- enforcement ----------------------------------------------------------------------------------


def refuse(status: int, reason: str, **audit_fields: Any) -> None:
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

def subjects_visible_to(user: User) -> ColumnElement[bool]:
    """WHERE clause: the subjects of the user's units and of their caseload (none for admins)."""
    if user.role not in CASE_ROLES:
        return Subject.id.is_(None)  # matches nothing
    in_units_or_caseload = or_(Subject.unit_id.in_(sorted(user.unit_ids)), Subject.case_owner_id == user.id)
    return and_(Subject.erased_at.is_(None), in_units_or_caseload)


def in_scope(user: User, subject: Subject) -> bool:
    """The subject is in one of the user's units or on their caseload."""
    if user.role not in CASE_ROLES or subject.erased_at is not None:
        return False
    return subject.unit_id in user.unit_ids or subject.case_owner_id == user.id


def active_break_glass(user: User, subject: Subject) -> BreakGlassAccess | None:
    if user.role not in CASE_ROLES:
        return None
    return db.session.scalars(
        select(BreakGlassAccess)
        .where(BreakGlassAccess.user_id == user.id, BreakGlassAccess.subject_id == subject.id,
               BreakGlassAccess.expires_at > utcnow())
        .order_by(BreakGlassAccess.expires_at.desc())
        .limit(1)
    ).first()


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
    return user.role == Role.SUPERVISOR and access.unit_id in user.unit_ids and access.user_id != user.id


# --- screenings and assessments --------------------------------------------------------------------
# Assessment is typed loosely here to keep app.policy free of an import cycle with app.assessments.


def can_screen(user: User, subject: Subject) -> bool:
    return in_scope(user, subject)


def can_view_assessment(user: User, assessment: Any) -> bool:
    return can_view_subject(user, assessment.subject)


def can_edit_assessment(user: User, assessment: Any) -> bool:
    """Only the author edits, only a draft, only while the person is in their scope."""
    return assessment.status == "draft" and assessment.author_id == user.id and in_scope(user, assessment.subject)


def can_decide_assessment(user: User, assessment: Any) -> bool:
    """Four eyes: a supervisor of the person's unit who did not write it approves or returns it."""
    return (assessment.status == "submitted" and assessment.author_id != user.id
            and supervises(user, assessment.subject))


def can_amend_assessment(user: User, assessment: Any) -> bool:
    return assessment.status == "approved" and in_scope(user, assessment.subject)


def can_record_challenge(user: User, assessment: Any) -> bool:
    return assessment.status in ("approved", "superseded") and in_scope(user, assessment.subject)


def can_decide_challenge(user: User, assessment: Any) -> bool:
    return supervises(user, assessment.subject)


manages_accreditations = is_admin


# --- interventions and observations ------------------------------------------------------------------


def can_refer(user: User, subject: Subject) -> bool:
    return in_scope(user, subject)


def can_manage_intervention(user: User, intervention: Any) -> bool:
    """Accept, start, close, withdraw: the owner, or a supervisor of the person's unit."""
    subject = intervention.subject
    return in_scope(user, subject) and (intervention.owner_id == user.id or supervises(user, subject))


def can_record_session(user: User, intervention: Any) -> bool:
    return intervention.status == "active" and in_scope(user, intervention.subject)


def can_record_observation(user: User, subject: Subject) -> bool:
    return in_scope(user, subject)


# --- audit extracts ----------------------------------------------------------------------------------


def can_extract_audit(user: User) -> bool:
    return is_supervisor(user) and works_cases(user)


def audit_events_visible_to(user: User) -> ColumnElement[bool]:
    """WHERE clause on audit_events: supervisors see the events about the people of their units."""
    from app.audit.models import AuditEvent

    if not can_extract_audit(user):
        return AuditEvent.id.is_(None)
    # The people's ids are read first and given as a list: PostgreSQL then checks each event of its
    # newest-first walk against a hash of them, where a subquery became a join probing subjects once per
    # event (20 times slower over ten million events; bench/README.md).
    ids = db.session.scalars(select(Subject.id).where(Subject.unit_id.in_(sorted(user.unit_ids)))).all()
    return AuditEvent.subject_id.in_(ids)


# --- audit review ------------------------------------------------------------------------------------
# Supervisors review the events about the people of their units, with everything those events hold.
# Admins review every event, but an event's details may carry case content (field values of a person's
# record, narrative), which admins never see: they get the details of user administration and sign-ins only.

ADMIN_AUDIT_OBJECT_TYPES = frozenset({"user", "unit", "accreditation", "audit_verification"})
SIGN_IN_ACTIONS = frozenset({"login", "login_failed", "logout"})

reviews_audit = any_of(is_admin, all_of(works_cases, is_supervisor))


def can_review_all_audit(user: User) -> bool:
    """Every event of the trail, whoever it is about (their case content stays hidden)."""
    return is_admin(user)


def can_view_audit_event(user: User, event: Any) -> bool:
    """Admins: any event. Supervisors: an event about a person of their units (as audit_events_visible_to)."""
    if can_review_all_audit(user):
        return True
    if not can_extract_audit(user) or event.subject_id is None:
        return False
    subject = db.session.get(Subject, event.subject_id)
    return subject is not None and subject.unit_id in user.unit_ids


def audit_details_visible(user: User, event: Any) -> bool:
    """Whether the user may read an event's details (changes, reasons, address, request id)."""
    if can_review_all_audit(user):
        return event.object_type in ADMIN_AUDIT_OBJECT_TYPES or event.action in SIGN_IN_ACTIONS
    return can_view_audit_event(user, event)


# --- retention ----------------------------------------------------------------------------------------


def can_erase(user: User, subject: Subject) -> bool:
    """Erasure (both steps) is for supervisors of the person's unit."""
    return supervises(user, subject) and subject.erased_at is None


# --- alerts ---------------------------------------------------------------------------------------------
# Alert is typed loosely here, like Assessment, to keep app.policy free of an import of app.oversight.

reviews_alerts = all_of(works_cases, is_supervisor)


def can_acknowledge_alert(user: User, alert: Any) -> bool:
    """A supervisor of the alert's unit (any supervisor when it has none), not the person it is about."""
    return (reviews_alerts(user) and (alert.unit_id is None or alert.unit_id in user.unit_ids)
            and alert.user_id != user.id)


def alerts_visible_to(user: User) -> ColumnElement[bool]:
    """WHERE clause on alerts: the same scope as can_acknowledge_alert."""
    from app.oversight.models import Alert

    if not reviews_alerts(user):
        return Alert.id.is_(None)
    in_units = or_(Alert.unit_id.in_(sorted(user.unit_ids)), Alert.unit_id.is_(None))
    return in_units & or_(Alert.user_id.is_(None), Alert.user_id != user.id)
