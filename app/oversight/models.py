"""Alerts for supervisors."""

from __future__ import annotations

import re
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.auth.models import Unit, User
from app.db import Base, UTCDateTime, enum_check, utcnow
from app.i18n import gettext as _
from app.i18n import lazy_gettext as _l


class AlertKind(StrEnum):
    UNUSUAL_ACCESS = "unusual_access"
    BREAK_GLASS = "break_glass"
    FAILED_LOGINS = "failed_logins"

    @property
    def label(self) -> str:
        return str(_ALERT_LABELS[self.value])


# The summaries app/oversight/alerts.py writes (in English, as stored), read back to be shown in the reader's
# language. A summary that matches none (cleared at an erasure, written by an older version) is shown as stored.
_UNUSUAL = re.compile(r"(?P<who>.+) opened people's records (?P<views>\d+) times within (?P<minutes>\d+) minutes\.")
_BREAK_GLASS = re.compile(
    r"(?P<who>.+?) opened the record of (?P<reference>\S+) by break-glass\. Reason: (?P<reason>.*)", re.DOTALL)
_FROM_ADDRESS = re.compile(
    r"(?P<failures>\d+) failed sign-ins from the address (?P<ip>\S+) within (?P<minutes>\d+) minutes\.")
_FOR_ACCOUNT = re.compile(r"(?P<failures>\d+) failed sign-ins for (?P<account>.+) within (?P<minutes>\d+) minutes\.")
_UNKNOWN_USERNAME = re.compile(r"the unknown username “(?P<username>.*)”")
_CLEARED = {"(about a record since erased)": _l("(about a record since erased)"),
            "(named a record since erased)": _l("(named a record since erased)")}


def shown_summary(kind: str, summary: str) -> str:
    """An alert's summary in the reader's language, read from the English one stored."""
    if summary in _CLEARED:
        return str(_CLEARED[summary])
    if kind == AlertKind.UNUSUAL_ACCESS and (m := _UNUSUAL.fullmatch(summary)):
        return str(_("%(who)s opened people's records %(views)s times within %(minutes)s minutes.",
                     who=m["who"], views=m["views"], minutes=m["minutes"]))
    if kind == AlertKind.BREAK_GLASS and (m := _BREAK_GLASS.fullmatch(summary)):
        return str(_("%(who)s opened the record of %(reference)s by break-glass. Reason: %(reason)s",
                     who=m["who"], reference=m["reference"], reason=m["reason"]))
    if kind == AlertKind.FAILED_LOGINS and (m := _FROM_ADDRESS.fullmatch(summary)):
        return str(_("%(failures)s failed sign-ins from the address %(ip)s within %(minutes)s minutes.",
                     failures=m["failures"], ip=m["ip"], minutes=m["minutes"]))
    if kind == AlertKind.FAILED_LOGINS and (m := _FOR_ACCOUNT.fullmatch(summary)):
        account = m["account"]
        if unknown := _UNKNOWN_USERNAME.fullmatch(account):
            account = _("the unknown username “%(username)s”", username=unknown["username"])
        return str(_("%(failures)s failed sign-ins for %(account)s within %(minutes)s minutes.",
                     failures=m["failures"], account=account, minutes=m["minutes"]))
    return summary


_ALERT_LABELS = {"unusual_access": _l("Unusual access"), "break_glass": _l("Break-glass access"),
                 "failed_logins": _l("Burst of failed sign-ins")}


class Alert(Base):
    """Something a supervisor must look at; acknowledged with a note."""

    __tablename__ = "alerts"
    __table_args__ = (
        enum_check("kind", AlertKind, "kind"),
        Index("ix_alerts_unit_id_acknowledged_at", "unit_id", "acknowledged_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(32))
    raised_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    # Who it is about (the user whose behaviour raised it), whose supervisors see it, which record.
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id", ondelete="SET NULL"))
    subject_id: Mapped[int | None] = mapped_column(ForeignKey("subjects.id", ondelete="SET NULL"))
    summary: Mapped[str] = mapped_column(String(300))
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    acknowledged_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    acknowledged_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    note: Mapped[str] = mapped_column(Text, default="")

    user: Mapped[User | None] = relationship(foreign_keys=[user_id])
    unit: Mapped[Unit | None] = relationship()
    acknowledged_by: Mapped[User | None] = relationship(foreign_keys=[acknowledged_by_id])

    @property
    def kind_label(self) -> str:
        return AlertKind(self.kind).label

    @property
    def shown_summary(self) -> str:
        """The summary in the reader's language (stored in English)."""
        return shown_summary(self.kind, self.summary)
