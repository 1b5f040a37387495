"""Sign-in with throttling and lockout, sign-out, password changes. Services flush, never commit."""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

from flask import current_app
from sqlalchemy import delete, func, select
from sqlalchemy.orm import InstrumentedAttribute

from app.audit import trail
from app.auth import passwords
from app.auth.models import LoginFailure, User
from app.auth.sessions import end_all_sessions
from app.db import db, utcnow
from app.errors import Invalid


class LoginOutcome(Enum):
    OK = "ok"
    BAD_CREDENTIALS = "bad_credentials"
    THROTTLED = "throttled"


@dataclass
class LoginResult:
    outcome: LoginOutcome
    user: User | None = None


def normalise_username(username: str) -> str:
    return username.strip().lower()


def find_user(username: str) -> User | None:
    return db.session.scalar(select(User).where(User.username == normalise_username(username)))


def _recent_failures(column: InstrumentedAttribute[str], value: str) -> int:
    since = utcnow() - current_app.config["LOGIN_WINDOW"]
    count = db.session.scalar(
        select(func.count()).select_from(LoginFailure).where(column == value, LoginFailure.occurred_at >= since)
    )
    return int(count or 0)


def _throttled(username: str, ip: str, user: User | None) -> str | None:
    cfg = current_app.config
    if _recent_failures(LoginFailure.ip, ip) >= cfg["LOGIN_MAX_FAILURES_PER_ADDRESS"]:
        return "too many failed sign-ins from this address"
    if user is not None and user.locked_until is not None and user.locked_until > utcnow():
        return "account locked after repeated failures"
    if _recent_failures(LoginFailure.username, username) >= cfg["LOGIN_MAX_FAILURES_PER_ACCOUNT"]:
        return "too many failed sign-ins for this account"
    return None


def authenticate(username: str, password: str, ip: str) -> LoginResult:
    """Check a sign-in attempt. Every failure is counted and audited; success resets the count.

    Throttled attempts are refused before the password is checked, so guessing stops at the limit.
    """
    name = normalise_username(username)[:64]
    user = find_user(name)
    reason = _throttled(name, ip, user)
    if reason is not None:
        trail.record("login_failed", object_type="user", object_id=user.id if user else None,
                     details={"username": name, "reason": reason},
                     actor=trail.Actor(user.id if user else None, name, user.role if user else None))
        return LoginResult(LoginOutcome.THROTTLED, user)
    if user is None:
        passwords.burn_verification_time()
        ok = False
    else:
        ok = passwords.verify_password(user.password_hash, password) and user.is_active
    if not ok or user is None:
        _count_failure(name, ip, user)
        return LoginResult(LoginOutcome.BAD_CREDENTIALS, user)
    if passwords.needs_rehash(user.password_hash):
        user.password_hash = passwords.hash_password(password)
    user.failed_login_count = 0
    user.locked_until = None
    user.last_login_at = utcnow()
    window_start = utcnow() - current_app.config["LOGIN_WINDOW"]
    db.session.execute(
        delete(LoginFailure).where((LoginFailure.username == name) | (LoginFailure.occurred_at < window_start))
    )
    db.session.flush()
    trail.record("login", object_type="user", object_id=user.id, actor=trail.Actor(user.id, user.username, user.role))
    return LoginResult(LoginOutcome.OK, user)


def _count_failure(name: str, ip: str, user: User | None) -> None:
    db.session.add(LoginFailure(username=name, ip=ip, occurred_at=utcnow()))
    reason = "unknown username" if user is None else ("account disabled" if not user.is_active else "wrong password")
    if user is not None:
        user.failed_login_count += 1
        if user.failed_login_count >= current_app.config["LOGIN_MAX_FAILURES_PER_ACCOUNT"]:
            user.locked_until = utcnow() + current_app.config["LOGIN_LOCKOUT"]
            reason += "; account locked"
    db.session.flush()
    trail.record("login_failed", object_type="user", object_id=user.id if user else None,
                 details={"username": name, "reason": reason},
                 actor=trail.Actor(user.id if user else None, name, user.role if user else None))


def record_logout(user: User) -> None:
    trail.record("logout", object_type="user", object_id=user.id)


def set_password(user: User, new_password: str, *, by_admin: bool) -> int:
    """Replace a user's password and end all their sessions. Returns how many sessions were ended.

    Raises Invalid when the password does not meet the policy.
    """
    problems = passwords.password_problems(new_password, user_inputs=[user.username, user.display_name])
    if problems:
        raise Invalid("The password does not meet the policy.", field_errors={"new_password": problems})
    user.password_hash = passwords.hash_password(new_password)
    user.password_changed_at = utcnow()
    user.must_change_password = by_admin
    user.failed_login_count = 0
    user.locked_until = None
    db.session.flush()
    ended = end_all_sessions(user.id)
    trail.record("password_reset" if by_admin else "password_change", object_type="user", object_id=user.id,
                 details={"sessions_ended": ended})
    return ended


def change_own_password(user: User, current_password: str, new_password: str) -> int:
    if not passwords.verify_password(user.password_hash, current_password):
        raise Invalid("Your current password is not correct.",
                      field_errors={"current_password": ["Your current password is not correct."]})
    if current_password == new_password:
        raise Invalid("Choose a password you have not just used.",
                      field_errors={"new_password": ["Choose a password different from the current one."]})
    return set_password(user, new_password, by_admin=False)
