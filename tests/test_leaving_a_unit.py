"""Leaving a unit ends case ownership there. A case owner removed from a unit by an admin (or given a role
without case work) opens none of its people afterwards, caseload included: each person they owned there is
left unallocated, with a case-owner history row saying why and an audit event, for the unit's supervisors to
reassign. Their people in units they still work in stay theirs. Disabling an account keeps its caseload (the
account opens nothing while disabled, and enabling it gives the work back)."""

from __future__ import annotations

from flask import Flask, g
from flask.testing import FlaskClient
from sqlalchemy import select

from app.admin import services as admin_services
from app.audit.models import AuditEvent
from app.auth.models import Role, User
from app.db import db
from app.subjects import services as subject_services
from app.subjects.models import Allocation, Subject
from tests import factories
from tests.conftest import post_form, signed_in_client

OFFICER_PASSWORD = "juniper-anchor-quarry-91"
SUPERVISOR_B_PASSWORD = "indigo-pebble-lighthouse-82"


def allocate(app: Flask, supervisor_id: int, subject_id: int, owner_id: int) -> None:
    with app.app_context():
        supervisor = db.session.get(User, supervisor_id)
        subject = db.session.get(Subject, subject_id)
        assert supervisor is not None and subject is not None
        g.user = supervisor
        subject_services.allocate(supervisor, subject, owner_id, "Knows the family")
        db.session.commit()


def owner_of(app: Flask, subject_id: int) -> int | None:
    with app.app_context():
        subject = db.session.get(Subject, subject_id)
        assert subject is not None
        return subject.case_owner_id


def case_pages(subject_id: int) -> list[str]:
    return [f"/subjects/{subject_id}", f"/subjects/{subject_id}/edit", f"/subjects/{subject_id}/observations/new",
            f"/subjects/{subject_id}/export/case-summary"]


def statuses(client: FlaskClient, subject_id: int) -> list[int]:
    return [client.get(path).status_code for path in case_pages(subject_id)]


def test_a_case_owner_removed_from_the_unit_opens_none_of_its_people_and_they_go_back_unallocated(
        app, login_as, users, units, records) -> None:
    """A probation officer of units A and B owns a person in each; an admin removes them from A."""
    officer = factories.make_user(app, "officer_ab", Role.PROBATION_OFFICER, [factories.UNIT_A, factories.UNIT_B],
                                  OFFICER_PASSWORD)
    supervisor_b = factories.make_user(app, "supervisor_b", Role.SUPERVISOR, [factories.UNIT_B],
                                       SUPERVISOR_B_PASSWORD)
    in_a, in_b = records["subject_a"], records["subject_b"]
    allocate(app, users["supervisor"].id, in_a, officer.id)
    allocate(app, supervisor_b.id, in_b, officer.id)
    assert statuses(signed_in_client(app, officer), in_a) == [200, 200, 200, 200]

    admin = login_as("admin")
    response = post_form(admin, f"/admin/users/{officer.id}", {"display_name": "Officer AB", "role":
                                                               "probation_officer", "units": [factories.UNIT_B],
                                                               "version": "1"})
    assert response.status_code == 302

    client = signed_in_client(app, officer)  # removing a unit ended their sessions
    assert statuses(client, in_a) == [404, 404, 404, 404]
    assert "Archer" not in client.get("/caseload").get_data(as_text=True)
    assert client.get(f"/subjects/{in_b}").status_code == 200  # still theirs: they work in unit B
    assert owner_of(app, in_a) is None and owner_of(app, in_b) == officer.id

    with app.app_context():
        [released] = db.session.scalars(select(Allocation).where(Allocation.subject_id == in_a,
                                                                 Allocation.owner_id.is_(None))).all()
        assert (released.previous_owner_id, released.allocated_by_id, released.note) == (
            officer.id, users["admin"].id, "Owner removed from the unit.")
        event = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "allocate",
                                                            AuditEvent.subject_id == in_a)
                                   .order_by(AuditEvent.id.desc())).first()
        assert event is not None and event.actor_username == "admin"
        assert event.details["changes"] == {"case_owner_id": [officer.id, None]}
        assert event.details["reason"] == "owner removed from the unit"
        assert not db.session.scalars(select(AuditEvent).where(AuditEvent.action == "allocate",
                                                               AuditEvent.subject_id == in_b,
                                                               AuditEvent.actor_username == "admin")).all()

    # The unit's supervisors see the person as unallocated, with why, and reassign them.
    supervisor = login_as("supervisor")
    assert "Archer" in supervisor.get("/subjects?owner=unallocated").get_data(as_text=True)
    page = supervisor.get(f"/subjects/{in_a}").get_data(as_text=True)
    assert "Case owner removed" in page and "Owner removed from the unit." in page


def test_a_case_owner_given_a_role_without_case_work_keeps_no_caseload(app, users, records) -> None:
    allocate(app, users["supervisor"].id, records["subject_a"], users["probation"].id)
    with app.app_context():
        admin = db.session.get(User, users["admin"].id)
        officer = db.session.get(User, users["probation"].id)
        assert admin is not None and officer is not None
        g.user = admin
        admin_services.update_user(admin, officer, admin_services.UserDetails("Probation", "admin",
                                                                              [factories.UNIT_A]), officer.version)
        db.session.commit()
    assert owner_of(app, records["subject_a"]) is None


def test_an_edit_that_keeps_the_unit_keeps_the_caseload(app, users, records) -> None:
    allocate(app, users["supervisor"].id, records["subject_a"], users["probation"].id)
    with app.app_context():
        admin = db.session.get(User, users["admin"].id)
        officer = db.session.get(User, users["probation"].id)
        assert admin is not None and officer is not None
        g.user = admin
        admin_services.update_user(admin, officer, admin_services.UserDetails(
            "Probation", "probation_officer", [factories.UNIT_A, factories.UNIT_B]), officer.version)
        db.session.commit()
    assert owner_of(app, records["subject_a"]) == users["probation"].id


def test_a_disabled_case_owner_keeps_the_caseload_but_opens_nothing_until_enabled(app, login_as, users,
                                                                                 records) -> None:
    sid = records["subject_a"]
    allocate(app, users["supervisor"].id, sid, users["probation"].id)
    officer = signed_in_client(app, users["probation"])
    admin = login_as("admin")
    toggle = f"/admin/users/{users['probation'].id}/active"
    assert post_form(admin, toggle, {}, token_from=f"/admin/users/{users['probation'].id}").status_code == 302
    assert officer.get(f"/subjects/{sid}").status_code == 302  # signed out: to the sign-in page
    assert owner_of(app, sid) == users["probation"].id
    assert post_form(admin, toggle, {}, token_from=f"/admin/users/{users['probation'].id}").status_code == 302
    assert signed_in_client(app, users["probation"]).get(f"/subjects/{sid}").status_code == 200
