"""Test data, made through Waypoint's own services (never hand-written SQL)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from flask import Flask, g

from app.admin import services
from app.auth.models import Role
from app.db import db

if TYPE_CHECKING:
    from app.assessments.services import AssessmentInput
    from app.subjects.services import SubjectValues

UNIT_A = "UNIT-A"
UNIT_B = "UNIT-B"
# Strong enough for zxcvbn ≥ 3; distinct per user.
PASSWORDS = {
    "assessor": "ochre-lantern-river-71",
    "probation": "granite-compass-meadow-72",
    "supervisor": "velvet-beacon-harbour-73",
    "admin": "copper-keystone-orchard-74",
    "assessor_b": "amber-thistle-canyon-75",
}


# Roles that must have a second factor (config TOTP_REQUIRED_ROLES): their test users are enrolled.
TOTP_ROLES = (Role.SUPERVISOR, Role.ADMIN)
# The secret of the latest user of each username enrolled by make_user, for sign-in helpers that are given
# only a username and password (the browser's keyboard sign-in).
_enrolled_secrets: dict[str, str] = {}


def enrolled_secret(username: str) -> str | None:
    return _enrolled_secrets.get(username)


def remember_secret(info: UserInfo) -> None:
    """The sign-in helpers know `info`'s secret (a user copied in with a database rather than made here)."""
    if info.totp_secret is not None:
        _enrolled_secrets[info.username] = info.totp_secret
    else:
        _enrolled_secrets.pop(info.username, None)


@dataclass
class UserInfo:
    id: int
    username: str
    password: str
    role: str
    totp_secret: str | None = None


def make_units(app: Flask) -> dict[str, int]:
    with app.app_context():
        g.cli_actor = "tests"
        a = services.create_unit(UNIT_A, "HMP Alpha", "prison")
        b = services.create_unit(UNIT_B, "Bravo Probation Region", "probation_region")
        db.session.commit()
        return {"A": a.id, "B": b.id}


def make_user(app: Flask, username: str, role: Role, unit_codes: list[str], password: str,
              *, must_change: bool = False, totp: bool | None = None) -> UserInfo:
    """A user made through the admin service. Supervisors and admins are enrolled in TOTP (a new secret,
    in UserInfo.totp_secret) unless `totp=False`; `totp=True` enrols any role."""
    from app.auth import totp as second_factor

    enrol = role in TOTP_ROLES if totp is None else totp
    with app.app_context():
        g.cli_actor = "tests"
        user = services.create_user(
            username, services.UserDetails(username.replace("_", " ").title(), role.value, unit_codes), password,
            must_change=must_change,
        )
        secret = second_factor.new_secret() if enrol else None
        if secret is not None:
            second_factor.enrol(user, secret, step=None)  # no code used yet: every current code still works
        db.session.commit()
        if secret is not None:
            _enrolled_secrets[user.username] = secret
        else:
            _enrolled_secrets.pop(user.username, None)
        return UserInfo(user.id, user.username, password, user.role, secret)


def unused_code(secret: str, last_step: int | None) -> str:
    """A code the server accepts now and has not seen: the code of the current step, or else of the next
    one. Each code works once, so this is how tests sign the same user in twice within 30 seconds.

    The previous step's code is never given, although the server accepts it: it stays valid only until
    the next step boundary, and a request that reaches the server a few seconds late (a loaded CI machine,
    a clock corrected under the run) finds it outside the window. The current code stays valid for at
    least 30 seconds more, the next one for 60.

    Raises AssertionError when both are used (a third sign-in of one user within one step)."""
    import pyotp

    from app.db import utcnow

    totp = pyotp.TOTP(secret)
    now = totp.timecode(utcnow())
    for step in (now, now + 1):
        if last_step is None or step > last_step:
            return totp.generate_otp(step)
    raise AssertionError("the current and the next code have both been used")


def unused_code_for(app: Flask, username: str, *, forget_used: bool = True) -> str:
    """unused_code() for a user, reading their secret and last step from the database.

    Some tests sign one user in many times a second (a page walk with a new client per page), more often
    than codes that work once allow. With `forget_used`, when the whole window is used up, the user's
    record of used codes is cleared first (test data only: tests of the second factor itself pass
    forget_used=False, or give codes by hand)."""
    from sqlalchemy import select

    from app.auth.models import User

    with app.app_context():
        user = db.session.scalars(select(User).where(User.username == username)).one()
        assert user.totp_secret is not None, f"{username} has no second factor"
        try:
            return unused_code(user.totp_secret, user.totp_last_step)
        except AssertionError:
            if not forget_used:
                raise
        user.totp_last_step = None
        db.session.commit()
        return unused_code(user.totp_secret, None)


def make_role_users(app: Flask) -> dict[str, UserInfo]:
    return {
        "assessor": make_user(app, "assessor", Role.ASSESSOR, [UNIT_A], PASSWORDS["assessor"]),
        "probation": make_user(app, "probation", Role.PROBATION_OFFICER, [UNIT_A], PASSWORDS["probation"]),
        "supervisor": make_user(app, "supervisor", Role.SUPERVISOR, [UNIT_A], PASSWORDS["supervisor"]),
        "admin": make_user(app, "admin", Role.ADMIN, [], PASSWORDS["admin"]),
        "assessor_b": make_user(app, "assessor_b", Role.ASSESSOR, [UNIT_B], PASSWORDS["assessor_b"]),
    }


def subject_values(reference: str, **overrides: object) -> SubjectValues:
    from datetime import date

    from app.subjects.services import SubjectValues

    values = SubjectValues(
        reference=reference, given_name="Sam", family_name="Example", date_of_birth=date(1990, 4, 27),
        status="sentenced", index_offence_category="violence", sentence_date=date(2024, 1, 10),
    )
    for name, value in overrides.items():
        setattr(values, name, value)
    return values


def make_subject(app: Flask, actor_id: int, unit_id: int, reference: str, **overrides: object) -> int:
    """A subject created through the service, as `actor_id` (a case worker of `unit_id`)."""
    from app.auth.models import User
    from app.subjects import services as subject_services

    with app.app_context():
        actor = db.session.get(User, actor_id)
        assert actor is not None
        g.user = actor
        subject = subject_services.create_subject(actor, unit_id, subject_values(reference, **overrides))
        db.session.commit()
        return subject.id


def open_break_glass(app: Flask, actor_id: int, reference: str, reason: str = "Urgent safeguarding call") -> int:
    from app.auth.models import User
    from app.subjects import services as subject_services

    with app.app_context():
        actor = db.session.get(User, actor_id)
        assert actor is not None
        g.user = actor
        _subject, access = subject_services.break_glass(actor, reference, reason)
        db.session.commit()
        assert access is not None
        return access.id


ASSESSMENT = ("wp-structured-assessment", "1.0")
SCREENING = ("wp-reception-screening", "1.0")


def accredit(app: Flask, user_id: int, instrument_id: str = ASSESSMENT[0], days: int = 365) -> None:
    from datetime import timedelta

    from app.assessments import accreditation
    from app.auth.models import User
    from app.db import utcnow

    with app.app_context():
        g.cli_actor = "tests"
        user = db.session.get(User, user_id)
        assert user is not None
        accreditation.grant(user, instrument_id, utcnow().date() + timedelta(days=days), granted_by=None)
        db.session.commit()


def complete_input(app: Flask, judgement: str = "moderate_concern", **overrides: object) -> AssessmentInput:
    """Every item rated with evidence, a judgement, rationale and review date: ready to submit."""
    from datetime import timedelta

    from app.assessments import catalogue
    from app.assessments.services import AssessmentInput
    from app.db import utcnow

    with app.app_context():
        instrument = catalogue.get(*ASSESSMENT)
        ratings = {i.code: i.options[0].value for i in instrument.items()}
        evidence = {i.code: f"Evidence for {i.code}: observed on the wing, recorded by staff."
                    for i in instrument.items()}
    data = AssessmentInput(ratings=ratings, evidence=evidence, overall_judgement=judgement,
                           rationale="Reasons drawn from the evidence above.", person_view="He disagrees.",
                           review_due=utcnow().date() + timedelta(days=90))
    for name, value in overrides.items():
        setattr(data, name, value)
    return data


def make_assessment(app: Flask, author_id: int, subject_id: int, *, submit: bool = False,
                    approver_id: int | None = None, judgement: str = "moderate_concern") -> int:
    """An assessment through the services: draft, or submitted, or approved by `approver_id`."""
    from app.assessments import catalogue
    from app.assessments import services as assessment_services
    from app.auth.models import User
    from app.subjects.models import Subject

    with app.app_context():
        author = db.session.get(User, author_id)
        subject = db.session.get(Subject, subject_id)
        assert author is not None and subject is not None
        g.user = author
        a = assessment_services.start(author, subject, catalogue.get(*ASSESSMENT))
        assessment_services.save_draft(author, a, complete_input(app, judgement), a.version)
        if submit or approver_id:
            assessment_services.submit(author, a, a.version)
        if approver_id:
            approver = db.session.get(User, approver_id)
            assert approver is not None
            g.user = approver
            assessment_services.approve(approver, a, a.version)
        db.session.commit()
        return a.id


def make_screening(app: Flask, author_id: int, subject_id: int, outcome: str = "refer_for_assessment") -> int:
    from app.assessments import catalogue, screening
    from app.auth.models import User
    from app.db import utcnow
    from app.subjects.models import Subject

    with app.app_context():
        author = db.session.get(User, author_id)
        subject = db.session.get(Subject, subject_id)
        assert author is not None and subject is not None
        g.user = author
        instrument = catalogue.get(*SCREENING)
        values = screening.ScreeningValues(
            instrument_id=instrument.id, instrument_version=instrument.version, screened_on=utcnow().date(),
            occasion="Reception", outcome=outcome, rationale="Two indicators observed on reception.",
            answers={i.code: i.options[0].value for i in instrument.items()},
        )
        record = screening.record_screening(author, subject, values)
        db.session.commit()
        return record.id


def make_intervention(app: Flask, actor_id: int, subject_id: int, owner_id: int, *, activate: bool = True,
                      goals: tuple[str, ...] = ("Attend every session", "Name one new source of support"),
                      started_days_ago: int = 40) -> int:
    """An intervention referred by `actor_id`, owned by `owner_id`; accepted and started when `activate`."""
    from datetime import timedelta

    from app.auth.models import User
    from app.db import utcnow
    from app.interventions import services as iv_services
    from app.subjects.models import Subject

    with app.app_context():
        actor = db.session.get(User, actor_id)
        owner = db.session.get(User, owner_id)
        subject = db.session.get(Subject, subject_id)
        assert actor is not None and owner is not None and subject is not None
        g.user = actor
        today = utcnow().date()
        iv = iv_services.refer(actor, subject, iv_services.Referral(
            type="mentoring", provider="Pathways Mentoring Trust", owner_id=owner_id,
            referred_on=today - timedelta(days=started_days_ago + 5), goals=list(goals)))
        if activate:
            g.user = owner
            iv_services.transition(owner, iv, "accepted", today - timedelta(days=started_days_ago + 2), "",
                                   iv.version)
            iv_services.transition(owner, iv, "active", today - timedelta(days=started_days_ago), "", iv.version)
        db.session.commit()
        return iv.id


def add_session(app: Flask, actor_id: int, intervention_id: int, days_ago: int, attendance: str = "attended",
                engagement: int | None = 3) -> None:
    from datetime import timedelta

    from app.auth.models import User
    from app.db import utcnow
    from app.interventions import services as iv_services
    from app.interventions.models import Intervention

    with app.app_context():
        actor = db.session.get(User, actor_id)
        iv = db.session.get(Intervention, intervention_id)
        assert actor is not None and iv is not None
        g.user = actor
        iv_services.record_session(actor, iv, iv_services.SessionValues(
            held_on=utcnow().date() - timedelta(days=days_ago), attendance=attendance, engagement=engagement))
        db.session.commit()


def make_conference(app: Flask, chair_id: int, attendee_id: int, unit_id: int, subject_id: int, *,
                    decision: str | None = "continue_monitoring", action_owner_id: int | None = None,
                    due_in: int = 14, held_days_ago: int = 3, dissent: bool = False) -> dict[str, int]:
    """A multi-agency panel of the unit chaired by `chair_id`: `attendee_id` attended, an outside participant
    sent apologies; the person discussed, with a decision (and the attendee's dissent from it), and an action
    owned by `action_owner_id` when given. Ids of the conference, discussion, outside attendee and action."""
    from datetime import timedelta

    from app.auth.models import User
    from app.conferences import services as conf
    from app.db import utcnow
    from app.subjects.models import Subject

    with app.app_context():
        chair = db.session.get(User, chair_id)
        subject = db.session.get(Subject, subject_id)
        assert chair is not None and subject is not None
        g.user = chair
        today = utcnow().date()
        conference = conf.hold(chair, conf.Meeting(unit_id, today - timedelta(days=held_days_ago),
                                                   "multi_agency_panel", chair.id))
        present = conference.attendees[0] if attendee_id == chair_id else conf.add_attendee(
            chair, conference, conf.Attendee(attendee_id, "", "", "", "attended"))
        outside = conf.add_attendee(chair, conference, conf.Attendee(
            None, "Dr Ruth Okafor", "Eastern NHS Trust", "Forensic psychologist", "apologies"))
        discussion = conf.discuss(chair, conference, subject.reference)
        ids = {"conference": conference.id, "discussion": discussion.id, "attendee": outside.id}
        if decision:
            conf.record_decision(chair, discussion, conf.Decision(
                "Wing reports for the last quarter.", "Settled on the wing; keeps to the education plan.",
                decision, "No new concern since the last review; keep the current plan."), discussion.version)
            if dissent:
                conf.record_dissent(chair, discussion, present.id, "The risk on release is underrated.")
        if action_owner_id is not None:
            action = conf.agree_action(chair, discussion, conf.NewAction(
                "Share the education report with the offender manager.", action_owner_id,
                today + timedelta(days=due_in)))
            ids["action"] = action.id
        db.session.commit()
        return ids
