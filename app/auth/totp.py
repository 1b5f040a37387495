"""The TOTP second factor (RFC 6238, with pyotp): secrets, the QR code that carries one, enrolment, and
checking a code so that each one works only once.

A code is accepted for the current 30-second time step and one step either side (clock drift). The step
it matched is stored in `users.totp_last_step`; a code whose step is not after it is refused, so a code
seen over a shoulder or replayed from a proxy log is worth nothing once used. Services flush, never commit.
"""

from __future__ import annotations

import hmac
import re
from datetime import datetime
from enum import Enum

import pyotp
import segno
from flask import current_app
from markupsafe import Markup

from app.audit import trail
from app.auth.models import User
from app.db import db, utcnow
from app.errors import Invalid
from app.i18n import gettext as _

# Steps accepted either side of the current one.
VALID_WINDOW = 1
CODE_PATTERN = re.compile(r"^\d{6}$")


class CodeCheck(Enum):
    OK = "ok"
    WRONG = "wrong code"
    REUSED = "code already used"


def new_secret() -> str:
    return pyotp.random_base32()


def is_secret(value: object) -> bool:
    """A base32 secret of the length new_secret() makes (what the session may hold during enrolment)."""
    return isinstance(value, str) and re.fullmatch(r"[A-Z2-7]{32}", value) is not None


def grouped(secret: str) -> str:
    """The secret in groups of four, as authenticator apps accept it typed with spaces."""
    return " ".join(secret[i:i + 4] for i in range(0, len(secret), 4))


def provisioning_uri(secret: str, username: str) -> str:
    return pyotp.TOTP(secret).provisioning_uri(name=username, issuer_name=current_app.config["TOTP_ISSUER"])


def qr_svg(uri: str, label: str) -> Markup:
    """The URI as an inline SVG QR code, made here (no request leaves the server).

    segno's inline SVG carries its colours as attributes, never a `style` attribute, so the page's CSP
    (style-src 'self') does not block it. role="img" with a <title> gives it a text alternative.
    """
    svg = segno.make(uri, error="m").svg_inline(scale=5, border=4, dark="#000", light="#fff",
                                                title=label, svgclass="totp-qr")
    if "style=" in svg:  # pragma: no cover - a segno upgrade that starts emitting styles must be noticed
        raise RuntimeError("the QR code SVG has a style attribute, which the CSP would block")
    # segno escapes the title; the rest is its own markup, with no text from a user.
    return Markup(svg.replace("<svg ", '<svg role="img" ', 1))  # noqa: S704 - generated markup, title escaped


def normalise_code(code: str) -> str:
    """What people type: spaces or a dash between the two halves are fine."""
    return re.sub(r"[\s-]", "", code or "")


def matching_step(secret: str, code: str, at: datetime) -> int | None:
    """The time step whose code `code` is (within the window around `at`), or None."""
    code = normalise_code(code)
    if not CODE_PATTERN.match(code):
        return None
    totp = pyotp.TOTP(secret)
    if not totp.verify(code, for_time=at, valid_window=VALID_WINDOW):
        return None
    now = totp.timecode(at)
    steps = [s for s in range(now - VALID_WINDOW, now + VALID_WINDOW + 1)
             if hmac.compare_digest(totp.generate_otp(s), code)]
    return max(steps) if steps else None


def check_code(user: User, code: str) -> CodeCheck:
    """Check a code of an enrolled user. When it is right and new, its step is stored: it works once."""
    if user.totp_secret is None:
        return CodeCheck.WRONG
    step = matching_step(user.totp_secret, code, utcnow())
    if step is None:
        return CodeCheck.WRONG
    if user.totp_last_step is not None and step <= user.totp_last_step:
        return CodeCheck.REUSED
    user.totp_last_step = step
    db.session.flush()
    return CodeCheck.OK


def enrol(user: User, secret: str, *, step: int | None) -> None:
    """Store a confirmed secret (and the step of the code that confirmed it, which is thereby used)."""
    user.totp_secret = secret
    user.totp_last_step = step
    user.totp_enrolled_at = utcnow()
    db.session.flush()
    trail.record("totp_enrol", object_type="user", object_id=user.id)


def confirm_enrolment(user: User, secret: str, code: str) -> None:
    """Enrol the user if `code` is a current code of `secret`. Raises Invalid otherwise (audited)."""
    step = matching_step(secret, code, utcnow())
    if step is None:
        trail.record("totp_enrol_failed", object_type="user", object_id=user.id, details={"reason": "wrong code"})
        problem = _("That code does not match. Check the key was entered exactly, then type the 6-digit code "
                    "your app shows now.")
        raise Invalid(_("The code does not match."), field_errors={"code": [problem]})
    enrol(user, secret, step=step)
