"""Subjects (the people Waypoint records), their movements, allocations, alerts and break-glass access."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import CheckConstraint, Date, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.auth.models import Unit, User
from app.db import Base, UTCDateTime, enum_check, utcnow
from app.i18n import gettext
from app.i18n import lazy_gettext as _l


class CustodyStatus(StrEnum):
    REMAND = "remand"
    SENTENCED = "sentenced"
    COMMUNITY_SENTENCE = "community_sentence"
    RELEASED_ON_LICENCE = "released_on_licence"
    ENDED = "ended"

    @property
    def label(self) -> str:
        return str(STATUS_LABELS[self.value])


class OffenceCategory(StrEnum):
    VIOLENCE = "violence"
    SEXUAL = "sexual"
    ROBBERY = "robbery"
    THEFT_BURGLARY = "theft_burglary"
    FRAUD = "fraud"
    DRUGS = "drugs"
    WEAPONS = "weapons"
    PUBLIC_ORDER = "public_order"
    CRIMINAL_DAMAGE = "criminal_damage"
    TERRORISM = "terrorism"
    ORGANISED_CRIME = "organised_crime"
    OTHER = "other"

    @property
    def label(self) -> str:
        return str(OFFENCE_LABELS[self.value])


class AlertCode(StrEnum):
    SELF_HARM = "self_harm"
    VIOLENCE = "violence"
    ESCAPE = "escape"
    VULNERABLE = "vulnerable"
    KEEP_APART = "keep_apart"
    INTERPRETER = "interpreter"

    @property
    def label(self) -> str:
        return str(ALERT_LABELS[self.value])


# The labels users read, in the current language (lazy: evaluated when shown). The codes above are stored.
STATUS_LABELS = {
    "remand": _l("Remand"),
    "sentenced": _l("Sentenced (in custody)"),
    "community_sentence": _l("Community sentence"),
    "released_on_licence": _l("Released on licence"),
    "ended": _l("Ended"),
}
OFFENCE_LABELS = {
    "violence": _l("Violence"),
    "sexual": _l("Sexual"),
    "robbery": _l("Robbery"),
    "theft_burglary": _l("Theft or burglary"),
    "fraud": _l("Fraud"),
    "drugs": _l("Drugs"),
    "weapons": _l("Weapons"),
    "public_order": _l("Public order"),
    "criminal_damage": _l("Criminal damage"),
    "terrorism": _l("Terrorism-related"),
    "organised_crime": _l("Organised crime"),
    "other": _l("Other"),
}
ALERT_LABELS = {
    "self_harm": _l("Risk of self-harm"),
    "violence": _l("Risk of violence to others"),
    "escape": _l("Escape risk"),
    "vulnerable": _l("Vulnerable adult"),
    "keep_apart": _l("Keep apart from named others"),
    "interpreter": _l("Needs an interpreter"),
}


class Subject(Base):
    """A person in custody or under supervision. Special-category data is never a field here."""

    __tablename__ = "subjects"
    __table_args__ = (
        enum_check("status", CustodyStatus, "status"),
        enum_check("index_offence_category", OffenceCategory, "offence_category"),
        CheckConstraint("version >= 1", name="version_positive"),
        # The unit list: keyset pagination in name order within a unit.
        Index("ix_subjects_unit_id_family_name_given_name_id", "unit_id", "family_name", "given_name", "id"),
        Index("ix_subjects_case_owner_id_next_review_due", "case_owner_id", "next_review_due"),
        Index("ix_subjects_unit_id_next_review_due", "unit_id", "next_review_due"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    reference: Mapped[str] = mapped_column(String(20), unique=True)
    given_name: Mapped[str] = mapped_column(String(100))
    family_name: Mapped[str] = mapped_column(String(100))
    # casefold("given family"): case-insensitive search that works the same on SQLite and PostgreSQL.
    name_search: Mapped[str] = mapped_column(String(210), index=True)
    date_of_birth: Mapped[date] = mapped_column(Date)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id", ondelete="RESTRICT"))
    status: Mapped[str] = mapped_column(String(32))
    index_offence_category: Mapped[str] = mapped_column(String(32))
    sentence_date: Mapped[date | None] = mapped_column(Date)
    release_date: Mapped[date | None] = mapped_column(Date)
    case_owner_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    next_review_due: Mapped[date | None] = mapped_column(Date)
    # Where the person is within their unit (all optional; cleared on a transfer): read by keep-apart checks.
    wing: Mapped[str | None] = mapped_column(String(40))
    landing: Mapped[str | None] = mapped_column(String(40))
    cell: Mapped[str | None] = mapped_column(String(40))
    # Set when a screening refers the person for a full assessment; cleared when one is approved.
    assessment_needed_since: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    # Set when the record was erased: the row stays, anonymised, so that the audit trail still points
    # somewhere; everything personal is gone.
    erased_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    version: Mapped[int] = mapped_column(Integer, default=1)

    unit: Mapped[Unit] = relationship()
    case_owner: Mapped[User | None] = relationship()
    alerts: Mapped[list[SubjectAlert]] = relationship(
        back_populates="subject", cascade="all, delete-orphan", order_by="SubjectAlert.code"
    )
    movements: Mapped[list[Movement]] = relationship(
        back_populates="subject", cascade="all, delete-orphan", order_by="Movement.recorded_at"
    )

    @property
    def full_name(self) -> str:
        return f"{self.given_name} {self.family_name}"

    @property
    def status_label(self) -> str:
        return CustodyStatus(self.status).label

    @property
    def offence_label(self) -> str:
        return OffenceCategory(self.index_offence_category).label

    @property
    def alert_codes(self) -> list[str]:
        return [a.code for a in self.alerts]

    @property
    def location_label(self) -> str:
        """Where the person is within their unit, as staff say it ("wing B, landing 2, cell 14"), or ""."""
        return location_text(self.wing, self.landing, self.cell)


def location_text(wing: str | None, landing: str | None, cell: str | None) -> str:
    """A place within a unit in the current language ("wing B, landing 2, cell 14"), or "" when none is given."""
    parts = [gettext("wing %(name)s", name=wing) if wing else "",
             gettext("landing %(name)s", name=landing) if landing else "",
             gettext("cell %(name)s", name=cell) if cell else ""]
    return str(gettext(", ")).join(p for p in parts if p)


class SubjectAlert(Base):
    __tablename__ = "subject_alerts"
    __table_args__ = (
        UniqueConstraint("subject_id", "code"),
        enum_check("code", AlertCode, "code"),
        Index("ix_subject_alerts_code_subject_id", "code", "subject_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    subject_id: Mapped[int] = mapped_column(ForeignKey("subjects.id", ondelete="CASCADE"))
    code: Mapped[str] = mapped_column(String(32))

    subject: Mapped[Subject] = relationship(back_populates="alerts")

    @property
    def label(self) -> str:
        return AlertCode(self.code).label


class Movement(Base):
    """A transfer between units or a change of custody status (release, end of supervision)."""

    __tablename__ = "movements"

    id: Mapped[int] = mapped_column(primary_key=True)
    subject_id: Mapped[int] = mapped_column(ForeignKey("subjects.id", ondelete="CASCADE"), index=True)
    from_unit_id: Mapped[int] = mapped_column(ForeignKey("units.id", ondelete="RESTRICT"))
    to_unit_id: Mapped[int] = mapped_column(ForeignKey("units.id", ondelete="RESTRICT"))
    from_status: Mapped[str] = mapped_column(String(32))
    to_status: Mapped[str] = mapped_column(String(32))
    moved_on: Mapped[date] = mapped_column(Date)
    reason: Mapped[str] = mapped_column(Text)
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    subject: Mapped[Subject] = relationship(back_populates="movements")
    from_unit: Mapped[Unit] = relationship(foreign_keys=[from_unit_id])
    to_unit: Mapped[Unit] = relationship(foreign_keys=[to_unit_id])
    recorded_by: Mapped[User | None] = relationship()


class Allocation(Base):
    """A change of case owner, kept as history."""

    __tablename__ = "allocations"

    id: Mapped[int] = mapped_column(primary_key=True)
    subject_id: Mapped[int] = mapped_column(ForeignKey("subjects.id", ondelete="CASCADE"), index=True)
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    previous_owner_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    allocated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    allocated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    note: Mapped[str] = mapped_column(Text, default="")

    owner: Mapped[User | None] = relationship(foreign_keys=[owner_id])
    previous_owner: Mapped[User | None] = relationship(foreign_keys=[previous_owner_id])
    allocated_by: Mapped[User | None] = relationship(foreign_keys=[allocated_by_id])


class BreakGlassAccess(Base):
    """Recorded access to a subject outside the user's scope, with the reason given; time-limited."""

    __tablename__ = "break_glass_accesses"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"), index=True)
    subject_id: Mapped[int] = mapped_column(ForeignKey("subjects.id", ondelete="CASCADE"), index=True)
    # The subject's unit at the time: whose supervisors review it.
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id", ondelete="RESTRICT"), index=True)
    reason: Mapped[str] = mapped_column(Text)
    granted_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    reviewed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    reviewed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user: Mapped[User] = relationship(foreign_keys=[user_id])
    subject: Mapped[Subject] = relationship()
    unit: Mapped[Unit] = relationship()
    reviewed_by: Mapped[User | None] = relationship(foreign_keys=[reviewed_by_id])
