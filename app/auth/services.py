"""Sign-in (password, then a TOTP code for enrolled users) with throttling and lockout, re-authentication,
sign-out, password changes. Services flush, never commit.

A wrong password, a wrong code and a reused code are all failures of the same account: each is a
LoginFailure row, counts toward the lockout and is audited as `login_failed`. The failure count is reset
only when the whole sign-in succeeds, so a known password does not buy unlimited guesses at the code."""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

from flask import current_app
from sqlalchemy import delete, func, select

from app import signals
from app.audit import trail
from app.auth import passwords, totp
from app.auth.models import LoginFailure, User
from app.auth.sessions import end_all_sessions
from app.db import db, utcnow
from app.errors import Invalid
from app.i18n import gettext as _


class LoginOutcome(Enum):
    OK = "ok"
    CODE_REQUIRED = "code_required"
    BAD_CREDENTIALS = "bad_credentials"
    BAD_CODE = "bad_code"
    THROTTLED = "throttled"


@dataclass
class LoginResult:
    outcome: LoginOutcome
    user: User | None = None
    reason: str | None = None

    @property
    def locked(self) -> bool:
        """The attempt's failure has just locked the account."""
        return self.user is not None and self.user.locked_until is not None and self.user.locked_until > utcnow()


def normalise_username(username: str) -> str:
    return username.strip().lower()


def find_user(username: str) -> User | None:
    return db.session.scalar(select(User).where(User.username == normalise_username(username)))


def _recent_failures(username: str, ip: str) -> tuple[int, int]:
    """The failures within LOGIN_WINDOW for `username`: from every address, and from `ip`."""
    since = utcnow() - current_app.config["LOGIN_WINDOW"]
    row = db.session.execute(
        select(func.count(), func.count().filter(LoginFailure.ip == ip))
        .where(LoginFailure.username == username, LoginFailure.occurred_at >= since)
    ).one()
    return int(row[0] or 0), int(row[1] or 0)


def recent_failures(username: str) -> int:
    """How many failed sign-ins for `username` the throttle counts now (within LOGIN_WINDOW)."""
    return _recent_failures(username, "")[0]


def _throttled(username: str, ip: str, user: User | None) -> str | None:
    """Why an attempt is refused unchecked, or None. Throttled by account and by (address, account), never by
    address alone: every officer of a prison may sign in from one address, and one person's burst of typos
    (or an attacker's guessing) must not shut the others out. Bursts from an address still raise an alert
    (app/oversight/alerts.py)."""
    cfg = current_app.config
    if user is not None and user.locked_until is not None and user.locked_until > utcnow():
        return "account locked after repeated failures"
    for_account, from_address = _recent_failures(username, ip)
    if for_account >= cfg["LOGIN_MAX_FAILURES_PER_ACCOUNT"]:
        return "too many failed sign-ins for this account"
    if from_address >= cfg["LOGIN_MAX_FAILURES_PER_ADDRESS_ACCOUNT"]:
        return "too many failed sign-ins for this account from this address"
    return None


def _take_turn(user: User) -> None:
    """Lock the account's row until the request ends, and read it afresh. Attempts at one account then take
    turns, across threads and hosts: each sees the failures counted before it, so at most the limit reach
    the password check, and no count is lost. FOR NO KEY UPDATE on PostgreSQL, which rows pointing at the
    user (a session, an alert) do not wait for; SQLite renders no lock, its requests already hold the write
    lock from BEGIN IMMEDIATE. Unknown usernames have no row: nothing of theirs is checked anyway. The lock is
    taken on the users row alone (the user may have come with their units, an outer join PostgreSQL cannot lock
    through), then the row is read again."""
    db.session.execute(select(User.id).where(User.id == user.id).with_for_update(key_share=True))
    db.session.refresh(user)


def _refuse_throttled(name: str, ip: str, user: User | None, stage: str) -> LoginResult | None:
    """Take the account's turn, then refuse the attempt (counted, audited, announced) when throttled."""
    if user is not None:
        _take_turn(user)
    reason = _throttled(name, ip, user)
    if reason is None:
        return None
    trail.record("login_failed", object_type="user", object_id=user.id if user else None,
                 details={"username": name, "reason": reason, "stage": stage},
                 actor=trail.Actor(user.id if user else None, name, user.role if user else None))
    # Attempts refused by the lockout still count towards a burst: that is when guessing goes on.
    signals.emit(signals.sign_in_failed, username=name, ip=ip, user=user)
    return LoginResult(LoginOutcome.THROTTLED, user, reason)


def authenticate(username: str, password: str, ip: str) -> LoginResult:
    """Check a sign-in attempt. Every failure is counted and audited.

    Throttled attempts are refused before the password is checked, so guessing stops at the limit. A right
    password of a user with a second factor gives CODE_REQUIRED: nothing is reset or recorded as a
    sign-in until `authenticate_code` accepts the code.
    """
    name = normalise_username(username)[:64]
    user = find_user(name)
    throttled = _refuse_throttled(name, ip, user, "password")
    if throttled is not None:
        return throttled
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
    if user.totp_secret is not None:
        db.session.flush()
        return LoginResult(LoginOutcome.CODE_REQUIRED, user)
    _signed_in(user)
    return LoginResult(LoginOutcome.OK, user)


def authenticate_code(user_id: int, code: str, ip: str) -> LoginResult:
    """The second step of a sign-in: the TOTP code of the user whose password was right.

    A wrong or reused code counts as a failed sign-in (audited with its reason); five lock the account.
    """
    user = db.session.get(User, user_id)
    if user is None or not user.is_active or user.totp_secret is None:
        return LoginResult(LoginOutcome.BAD_CREDENTIALS, None)
    throttled = _refuse_throttled(user.username, ip, user, "code")
    if throttled is not None:
        return throttled
    check = totp.check_code(user, code)
    if check is not totp.CodeCheck.OK:
        _count_failure(user.username, ip, user, reason=check.value, stage="code")
        return LoginResult(LoginOutcome.BAD_CODE, user, check.value)
    _signed_in(user)
    return LoginResult(LoginOutcome.OK, user)


def reauthenticate(user: User, password: str, code: str, ip: str) -> LoginResult:
    """Confirm a signed-in user's identity before a sensitive action: the password, and the code when the
    user has a second factor. Failures count toward the lockout like sign-in failures; success is audited
    as `reauth`."""
    checked = check_own_password(user, password, ip, stage="confirm")
    if checked.outcome is not LoginOutcome.OK:
        return checked
    if user.totp_secret is not None:
        check = totp.check_code(user, code)
        if check is not totp.CodeCheck.OK:
            _count_failure(user.username, ip, user, reason=check.value, stage="confirm")
            return LoginResult(LoginOutcome.BAD_CODE, user, check.value)
    clear_failures(user)
    trail.record("reauth", object_type="user", object_id=user.id,
                 details={"second_factor": user.totp_secret is not None})
    return LoginResult(LoginOutcome.OK, user)


def check_own_password(user: User, password: str, ip: str, *, stage: str) -> LoginResult:
    """A signed-in user's password, checked as a sign-in is: refused unchecked while throttled or locked, and
    a wrong one counted toward the lockout, audited as `login_failed` with `stage` and announced. OK says
    only that the password is right; nothing is reset."""
    throttled = _refuse_throttled(user.username, ip, user, stage)
    if throttled is not None:
        return throttled
    if not passwords.verify_password(user.password_hash, password):
        _count_failure(user.username, ip, user, stage=stage)
        return LoginResult(LoginOutcome.BAD_CREDENTIALS, user, "wrong password")
    return LoginResult(LoginOutcome.OK, user)


def clear_failures(user: User) -> None:
    """End the user's lockout and forget their failed sign-ins from every address (with anyone's that have
    left the window), so that neither the lockout nor either throttle holds them back."""
    user.failed_login_count = 0
    user.locked_until = None
    window_start = utcnow() - current_app.config["LOGIN_WINDOW"]
    db.session.execute(
        delete(LoginFailure).where((LoginFailure.username == user.username) | (LoginFailure.occurred_at < window_start))
    )
    db.session.flush()


def _signed_in(user: User) -> None:
    clear_failures(user)
    user.last_login_at = utcnow()
    db.session.flush()
    trail.record("login", object_type="user", object_id=user.id, actor=trail.Actor(user.id, user.username, user.role))


def _count_failure(name: str, ip: str, user: User | None, *, reason: str | None = None,
                   stage: str = "password") -> None:
    db.session.add(LoginFailure(username=name, ip=ip, occurred_at=utcnow()))
    if reason is None:
        reason = ("unknown username" if user is None
                  else "account disabled" if not user.is_active else "wrong password")
    if user is not None:
        user.failed_login_count += 1
        if user.failed_login_count >= current_app.config["LOGIN_MAX_FAILURES_PER_ACCOUNT"]:
            user.locked_until = utcnow() + current_app.config["LOGIN_LOCKOUT"]
            reason += "; account locked"
    db.session.flush()
    trail.record("login_failed", object_type="user", object_id=user.id if user else None,
                 details={"username": name, "reason": reason, "stage": stage},
                 actor=trail.Actor(user.id if user else None, name, user.role if user else None))
    signals.emit(signals.sign_in_failed, username=name, ip=ip, user=user)


def set_language(user: User, language: str | None) -> None:
    """The user's own language (a code the installation offers), or None for the service's default."""
    if language == user.language:
        return
    before = user.language
    user.language = language
    db.session.flush()
    trail.record("account_language", object_type="user", object_id=user.id,
                 details={"from": before, "to": language})


def record_logout(user: User) -> None:
    trail.record("logout", object_type="user", object_id=user.id)


def set_password(user: User, new_password: str, *, by_admin: bool) -> int:
    """Replace a user's password and end all their sessions. Returns how many sessions were ended.

    Raises Invalid when the password does not meet the policy.
    """
    problems = passwords.password_problems(new_password, user_inputs=[user.username, user.display_name])
    if problems:
        raise Invalid(_("The password does not meet the policy."), field_errors={"new_password": problems})
    user.password_hash = passwords.hash_password(new_password)
    user.password_changed_at = utcnow()
    user.must_change_password = by_admin
    clear_failures(user)  # a new password makes the guesses at the old one moot
    ended = end_all_sessions(user.id)
    trail.record("password_reset" if by_admin else "password_change", object_type="user", object_id=user.id,
                 details={"sessions_ended": ended})
    return ended


def change_own_password(user: User, current_password: str, new_password: str, ip: str) -> LoginResult:
    """Change the signed-in user's password, ending all their sessions. The current password is checked as a
    re-authentication is (`check_own_password`, stage `password_change`), so the form is no way round the
    lockout: a result other than OK says the password was wrong or the account is throttled, and nothing
    changed. Raises Invalid when the new password does not meet the policy or is the current one."""
    checked = check_own_password(user, current_password, ip, stage="password_change")
    if checked.outcome is not LoginOutcome.OK:
        return checked
    if current_password == new_password:
        raise Invalid(_("Choose a password you have not just used."),
                      field_errors={"new_password": [_("Choose a password different from the current one.")]})
    set_password(user, new_password, by_admin=False)
    return checked
