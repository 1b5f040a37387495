"""The demo's case work: what a newcomer finds after `flask demo seed`.

A believable few weeks of a service, made through the services as the demo users would make it (each step
audited as theirs): screenings, assessments in every state (draft, submitted, returned, approved, superseded),
interventions with a run of sessions (some missed), observations, a challenge, a break-glass access with
its alert, case conferences with decisions, dissent and actions (one overdue), a release handed over to the
probation region awaiting acknowledgement, and the work of a disabled officer waiting to be reassigned. Every date
is a fixed number of days before the day of seeding, as the people's review dates are, so the same seed on the
same day gives the same records, and every panel of each demo role's home page has something in it.
"""

from __future__ import annotations

from datetime import date, timedelta

from flask import g
from sqlalchemy import func, select

from app.assessments import catalogue, challenges, screening
from app.assessments import services as assessments
from app.assessments.models import Assessment, Screening
from app.assessments.services import AssessmentInput
from app.auth.models import Unit, User
from app.conferences import services as conferences
from app.conferences.models import Conference, ConferenceAction, Discussion
from app.connections import apart
from app.connections.models import PersonLink
from app.db import db, utcnow
from app.interventions import services as interventions
from app.interventions.models import Intervention
from app.registry import Move
from app.sharing import demo as sharing_demo
from app.subjects import handover, moves
from app.subjects import services as subject_services
from app.subjects.models import Subject
from app.subjects.work import key, open_work

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
    # Written in Arabic by an assessor who works in it: kept as written, whatever language it is read in.
    ("A1003NG", "amina", 2, "positive_engagement", "مدرّس التعليم، الجناح ب",
     "حضر درس محو الأمية كاملًا وساعد نزيلًا آخر في القراءة."),
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


def _unit(code: str) -> int:
    unit_id = db.session.scalar(select(Unit.id).where(Unit.code == code))
    assert unit_id is not None, f"demo unit {code} is seeded first"  # noqa: S101 - seeded just before
    return unit_id


def _discussed(chair: User, conference: Conference, reference: str, presented: str, notes: str,
               decision: str, rationale: str) -> Discussion:
    discussion = conferences.discuss(chair, conference, reference)
    conferences.record_decision(chair, discussion, conferences.Decision(presented, notes, decision, rationale),
                                discussion.version)
    return discussion


def _action(chair: User, discussion: Discussion, text: str, owner: str, due: date) -> int:
    return conferences.agree_action(chair, discussion, conferences.NewAction(text, _user(owner).id, due)).id


def _conferences(today: date) -> None:
    """A multi-agency panel at HMP Northgate ten days ago: two people discussed, a decision with dissent, and
    actions for the assessor (one overdue), the supervisor (one done) and a pre-release planning meeting in the
    Eastern region with an action for the probation officer."""
    chair = _user("supervisor")
    panel = conferences.hold(chair, conferences.Meeting(_unit("HMP-NORTHGATE"), today - timedelta(days=10),
                                                        "multi_agency_panel", chair.id))
    assessor = conferences.add_attendee(chair, panel, conferences.Attendee(
        _user("assessor").id, "", "", "Keyworker", "attended"))
    for name, agency, role, attendance in (
            ("DS Helen Marsh", "Eastern Counter Terrorism Policing", "Prevent lead", "attended"),
            ("Dr Ruth Okafor", "Eastern NHS Trust", "Forensic psychologist", "apologies"),
            ("Tomasz Wróbel", "Pathways Mentoring Trust", "Mentor", "attended")):
        conferences.add_attendee(chair, panel, conferences.Attendee(None, name, agency, role, attendance))
    g.user = chair
    nowak = _discussed(chair, panel, "A1003NG", "Mentoring reports and the amended assessment.",
                       "Engages well with his mentor; the wing reports no contact with the group he was linked to.",
                       "continue_monitoring", "Protective factors are growing; the current plan is working.")
    _action(chair, nowak, "Ask the mentor for a written progress report before the next review.", "assessor",
            today - timedelta(days=3))  # overdue: on the assessor's home page in red
    petrov = _discussed(chair, panel, "A1005NG", "Security report 4417 and the education provider's note.",
                        "Police describe renewed contact with an associate outside; the keyworker sees no change.",
                        "escalate", "The police intelligence needs a structured assessment before his trial.")
    conferences.record_dissent(chair, petrov, assessor.id,
                               "The intelligence is thin; escalating before the police share more is premature.")
    _action(chair, petrov, "Complete a structured assessment before the trial date.", "assessor",
            today + timedelta(days=14))
    done = _action(chair, petrov, "Share the security report with the education provider's manager.", "supervisor",
                   today - timedelta(days=5))
    action = db.session.get(ConferenceAction, done)
    assert action is not None  # noqa: S101 - made just above
    conferences.close_action(chair, action, "done", "Shared at the education review on the 4th.", action.version)
    planning = conferences.hold(chair, conferences.Meeting(_unit("PR-EASTERN"), today - timedelta(days=4),
                                                           "pre_release_planning", chair.id))
    conferences.add_attendee(chair, planning, conferences.Attendee(
        _user("probation").id, "", "", "Offender manager", "attended"))
    g.user = chair
    nikos = _discussed(chair, planning, "P2001ER", "Licence conditions and the family support plan.",
                       "He wants to live with his sister; her address has been checked.",
                       "refer_to_intervention", "Family support is the strongest protective factor he has.")
    _action(chair, nikos, "Confirm the family support sessions continue after the move.", "probation",
            today + timedelta(days=7))
# conn-apart: where the Northgate people are (reference, wing, landing, cell).
LOCATIONS: tuple[tuple[str, str, str, str], ...] = (
    ("A1003NG", "B", "2", "14"), ("A1005NG", "C", "1", "3"), ("A1001NG", "A", "1", "4"), ("A1004NG", "A", "3", "2"),
)


def seed_keep_apart(today: date) -> None:
    """Łukasz Nowak's "keep apart" alert backed by a wing-level keep-apart from Ivan Петров, authorised, with the
    two on different wings (moving one onto the other's wing meets it); and a cell-level one awaiting the
    supervisor's authorisation."""
    for reference, wing, landing, cell in LOCATIONS:
        subject = _subject(reference)
        moves.change_location(_user("assessor"), subject, moves.Location(wing, landing, cell), subject.version)

    def recorded(reference: str, other: str, level: str, evidence: str, days_ago: int) -> PersonLink:
        return apart.create_keep_apart(_user("assessor"), _subject(reference), _subject(other), apart.KeepApartValues(
            level=level, evidence=evidence, source="Security department", learnt_on=today - timedelta(days=days_ago),
            source_grade="2", intelligence_grade="B", handling_code="P", review_on=today + timedelta(days=90)))

    feud = recorded("A1003NG", "A1005NG", "wing", "Security report 4417: Petrov threatened Nowak over a debt "
                    "owed outside; both named the other in interviews.", 6)
    apart.authorise(_user("supervisor"), feud, feud.version)
    # A move over it, confirmed by the supervisor with a reason (the override is on Petrov's record and timeline),
    # and back: Petrov spent a night in the healthcare landing of Nowak's wing.
    petrov, supervisor = _subject("A1005NG"), _user("supervisor")
    overnight = moves.Location("B", "H", "1")
    moves.change_location(supervisor, petrov, overnight, petrov.version, moves.Confirmation(
        True, "Overnight observation in healthcare after a fall; escorted, never unlocked while Nowak is out.",
        moves.move_key(Move("location", petrov.unit_id, "B", "H", "1"))))
    moves.change_location(supervisor, petrov, moves.Location("C", "1", "3"), petrov.version)
    recorded("A1001NG", "A1004NG", "cell", "Marsh asked twice not to share a cell with Yılmaz after an argument "
             "over the phone rota.", 1)


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
    _conferences(today)
    seed_keep_apart(today)
    _release_with_handover(today)
    _work_left_by_a_disabled_officer(today)
    seed_groups()
    seed_links()  # after seed_groups: the recruitment attempt names one of its groups
    sharing_demo.seed()
    g.user = None


def _release_with_handover(today: date) -> None:
    """A man released from Northgate to the Eastern region: his mentoring and his case go to Priya Probation with
    a note, and the handover waits for the region's supervisor to acknowledge it."""
    supervisor = _user("supervisor")
    northgate = _subject("A1001NG").unit_id
    eastern = _subject("P2001ER").unit_id
    subject = subject_services.create_subject(supervisor, northgate, subject_services.SubjectValues(
        reference="A1006NG", given_name="Tomás", family_name="Ruiz", date_of_birth=date(1991, 8, 2),
        status="sentenced", index_offence_category="drugs", sentence_date=date(2024, 2, 12),
        next_review_due=today + timedelta(days=20)))
    subject_services.allocate(supervisor, subject, _user("assessor").id, "Demo allocation")
    _intervention("A1006NG", "assessor", "assessor", "mentoring", "Pathways Mentoring Trust", 30,
                  ["Keep in touch with his mentor after release"], ((23, "attended", 3), (9, "attended", 4)))
    probation = _user("probation")
    supervisor = _user("supervisor")
    decisions = {key(item): handover.Decision(owner_id=probation.id) for item in open_work(subject)}
    handover.transfer_with_handover(
        supervisor, subject, handover.Move(eastern, "released_on_licence", today - timedelta(days=1),
                                           "Released on licence to the Eastern region.", today - timedelta(days=1)),
        decisions, "Mentor keeps meeting him in the community; he asked for help finding work.")


def _work_left_by_a_disabled_officer(today: date) -> None:
    """An officer of the Eastern region who owned an intervention is disabled: the region's supervisor is shown
    the unowned work to reassign."""
    from app.admin import services as admin_services

    _user("admin")
    leaver = admin_services.create_user("jordan", admin_services.UserDetails(
        "Jordan Leaver", "probation_officer", ["PR-EASTERN"]), "quiet-harbour-ledger-57-demo", must_change=True)
    iv = interventions.refer(_user("probation"), _subject("P2002ER"), interventions.Referral(
        type="vocational_training", provider="Eastern Skills Hub", owner_id=leaver.id,
        referred_on=today - timedelta(days=12), goals=["Finish the forklift licence course"]))
    interventions.transition(_user("jordan"), iv, "accepted", today - timedelta(days=10), "", iv.version)
    admin_services.set_active(_user("admin"), leaver, False)


def seed_groups() -> None:
    """conn-groups: an organised-crime group and an extremist group that cooperate financially, people of HMP
    Northgate tied to them (one to both, so the nexus picture's crossover has someone in it; one with an overdue
    review), and skills of concern."""
    from app.connections import affiliations, groups

    today = utcnow().date()
    keeper = _user("supervisor")
    firm = groups.create_group(keeper, groups.GroupValues(
        "Eastside Firm", "organised_crime", "The Firm\nEastside Boys",
        "Supplies drugs and phones into the local prisons; launders the money through car washes."))
    network = groups.create_group(keeper, groups.GroupValues(
        "Black Standard Network", "violent_extremist", "BSN",
        "Violent extremist network recruiting among young men serving short sentences."))
    groups.link_groups(keeper, firm, groups.GroupLinkValues(
        network.id, "cooperation", "financial", today - timedelta(days=120),
        "The firm moves the network's money for a cut; two couriers seen working for both.",
        "Regional organised crime unit briefing"))

    def tie(reference: str, group_id: int, role: str, learnt_days_ago: int, review_in: int, grading: str) -> None:
        source, information, handling = grading[0], grading[1], grading[2]
        affiliations.record_affiliation(_user("assessor"), _subject(reference), affiliations.AffiliationValues(
            group_id=group_id, role=role, evidence="Named in wing intelligence reports and seen with known members.",
            source="Security department intelligence report", learnt_on=today - timedelta(days=learnt_days_ago),
            review_on=today + timedelta(days=review_in), source_grade=source, intelligence_grade=information,
            handling_code=handling))

    tie("A1003NG", firm.id, "member", 60, 120, "2BP")
    tie("A1003NG", network.id, "associate", 20, 70, "2CC")
    tie("A1005NG", network.id, "suspected", 100, -5, "3DC")  # the review is overdue
    affiliations.record_skill(_user("assessor"), _subject("A1003NG"), "smuggling_logistics",
                              "Convicted in 2021 of bringing phones into HMP Eastwood by drone.",
                              today - timedelta(days=60))
    affiliations.record_skill(_user("assessor"), _subject("A1005NG"), "document_forgery",
                              "Previous conviction for making false identity documents.", today - timedelta(days=90))


# --- conn-links: links between people and a recruitment attempt ---------------------------------------------

# (from, kind, to, recorded by, learnt days ago, evidence, source)
LINKS: tuple[tuple[str, str, str, str, int, str, str], ...] = (
    ("A1003NG", "co_defendant", "A1005NG", "assessor", 60, "Tried together for the 2024 warehouse robbery.",
     "Court record T20240117"),
    ("A1002NG", "family", "P2002ER", "supervisor", 20, "Cousins; Leila visits Zoë every other Sunday.",
     "Visits log"),
)


def seed_links() -> None:
    """Links between demo people (one across the two units), a link by reference from the prison to a person
    on probation that waits for the supervisor's confirmation, and a recruitment attempt on the wing naming its
    target and group, so that the targeted list is not empty."""
    from app.connections import links, recruitment

    today = utcnow().date()
    for source, kind, other, username, days_ago, evidence, origin in LINKS:
        grading = links.Grading(evidence, origin, today - timedelta(days=days_ago), today + timedelta(days=90),
                                "1", "B", "P")
        links.record_link(_user(username), _subject(source), links.LinkValues(
            kind, grading, other_id=_subject(other).id))
    # Alex Assessor works in the prison only: Ciarán is on probation, so the link waits for Sam Supervisor.
    links.record_link(_user("assessor"), _subject("A1005NG"), links.LinkValues(
        "associate", links.Grading("Letters to him found in a cell search on D wing.", "Security report 4420",
                                   today - timedelta(days=6), None, "2", "C", "P"), other_reference="P2003ER"))
    from app.connections.models import Group

    banner = db.session.scalar(select(Group.id).where(Group.name == "Black Standard Network"))  # seed_groups'
    recruitment.record_recruitment_attempt(_user("assessor"), _subject("A1002NG"), recruitment.RecruitmentValues(
        observed_on=today - timedelta(days=2), source="Officer on C wing landing 2",
        text="Seen offering phone credit to Daniel Marsh and telling him the network looks after its own.",
        source_grade="1", intelligence_grade="B", handling_code="P", group_id=banner,
        target_ids=[_subject("A1001NG").id]))
