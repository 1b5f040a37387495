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
from app.conferences.models import Conference, ConferenceAction, ConferenceAttendee, Discussion, Dissent
from app.connections.models import (
    Affiliation,
    Group,
    GroupLink,
    KeepApartOverride,
    PersonLink,
    PersonSkill,
    RecruitmentTarget,
)
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
from app.subjects.handover_models import Departure, Handover, HandoverItem
from app.subjects.models import Allocation, BreakGlassAccess, Movement, Subject, SubjectAlert

__all__ = [
    "Accreditation",
    "Affiliation",
    "Alert",
    "Allocation",
    "Assessment",
    "AssessmentRating",
    "AuditEvent",
    "AuditEventPerson",
    "AuditVerification",
    "BreakGlassAccess",
    "Challenge",
    "Conference",
    "ConferenceAction",
    "ConferenceAttendee",
    "Departure",
    "Disclosure",
    "DisclosureRequest",
    "Discussion",
    "Dissent",
    "ErasureInProgress",
    "ErasureRequest",
    "Group",
    "GroupLink",
    "Handover",
    "HandoverItem",
    "InstrumentVersion",
    "Intervention",
    "InterventionFactor",
    "InterventionGoal",
    "InterventionSession",
    "KeepApartOverride",
    "LoginFailure",
    "Movement",
    "Observation",
    "PersonLink",
    "PersonSkill",
    "ReceivedPackage",
    "RecruitmentTarget",
    "Screening",
    "ScreeningResponse",
    "Subject",
    "SubjectAlert",
    "Unit",
    "User",
    "UserSession",
    "user_units",
]
