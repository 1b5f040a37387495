"""The handover and departure rules of app/policy.py, each written as a predicate and as a WHERE clause, select
the same rows on varied data: handovers between three units, departures in two, supervisors of one unit, of two
and of none of them, a departed supervisor and case workers."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask, g
from sqlalchemy import ColumnElement, select

from app import policy
from app.admin import services as admin_services
from app.auth.models import Role, User
from app.db import db, utcnow
from app.subjects import handover
from app.subjects.handover_models import Departure, Handover
from app.subjects.models import Subject
from tests import factories


def _as(user_id: int) -> User:
    user = db.session.get(User, user_id)
    assert user is not None
    g.user = user
    return user


@pytest.fixture
def world(app: Flask, users: dict[str, factories.UserInfo], units: dict[str, int]) -> dict[str, Any]:
    with app.app_context():
        g.cli_actor = "tests"
        unit_c = admin_services.create_unit("UNIT-C", "HMP Charlie", "prison").id
        db.session.commit()
    people = dict(users)
    people["supervisor_ab"] = factories.make_user(app, "supervisor_ab", Role.SUPERVISOR, ["UNIT-A", "UNIT-B"],
                                                  "saffron-lattice-quarry-81")
    people["supervisor_c"] = factories.make_user(app, "supervisor_c", Role.SUPERVISOR, ["UNIT-C"],
                                                 "walnut-glacier-symphony-83")
    a1 = factories.make_subject(app, users["supervisor"].id, units["A"], "A1000AA")
    a2 = factories.make_subject(app, users["supervisor"].id, units["A"], "A2000AA")
    factories.make_intervention(app, users["assessor"].id, a2, users["probation"].id)
    with app.app_context():
        today = utcnow().date()
        for sid, sup, to_unit, status in ((a1, "supervisor", units["B"], "community_sentence"),
                                          (a1, "supervisor_ab", unit_c, "sentenced")):
            subject = db.session.get(Subject, sid)
            assert subject is not None
            handover.transfer_with_handover(_as(people[sup].id), subject,
                                            handover.Move(to_unit, status, today, "Moved."), {}, "")
        probation = _as(users["probation"].id)
        admin_services.set_active(_as(users["admin"].id), probation, False)  # leaves an intervention in A
        supervisor = _as(users["supervisor"].id)
        db.session.add(Departure(user_id=supervisor.id, unit_id=units["A"], reason="left_unit"))
        db.session.commit()
    return people


PAIRS = [
    pytest.param(Handover, policy.handovers_visible_to, policy.can_view_handover, id="handovers"),
    pytest.param(Departure, policy.departures_visible_to, policy.can_reassign_departed_work, id="departures"),
]


@pytest.mark.parametrize(("model", "where", "predicate"), PAIRS)
def test_each_handover_filter_selects_exactly_the_rows_its_predicate_accepts(
        app: Flask, world: dict[str, Any], model: type[Any], where: Callable[[User], ColumnElement[bool]],
        predicate: Callable[[User, Any], bool]) -> None:
    with app.app_context():
        everything = {row_id for (row_id,) in db.session.execute(select(model.id))}
        seen_by_someone: set[int] = set()
        partial = False  # the data tells the rule apart from "everything" and "nothing"
        for info in world.values():
            user = _as(info.id)
            by_query = set(db.session.scalars(select(model.id).where(where(user))))
            by_rule = {row.id for row in db.session.scalars(select(model)) if predicate(user, row)}
            assert by_query == by_rule, f"{model.__name__} for {user.username}"
            partial |= 0 < len(by_query) < len(everything)
            seen_by_someone |= by_query
        assert seen_by_someone == everything and partial, model.__name__
