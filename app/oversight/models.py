"""Alerts for supervisors."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import JSON, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.auth.models import Unit, User
from app.db import Base, UTCDateTime, enum_check, utcnow


class AlertKind(StrEnum):
    UNUSUAL_ACCESS = "unusual_access"
    BREAK_GLASS = "break_glass"
    FAILED_LOGINS = "failed_logins"

    @property
    def label(self) -> str:
        return str(_ALERT_LABELS[self.value])


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
