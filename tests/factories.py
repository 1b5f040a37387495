"""Test data, made through Waypoint's own services (never hand-written SQL)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from flask import Flask, g

from app.admin import services
from app.auth.models import Role
from app.db import db

if TYPE_CHECKING:
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


@dataclass
class UserInfo:
    id: int
    username: str
    password: str
    role: str


def make_units(app: Flask) -> dict[str, int]:
    with app.app_context():
        g.cli_actor = "tests"
        a = services.create_unit(UNIT_A, "HMP Alpha", "prison")
        b = services.create_unit(UNIT_B, "Bravo Probation Region", "probation_region")
        db.session.commit()
        return {"A": a.id, "B": b.id}


def make_user(app: Flask, username: str, role: Role, unit_codes: list[str], password: str,
              *, must_change: bool = False) -> UserInfo:
    with app.app_context():
        g.cli_actor = "tests"
        user = services.create_user(
            username, services.UserDetails(username.replace("_", " ").title(), role.value, unit_codes), password,
            must_change=must_change,
        )
        db.session.commit()
        return UserInfo(user.id, user.username, password, user.role)


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
