"""User and unit administration. Every change is audited with its field-level changes.

Services take the acting values explicitly (never a form), flush and never commit.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import select

from app import policy, signals
from app.audit import trail
from app.auth import passwords
from app.auth.models import Role, Unit, UnitKind, User, UserSession
from app.auth.services import clear_failures, normalise_username, recent_failures, set_password
from app.auth.sessions import end_all_sessions
from app.db import bump_version, db, utcnow
from app.errors import Invalid
from app.i18n import gettext as _
from app.text import control_character_problem

USERNAME_PATTERN = re.compile(r"^[a-z0-9][a-z0-9._-]{1,63}$")
UNIT_CODE_PATTERN = re.compile(r"^[A-Z0-9][A-Z0-9-]{1,31}$")


@dataclass
class UserDetails:
    display_name: str
    role: str
    unit_codes: list[str]


def _snapshot(user: User) -> dict[str, object]:
    return {
        "display_name": user.display_name,
        "role": user.role,
        "units": [u.code for u in user.units],
        "is_active": user.is_active,
    }


def _units_by_code(codes: Iterable[str]) -> list[Unit]:
    wanted = sorted({c.strip().upper() for c in codes if c.strip()})
    found = list(db.session.scalars(select(Unit).where(Unit.code.in_(wanted)).order_by(Unit.code)))
    missing = sorted(set(wanted) - {u.code for u in found})
    if missing:
        names = ", ".join(missing)
        raise Invalid(_("No unit with code %(codes)s.", codes=names),
                      field_errors={"units": [_("Unknown unit: %(codes)s.", codes=names)]})
    return found


def _check_details(details: UserDetails) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    if not details.display_name.strip():
        errors["display_name"] = [_("Enter the person's name as colleagues know it.")]
    elif len(details.display_name) > 200:
        errors["display_name"] = [_("Use at most 200 characters.")]
    elif problem := control_character_problem(details.display_name):  # the form refuses it first; the CLI here
        errors["display_name"] = [problem]
    if details.role not in {r.value for r in Role}:
        errors["role"] = [_("Choose one of the roles.")]
    elif details.role != Role.ADMIN and not details.unit_codes:
        errors["units"] = [_("A case worker must belong to at least one unit.")]
    return errors


def create_user(username: str, details: UserDetails, initial_password: str, *, must_change: bool = True) -> User:
    """Create an account. The initial password must meet the policy; by default it must be changed at
    first sign-in, since an administrator chose it."""
    name = normalise_username(username)
    errors = _check_details(details)
    if not name:
        errors["username"] = [_("Enter a username.")]
    elif not USERNAME_PATTERN.match(name):
        errors["username"] = [_("Use 2 to 64 lowercase letters, digits, dots, dashes or underscores.")]
    elif db.session.scalar(select(User.id).where(User.username == name)) is not None:
        errors["username"] = [_("That username is already taken.")]
    problems = passwords.password_problems(initial_password, user_inputs=[name, details.display_name])
    if problems:
        errors["password"] = problems
    if errors:
        raise Invalid(_("The account was not created."), field_errors=errors)
    user = User(
        username=name,
        display_name=details.display_name.strip(),
        role=details.role,
        password_hash=passwords.hash_password(initial_password),
        must_change_password=must_change,
        units=_units_by_code(details.unit_codes),
    )
    db.session.add(user)
    db.session.flush()
    trail.record("create", object_type="user", object_id=user.id,
                 details={"username": user.username, "changes": trail.changes({}, _snapshot(user))})
    return user


def changes_access(user: User, details: UserDetails) -> bool:
    """The edit would change the user's role or units (the changes that need a recent authentication)."""
    codes = sorted({c.strip().upper() for c in details.unit_codes if c.strip()})
    return details.role != user.role or codes != sorted(u.code for u in user.units)


def update_user(actor: User, user: User, details: UserDetails, expected_version: int) -> None:
    errors = _check_details(details)
    if actor.id == user.id and details.role != user.role:
        errors["role"] = [_("You cannot change your own role; ask another administrator.")]
    if errors:
        raise Invalid(_("The account was not changed."), field_errors=errors)
    units = _units_by_code(details.unit_codes)
    bump_version(user, expected_version,
                 _("%(name)s's account was changed by someone else while you were editing it.",
                   name=user.display_name))
    before = _snapshot(user)
    worked_in = policy.visible_unit_ids(user)
    role_changed = user.role != details.role
    user.display_name = details.display_name.strip()
    user.role = details.role
    user.units = units
    db.session.flush()
    diff = trail.changes(before, _snapshot(user))
    ended = end_all_sessions(user.id) if role_changed or before["units"] != _snapshot(user)["units"] else 0
    trail.record("update", object_type="user", object_id=user.id, details={"changes": diff, "sessions_ended": ended})
    left = worked_in - policy.visible_unit_ids(user)
    if left:
        # Their caseload there goes back to the unit's supervisors (app/subjects hears of it): case ownership
        # would otherwise keep them in the records of a unit they no longer belong to.
        signals.emit(signals.user_left_units, actor=actor, user=user, unit_ids=frozenset(left))


def set_active(actor: User, user: User, active: bool) -> None:
    if actor.id == user.id and not active:
        raise Invalid(_("You cannot disable your own account."))
    if user.is_active == active:
        return
    user.is_active = active
    db.session.flush()
    ended = end_all_sessions(user.id) if not active else 0
    trail.record("enable" if active else "disable", object_type="user", object_id=user.id,
                 details={"changes": {"is_active": [not active, active]}, "sessions_ended": ended})
    if not active:
        # The work they own stays theirs, and is listed for their units' supervisors to reassign.
        signals.emit(signals.user_disabled, actor=actor, user=user)


def reset_password(user: User, temporary_password: str) -> int:
    """Set a temporary password that must be changed at next sign-in; ends the user's sessions."""
    return set_password(user, temporary_password, by_admin=True)


def clear_lockout(user: User) -> int:
    """End the user's lockout and forget their failed sign-ins, from every address, so that they can sign in
    again at once (after a burst of typos, or once the guessing has been dealt with). Audited as `unlock`
    with what was cleared. Returns how many failures within the window were forgotten."""
    was_locked = user.locked_until is not None and user.locked_until > utcnow()
    counted, recent = user.failed_login_count, recent_failures(user.username)
    clear_failures(user)
    trail.record("unlock", object_type="user", object_id=user.id,
                 details={"was_locked": was_locked, "failed_login_count": counted, "recent_failures": recent})
    return recent


def reset_totp(actor: User, user: User) -> int:
    """Remove a user's second factor (a lost phone) and end their sessions; they enrol again at next
    sign-in. Returns how many sessions were ended. An admin cannot reset their own."""
    if actor.id == user.id:
        raise Invalid(_("You cannot reset your own two-step sign-in; ask another administrator."))
    had_secret = user.totp_secret is not None
    user.totp_secret = None
    user.totp_last_step = None
    user.totp_enrolled_at = None
    db.session.flush()
    ended = end_all_sessions(user.id)
    trail.record("totp_reset", object_type="user", object_id=user.id,
                 details={"was_enrolled": had_secret, "sessions_ended": ended})
    return ended


def active_sessions(user: User) -> list[UserSession]:
    """The user's sessions that have not timed out, most recent first (the row id is a token digest)."""
    from flask import current_app

    idle_since = utcnow() - current_app.config["SESSION_IDLE_TIMEOUT"]
    return list(db.session.scalars(select(UserSession).where(
        UserSession.user_id == user.id, UserSession.last_seen_at >= idle_since)
        .order_by(UserSession.last_seen_at.desc())))


def end_session(user: User, session_id: str) -> bool:
    """End one session of the user; False when it no longer exists."""
    row = db.session.get(UserSession, session_id)
    if row is None or row.user_id != user.id:
        return False
    db.session.delete(row)
    db.session.flush()
    trail.record("end_sessions", object_type="user", object_id=user.id, details={"sessions_ended": 1})
    return True


def end_sessions(user: User) -> int:
    ended = end_all_sessions(user.id)
    trail.record("end_sessions", object_type="user", object_id=user.id, details={"sessions_ended": ended})
    return ended


def create_unit(code: str, name: str, kind: str) -> Unit:
    code = code.strip().upper()
    errors: dict[str, list[str]] = {}
    if not code:
        errors["code"] = [_("Enter a code.")]
    elif not UNIT_CODE_PATTERN.match(code):
        errors["code"] = [_("Use 2 to 32 capital letters, digits or dashes, for example HMP-NORTH.")]
    elif db.session.scalar(select(Unit.id).where(Unit.code == code)) is not None:
        errors["code"] = [_("A unit with that code already exists.")]
    errors.update(_check_unit(name, kind))
    if errors:
        raise Invalid(_("The unit was not created."), field_errors=errors)
    unit = Unit(code=code, name=name.strip(), kind=kind)
    db.session.add(unit)
    db.session.flush()
    trail.record("create", object_type="unit", object_id=unit.id,
                 details={"changes": trail.changes({}, {"code": code, "name": unit.name, "kind": kind})})
    return unit


def _check_unit(name: str, kind: str) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    if not name.strip():
        errors["name"] = [_("Enter the unit's name.")]
    elif len(name) > 200:
        errors["name"] = [_("Use at most 200 characters.")]
    elif problem := control_character_problem(name):
        errors["name"] = [problem]
    if kind not in {k.value for k in UnitKind}:
        errors["kind"] = [_("Choose prison or probation region.")]
    return errors


def update_unit(unit: Unit, name: str, kind: str) -> None:
    errors = _check_unit(name, kind)
    if errors:
        raise Invalid(_("The unit was not changed."), field_errors=errors)
    before = {"name": unit.name, "kind": unit.kind}
    unit.name, unit.kind = name.strip(), kind
    db.session.flush()
    diff = trail.changes(before, {"name": unit.name, "kind": unit.kind})
    if diff:
        trail.record("update", object_type="unit", object_id=unit.id, details={"changes": diff})
