"""The demo's case work: what a newcomer finds after `flask demo seed`.

A believable few weeks of a service, made through the services as the demo users would make it (each step
audited as theirs): screenings, assessments in every state (draft, submitted, returned, approved, superseded),
interventions with a run of sessions (some missed), observations, a challenge and a break-glass access with
its alert. Every date is a fixed number of days before the day of seeding, as the people's review dates are,
so the same seed on the same day gives the same records, and every panel of each demo role's home page has
something in it.
"""

from __future__ import annotations

from datetime import date, timedelta

from flask import g
from sqlalchemy import func, select

from app.assessments import catalogue, challenges, screening
from app.assessments import services as assessments
from app.assessments.models import Assessment, Screening
from app.assessments.services import AssessmentInput
from app.auth.models import User
from app.db import db, utcnow
from app.interventions import services as interventions
from app.interventions.models import Intervention
from app.sharing import demo as sharing_demo
from app.subjects import services as subject_services
from app.subjects.models import Subject

# (reference, screened by, days ago, outcome)
SCREENINGS: tuple[tuple[str, str, int, str], ...] = (
    ("A1001NG", "assessor", 75, "no_concern"),
    ("A1003NG", "assessor", 70, "refer_for_assessment"),
    ("A1002NG", "assessor", 4, "refer_for_assessment"),
    ("P2002ER", "probation", 65, "refer_for_assessment"),
    ("P2003ER", "probation", 2, "refer_for_assessment"),
)

# (days ago, attendance, engagement): weekly sessions, two of them missed.
SESSIONS: tuple[tuple[int, str, int | None], ...] = (
    (49, "attended", 2), (42, "attended", 3), (35, "missed_unacceptable", None), (28, "attended", 3),
    (21, "late", 3), (14, "missed_acceptable", None), (7, "attended", 4),
)

OBSERVATIONS: tuple[tuple[str, str, int, str, str, str], ...] = (
    ("A1003NG", "assessor", 3, "positive_engagement", "Wing officer, B wing",
     "Took part in the education induction and asked about the barbering course."),
    ("A1005NG", "supervisor", 6, "incident", "Security report 4417",
     "Argument with another prisoner at association; no violence, both returned to cells."),
    ("P2002ER", "probation", 5, "family_contact", "Home visit",
     "Her sister says she has been keeping to her curfew and sees her son at weekends."),
)


def _user(username: str) -> User:
    user = db.session.scalar(select(User).where(User.username == username))
    assert user is not None, f"demo user {username} is seeded first"  # noqa: S101 - seeded just before
    g.user = user  # each step is audited as the demo user who took it
    return user


def _subject(reference: str) -> Subject:
    subject = db.session.scalar(select(Subject).where(Subject.reference == reference))
    assert subject is not None, f"demo person {reference} is seeded first"  # noqa: S101 - seeded just before
    return subject


def _screen(reference: str, username: str, on: date, outcome: str) -> None:
    instrument = catalogue.current("screening")[0]
    observed = outcome == "refer_for_assessment"  # then the first two indicators were observed
    answers = {item.code: item.options[1 if observed and n < 2 else 0].value
               for n, item in enumerate(instrument.items())}
    screening.record_screening(_user(username), _subject(reference), screening.ScreeningValues(
        instrument_id=instrument.id, instrument_version=instrument.version, screened_on=on,
        occasion="Reception" if outcome == "no_concern" else "Intelligence report from the wing",
        outcome=outcome, answers=answers,
        rationale=("Two indicators observed and corroborated by the wing: a structured assessment is needed."
                   if observed else "Nothing observed on reception calls for an assessment now.")))


def _assessment_input(judgement: str, note: str) -> AssessmentInput:
    instrument = catalogue.current("assessment")[0]
    items = instrument.items()
    return AssessmentInput(
        ratings={item.code: item.options[min(n % 3, len(item.options) - 1)].value for n, item in enumerate(items)},
        evidence={item.code: f"{note} Seen in the wing log and the keyworker's notes." for item in items},
        overall_judgement=judgement,
        rationale="The ratings rest on the evidence recorded against each factor; see the keyworker's notes.",
        person_view="He accepts some of the concerns and disputes others.",
        review_due=utcnow().date() + timedelta(days=90))


def _assessment(reference: str, author: str, *, submit: bool = False, approver: str | None = None,
                returned: str | None = None, judgement: str = "moderate_concern") -> int:
    """An assessment as far as the arguments say: a draft, submitted, returned with a comment, or approved."""
    writer = _user(author)
    a = assessments.start(writer, _subject(reference), catalogue.current("assessment")[0])
    assessments.save_draft(writer, a, _assessment_input(judgement, "Observed over six weeks."), a.version)
    if submit or approver or returned:
        assessments.submit(writer, a, a.version)
    if returned:
        assessments.return_to_author(_user("supervisor"), a, returned, a.version)
    elif approver:
        assessments.approve(_user(approver), a, a.version)
    return a.id


def _amend_and_approve(assessment_id: int, author: str, approver: str, judgement: str) -> int:
    """Amend an approved assessment and approve the amendment: the first is superseded."""
    writer = _user(author)
    original = db.session.get(Assessment, assessment_id)
    assert original is not None  # noqa: S101 - made just before
    amendment = assessments.amend(writer, original)
    assessments.save_draft(writer, amendment, _assessment_input(judgement, "Reassessed after the mentoring began."),
                           amendment.version)
    assessments.submit(writer, amendment, amendment.version)
    assessments.approve(_user(approver), amendment, amendment.version)
    return amendment.id


def _intervention(reference: str, referrer: str, owner: str, kind: str, provider: str, started_days_ago: int,
                  goals: list[str], sessions: tuple[tuple[int, str, int | None], ...]) -> None:
    today = utcnow().date()
    owner_id = _user(owner).id
    iv = interventions.refer(_user(referrer), _subject(reference), interventions.Referral(
        type=kind, provider=provider, owner_id=owner_id, referred_on=today - timedelta(days=started_days_ago + 9),
        goals=goals))
    owner_user = _user(owner)
    interventions.transition(owner_user, iv, "accepted", today - timedelta(days=started_days_ago + 4), "", iv.version)
    interventions.transition(owner_user, iv, "active", today - timedelta(days=started_days_ago), "", iv.version)
    for days_ago, attendance, engagement in sessions:
        interventions.record_session(owner_user, iv, interventions.SessionValues(
            held_on=today - timedelta(days=days_ago), attendance=attendance, engagement=engagement,
            notes="Worked through the session plan." if engagement else ""))


def seed_case_work() -> None:
    """The demo's case work, once: nothing when any screening, assessment or intervention is on record."""
    for model in (Screening, Assessment, Intervention):
        if db.session.scalar(select(func.count()).select_from(model)):
            return
    references = {ref for ref, *_ in SCREENINGS} | {"A1004NG", "A1005NG", "P2001ER"}
    found = db.session.scalar(select(func.count()).select_from(Subject).where(Subject.reference.in_(references)))
    if found != len(references):
        return  # a database whose people are not (all) the demo's: their case work is not the demo's to make
    today = utcnow().date()
    for reference, username, days_ago, outcome in SCREENINGS:
        _screen(reference, username, today - timedelta(days=days_ago), outcome)

    # Approval moves a person's review date 90 days on: the approved ones are people whose review is not
    # yet near, so that the overdue and due-soon lists keep theirs.
    # HMP Northgate: Alex Assessor writes, Sam Supervisor countersigns.
    first = _assessment("A1003NG", "assessor", approver="supervisor", judgement="high_concern")
    current = _amend_and_approve(first, "assessor", "supervisor", "moderate_concern")  # the first is superseded
    _assessment("A1001NG", "assessor")  # a draft
    _assessment("A1004NG", "assessor", returned="Give the evidence for the family factors from the visits log.")
    _assessment("A1005NG", "assessor", submit=True)  # awaiting countersignature
    approved = db.session.get(Assessment, current)
    assert approved is not None  # noqa: S101 - made just above
    challenges.record(_user("assessor"), approved, today - timedelta(days=2), "person", "Łukasz Nowak",
                      "He says the rating of his contacts outside rests on a misread letter.")
    _intervention("A1003NG", "assessor", "assessor", "mentoring", "Pathways Mentoring Trust", 52,
                  ["Attend every session", "Name one new source of support"], SESSIONS)
    # On the supervisor's caseload, and gone quiet: no session for more than three weeks.
    _intervention("A1005NG", "supervisor", "assessor", "education", "Northgate Learning Centre", 45,
                  ["Complete the level 1 literacy course"], ((38, "attended", 3), (25, "missed_unacceptable", None)))

    # Eastern Probation Region: Priya Probation writes, Sam Supervisor countersigns.
    _assessment("P2002ER", "probation", approver="supervisor", judgement="low_concern")
    _assessment("P2001ER", "probation", submit=True)  # awaiting countersignature
    _intervention("P2002ER", "probation", "probation", "desistance_programme", "Eastern Desistance Partnership",
                  50, ["Keep to the conditions of the order", "Find stable work"], SESSIONS)
    _intervention("P2001ER", "probation", "probation", "family_support", "Families Outside Eastern", 35,
                  ["Rebuild contact with his son"], ((28, "attended", 2),))

    for reference, username, days_ago, category, source, text in OBSERVATIONS:
        interventions.record_observation(_user(username), _subject(reference), today - timedelta(days=days_ago),
                                         category, source, text)
    # A prison officer opens a probation record in an emergency: the supervisors of the region review it,
    # and the alert it raises is in their queue.
    subject_services.break_glass(_user("assessor"), "P2003ER",
                                 "Emergency call from his former wing about a threat made on release day.")
    sharing_demo.seed()
    g.user = None
