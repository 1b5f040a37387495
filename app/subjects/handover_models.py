"""Handovers on transfer, and the record of users who left work behind in a unit.

A move between units opens a `Handover`: the sending supervisor's note for the receiving team and, per open
piece of work (any registered work kind), who took it over or why it ended (`HandoverItem`). The receiving
unit's supervisors acknowledge it. A `Departure` is opened when a user is disabled or leaves a unit, so that the
unit's supervisors are shown the work they left there until every piece of it has a new owner.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.auth.models import Unit, User
from app.db import Base, UTCDateTime, enum_check, utcnow
from app.i18n import lazy_gettext as _l
from app.subjects.models import Subject


class Handover(Base):
    __tablename__ = "handovers"
    __table_args__ = (Index("ix_handovers_to_unit_id_acknowledged_at", "to_unit_id", "acknowledged_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    subject_id: Mapped[int] = mapped_column(ForeignKey("subjects.id", ondelete="CASCADE"), index=True)
    movement_id: Mapped[int | None] = mapped_column(ForeignKey("movements.id", ondelete="CASCADE"))
    from_unit_id: Mapped[int] = mapped_column(ForeignKey("units.id", ondelete="RESTRICT"))
    to_unit_id: Mapped[int] = mapped_column(ForeignKey("units.id", ondelete="RESTRICT"))
    note: Mapped[str] = mapped_column(Text, default="")
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    acknowledged_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    acknowledged_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    subject: Mapped[Subject] = relationship()
    from_unit: Mapped[Unit] = relationship(foreign_keys=[from_unit_id])
    to_unit: Mapped[Unit] = relationship(foreign_keys=[to_unit_id])
    created_by: Mapped[User] = relationship(foreign_keys=[created_by_id])
    acknowledged_by: Mapped[User | None] = relationship(foreign_keys=[acknowledged_by_id])
    items: Mapped[list[HandoverItem]] = relationship(back_populates="handover", order_by="HandoverItem.id",
                                                     cascade="all, delete-orphan")


class HandoverOutcome(StrEnum):
    KEPT = "kept"
    REASSIGNED = "reassigned"
    ENDED = "ended"
    RELEASED = "released"  # the move itself ended it (a case owner without access: the case left unallocated)

    @property
    def label(self) -> str:
        return str(_OUTCOME_LABELS[self.value])


_OUTCOME_LABELS = {"kept": _l("Kept by its owner"), "reassigned": _l("Handed to a new owner"), "ended": _l("Ended"),
                   "released": _l("Left unallocated for the receiving unit")}


class HandoverItem(Base):
    """One piece of open work at the time of the move, and what became of it."""

    __tablename__ = "handover_items"
    __table_args__ = (enum_check("outcome", HandoverOutcome, "outcome"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    handover_id: Mapped[int] = mapped_column(ForeignKey("handovers.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(40))
    item_id: Mapped[int]
    title: Mapped[str] = mapped_column(String(300))
    previous_owner_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    new_owner_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    outcome: Mapped[str] = mapped_column(String(16))
    end_reason: Mapped[str] = mapped_column(Text, default="")

    handover: Mapped[Handover] = relationship(back_populates="items")
    previous_owner: Mapped[User | None] = relationship(foreign_keys=[previous_owner_id])
    new_owner: Mapped[User | None] = relationship(foreign_keys=[new_owner_id])

    @property
    def outcome_label(self) -> str:
        return HandoverOutcome(self.outcome).label


class DepartureReason(StrEnum):
    DISABLED = "disabled"
    LEFT_UNIT = "left_unit"

    @property
    def label(self) -> str:
        return str(_DEPARTURE_LABELS[self.value])


_DEPARTURE_LABELS = {"disabled": _l("Account disabled"), "left_unit": _l("Removed from the unit")}


class Departure(Base):
    """A user who stopped working the cases of a unit; open (cleared_at empty) while they leave work there."""

    __tablename__ = "departures"
    __table_args__ = (enum_check("reason", DepartureReason, "reason"),
                      Index("ix_departures_unit_id_cleared_at", "unit_id", "cleared_at"))

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"), index=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id", ondelete="RESTRICT"))
    reason: Mapped[str] = mapped_column(String(16))
    departed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    cleared_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user: Mapped[User] = relationship(foreign_keys=[user_id])
    unit: Mapped[Unit] = relationship(foreign_keys=[unit_id])

    @property
    def reason_label(self) -> str:
        return DepartureReason(self.reason).label
