"""Password hashing (Argon2id, argon2-cffi) and the password policy (length and zxcvbn strength)."""

from __future__ import annotations

from argon2 import PasswordHasher, Type
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app
from zxcvbn import zxcvbn

from app.i18n import gettext as _
from app.i18n import lazy_gettext as _l

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


# zxcvbn's feedback (its English), in the catalogues: a warning or suggestion not listed here is shown as it is.
ZXCVBN_FEEDBACK = {
    "A word by itself is easy to guess.":
        _l("A word by itself is easy to guess."),
    "Add another word or two. Uncommon words are better.":
        _l("Add another word or two. Uncommon words are better."),
    "All-uppercase is almost as easy to guess as all-lowercase.":
        _l("All-uppercase is almost as easy to guess as all-lowercase."),
    "Avoid dates and years that are associated with you.":
        _l("Avoid dates and years that are associated with you."),
    "Avoid recent years.":
        _l("Avoid recent years."),
    "Avoid repeated words and characters.":
        _l("Avoid repeated words and characters."),
    "Avoid sequences.":
        _l("Avoid sequences."),
    "Avoid years that are associated with you.":
        _l("Avoid years that are associated with you."),
    "Capitalization doesn't help very much.":
        _l("Capitalization doesn't help very much."),
    "Common names and surnames are easy to guess.":
        _l("Common names and surnames are easy to guess."),
    "Dates are often easy to guess.":
        _l("Dates are often easy to guess."),
    "Names and surnames by themselves are easy to guess.":
        _l("Names and surnames by themselves are easy to guess."),
    "No need for symbols, digits, or uppercase letters.":
        _l("No need for symbols, digits, or uppercase letters."),
    "Predictable substitutions like '@' instead of 'a' don't help very much.":
        _l("Predictable substitutions like '@' instead of 'a' don't help very much."),
    "Recent years are easy to guess.":
        _l("Recent years are easy to guess."),
    'Repeats like "aaa" are easy to guess.':
        _l('Repeats like "aaa" are easy to guess.'),
    'Repeats like "abcabcabc" are only slightly harder to guess than "abc".':
        _l('Repeats like "abcabcabc" are only slightly harder to guess than "abc".'),
    "Reversed words aren't much harder to guess.":
        _l("Reversed words aren't much harder to guess."),
    'Sequences like "abc" or "6543" are easy to guess.':
        _l('Sequences like "abc" or "6543" are easy to guess.'),
    "Short keyboard patterns are easy to guess.":
        _l("Short keyboard patterns are easy to guess."),
    "Straight rows of keys are easy to guess.":
        _l("Straight rows of keys are easy to guess."),
    "This is a top-10 common password.":
        _l("This is a top-10 common password."),
    "This is a top-100 common password.":
        _l("This is a top-100 common password."),
    "This is a very common password.":
        _l("This is a very common password."),
    "This is similar to a commonly used password.":
        _l("This is similar to a commonly used password."),
    "Use a few words, avoid common phrases.":
        _l("Use a few words, avoid common phrases."),
    "Use a longer keyboard pattern with more turns.":
        _l("Use a longer keyboard pattern with more turns."),
}


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
        problems[0] += f" {_feedback(feedback['warning'].rstrip('.') + '.')}"
    problems.extend(_feedback(text) for text in feedback.get("suggestions") or [])
    return problems


def _feedback(text: str) -> str:
    return str(ZXCVBN_FEEDBACK.get(text, text))
