"""Case conferences: a meeting of a unit, who attended, the people discussed with the decision about each, the
dissent from it by name, and the actions agreed, each owned by a user with a due date."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import CheckConstraint, Date, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.auth.models import Unit, User
from app.db import Base, UTCDateTime, enum_check, utcnow
from app.i18n import lazy_gettext as _l
from app.subjects.models import Subject


class ConferenceKind(StrEnum):
    CASE_REVIEW = "case_review"
    MULTI_AGENCY_PANEL = "multi_agency_panel"
    PRE_RELEASE_PLANNING = "pre_release_planning"

    @property
    def label(self) -> str:
        return str(KIND_LABELS[self])


class Attendance(StrEnum):
    ATTENDED = "attended"
    APOLOGIES = "apologies"

    @property
    def label(self) -> str:
        return str(ATTENDANCE_LABELS[self])


class ActionStatus(StrEnum):
    OPEN = "open"
    DONE = "done"
    CANCELLED = "cancelled"

    @property
    def label(self) -> str:
        return str(STATUS_LABELS[self])


KIND_LABELS = {ConferenceKind.CASE_REVIEW: _l("Case review"),
                ConferenceKind.MULTI_AGENCY_PANEL: _l("Multi-agency panel"),
                ConferenceKind.PRE_RELEASE_PLANNING: _l("Pre-release planning")}
ATTENDANCE_LABELS = {Attendance.ATTENDED: _l("Attended"), Attendance.APOLOGIES: _l("Sent apologies")}
STATUS_LABELS = {ActionStatus.OPEN: _l("Open"), ActionStatus.DONE: _l("Done"),
                  ActionStatus.CANCELLED: _l("Cancelled")}


# The role Waypoint records for a conference's chair among its attendees (stored as is, shown translated).
CHAIR_ROLE = "Chair"


class Conference(Base):
    __tablename__ = "conferences"
    __table_args__ = (
        enum_check("kind", ConferenceKind, "kind"),
        CheckConstraint("version >= 1", name="version_positive"),
        Index("ix_conferences_unit_id_held_on", "unit_id", "held_on"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id", ondelete="RESTRICT"))
    held_on: Mapped[date] = mapped_column(Date)
    kind: Mapped[str] = mapped_column(String(32))
    chair_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    version: Mapped[int] = mapped_column(Integer, default=1)

    unit: Mapped[Unit] = relationship()
    chair: Mapped[User] = relationship(foreign_keys=[chair_id])
    created_by: Mapped[User] = relationship(foreign_keys=[created_by_id])
    attendees: Mapped[list[ConferenceAttendee]] = relationship(
        back_populates="conference", cascade="all, delete-orphan", order_by="ConferenceAttendee.id")
    discussions: Mapped[list[Discussion]] = relationship(
        back_populates="conference", cascade="all, delete-orphan", order_by="Discussion.id")

    @property
    def kind_label(self) -> str:
        return ConferenceKind(self.kind).label


class ConferenceAttendee(Base):
    """A user of Waypoint or an outside participant. The name is kept as recorded (a user's name at the time),
    so the minutes and the subject-access report show who was there even after the user is renamed."""

    __tablename__ = "conference_attendees"
    __table_args__ = (
        enum_check("attendance", Attendance, "attendance"),
        UniqueConstraint("conference_id", "user_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    conference_id: Mapped[int] = mapped_column(ForeignKey("conferences.id", ondelete="CASCADE"))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    name: Mapped[str] = mapped_column(String(200))
    agency: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(200), default="")
    attendance: Mapped[str] = mapped_column(String(16))

    conference: Mapped[Conference] = relationship(back_populates="attendees")

    @property
    def attendance_label(self) -> str:
        return Attendance(self.attendance).label

    @property
    def role_shown(self) -> str:
        """The role as recorded, but the chair's (which Waypoint records, as CHAIR_ROLE) in the reader's language."""
        return str(_l("Chair")) if self.role == CHAIR_ROLE else self.role

    @property
    def described(self) -> str:
        """"Dr Ruth Okafor (Eastern NHS Trust, forensic psychologist)": the name as the minutes print it."""
        details = ", ".join(part for part in (self.agency, self.role_shown) if part)
        return f"{self.name} ({details})" if details else self.name


class Discussion(Base):
    """One person discussed at a conference: what was presented, the discussion, and the decision (a code of
    the configured list, app/conferences/decisions.py) with its rationale."""

    __tablename__ = "conference_discussions"
    __table_args__ = (
        UniqueConstraint("conference_id", "subject_id"),
        CheckConstraint("version >= 1", name="version_positive"),
        Index("ix_conference_discussions_subject_id", "subject_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    conference_id: Mapped[int] = mapped_column(ForeignKey("conferences.id", ondelete="CASCADE"))
    subject_id: Mapped[int] = mapped_column(ForeignKey("subjects.id", ondelete="CASCADE"))
    presented: Mapped[str] = mapped_column(Text, default="")
    notes: Mapped[str] = mapped_column(Text, default="")
    decision: Mapped[str | None] = mapped_column(String(32))
    rationale: Mapped[str] = mapped_column(Text, default="")
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    added_by_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    added_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    version: Mapped[int] = mapped_column(Integer, default=1)

    conference: Mapped[Conference] = relationship(back_populates="discussions")
    subject: Mapped[Subject] = relationship()
    decided_by: Mapped[User | None] = relationship(foreign_keys=[decided_by_id])
    dissents: Mapped[list[Dissent]] = relationship(
        back_populates="discussion", cascade="all, delete-orphan", order_by="Dissent.id")
    actions: Mapped[list[ConferenceAction]] = relationship(
        back_populates="discussion", cascade="all, delete-orphan", order_by="ConferenceAction.id")


class Dissent(Base):
    """An attendee who disagreed with the decision, by name as recorded, and their view."""

    __tablename__ = "conference_dissents"
    __table_args__ = (UniqueConstraint("discussion_id", "attendee_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    discussion_id: Mapped[int] = mapped_column(ForeignKey("conference_discussions.id", ondelete="CASCADE"))
    attendee_id: Mapped[int] = mapped_column(ForeignKey("conference_attendees.id", ondelete="CASCADE"))
    view: Mapped[str] = mapped_column(Text)
    recorded_by_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    discussion: Mapped[Discussion] = relationship(back_populates="dissents")
    attendee: Mapped[ConferenceAttendee] = relationship()


class ConferenceAction(Base):
    """An action agreed for a person discussed: owned by a user who has access to the person, due on a date,
    open until done or cancelled with a note. Overdue is not stored: it is an open action past its date."""

    __tablename__ = "conference_actions"
    __table_args__ = (
        enum_check("status", ActionStatus, "status"),
        CheckConstraint("version >= 1", name="version_positive"),
        Index("ix_conference_actions_owner_id_status", "owner_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    discussion_id: Mapped[int] = mapped_column(ForeignKey("conference_discussions.id", ondelete="CASCADE"))
    description: Mapped[str] = mapped_column(Text)
    owner_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    due_on: Mapped[date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(16), default=ActionStatus.OPEN.value)
    note: Mapped[str] = mapped_column(Text, default="")  # how it was done, or why it was cancelled
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    version: Mapped[int] = mapped_column(Integer, default=1)

    discussion: Mapped[Discussion] = relationship(back_populates="actions")
    owner: Mapped[User] = relationship(foreign_keys=[owner_id])
    closed_by: Mapped[User | None] = relationship(foreign_keys=[closed_by_id])

    @property
    def status_label(self) -> str:
        return ActionStatus(self.status).label

    @property
    def is_open(self) -> bool:
        return self.status == ActionStatus.OPEN

    def overdue_on(self, today: date) -> bool:
        return self.is_open and self.due_on < today
