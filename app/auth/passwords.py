"""Password hashing (Argon2id, argon2-cffi) and the password policy (length and zxcvbn strength)."""

from __future__ import annotations

from argon2 import PasswordHasher, Type
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app
from flask_babel import gettext as _
from zxcvbn import zxcvbn

# A constant hash to verify against when the username is unknown, so that timing does not reveal it.
_DUMMY_PASSWORD = "waypoint-timing-equaliser"  # noqa: S105 - not a credential


def hasher() -> PasswordHasher:
    cfg = current_app.config
    return PasswordHasher(
        time_cost=cfg["ARGON2_TIME_COST"],
        memory_cost=cfg["ARGON2_MEMORY_COST"],
        parallelism=cfg["ARGON2_PARALLELISM"],
        type=Type.ID,
    )


def hash_password(password: str) -> str:
    return hasher().hash(password)


def verify_password(stored_hash: str, password: str) -> bool:
    try:
        return hasher().verify(stored_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def burn_verification_time() -> None:
    """Spend what a real verification costs (for unknown usernames)."""
    verify_password(hasher().hash(_DUMMY_PASSWORD), _DUMMY_PASSWORD + "x")


def needs_rehash(stored_hash: str) -> bool:
    return hasher().check_needs_rehash(stored_hash)


def password_problems(password: str, *, user_inputs: list[str] | None = None) -> list[str]:
    """Why a new password is not acceptable; an empty list when it is."""
    cfg = current_app.config
    low, high = cfg["PASSWORD_MIN_LENGTH"], cfg["PASSWORD_MAX_LENGTH"]
    if len(password) < low:
        return [_("Use at least %(num)s characters.", num=low)]
    if len(password) > high:
        return [_("Use at most %(num)s characters.", num=high)]
    inputs = [value for value in (user_inputs or []) if value]
    result = zxcvbn(password, user_inputs=inputs, max_length=high)
    if result["score"] >= cfg["PASSWORD_MIN_SCORE"]:
        return []
    feedback = result.get("feedback") or {}
    problems = [_("This password is too easy to guess.")]
    if feedback.get("warning"):
        problems[0] += f" {feedback['warning'].rstrip('.')}."
    problems.extend(feedback.get("suggestions") or [])
    return problems
