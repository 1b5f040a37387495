"""The disclosure register and the case packages received from other installations."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, CheckConstraint, Date, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.auth.models import Unit, User
from app.db import Base, UTCDateTime, enum_check, utcnow
from app.i18n import lazy_gettext as _l
from app.subjects.models import Subject


class Direction(StrEnum):
    OUTBOUND = "outbound"  # this service disclosed to another
    INBOUND = "inbound"  # another service disclosed to this one (a case package received)


DIRECTION_LABELS = {Direction.OUTBOUND.value: _l("Sent"), Direction.INBOUND.value: _l("Received")}


class DisclosureKind(StrEnum):
    CASE_PACKAGE = "case_package"
    CASE_SUMMARY = "case_summary"
    SUBJECT_ACCESS_REPORT = "subject_access_report"
    OTHER = "other"

    @property
    def label(self) -> str:
        return str(KIND_LABELS[self])


class Decision(StrEnum):
    PENDING = "pending"
    GRANTED = "granted"
    PARTLY = "partly"
    REFUSED = "refused"

    @property
    def label(self) -> str:
        return str(DECISION_LABELS[self])


KIND_LABELS = {DisclosureKind.CASE_PACKAGE: _l("Signed case package"),
               DisclosureKind.CASE_SUMMARY: _l("Case summary (PDF)"),
               DisclosureKind.SUBJECT_ACCESS_REPORT: _l("Subject-access report (PDF)"),
               DisclosureKind.OTHER: _l("Other information")}
DECISION_LABELS = {Decision.PENDING: _l("Awaiting decision"), Decision.GRANTED: _l("Granted"),
                   Decision.PARTLY: _l("Partly granted"), Decision.REFUSED: _l("Refused")}


class Disclosure(Base):
    """One entry of the register: information about a person that left this service, or arrived from another.

    What was shared is named by the file's SHA-256 and the sections it held, so that an overseer can prove
    which file it was. A supervisor may withhold an entry from the person's subject-access report under a
    named exemption; the withholding is itself recorded here and in the audit trail."""

    __tablename__ = "disclosures"
    __table_args__ = (
        enum_check("direction", Direction, "direction"),
        enum_check("kind", DisclosureKind, "kind"),
        CheckConstraint("version >= 1", name="version_positive"),
        Index("ix_disclosures_unit_id_disclosed_at", "unit_id", "disclosed_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    direction: Mapped[str] = mapped_column(String(16))
    subject_id: Mapped[int] = mapped_column(ForeignKey("subjects.id", ondelete="RESTRICT"), index=True)
    # The unit whose register holds it: the person's unit when it was made.
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id", ondelete="RESTRICT"))
    agency: Mapped[str] = mapped_column(String(200))  # the recipient (outbound) or the sender (inbound)
    agency_person: Mapped[str] = mapped_column(String(200), default="")
    country: Mapped[str] = mapped_column(String(2))  # ISO 3166-1 alpha-2
    legal_basis: Mapped[str] = mapped_column(String(64))  # a code of the service's list (legal_bases.yaml)
    purpose: Mapped[str] = mapped_column(Text)
    kind: Mapped[str] = mapped_column(String(32))
    sha256: Mapped[str | None] = mapped_column(String(64))
    sections: Mapped[list[str]] = mapped_column(JSON, default=list)
    # What was shared, in words, for a disclosure made outside Waypoint (a case summary e-mailed, a call).
    description: Mapped[str] = mapped_column(Text, default="")
    request_id: Mapped[int | None] = mapped_column(ForeignKey("disclosure_requests.id", ondelete="RESTRICT"))
    disclosed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    disclosed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    disclosed_by_name: Mapped[str] = mapped_column(String(200))  # a user's name, or cli:<os user>
    withheld_exemption: Mapped[str | None] = mapped_column(String(64))
    withheld_reason: Mapped[str] = mapped_column(Text, default="")
    withheld_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    withheld_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    version: Mapped[int] = mapped_column(Integer, default=1)

    subject: Mapped[Subject] = relationship()
    unit: Mapped[Unit] = relationship()
    withheld_by: Mapped[User | None] = relationship(foreign_keys=[withheld_by_id])

    @property
    def kind_label(self) -> str:
        return DisclosureKind(self.kind).label

    @property
    def is_withheld(self) -> bool:
        return self.withheld_exemption is not None


class DisclosureRequest(Base):
    """A request for information about a person received from another agency, with its decision."""

    __tablename__ = "disclosure_requests"
    __table_args__ = (
        enum_check("decision", Decision, "decision"),
        CheckConstraint("version >= 1", name="version_positive"),
        CheckConstraint("due_on >= received_on", name="due_after_received"),
        Index("ix_disclosure_requests_unit_id_decision_due_on", "unit_id", "decision", "due_on"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    subject_id: Mapped[int] = mapped_column(ForeignKey("subjects.id", ondelete="RESTRICT"), index=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id", ondelete="RESTRICT"))
    agency: Mapped[str] = mapped_column(String(200))
    agency_person: Mapped[str] = mapped_column(String(200), default="")
    country: Mapped[str] = mapped_column(String(2))
    legal_basis: Mapped[str] = mapped_column(String(64))  # as the requester claims it
    asked_for: Mapped[str] = mapped_column(Text)
    received_on: Mapped[date] = mapped_column(Date)
    due_on: Mapped[date] = mapped_column(Date)
    decision: Mapped[str] = mapped_column(String(16), default=Decision.PENDING.value)
    decision_reason: Mapped[str] = mapped_column(Text, default="")
    responded_on: Mapped[date | None] = mapped_column(Date)
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    version: Mapped[int] = mapped_column(Integer, default=1)

    subject: Mapped[Subject] = relationship()
    unit: Mapped[Unit] = relationship()
    recorded_by: Mapped[User | None] = relationship(foreign_keys=[recorded_by_id])
    decided_by: Mapped[User | None] = relationship(foreign_keys=[decided_by_id])

    @property
    def decision_label(self) -> str:
        return Decision(self.decision).label

    def is_overdue(self, today: date) -> bool:
        return self.decision == Decision.PENDING and self.due_on < today


class ReceivedPackage(Base):
    """A case package from another installation, kept exactly as signed (`signed_text`), with its provenance.

    The received history is shown from it, read-only: it never becomes local, editable case data."""

    __tablename__ = "received_packages"

    id: Mapped[int] = mapped_column(primary_key=True)
    # The package's own id, inside what was signed: a second arrival of the same package is a replay.
    package_id: Mapped[str] = mapped_column(String(36), unique=True)
    subject_id: Mapped[int] = mapped_column(ForeignKey("subjects.id", ondelete="RESTRICT"), index=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id", ondelete="RESTRICT"))
    sender: Mapped[str] = mapped_column(String(100))  # the name this service's trusted key file gives it
    signer_key_id: Mapped[str] = mapped_column(String(64))
    format_version: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)  # when the sender made it
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    received_by_name: Mapped[str] = mapped_column(String(200))
    sha256: Mapped[str] = mapped_column(String(64))
    sections: Mapped[list[str]] = mapped_column(JSON, default=list)
    signed_text: Mapped[str] = mapped_column(Text)
    # The verified payload, read from `signed_text` once. Erasure empties both and keeps the provenance and
    # the package id, so that the same package cannot bring the erased person back.
    payload: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)

    subject: Mapped[Subject] = relationship()
