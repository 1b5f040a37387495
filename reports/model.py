"""What a report prints: plain, frozen data. The features' services fill these from the database; the
builders in this package turn them into PDF bytes. Nothing here knows about Flask or SQLAlchemy."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from reports.charts import AxisMark, ChartPoint


@dataclass(frozen=True)
class Header:
    """What every page carries: the protective marking, who generated it and when, and for whom."""

    title: str
    marking: str  # e.g. OFFICIAL-SENSITIVE, at the top and bottom of every page
    generated_by: str  # the requester's display name (also the light watermark)
    generated_at: datetime  # timezone-aware UTC
    purpose: str
    recipient: str  # or "Internal use"


@dataclass(frozen=True)
class Identity:
    reference: str
    full_name: str
    date_of_birth: date
    unit: str
    custody_status: str
    case_owner: str  # or "Unallocated"
    index_offence: str
    sentence_date: date | None
    release_date: date | None
    next_review_due: date | None
    alerts: tuple[str, ...] = ()
    location: str = ""  # wing, landing and cell within the unit, where known


@dataclass(frozen=True)
class RatedItem:
    domain: str
    code: str
    title: str
    rating: str  # the option's label
    evidence: str


@dataclass(frozen=True)
class AssessmentSection:
    instrument: str  # title and version
    status_notice: str
    status: str
    author: str
    approved_by: str | None
    approved_on: date | None
    items: tuple[RatedItem, ...]
    overall_judgement: str
    rationale: str
    person_view: str
    shared_with_person: bool
    shared_on: date | None
    review_due: date | None
    # The supervisor's comment when they last returned it to the author, if they did (used when `returns`
    # is empty).
    return_comment: str = ""
    returned_by: str | None = None
    returned_on: date | None = None
    # Every return to the author, oldest first.
    returns: tuple[ReturnLine, ...] = ()


@dataclass(frozen=True)
class ReturnLine:
    returned_on: date
    returned_by: str
    comment: str


@dataclass(frozen=True)
class ChallengeLine:
    raised_on: date
    raised_by: str
    grounds: str
    outcome: str | None  # label, or None while undecided
    outcome_reason: str
    decided_by: str | None = None
    decided_on: date | None = None


@dataclass(frozen=True)
class SessionLine:
    held_on: date
    attendance: str
    engagement: int | None
    notes: str
    next_steps: str = ""


@dataclass(frozen=True)
class InterventionSection:
    type: str
    provider: str
    owner: str
    status: str
    referred_on: date
    started_on: date | None
    ended_on: date | None
    attendance: str  # e.g. "67% (2 of 3)"
    goals: tuple[tuple[str, str | None], ...]  # (goal, outcome label or None)
    outcome_summary: str
    engagement: tuple[ChartPoint, ...]  # for the engagement chart
    sessions: tuple[SessionLine, ...] = ()
    end_reason: str = ""  # why it was withdrawn or declined
    factors: tuple[str, ...] = ()  # the assessment factors it addresses, e.g. "IN2 Grievance"
    absences: tuple[AxisMark, ...] = ()  # missed and cancelled sessions, marked on the chart's time axis


@dataclass(frozen=True)
class ObservationLine:
    observed_on: date
    category: str
    source: str
    text: str
    recorded_by: str


@dataclass(frozen=True)
class AffiliationLine:
    """A person's tie to a group, with its intelligence grading (3×5×2, as "2/B/P")."""

    group: str  # the group's name and kind
    role: str
    grading: str
    evidence: str
    source: str
    learnt_on: date
    review_on: date | None
    recorded_by: str
    ended: str = ""  # empty while current; otherwise when, by whom and why it ended


@dataclass(frozen=True)
class SkillLine:
    """A criminal skill of concern and its evidence."""

    skill: str
    evidence: str
    learnt_on: date
    recorded_by: str
    ended: str = ""


@dataclass(frozen=True)
class LinkLine:
    """A link with another person, from the report's person's side; the other person as the requester may
    see them ("a person in another unit" otherwise), and the evidence only where they may see both."""

    relation: str
    other: str
    status: str
    grading: str
    learnt_on: date
    review_on: date | None
    evidence: str
    source: str
    recorded_by: str
    ended: str  # "" while current; when and why it ended or was refused


@dataclass(frozen=True)
class TargetedLine:
    """A recruitment attempt that targeted the person, and its review."""

    observed_on: date
    recruiter: str
    group: str
    reviewed: str  # "" until reviewed


@dataclass(frozen=True)
class CaseSummary:
    header: Header
    identity: Identity
    assessment: AssessmentSection | None  # the latest approved one
    judgement_history: tuple[ChartPoint, ...]
    judgement_levels: tuple[str, ...]
    interventions: tuple[InterventionSection, ...]
    observations: tuple[ObservationLine, ...]  # the last 90 days
    challenges: tuple[ChallengeLine, ...]
    affiliations: tuple[AffiliationLine, ...] = ()  # the current ones
    skills: tuple[SkillLine, ...] = ()  # the current ones
    links: tuple[LinkLine, ...] = ()  # conn-links: current links with other people
    targeted: tuple[TargetedLine, ...] = ()  # conn-links: recruitment attempts targeting the person


@dataclass(frozen=True)
class AccessLine:
    """One consultation or change of the record, from the audit trail."""

    at: datetime
    who: str
    role: str
    action: str
    what: str


@dataclass(frozen=True)
class BreakGlassLine:
    """An access to the record by someone outside its scope, with the reason they gave."""

    granted_at: datetime
    who: str
    reason: str
    expires_at: datetime
    reviewed_by: str | None
    reviewed_at: datetime | None


@dataclass(frozen=True)
class MovementLine:
    moved_on: date
    from_unit: str
    to_unit: str
    reason: str
    from_status: str = ""
    to_status: str = ""
    recorded_by: str = ""


@dataclass(frozen=True)
class HandoverLine:
    """A handover on a move between units: the note for the receiving team, what became of each piece of open
    work (title, outcome, owner before and after, reason when ended), and its acknowledgement."""

    created_at: datetime
    from_unit: str
    to_unit: str
    created_by: str
    note: str
    items: tuple[tuple[str, str, str, str, str], ...]
    acknowledged: str  # "by whom, when", or empty


@dataclass(frozen=True)
class AllocationLine:
    """A change of case owner."""

    allocated_at: datetime
    owner: str  # or "Unallocated"
    previous_owner: str  # or "Unallocated"
    allocated_by: str
    note: str


@dataclass(frozen=True)
class ScreeningAnswer:
    code: str
    question: str
    answer: str  # the option's label
    note: str


@dataclass(frozen=True)
class ScreeningLine:
    screened_on: date
    instrument: str
    outcome: str
    rationale: str
    author: str
    occasion: str = ""
    answers: tuple[ScreeningAnswer, ...] = ()


@dataclass(frozen=True)
class ErasureLine:
    """A request to erase the record (kept while the record is, whatever became of it)."""

    requested_at: datetime
    requested_by: str
    status: str  # Requested, Cancelled, Completed
    reason: str


@dataclass(frozen=True)
class AlertLine:
    """An alert raised to supervisors about the record (a break-glass access to it), and its acknowledgement."""

    raised_at: datetime
    kind: str
    summary: str
    acknowledged_by: str | None
    acknowledged_at: datetime | None
    note: str


@dataclass(frozen=True)
class AttendeeLine:
    name: str  # as recorded at the conference
    agency: str
    role: str
    attendance: str  # "Attended" or "Sent apologies"


@dataclass(frozen=True)
class ActionLine:
    description: str
    owner: str
    due_on: date
    status: str  # Open, Overdue, Done, Cancelled
    note: str  # what was done, or why it was cancelled


@dataclass(frozen=True)
class DiscussionLine:
    """One person discussed at a case conference: what was presented, the decision, dissent and actions."""

    person: str  # "Alice Archer (A1000AA)", or "A person in another unit" for one the reader may not see
    presented: str
    notes: str
    decision: str  # the label
    rationale: str
    dissents: tuple[tuple[str, str], ...] = ()  # (attendee's name as recorded, their view)
    actions: tuple[ActionLine, ...] = ()
    withheld: bool = False  # the person is out of the reader's scope: nothing about them is printed


@dataclass(frozen=True)
class ConferenceDecisionLine:
    """A conference as the person's subject-access report shows it: the meeting, who was there by name as
    recorded, and the discussion of this person only."""

    held_on: date
    kind: str
    unit: str
    chair: str
    attendees: tuple[AttendeeLine, ...]
    discussion: DiscussionLine


@dataclass(frozen=True)
class ConferenceMinutes:
    header: Header
    unit: str
    held_on: date
    kind: str
    chair: str
    attendees: tuple[AttendeeLine, ...]
    people: tuple[DiscussionLine, ...]


@dataclass(frozen=True)
class DisclosureLine:
    """Information about the person shared with, or received from, another agency (app/sharing)."""

    at: datetime
    direction: str  # "Sent to" or "Received from"
    agency: str
    country: str
    legal_basis: str
    purpose: str
    what: str


@dataclass(frozen=True)
class DisclosureRequestLine:
    received_on: date
    agency: str
    country: str
    legal_basis: str
    asked_for: str
    decision: str
    responded_on: date | None


@dataclass(frozen=True)
class RegisterLine:
    """A line of the disclosure register's export: an outbound or inbound disclosure, or a request received."""

    entry: str  # "D12" (disclosure) or "R3" (request)
    at: date
    kind: str
    person: str  # the person's reference
    agency: str
    country: str
    legal_basis: str
    purpose: str
    what: str
    status: str


@dataclass(frozen=True)
class DisclosureRegister:
    header: Header
    units: tuple[str, ...]
    lines: tuple[RegisterLine, ...]


@dataclass(frozen=True)
class SubjectAccessReport:
    """Everything held about one person, including who consulted the record and when."""

    header: Header
    identity: Identity
    movements: tuple[MovementLine, ...]
    allocations: tuple[AllocationLine, ...]
    screenings: tuple[ScreeningLine, ...]
    assessments: tuple[AssessmentSection, ...]  # every version, newest first
    challenges: tuple[ChallengeLine, ...]
    interventions: tuple[InterventionSection, ...]
    observations: tuple[ObservationLine, ...]  # all of them
    erasure_requests: tuple[ErasureLine, ...]
    break_glass: tuple[BreakGlassLine, ...]
    alerts: tuple[AlertLine, ...]
    accesses: tuple[AccessLine, ...]
    conferences: tuple[ConferenceDecisionLine, ...] = ()  # the case conferences that discussed the person
    # conn-apart: the moves of the person a supervisor confirmed over a keep-apart.
    keep_apart_overrides: tuple[KeepApartOverrideLine, ...] = ()
    handovers: tuple[HandoverLine, ...] = ()
    affiliations: tuple[AffiliationLine, ...] = ()  # every one, ended ones included
    skills: tuple[SkillLine, ...] = ()  # every one, ended ones included
    person_links: tuple[LinkLine, ...] = ()  # conn-links: every link, ended and refused ones included
    recruitment_targets: tuple[TargetedLine, ...] = ()  # conn-links
    # Disclosures not withheld under a recorded exemption, and requests received (app/sharing).
    disclosures: tuple[DisclosureLine, ...] = ()
    disclosure_requests: tuple[DisclosureRequestLine, ...] = ()


@dataclass(frozen=True)
class KeepApartOverrideLine:
    """A move of the person that went ahead although it met a keep-apart, on a supervisor's word and reason."""

    confirmed_at: datetime
    move: str  # "Location change" or "Transfer"
    level: str
    confirmed_by: str
    reason: str


@dataclass(frozen=True)
class AuditLine:
    id: int
    at: datetime
    actor: str
    role: str
    action: str
    object: str  # e.g. "subject 12"
    subject_id: int | None
    details: str  # a short, content-free rendering of the details


@dataclass(frozen=True)
class AuditExtract:
    header: Header
    filters: tuple[tuple[str, str], ...]  # (filter name, value) as applied
    events: tuple[AuditLine, ...] = field(default_factory=tuple)
    # The most events an extract holds, when more matched the filters: `events` are then the first `cut_at`
    # of them (oldest first) and the extract says so. None when it holds every matching event.
    cut_at: int | None = None
