"""Imports every model module so that Base.metadata knows every table (Alembic, tests)."""

from app.audit.models import AuditEvent
from app.auth.models import LoginFailure, Unit, User, UserSession, user_units
from app.subjects.models import Allocation, BreakGlassAccess, Movement, Subject, SubjectAlert

__all__ = [
    "Allocation",
    "AuditEvent",
    "BreakGlassAccess",
    "LoginFailure",
    "Movement",
    "Subject",
    "SubjectAlert",
    "Unit",
    "User",
    "UserSession",
    "user_units",
]
