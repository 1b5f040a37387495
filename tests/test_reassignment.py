"""Reassignment (issue 13, item 3): a supervisor changes an intervention's owner within their units; the work of a
user who is disabled or removed from a unit is listed for the unit's supervisors, counted on their dashboard
until done, and reassigned in bulk with one form."""

from __future__ import annotations

from typing import Any

from flask import Flask, g
from sqlalchemy import select

from app.admin import services as admin_services
from app.audit.models import AuditEvent
from app.auth.models import Role, User
from app.db import db
from app.interventions.models import Intervention
from app.subjects import services as subject_services
from app.subjects.handover_models import Departure
from app.subjects.models import Subject
from tests import factories
from tests.conftest import post_form, signed_in_client


def get(app: Flask, model: type, ident: int) -> Any:
    with app.app_context():
        row = db.session.get(model, ident)
        assert row is not None
        return row


def events(app: Flask, action: str, object_type: str) -> list[AuditEvent]:
    with app.app_context():
        return list(db.session.scalars(select(AuditEvent).where(
            AuditEvent.action == action, AuditEvent.object_type == object_type).order_by(AuditEvent.id)))


def allocate(app: Flask, supervisor_id: int, subject_id: int, owner_id: int) -> None:
    with app.app_context():
        supervisor, subject = db.session.get(User, supervisor_id), db.session.get(Subject, subject_id)
        assert supervisor is not None and subject is not None
        g.user = supervisor
        subject_services.allocate(supervisor, subject, owner_id)
        db.session.commit()


def departures(app: Flask) -> list[Departure]:
    with app.app_context():
        return list(db.session.scalars(select(Departure).order_by(Departure.id)))


def move_probation_officer_to_unit_b(app: Flask, user_id: int) -> None:
    """The probation officer leaves unit A for unit B (a departure from unit A)."""
    with app.app_context():
        officer = db.session.get(User, user_id)
        assert officer is not None
        g.cli_actor = "tests"
        admin_services.update_user(officer, officer, admin_services.UserDetails(
            "Probation", "probation_officer", [factories.UNIT_B]), officer.version)
        db.session.commit()


def disable(app: Flask, login_as, user_id: int) -> None:
    admin = login_as("admin")
    response = post_form(admin, f"/admin/users/{user_id}/active", {}, token_from=f"/admin/users/{user_id}")
    assert response.status_code == 302
    assert not get(app, User, user_id).is_active


# --- one intervention -------------------------------------------------------------------------------------------


def test_a_supervisor_gives_an_intervention_a_new_owner_in_the_unit(app, login_as, users, records):
    iid = factories.make_intervention(app, users["assessor"].id, records["subject_a"], users["probation"].id)
    supervisor = login_as("supervisor")
    assert "Change owner" in supervisor.get(f"/interventions/{iid}").get_data(as_text=True)
    form = supervisor.get(f"/interventions/{iid}/owner").get_data(as_text=True)
    assert "Assessor (Assessor)" in form and "Assessor B" not in form
    version = get(app, Intervention, iid).version
    response = post_form(supervisor, f"/interventions/{iid}/owner",
                         {"owner": str(users["assessor"].id), "version": str(version)})
    assert response.status_code == 302
    assert get(app, Intervention, iid).owner_id == users["assessor"].id
    audit = events(app, "reassign", "intervention")[-1]
    assert audit.details["changes"]["owner_id"] == [users["probation"].id, users["assessor"].id]


def test_an_owner_outside_the_persons_unit_is_refused_with_the_form_kept(app, login_as, users, records):
    iid = factories.make_intervention(app, users["assessor"].id, records["subject_a"], users["probation"].id)
    supervisor = login_as("supervisor")
    response = post_form(supervisor, f"/interventions/{iid}/owner",
                         {"owner": str(users["assessor_b"].id), "version": "1"})
    assert response.status_code == 400
    assert "a case worker of the person&#39;s unit" in response.get_data(as_text=True)
    assert get(app, Intervention, iid).owner_id == users["probation"].id


def test_only_a_supervisor_of_the_unit_changes_an_owner(app, login_as, users, records):
    iid = factories.make_intervention(app, users["assessor"].id, records["subject_a"], users["probation"].id)
    assert login_as("probation").get(f"/interventions/{iid}/owner").status_code == 403
    assert "Change owner" not in login_as("probation").get(f"/interventions/{iid}").get_data(as_text=True)
    outsider = factories.make_user(app, "supervisor_b", Role.SUPERVISOR, [factories.UNIT_B],
                                   "indigo-pebble-lighthouse-82")
    assert signed_in_client(app, outsider).get(f"/interventions/{iid}/owner").status_code == 404


# --- the work a departed user left ------------------------------------------------------------------------------


def test_bulk_reassignment_after_disabling_a_user(app, login_as, users, records):
    sid = records["subject_a"]
    iid = factories.make_intervention(app, users["assessor"].id, sid, users["probation"].id)
    allocate(app, users["supervisor"].id, sid, users["probation"].id)
    supervisor = login_as("supervisor")
    assert "Unowned work" not in supervisor.get("/").get_data(as_text=True)
    disable(app, login_as, users["probation"].id)
    [departure] = departures(app)
    assert (departure.user_id, departure.reason, departure.cleared_at) == (users["probation"].id, "disabled", None)
    board = supervisor.get("/").get_data(as_text=True)
    assert 'data-testid="unowned-work-count">2<' in board and f"/departures/{departure.id}" in board
    page = supervisor.get(f"/departures/{departure.id}").get_data(as_text=True)
    assert page.count('data-testid="work-row"') == 2 and "Mentoring (active)" in page
    nothing = post_form(supervisor, f"/departures/{departure.id}", {})
    assert nothing.status_code == 400 and "for at least one item" in nothing.get_data(as_text=True)
    response = post_form(supervisor, f"/departures/{departure.id}", {
        f"owner_intervention_{iid}": str(users["assessor"].id), f"owner_caseload_{sid}": str(users["assessor"].id)})
    assert response.status_code == 302
    assert get(app, Intervention, iid).owner_id == users["assessor"].id
    assert get(app, Subject, sid).case_owner_id == users["assessor"].id
    assert departures(app)[0].cleared_at is not None
    assert "Unowned work" not in supervisor.get("/").get_data(as_text=True)
    bulk = events(app, "reassign", "departure")[-1]
    assert bulk.details["subject_ids"] == [sid] and len(bulk.details["items"]) == 2


def test_a_bulk_reassignment_with_a_bad_row_changes_nothing_and_keeps_every_choice(app, login_as, users, records):
    sid = records["subject_a"]
    iid = factories.make_intervention(app, users["assessor"].id, sid, users["probation"].id)
    allocate(app, users["supervisor"].id, sid, users["probation"].id)
    disable(app, login_as, users["probation"].id)
    [departure] = departures(app)
    response = post_form(login_as("supervisor"), f"/departures/{departure.id}", {
        f"owner_intervention_{iid}": "end", f"reason_intervention_{iid}": "",
        f"owner_caseload_{sid}": str(users["assessor"].id)})
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "Say why it ends" in page
    assert f'<option selected value="{users["assessor"].id}">' in page
    assert get(app, Subject, sid).case_owner_id == users["probation"].id
    assert get(app, Intervention, iid).status == "active"


def test_removing_a_user_from_a_unit_lists_their_released_caseload_and_interventions(app, login_as, users, records):
    sid = records["subject_a"]
    iid = factories.make_intervention(app, users["assessor"].id, sid, users["probation"].id)
    allocate(app, users["supervisor"].id, sid, users["probation"].id)
    move_probation_officer_to_unit_b(app, users["probation"].id)
    assert get(app, Subject, sid).case_owner_id is None  # access ends with the membership
    [departure] = departures(app)
    assert departure.reason == "left_unit"
    supervisor = login_as("supervisor")
    page = supervisor.get(f"/departures/{departure.id}").get_data(as_text=True)
    assert "Case ownership (unowned)" in page and "Intervention" in page
    response = post_form(supervisor, f"/departures/{departure.id}", {
        f"owner_intervention_{iid}": str(users["assessor"].id)})
    assert response.status_code == 302
    assert 'data-testid="unowned-work-count">1<' in supervisor.get("/").get_data(as_text=True)


def test_a_released_case_stays_listed_when_someone_elses_case_is_allocated_afterwards(app, login_as, users, units,
                                                                                      records):
    """The released case is stranded work until *its* person is given an owner: an allocation of another person,
    made later, anywhere, does not take it off the list (the check once looked at every person's allocations)."""
    sid = records["subject_a"]
    allocate(app, users["supervisor"].id, sid, users["probation"].id)
    move_probation_officer_to_unit_b(app, users["probation"].id)
    [departure] = departures(app)
    other = factories.make_subject(app, users["supervisor"].id, units["A"], "A1001AA",
                                   given_name="Later", family_name="Allocated")
    allocate(app, users["supervisor"].id, other, users["assessor"].id)
    supervisor = login_as("supervisor")
    page = supervisor.get(f"/departures/{departure.id}").get_data(as_text=True)
    assert page.count('data-testid="work-row"') == 1 and "Case ownership (unowned)" in page
    assert 'data-testid="unowned-work-count">1<' in supervisor.get("/").get_data(as_text=True)
    allocate(app, users["supervisor"].id, sid, users["assessor"].id)
    assert "Case ownership (unowned)" not in supervisor.get(f"/departures/{departure.id}").get_data(as_text=True)


def test_a_departure_is_only_for_the_units_supervisors(app, login_as, users, records):
    factories.make_intervention(app, users["assessor"].id, records["subject_a"], users["probation"].id)
    disable(app, login_as, users["probation"].id)
    [departure] = departures(app)
    assert login_as("assessor").get(f"/departures/{departure.id}").status_code == 403
    outsider = factories.make_user(app, "supervisor_b", Role.SUPERVISOR, [factories.UNIT_B],
                                   "indigo-pebble-lighthouse-82")
    assert signed_in_client(app, outsider).get(f"/departures/{departure.id}").status_code == 404


def test_a_user_who_leaves_no_work_opens_no_departure(app, login_as, users):
    disable(app, login_as, users["probation"].id)
    assert departures(app) == []
