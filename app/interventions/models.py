"""Interventions, their goals, sessions and the observations staff record about a person."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import CheckConstraint, Date, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.auth.models import User
from app.db import Base, UTCDateTime, enum_check, utcnow
from app.i18n import lazy_gettext as _l
from app.i18n import lazy_pgettext
from app.subjects.models import Subject


class InterventionType(StrEnum):
    MENTORING = "mentoring"
    DIALOGUE = "ideological_dialogue"
    EDUCATION = "education"
    VOCATIONAL = "vocational_training"
    FAMILY = "family_support"
    MENTAL_HEALTH = "mental_health_support"
    DESISTANCE = "desistance_programme"
    EXIT = "exit_programme"
    OTHER = "other"

    @property
    def label(self) -> str:
        return str(_TYPE_LABELS[self])


_TYPE_LABELS = {
    InterventionType.MENTORING: _l("Mentoring"),
    InterventionType.DIALOGUE: _l("Ideological or theological dialogue"),
    InterventionType.EDUCATION: _l("Education"),
    InterventionType.VOCATIONAL: _l("Vocational training"),
    InterventionType.FAMILY: _l("Family support"),
    InterventionType.MENTAL_HEALTH: _l("Mental health support"),
    InterventionType.DESISTANCE: _l("Desistance programme"),
    InterventionType.EXIT: _l("Exit programme"),
    InterventionType.OTHER: _l("Other"),
}


class InterventionStatus(StrEnum):
    REFERRED = "referred"
    ACCEPTED = "accepted"
    ACTIVE = "active"
    COMPLETED = "completed"
    WITHDRAWN = "withdrawn"
    DECLINED = "declined"

    @property
    def label(self) -> str:
        return str(_STATUS_LABELS[self])


_STATUS_LABELS = {
    InterventionStatus.REFERRED: _l("Referred"),
    InterventionStatus.ACCEPTED: _l("Accepted"),
    InterventionStatus.ACTIVE: lazy_pgettext("intervention", "Active"),
    InterventionStatus.COMPLETED: _l("Completed"),
    InterventionStatus.WITHDRAWN: _l("Withdrawn"),
    InterventionStatus.DECLINED: _l("Declined"),
}


# The lifecycle: which status may follow which. Withdrawals and declines need a reason.
TRANSITIONS: dict[str, tuple[str, ...]] = {
    "referred": ("accepted", "declined", "withdrawn"),
    "accepted": ("active", "withdrawn"),
    "active": ("completed", "withdrawn"),
    "completed": (),
    "withdrawn": (),
    "declined": (),
}
NEEDS_REASON = frozenset({"withdrawn", "declined"})
OPEN_STATUSES = ("referred", "accepted", "active")


class Attendance(StrEnum):
    ATTENDED = "attended"
    LATE = "late"
    MISSED_ACCEPTABLE = "missed_acceptable"
    MISSED_UNACCEPTABLE = "missed_unacceptable"
    CANCELLED_BY_PROVIDER = "cancelled_by_provider"

    @property
    def label(self) -> str:
        return str(_ATTENDANCE_LABELS[self.value])

    @property
    def present(self) -> bool:
        return self in (Attendance.ATTENDED, Attendance.LATE)


_ATTENDANCE_LABELS = {
    "attended": _l("Attended"),
    "late": _l("Attended, late"),
    "missed_acceptable": _l("Missed, with an acceptable reason"),
    "missed_unacceptable": _l("Missed, without an acceptable reason"),
    "cancelled_by_provider": _l("Cancelled by the provider"),
}

# A written anchor for each engagement rating, so that a 3 means the same to every officer (lazy: each reader's
# language; str() one for a plain string).
ENGAGEMENT_ANCHORS: dict[int, Any] = {
    1: _l("1 — Refused to take part, or was hostile throughout"),
    2: _l("2 — Present but withdrawn; took almost no part"),
    3: _l("3 — Took part when prompted; kept to the surface"),
    4: _l("4 — Took part readily and reflected on their own views or conduct"),
    5: _l("5 — Led or deepened the work; applied it beyond the session"),
}


class GoalOutcome(StrEnum):
    ACHIEVED = "achieved"
    PARTLY_ACHIEVED = "partly_achieved"
    NOT_ACHIEVED = "not_achieved"

    @property
    def label(self) -> str:
        return str(_GOAL_LABELS[self.value])


_GOAL_LABELS = {"achieved": _l("Achieved"), "partly_achieved": _l("Partly achieved"),
                "not_achieved": _l("Not achieved")}


class ObservationCategory(StrEnum):
    EXTREMIST_MATERIAL = "extremist_material"
    RECRUITMENT = "recruitment_attempt"
    POSITIVE_ENGAGEMENT = "positive_engagement"
    FAMILY_CONTACT = "family_contact"
    INCIDENT = "incident"
    OTHER = "other"

    @property
    def label(self) -> str:
        return str(_CATEGORY_LABELS[self.value])


_CATEGORY_LABELS = {
    "extremist_material": _l("Contact with extremist material"),
    "recruitment_attempt": _l("Recruitment attempt"),
    "positive_engagement": _l("Positive engagement"),
    "family_contact": _l("Family contact"),
    "incident": _l("Incident"),
    "other": _l("Other"),
}


class Intervention(Base):
    __tablename__ = "interventions"
    __table_args__ = (
        enum_check("type", InterventionType, "type"),
        enum_check("status", InterventionStatus, "status"),
        CheckConstraint("version >= 1", name="version_positive"),
        Index("ix_interventions_subject_id_status", "subject_id", "status"),
        Index("ix_interventions_owner_id_status", "owner_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    subject_id: Mapped[int] = mapped_column(ForeignKey("subjects.id", ondelete="CASCADE"))
    type: Mapped[str] = mapped_column(String(32))
    provider: Mapped[str] = mapped_column(String(200))
    owner_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    status: Mapped[str] = mapped_column(String(16), default=InterventionStatus.REFERRED.value)
    # The approved assessment whose factors this intervention addresses (its items: InterventionFactor).
    assessment_id: Mapped[int | None] = mapped_column(ForeignKey("assessments.id", ondelete="RESTRICT"))
    referred_on: Mapped[date] = mapped_column(Date)
    accepted_on: Mapped[date | None] = mapped_column(Date)
    started_on: Mapped[date | None] = mapped_column(Date)
    ended_on: Mapped[date | None] = mapped_column(Date)
    # When each step was recorded (the dates above are when it happened): orders same-day steps.
    accepted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    end_reason: Mapped[str] = mapped_column(Text, default="")
    outcome_summary: Mapped[str] = mapped_column(Text, default="")
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    version: Mapped[int] = mapped_column(Integer, default=1)

    subject: Mapped[Subject] = relationship()
    owner: Mapped[User] = relationship(foreign_keys=[owner_id])
    created_by: Mapped[User] = relationship(foreign_keys=[created_by_id])
    goals: Mapped[list[InterventionGoal]] = relationship(
        back_populates="intervention", cascade="all, delete-orphan", order_by="InterventionGoal.position")
    factors: Mapped[list[InterventionFactor]] = relationship(
        back_populates="intervention", cascade="all, delete-orphan", order_by="InterventionFactor.item_code")
    sessions: Mapped[list[InterventionSession]] = relationship(
        back_populates="intervention", cascade="all, delete-orphan",
        order_by="(InterventionSession.held_on, InterventionSession.id)")

    @property
    def type_label(self) -> str:
        return InterventionType(self.type).label

    @property
    def status_label(self) -> str:
        return InterventionStatus(self.status).label

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES


class InterventionGoal(Base):
    __tablename__ = "intervention_goals"
    __table_args__ = (
        enum_check("outcome", GoalOutcome, "outcome", or_null=True),
        UniqueConstraint("intervention_id", "position"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    intervention_id: Mapped[int] = mapped_column(ForeignKey("interventions.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(Integer)
    text: Mapped[str] = mapped_column(Text)
    outcome: Mapped[str | None] = mapped_column(String(16))

    intervention: Mapped[Intervention] = relationship(back_populates="goals")


class InterventionFactor(Base):
    __tablename__ = "intervention_factors"
    __table_args__ = (UniqueConstraint("intervention_id", "item_code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    intervention_id: Mapped[int] = mapped_column(ForeignKey("interventions.id", ondelete="CASCADE"))
    item_code: Mapped[str] = mapped_column(String(8))

    intervention: Mapped[Intervention] = relationship(back_populates="factors")


class InterventionSession(Base):
    __tablename__ = "intervention_sessions"
    __table_args__ = (
        enum_check("attendance", Attendance, "attendance"),
        CheckConstraint("engagement IS NULL OR (engagement BETWEEN 1 AND 5)", name="engagement_range"),
        Index("ix_intervention_sessions_intervention_id_held_on", "intervention_id", "held_on"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    intervention_id: Mapped[int] = mapped_column(ForeignKey("interventions.id", ondelete="CASCADE"))
    held_on: Mapped[date] = mapped_column(Date)
    attendance: Mapped[str] = mapped_column(String(32))
    engagement: Mapped[int | None] = mapped_column(Integer)
    notes: Mapped[str] = mapped_column(Text, default="")
    next_steps: Mapped[str] = mapped_column(Text, default="")
    recorded_by_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    intervention: Mapped[Intervention] = relationship(back_populates="sessions")
    recorded_by: Mapped[User] = relationship()

    @property
    def attendance_label(self) -> str:
        return Attendance(self.attendance).label


class Observation(Base):
    """A dated note by staff on behaviour relevant to risk or to disengagement."""

    __tablename__ = "observations"
    __table_args__ = (
        enum_check("category", ObservationCategory, "category"),
        Index("ix_observations_subject_id_observed_on", "subject_id", "observed_on"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    subject_id: Mapped[int] = mapped_column(ForeignKey("subjects.id", ondelete="CASCADE"))
    observed_on: Mapped[date] = mapped_column(Date, index=True)
    category: Mapped[str] = mapped_column(String(32))
    source: Mapped[str] = mapped_column(String(200))
    text: Mapped[str] = mapped_column(Text)
    recorded_by_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    subject: Mapped[Subject] = relationship()
    recorded_by: Mapped[User] = relationship()

    @property
    def category_label(self) -> str:
        return ObservationCategory(self.category).label
