"""Units, users, their server-side sessions and failed logins."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Column,
    ForeignKey,
    Integer,
    String,
    Table,
    Text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.db import Base, UTCDateTime, enum_check, utcnow
from app.i18n import lazy_gettext as _l


class Role(StrEnum):
    ASSESSOR = "assessor"
    PROBATION_OFFICER = "probation_officer"
    SUPERVISOR = "supervisor"
    ADMIN = "admin"

    @property
    def label(self) -> str:
        """The role's name in the current language (ROLE_LABELS holds the lazy ones, for choices)."""
        return str(ROLE_LABELS[self])


class UnitKind(StrEnum):
    PRISON = "prison"
    PROBATION_REGION = "probation_region"

    @property
    def label(self) -> str:
        """The kind's name in the current language (UNIT_KIND_LABELS holds the lazy ones, for choices)."""
        return str(UNIT_KIND_LABELS[self])


# What a user reads for a role or a unit's kind; the codes above are what is stored, audited and exported.
ROLE_LABELS = {
    Role.ASSESSOR: _l("Assessor"),
    Role.PROBATION_OFFICER: _l("Probation officer"),
    Role.SUPERVISOR: _l("Supervisor"),
    Role.ADMIN: _l("Admin"),
}
UNIT_KIND_LABELS = {UnitKind.PRISON: _l("Prison"), UnitKind.PROBATION_REGION: _l("Probation region")}


user_units = Table(
    "user_units",
    Base.metadata,
    Column("user_id", ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
    Column("unit_id", ForeignKey("units.id", ondelete="RESTRICT"), primary_key=True, index=True),
)


class Unit(Base):
    """A prison or a probation region."""

    __tablename__ = "units"
    __table_args__ = (enum_check("kind", UnitKind, "kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    users: Mapped[list[User]] = relationship(secondary=user_units, back_populates="units")

    @property
    def kind_label(self) -> str:
        return UnitKind(self.kind).label


class User(Base):
    __tablename__ = "users"
    __table_args__ = (
        enum_check("role", Role, "role"),
        CheckConstraint("failed_login_count >= 0", name="failed_login_count_non_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(32))
    password_hash: Mapped[str] = mapped_column(String(255))
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    must_change_password: Mapped[bool] = mapped_column(Boolean, default=False)
    failed_login_count: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    password_changed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # TOTP second factor (pyotp): the base32 secret once enrolment is confirmed, and the last time step
    # accepted, so that a code works only once.
    totp_secret: Mapped[str | None] = mapped_column(String(64))
    totp_last_step: Mapped[int | None] = mapped_column(Integer)
    totp_enrolled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # The language the user reads Waypoint in (a code of LANGUAGES); None: the service's default.
    language: Mapped[str | None] = mapped_column(String(16))
    # Bumped by administrative edits only (optimistic locking of the admin form), not by sign-ins.
    version: Mapped[int] = mapped_column(Integer, default=1)

    units: Mapped[list[Unit]] = relationship(
        secondary=user_units, back_populates="users", order_by="Unit.code"
    )

    @property
    def role_enum(self) -> Role:
        return Role(self.role)

    @property
    def unit_ids(self) -> set[int]:
        return {unit.id for unit in self.units}


class UserSession(Base):
    """A server-side session. The cookie carries a random token; only its SHA-256 is stored."""

    __tablename__ = "user_sessions"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    data: Mapped[str] = mapped_column(Text, default="{}")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    authenticated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    ip: Mapped[str | None] = mapped_column(String(64))
    user_agent: Mapped[str | None] = mapped_column(String(300))

    user: Mapped[User | None] = relationship()


class LoginFailure(Base):
    """One failed login, kept for the throttling window (per account and per address)."""

    __tablename__ = "login_failures"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(128), index=True)
    ip: Mapped[str] = mapped_column(String(64), index=True)
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
