"""Screenings, assessments (pinned to an instrument version), ratings, accreditations and challenges."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.auth.models import User
from app.db import Base, UTCDateTime, enum_check, utcnow
from app.i18n import lazy_gettext as _l
from app.subjects.models import Subject


class AssessmentStatus(StrEnum):
    DRAFT = "draft"
    SUBMITTED = "submitted"
    APPROVED = "approved"
    SUPERSEDED = "superseded"

    @property
    def label(self) -> str:
        return str(_STATUS_LABELS[self])


_STATUS_LABELS = {AssessmentStatus.DRAFT: _l("Draft"), AssessmentStatus.SUBMITTED: _l("Submitted"),
                  AssessmentStatus.APPROVED: _l("Approved"), AssessmentStatus.SUPERSEDED: _l("Superseded")}


class InstrumentVersion(Base):
    """An instrument version as first registered: a file changed under the same version is refused."""

    __tablename__ = "instrument_versions"
    __table_args__ = (UniqueConstraint("instrument_id", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    instrument_id: Mapped[str] = mapped_column(String(64))
    version: Mapped[str] = mapped_column(String(16))
    kind: Mapped[str] = mapped_column(String(16))
    title: Mapped[str] = mapped_column(String(200))
    content_hash: Mapped[str] = mapped_column(String(64))
    registered_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class ScreeningOutcome(StrEnum):
    NO_CONCERN = "no_concern"
    REFER_FOR_ASSESSMENT = "refer_for_assessment"


class Screening(Base):
    __tablename__ = "screenings"
    __table_args__ = (enum_check("outcome", ScreeningOutcome, "outcome"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    subject_id: Mapped[int] = mapped_column(ForeignKey("subjects.id", ondelete="CASCADE"), index=True)
    instrument_id: Mapped[str] = mapped_column(String(64))
    instrument_version: Mapped[str] = mapped_column(String(16))
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    screened_on: Mapped[date] = mapped_column(Date)
    occasion: Mapped[str] = mapped_column(String(200))
    outcome: Mapped[str] = mapped_column(String(32))
    rationale: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    subject: Mapped[Subject] = relationship()
    author: Mapped[User] = relationship()
    responses: Mapped[list[ScreeningResponse]] = relationship(
        back_populates="screening", cascade="all, delete-orphan", order_by="ScreeningResponse.id"
    )


class ScreeningResponse(Base):
    __tablename__ = "screening_responses"
    __table_args__ = (UniqueConstraint("screening_id", "item_code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    screening_id: Mapped[int] = mapped_column(ForeignKey("screenings.id", ondelete="CASCADE"))
    item_code: Mapped[str] = mapped_column(String(8))
    value: Mapped[str] = mapped_column(String(32))
    note: Mapped[str] = mapped_column(Text, default="")

    screening: Mapped[Screening] = relationship(back_populates="responses")


class Assessment(Base):
    """A structured professional judgement, pinned to the exact instrument version it was made with."""

    __tablename__ = "assessments"
    __table_args__ = (
        enum_check("status", AssessmentStatus, "status"),
        CheckConstraint("version >= 1", name="version_positive"),
        Index("ix_assessments_subject_id_status", "subject_id", "status"),
        # A user's drafts (every dashboard): the author's rows of one status, not every draft in the country.
        Index("ix_assessments_author_id_status", "author_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    subject_id: Mapped[int] = mapped_column(ForeignKey("subjects.id", ondelete="CASCADE"))
    instrument_id: Mapped[str] = mapped_column(String(64))
    instrument_version: Mapped[str] = mapped_column(String(16))
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    status: Mapped[str] = mapped_column(String(16), default=AssessmentStatus.DRAFT.value, index=True)
    overall_judgement: Mapped[str] = mapped_column(String(32), default="")
    rationale: Mapped[str] = mapped_column(Text, default="")
    person_view: Mapped[str] = mapped_column(Text, default="")
    shared_with_person: Mapped[bool] = mapped_column(Boolean, default=False)
    shared_on: Mapped[date | None] = mapped_column(Date)
    review_due: Mapped[date | None] = mapped_column(Date)
    supersedes_id: Mapped[int | None] = mapped_column(ForeignKey("assessments.id", ondelete="RESTRICT"))
    superseded_by_id: Mapped[int | None] = mapped_column(ForeignKey("assessments.id", ondelete="RESTRICT"))
    return_comment: Mapped[str] = mapped_column(Text, default="")
    returned_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    returned_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    approved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    approved_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    # The person's unit when it was last submitted, then when approved: where it was written and countersigned,
    # which a later transfer does not change (None while a draft was never submitted).
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    version: Mapped[int] = mapped_column(Integer, default=1)

    subject: Mapped[Subject] = relationship()
    author: Mapped[User] = relationship(foreign_keys=[author_id])
    approved_by: Mapped[User | None] = relationship(foreign_keys=[approved_by_id])
    returned_by: Mapped[User | None] = relationship(foreign_keys=[returned_by_id])
    supersedes: Mapped[Assessment | None] = relationship(foreign_keys=[supersedes_id], remote_side=[id])
    ratings: Mapped[list[AssessmentRating]] = relationship(
        back_populates="assessment", cascade="all, delete-orphan", order_by="AssessmentRating.id"
    )
    challenges: Mapped[list[Challenge]] = relationship(
        back_populates="assessment", order_by="Challenge.raised_on"
    )
    returns: Mapped[list[AssessmentReturn]] = relationship(
        back_populates="assessment", cascade="all, delete-orphan", order_by="AssessmentReturn.id"
    )

    @property
    def status_enum(self) -> AssessmentStatus:
        return AssessmentStatus(self.status)

    @property
    def locked(self) -> bool:
        return self.status in (AssessmentStatus.APPROVED, AssessmentStatus.SUPERSEDED)

    def rating_for(self, item_code: str) -> AssessmentRating | None:
        return next((r for r in self.ratings if r.item_code == item_code), None)


class AssessmentRating(Base):
    __tablename__ = "assessment_ratings"
    __table_args__ = (UniqueConstraint("assessment_id", "item_code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    assessment_id: Mapped[int] = mapped_column(ForeignKey("assessments.id", ondelete="CASCADE"))
    item_code: Mapped[str] = mapped_column(String(8))
    rating: Mapped[str] = mapped_column(String(32), default="")
    evidence: Mapped[str] = mapped_column(Text, default="")

    assessment: Mapped[Assessment] = relationship(back_populates="ratings")


class AssessmentReturn(Base):
    """A supervisor's return of a submitted assessment to its author: every one is kept, with what the
    assessment said when it was returned, so that the resubmission can be read against it."""

    __tablename__ = "assessment_returns"

    id: Mapped[int] = mapped_column(primary_key=True)
    assessment_id: Mapped[int] = mapped_column(ForeignKey("assessments.id", ondelete="CASCADE"), index=True)
    comment: Mapped[str] = mapped_column(Text)
    returned_by_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    returned_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # The assessment's ratings, evidence and judgement as returned ({} for returns made before this was kept).
    snapshot: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)

    assessment: Mapped[Assessment] = relationship(back_populates="returns")
    returned_by: Mapped[User] = relationship()


class Accreditation(Base):
    """Who may complete which instrument, until when."""

    __tablename__ = "accreditations"
    __table_args__ = (Index("ix_accreditations_user_id_instrument_id", "user_id", "instrument_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    instrument_id: Mapped[str] = mapped_column(String(64))
    valid_until: Mapped[date] = mapped_column(Date)
    granted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    granted_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user: Mapped[User] = relationship(foreign_keys=[user_id])
    granted_by: Mapped[User | None] = relationship(foreign_keys=[granted_by_id])


class ChallengeRaisedBy(StrEnum):
    PERSON = "person"
    LAWYER = "lawyer"
    STAFF = "staff"

    @property
    def label(self) -> str:
        """Who raised it, as said after their name: "A. Person (lawyer or representative)"."""
        return str(_RAISED_BY_LABELS[self])


_RAISED_BY_LABELS = {ChallengeRaisedBy.PERSON: _l("the person"),
                     ChallengeRaisedBy.LAWYER: _l("lawyer or representative"), ChallengeRaisedBy.STAFF: _l("staff")}


class ChallengeOutcome(StrEnum):
    UPHELD = "upheld"
    PARTLY_UPHELD = "partly_upheld"
    NOT_UPHELD = "not_upheld"

    @property
    def label(self) -> str:
        return str(_OUTCOME_LABELS[self])


_OUTCOME_LABELS = {ChallengeOutcome.UPHELD: _l("Upheld"), ChallengeOutcome.PARTLY_UPHELD: _l("Partly upheld"),
                   ChallengeOutcome.NOT_UPHELD: _l("Not upheld")}


class Challenge(Base):
    """A complaint against an assessment, and the supervisor's decision on it."""

    __tablename__ = "challenges"
    __table_args__ = (
        enum_check("raised_by_kind", ChallengeRaisedBy, "raised_by_kind"),
        enum_check("outcome", ChallengeOutcome, "outcome", or_null=True),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    assessment_id: Mapped[int] = mapped_column(ForeignKey("assessments.id", ondelete="CASCADE"), index=True)
    raised_on: Mapped[date] = mapped_column(Date)
    raised_by_kind: Mapped[str] = mapped_column(String(16))
    raised_by_name: Mapped[str] = mapped_column(String(200))
    grounds: Mapped[str] = mapped_column(Text)
    recorded_by_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    outcome: Mapped[str | None] = mapped_column(String(16))
    outcome_reason: Mapped[str] = mapped_column(Text, default="")
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    assessment: Mapped[Assessment] = relationship(back_populates="challenges")
    recorded_by: Mapped[User] = relationship(foreign_keys=[recorded_by_id])
    decided_by: Mapped[User | None] = relationship(foreign_keys=[decided_by_id])

    @property
    def raised_by_label(self) -> str:
        return ChallengeRaisedBy(self.raised_by_kind).label

    @property
    def outcome_label(self) -> str:
        return ChallengeOutcome(self.outcome).label if self.outcome else ""
