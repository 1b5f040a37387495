"""Imports every model module so that Base.metadata knows every table (Alembic, tests)."""

from app.assessments.models import (
    Accreditation,
    Assessment,
    AssessmentRating,
    Challenge,
    InstrumentVersion,
    Screening,
    ScreeningResponse,
)
from app.audit.models import AuditEvent, AuditEventPerson, AuditVerification
from app.auth.models import LoginFailure, Unit, User, UserSession, user_units
from app.interventions.models import (
    Intervention,
    InterventionFactor,
    InterventionGoal,
    InterventionSession,
    Observation,
)
from app.oversight.models import Alert
from app.retention.models import ErasureInProgress, ErasureRequest
from app.sharing.models import Disclosure, DisclosureRequest, ReceivedPackage
from app.subjects.models import Allocation, BreakGlassAccess, Movement, Subject, SubjectAlert

__all__ = [
    "Accreditation",
    "Alert",
    "Allocation",
    "Assessment",
    "AssessmentRating",
    "AuditEvent",
    "AuditEventPerson",
    "AuditVerification",
    "BreakGlassAccess",
    "Challenge",
    "Disclosure",
    "DisclosureRequest",
    "ErasureInProgress",
    "ErasureRequest",
    "InstrumentVersion",
    "Intervention",
    "InterventionFactor",
    "InterventionGoal",
    "InterventionSession",
    "LoginFailure",
    "Movement",
    "Observation",
    "ReceivedPackage",
    "Screening",
    "ScreeningResponse",
    "Subject",
    "SubjectAlert",
    "Unit",
    "User",
    "UserSession",
    "user_units",
]
