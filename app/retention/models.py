"""Erasure requests, and the marker that lets the database triggers allow an erasure's deletions."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.auth.models import User
from app.db import Base, UTCDateTime, enum_check, utcnow
from app.i18n import lazy_gettext as _l


class ErasureStatus(StrEnum):
    REQUESTED = "requested"
    COMPLETED = "completed"
    CANCELLED = "cancelled"

    @property
    def label(self) -> str:
        """The request's status in the reader's language."""
        return str(_STATUS_LABELS[self.value])


_STATUS_LABELS = {"requested": _l("Requested"), "completed": _l("Completed"), "cancelled": _l("Cancelled")}


class ErasureRequest(Base):
    """Step one (a supervisor asks, with a reason) and step two (a supervisor confirms) of an erasure."""

    __tablename__ = "erasure_requests"
    __table_args__ = (enum_check("status", ErasureStatus, "status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    subject_id: Mapped[int] = mapped_column(ForeignKey("subjects.id", ondelete="RESTRICT"), index=True)
    status: Mapped[str] = mapped_column(String(16), default=ErasureStatus.REQUESTED.value)
    reason: Mapped[str] = mapped_column(Text)
    requested_by_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    confirmed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    counts: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)

    requested_by: Mapped[User] = relationship(foreign_keys=[requested_by_id])
    confirmed_by: Mapped[User | None] = relationship(foreign_keys=[confirmed_by_id])


class ErasureInProgress(Base):
    """Present only inside an erasure's transaction: the immutability triggers of approved assessments
    let that one subject's rows be deleted while it is there."""

    __tablename__ = "erasures_in_progress"

    subject_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
