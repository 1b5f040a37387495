"""Accreditation: which user may complete which instrument, until which date (recorded by admins)."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from app import policy
from app.assessments import catalogue
from app.assessments.models import Accreditation
from app.audit import trail
from app.auth.models import User
from app.db import db, utcnow
from app.errors import Invalid
from app.i18n import gettext as _


def grant(user: User | None, instrument_id: str, valid_until: date | None, *, granted_by: User | None,
          date_problem: str | None = None) -> Accreditation:
    """Record an accreditation; Invalid lists every problem at once."""
    errors: dict[str, list[str]] = {}
    if user is None or not policy.works_cases(user) or not user.is_active:
        errors["user"] = [_("Choose an active case worker.")]
    if instrument_id not in {i.id for i in catalogue.all_instruments().values()}:
        errors["instrument"] = [_("Choose an instrument.")]
    if date_problem:
        errors["valid_until"] = [date_problem]
    elif valid_until is None:
        errors["valid_until"] = [_("Enter the date the accreditation ends, for example 2027-11-30.")]
    elif valid_until <= utcnow().date():
        errors["valid_until"] = [_("The end date must be in the future.")]
    if errors:
        raise Invalid(_("The accreditation was not recorded."), field_errors=errors)
    assert user is not None and valid_until is not None  # noqa: S101 - checked above
    row = Accreditation(user_id=user.id, instrument_id=instrument_id, valid_until=valid_until,
                        granted_by_id=granted_by.id if granted_by else None)
    db.session.add(row)
    db.session.flush()
    trail.record("create", object_type="accreditation", object_id=row.id,
                 details={"user_id": user.id, "instrument": instrument_id, "valid_until": valid_until.isoformat()})
    return row


def revoke(row: Accreditation) -> None:
    if row.revoked_at is not None:
        return
    row.revoked_at = utcnow()
    db.session.flush()
    trail.record("revoke", object_type="accreditation", object_id=row.id,
                 details={"user_id": row.user_id, "instrument": row.instrument_id})


def current_rows() -> list[Accreditation]:
    return list(db.session.scalars(select(Accreditation).where(Accreditation.revoked_at.is_(None))
                                   .order_by(Accreditation.instrument_id, Accreditation.valid_until.desc())))
