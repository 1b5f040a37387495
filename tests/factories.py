"""Test data, made through Waypoint's own services (never hand-written SQL)."""

from __future__ import annotations

from dataclasses import dataclass

from flask import Flask, g

from app.admin import services
from app.auth.models import Role
from app.db import db

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
