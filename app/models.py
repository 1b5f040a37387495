"""Imports every model module so that Base.metadata knows every table (Alembic, tests)."""

from app.audit.models import AuditEvent
from app.auth.models import LoginFailure, Unit, User, UserSession, user_units

__all__ = ["AuditEvent", "LoginFailure", "Unit", "User", "UserSession", "user_units"]
