"""Each rule of app/policy.py that lists records is written twice: a predicate over one object (a page's
guard) and a WHERE clause (a list's query). On varied data, for every user, the rows each clause selects
are exactly the rows its predicate accepts."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from flask import Flask, g
from sqlalchemy import ColumnElement, Select, select

from app import policy
from app.admin import services as admin_services
from app.assessments.models import Assessment
from app.audit import trail
from app.audit.models import AuditEvent
from app.auth.models import Role, User
from app.db import built_once, db, utcnow
from app.oversight import alerts
from app.oversight.models import Alert
from app.retention import services as retention
from app.subjects import services as subject_services
from app.subjects.models import BreakGlassAccess, Subject
from tests import factories


def _as(user_id: int) -> User:
    user = db.session.get(User, user_id)
    assert user is not None
    g.user = user
    return user


@pytest.fixture
def world(app: Flask, users: dict[str, factories.UserInfo], units: dict[str, int]) -> dict[str, Any]:
    """Three units; supervisors of one unit and of two; a caseload person outside the owner's units; an
    erased person; break-glass accesses reviewed and not; assessments in every status, one written by a
    supervisor; alerts with and without a unit, one about a supervisor."""
    with app.app_context():
        g.cli_actor = "tests"
        unit_c = admin_services.create_unit("UNIT-C", "HMP Charlie", "prison").id
        db.session.commit()
    people = dict(users)
    people["supervisor_ab"] = factories.make_user(app, "supervisor_ab", Role.SUPERVISOR, ["UNIT-A", "UNIT-B"],
                                                  "saffron-lattice-quarry-81")
    people["supervisor_b"] = factories.make_user(app, "supervisor_b", Role.SUPERVISOR, ["UNIT-B"],
                                                 "indigo-pebble-lighthouse-82")
    people["officer_c"] = factories.make_user(app, "officer_c", Role.PROBATION_OFFICER, ["UNIT-C"],
                                              "walnut-glacier-symphony-83")
    people["owner"] = factories.make_user(app, "owner", Role.PROBATION_OFFICER, ["UNIT-A"],
                                          "maroon-falcon-tapestry-84")
    sup, sup_b = people["supervisor"].id, people["supervisor_b"].id
    a1 = factories.make_subject(app, sup, units["A"], "A1000AA")
    a2 = factories.make_subject(app, sup, units["A"], "A2000AA")
    a3 = factories.make_subject(app, sup, units["A"], "A3000AA")
    b1 = factories.make_subject(app, people["assessor_b"].id, units["B"], "B1000BB")
    c1 = factories.make_subject(app, people["officer_c"].id, unit_c, "C1000CC")

    with app.app_context():
        # A caseload outside the owner's units: allocated in A, then the owner moves to unit C. Leaving unit A
        # now ends that ownership (tests/test_leaving_a_unit.py), but a database from before still holds such
        # rows and in_scope still admits them: the ownership is put back as that database would hold it.
        subject_services.allocate(_as(sup), db.session.get(Subject, a1), people["owner"].id)
        owner = db.session.get(User, people["owner"].id)
        assert owner is not None
        g.cli_actor = "tests"
        admin_services.update_user(owner, owner, admin_services.UserDetails("Owner", "probation_officer",
                                                                           ["UNIT-C"]), owner.version)
        kept = db.session.get(Subject, a1)
        assert kept is not None and kept.case_owner_id is None
        kept.case_owner_id = owner.id
        # A person moved from A to B keeps the history of their unit A.
        subject_services.transfer(_as(sup), db.session.get(Subject, a3), units["B"], "community_sentence",
                                  utcnow().date(), "Released on licence to Bravo.")
        # An erased person.
        request = retention.request_erasure(_as(sup), db.session.get(Subject, a2), "Retention period passed.")
        retention.confirm_erasure(_as(sup), request, "A2000AA")
        db.session.commit()

    for key, reference in (("assessor_b", "A1000AA"), ("supervisor_b", "A1000AA"), ("officer_c", "B1000BB"),
                           ("assessor", "C1000CC"), ("supervisor_b", "C1000CC")):
        factories.open_break_glass(app, people[key].id, reference)
    with app.app_context():
        # A supervisor who opened a record by break-glass, then joined its unit: never their own reviewer.
        joined = db.session.get(User, sup_b)
        assert joined is not None
        g.cli_actor = "tests"
        admin_services.update_user(joined, joined, admin_services.UserDetails("Supervisor B", "supervisor",
                                                                             ["UNIT-B", "UNIT-C"]), joined.version)
        access = db.session.scalars(select(BreakGlassAccess).where(
            BreakGlassAccess.user_id == people["assessor_b"].id)).one()
        subject_services.review_break_glass(_as(sup), access)
        expired = db.session.scalars(select(BreakGlassAccess).where(
            BreakGlassAccess.user_id == people["assessor"].id)).one()
        expired.expires_at = utcnow() - timedelta(hours=2)
        db.session.commit()

    for key in ("assessor", "probation", "supervisor", "assessor_b", "supervisor_ab"):
        factories.accredit(app, people[key].id)
    # A person has one assessment per instrument in progress at a time: the open ones are of several people.
    a4, a5, a6 = (factories.make_subject(app, sup, units["A"], reference)
                  for reference in ("A4000AA", "A5000AA", "A6000AA"))
    b2 = factories.make_subject(app, people["assessor_b"].id, units["B"], "B2000BB")
    factories.make_assessment(app, people["probation"].id, a1, approver_id=sup)
    factories.make_assessment(app, people["assessor"].id, a1, submit=True)
    factories.make_assessment(app, sup, a4, submit=True)  # the supervisor's own: four eyes
    factories.make_assessment(app, people["supervisor_ab"].id, a5, submit=True)
    factories.make_assessment(app, people["assessor"].id, a6)
    factories.make_assessment(app, people["assessor_b"].id, b1, submit=True)
    factories.make_assessment(app, people["assessor_b"].id, b2, approver_id=people["supervisor_ab"].id)

    with app.app_context():
        # Lists that showed people of several units, and of one unit only (the read rule's events).
        g.cli_actor = "tests"
        trail.record_view([a1, b1], object_type="subject_list")
        trail.record_view([c1], object_type="caseload")
        db.session.commit()
        app.config["ALERT_FAILED_LOGINS"] = 1
        for username in ("supervisor", "ghost"):
            g.cli_actor = "tests"
            trail.record("login_failed", actor=trail.Actor(None, username, None))
            db.session.commit()
            alerts.after_failed_login(username, "", db.session.scalars(
                select(User).where(User.username == username)).first())
            db.session.commit()
        assert db.session.scalars(select(Alert).where(Alert.unit_id.is_(None))).first() is not None
        assert db.session.scalars(select(Alert).where(Alert.user_id == sup)).first() is not None
        assert db.session.scalars(select(Alert).where(Alert.user_id == sup_b)).first() is not None
    return {"users": people, "subjects": {"a1": a1, "a2": a2, "a3": a3, "b1": b1, "c1": c1}}


def selected(model: type[Any], clause: ColumnElement[bool]) -> set[int]:
    stmt = select(model.id).where(clause)
    if model is Assessment:
        stmt = stmt.join(Subject, Subject.id == Assessment.subject_id)
    return set(db.session.scalars(stmt))


def accepted(model: type[Any], user: User, predicate: Callable[[User, Any], bool]) -> set[int]:
    return {row.id for row in db.session.scalars(select(model)) if predicate(user, row)}


PAIRS = [
    pytest.param(Subject, policy.subjects_visible_to, policy.in_scope, id="subjects-in-scope"),
    pytest.param(Assessment, policy.assessments_decidable_by, policy.can_decide_assessment,
                 id="assessments-awaiting-decision"),
    pytest.param(BreakGlassAccess, policy.break_glass_reviewable_by, policy.can_review_break_glass,
                 id="break-glass-to-review"),
    pytest.param(Alert, policy.alerts_visible_to, policy.can_acknowledge_alert, id="alerts"),
    pytest.param(AuditEvent, policy.audit_events_visible_to, policy.can_view_audit_event, id="audit-events"),
]


@pytest.mark.parametrize(("model", "where", "predicate"), PAIRS)
def test_each_query_filter_selects_exactly_the_rows_its_predicate_accepts(
        app: Flask, world: dict[str, Any], model: type[Any], where: Callable[[User], ColumnElement[bool]],
        predicate: Callable[[User, Any], bool]) -> None:
    with app.app_context():
        everything = {row_id for (row_id,) in db.session.execute(select(model.id))}
        seen_by_someone: set[int] = set()
        for info in world["users"].values():
            user = _as(info.id)
            by_query = selected(model, where(user))
            assert by_query == accepted(model, user, predicate), f"{model.__name__} for {user.username}"
            seen_by_someone |= by_query
            assert by_query != everything or policy.can_review_all_audit(user), user.username
        # The data is varied enough to tell the rule apart from "everything" or "nothing".
        assert seen_by_someone, model.__name__


def _subjects_seen(role: Role) -> Select[tuple[int]]:
    return select(Subject.id).where(policy.subjects_visible_to_viewer(role))


def _break_glass_to_review(role: Role) -> Select[tuple[int]]:
    return select(BreakGlassAccess.id).where(policy.break_glass_reviewable_by_viewer(role))


def _assessments_to_decide(role: Role) -> Select[tuple[int]]:
    return (select(Assessment.id).join(Subject, Subject.id == Assessment.subject_id)
            .where(policy.assessments_decidable_by_viewer(role)))


VIEWER_PAIRS = [
    pytest.param(Subject, _subjects_seen, policy.in_scope, id="subjects-in-scope"),
    pytest.param(BreakGlassAccess, _break_glass_to_review, policy.can_review_break_glass, id="break-glass-to-review"),
    pytest.param(Assessment, _assessments_to_decide, policy.can_decide_assessment, id="assessments-awaiting-decision"),
]


@pytest.mark.parametrize(("model", "build", "predicate"), VIEWER_PAIRS)
def test_a_clause_built_once_for_a_role_selects_for_each_viewer_the_rows_their_predicate_accepts(
        app: Flask, world: dict[str, Any], model: type[Any], build: Callable[[Role], Select[tuple[int]]],
        predicate: Callable[[User, Any], bool]) -> None:
    """The statement is built once per role (db.built_once) for every viewer in turn: each run binds its own
    viewer, never the one it was first built for."""
    with app.app_context():
        for info in world["users"].values():
            user = _as(info.id)
            by_query = set(db.session.scalars(built_once(build, user.role), policy.viewer_params(user)))
            assert by_query == accepted(model, user, predicate), f"{model.__name__} for {user.username}"


def test_generated_data_holds_each_case_the_rules_tell_apart(app: Flask, world: dict[str, Any]) -> None:
    subjects, people = world["subjects"], world["users"]
    with app.app_context():
        a1 = db.session.get(Subject, subjects["a1"])
        a2 = db.session.get(Subject, subjects["a2"])
        owner = _as(people["owner"].id)
        assert a1 is not None and a2 is not None
        assert a1.unit_id not in owner.unit_ids and policy.in_scope(owner, a1)  # caseload outside the units
        assert a2.erased_at is not None and not policy.in_scope(_as(people["supervisor"].id), a2)
        open_access = db.session.scalars(select(BreakGlassAccess).where(
            BreakGlassAccess.user_id == people["supervisor_b"].id, BreakGlassAccess.subject_id == a1.id)).one()
        assert policy.can_view_subject(_as(people["supervisor_b"].id), a1)  # through break-glass only
        assert not policy.in_scope(_as(people["supervisor_b"].id), a1) and open_access.reviewed_at is None
