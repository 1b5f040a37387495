"""Deny by default, the role × route matrix, refusals audited, rules composed in app/policy.py."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Blueprint, Flask
from sqlalchemy import select

from app import create_app, policy
from app.audit.models import AuditEvent
from app.auth.models import Role, Unit, User
from app.db import db
from tests.conftest import csrf_token

ROLES = ("anonymous", "assessor", "probation", "supervisor", "admin")
ADMIN_ONLY = {"anonymous": 302, "assessor": 403, "probation": 403, "supervisor": 403, "admin": 200}
SIGNED_IN = {"anonymous": 302, "assessor": 200, "probation": 200, "supervisor": 200, "admin": 200}
CASE_WORKERS = {"anonymous": 302, "assessor": 200, "probation": 200, "supervisor": 200, "admin": 403}
SUPERVISORS = {"anonymous": 302, "assessor": 403, "probation": 403, "supervisor": 200, "admin": 403}
AUDIT_REVIEWERS = {"anonymous": 302, "assessor": 403, "probation": 403, "supervisor": 200, "admin": 200}

# Every route of the application with what each role gets. A new route must be added here.
GET_MATRIX: dict[str, dict[str, int]] = {
    "main.home": SIGNED_IN,
    "main.health": dict.fromkeys(ROLES, 200),
    "auth.login": {"anonymous": 200, "assessor": 302, "probation": 302, "supervisor": 302, "admin": 302},
    "auth.account": SIGNED_IN,
    "auth.change_password": SIGNED_IN,
    # the code step of sign-in: without a password just given, back to the sign-in page (or home)
    "auth.login_code": dict.fromkeys(ROLES, 302),
    "auth.enrol_totp": SIGNED_IN,
    "auth.confirm": SIGNED_IN,
    # nothing waiting to be sent again: home (anonymous: sign in)
    "auth.resume": dict.fromkeys(ROLES, 302),
    "admin.users": ADMIN_ONLY,
    "admin.new_user": ADMIN_ONLY,
    "admin.user": ADMIN_ONLY,
    "admin.units": ADMIN_ONLY,
    "admin.new_unit": ADMIN_ONLY,
    "admin.unit": ADMIN_ONLY,
    "subjects.index": CASE_WORKERS,
    "subjects.caseload": CASE_WORKERS,
    "subjects.create": CASE_WORKERS,
    "subjects.show": CASE_WORKERS,
    "subjects.edit": CASE_WORKERS,
    "subjects.transfer": SUPERVISORS,
    "subjects.allocate": SUPERVISORS,
    "subjects.break_glass": CASE_WORKERS,
    "assessments.new_screening": CASE_WORKERS,
    "assessments.show_screening": CASE_WORKERS,
    "assessments.show": CASE_WORKERS,
    # the draft's author edits; anyone else is sent to the read-only page
    "assessments.edit": {**CASE_WORKERS, "assessor": 302, "supervisor": 302},
    "assessments.edit_section": {**CASE_WORKERS, "assessor": 302, "supervisor": 302},
    "assessments.check": {**CASE_WORKERS, "assessor": 302, "supervisor": 302},
    "assessments.compare": CASE_WORKERS,
    # the confirmation of a discard: only the draft's author (probation); anyone else is sent back to it
    "assessments.discard": {**CASE_WORKERS, "assessor": 302, "supervisor": 302},
    # the approval's confirmation: the draft is not submitted, so nobody may approve it yet
    "assessments.confirm_approval": {**SUPERVISORS, "supervisor": 403},
    "admin.accreditations": ADMIN_ONLY,
    "interventions.refer": CASE_WORKERS,
    "interventions.show": CASE_WORKERS,
    "interventions.record_session": CASE_WORKERS,
    # closing: the owner (probation) or a supervisor of the unit
    "interventions.close": {**CASE_WORKERS, "assessor": 403},
    "interventions.observe": CASE_WORKERS,
    "interventions.unit_observations": SUPERVISORS,
    "interventions.work_page": CASE_WORKERS,
    "conferences.index": CASE_WORKERS,
    "conferences.hold": CASE_WORKERS,
    "conferences.show": CASE_WORKERS,
    # changing the meeting: its chair (the supervisor) or recorder, or a supervisor of the unit
    "conferences.edit": {**CASE_WORKERS, "assessor": 403, "probation": 403},
    "conferences.discussion": CASE_WORKERS,
    "conferences.action": CASE_WORKERS,
    "conferences.export_minutes": CASE_WORKERS,
    "exports.case_summary": CASE_WORKERS,
    "exports.subject_access": SUPERVISORS,
    "exports.audit_extract": SUPERVISORS,
    "alerts.index": SUPERVISORS,
    "audit.events": AUDIT_REVIEWERS,
    "audit.event": AUDIT_REVIEWERS,  # an event about the person of unit A
    "audit.verification": AUDIT_REVIEWERS,
    "assessments.consistency": SUPERVISORS,
    "retention.review": SUPERVISORS,
    "retention.request_erasure": SUPERVISORS,
    # no erasure request exists in the matrix's data: supervisors get a plain 404
    "retention.confirm": {**SUPERVISORS, "supervisor": 404},
    # conn-apart: unit A is a prison, where people have a location; no keep-apart exists in the matrix's data
    "subjects.location": CASE_WORKERS,
    "keep_apart.awaiting": SUPERVISORS,
    "keep_apart.decide": {**SUPERVISORS, "supervisor": 404},
    # a supervisor of the person's unit gives the intervention of unit A a new owner
    "interventions.reassign": SUPERVISORS,
    # no handover or departure exists in the matrix's data: supervisors get a plain 404
    "handover.show": {**SUPERVISORS, "supervisor": 404},
    "handover.departure": {**SUPERVISORS, "supervisor": 404},
    # conn-groups: the register is read by case roles and kept by supervisors; the matrix's data holds no group,
    # affiliation or skill, so those pages are a plain 404 to whoever may reach them
    "connections.groups_index": CASE_WORKERS,
    "connections.new_group": SUPERVISORS,
    "connections.show_group": {**CASE_WORKERS, "assessor": 404, "probation": 404, "supervisor": 404},
    "connections.edit_group": {**SUPERVISORS, "supervisor": 404},
    "connections.new_group_link": {**SUPERVISORS, "supervisor": 404},
    "connections.end_group_link": {**SUPERVISORS, "supervisor": 404},
    "connections.new_affiliation": CASE_WORKERS,
    "connections.end_affiliation": {**CASE_WORKERS, "assessor": 404, "probation": 404, "supervisor": 404},
    "connections.new_skill": CASE_WORKERS,
    "connections.end_skill": {**CASE_WORKERS, "assessor": 404, "probation": 404, "supervisor": 404},
    "connections.nexus_picture": SUPERVISORS,
    # no count named: nothing to list
    "connections.nexus_people": {**SUPERVISORS, "supervisor": 404},
    # conn-links: links between people and recruitment; the matrix's link and target ids name nothing (404)
    "links.new_link": CASE_WORKERS,
    "links.end_link": {**CASE_WORKERS, "assessor": 404, "probation": 404, "supervisor": 404},
    "links.awaiting": SUPERVISORS,
    "links.decide": {**SUPERVISORS, "supervisor": 404},
    "links.record_recruitment": CASE_WORKERS,
    "links.targeted": CASE_WORKERS,
    "links.review_target": {**CASE_WORKERS, "assessor": 404, "probation": 404, "supervisor": 404},
    "sharing.send_package": SUPERVISORS,
    "sharing.receive": SUPERVISORS,
    "sharing.register": SUPERVISORS,
    "sharing.export_register": SUPERVISORS,
    "sharing.record_request": SUPERVISORS,
    "sharing.record_disclosure": SUPERVISORS,
    # no register entry exists in the matrix's data: supervisors get a plain 404
    "sharing.show_request": {**SUPERVISORS, "supervisor": 404},
    "sharing.show_disclosure": {**SUPERVISORS, "supervisor": 404},
}
# POST-only routes: what a CSRF-valid, empty POST gets (302: done or sent back; 403: refused).
POST_MATRIX: dict[str, dict[str, int]] = {
    "auth.logout": {"anonymous": 302, "assessor": 302, "probation": 302, "supervisor": 302, "admin": 302},
    "admin.reset_password": {**ADMIN_ONLY, "admin": 400},
    "admin.toggle_active": {**ADMIN_ONLY, "admin": 302},
    "admin.end_sessions": {**ADMIN_ONLY, "admin": 302},
    "admin.clear_lockout": {**ADMIN_ONLY, "admin": 302},
    "admin.reset_totp": {**ADMIN_ONLY, "admin": 302},
    "subjects.review_break_glass": {**SUPERVISORS, "supervisor": 302},
    # the break-glass alert of unit A; an empty POST has no note (400)
    "alerts.acknowledge": {**SUPERVISORS, "supervisor": 400},
    # a POST naming no instrument is refused as malformed
    "assessments.start": {**CASE_WORKERS, "assessor": 400, "probation": 400, "supervisor": 400},
    # only the author (probation) reaches the save, which then refuses a form without its version (409)
    "assessments.autosave": {**CASE_WORKERS, "assessor": 403, "probation": 409, "supervisor": 403},
    # the author (probation) reaches the submission, which finds no version and sends them back to the check
    # page; anyone else is sent to the read-only page
    "assessments.submit": {**CASE_WORKERS, "assessor": 302, "probation": 302, "supervisor": 302},
    # the draft is not submitted: nobody may approve or return it yet
    "assessments.approve": {**SUPERVISORS, "supervisor": 403},
    "assessments.return_to_author": {**SUPERVISORS, "supervisor": 403},
    "assessments.amend": {**CASE_WORKERS, "assessor": 302, "probation": 302, "supervisor": 302},
    "assessments.record_challenge": {**CASE_WORKERS, "assessor": 403, "probation": 403, "supervisor": 403},
    "assessments.decide_challenge": {**SUPERVISORS, "supervisor": 302},
    "admin.revoke_accreditation": {**ADMIN_ONLY, "admin": 302},
    "retention.cancel": {**SUPERVISORS, "supervisor": 404},
    "admin.end_session": {**ADMIN_ONLY, "admin": 302},
    # an empty status change: refused to non-owners, a clear 400 for the owner and the supervisor
    "interventions.transition": {**CASE_WORKERS, "assessor": 403, "probation": 400, "supervisor": 400},
    "audit.run_verification": {**AUDIT_REVIEWERS, "supervisor": 302, "admin": 302},
    # a conference chaired by the supervisor: others may not change it; an empty form is a clear 400
    "conferences.add_attendee": {**CASE_WORKERS, "assessor": 403, "probation": 403, "supervisor": 400},
    "conferences.add_person": {**CASE_WORKERS, "assessor": 403, "probation": 403, "supervisor": 400},
    "conferences.add_dissent": {**CASE_WORKERS, "assessor": 403, "probation": 403, "supervisor": 400},
    "conferences.add_action": {**CASE_WORKERS, "assessor": 403, "probation": 403, "supervisor": 400},
    "conferences.remove_attendee": {**CASE_WORKERS, "assessor": 403, "probation": 403, "supervisor": 302},
    # conn-apart: no keep-apart exists in the matrix's data
    "keep_apart.authorise": {**SUPERVISORS, "supervisor": 404},
    "keep_apart.decline": {**SUPERVISORS, "supervisor": 404},
    "handover.acknowledge": {**SUPERVISORS, "supervisor": 404},
    "connections.set_group_active": {**SUPERVISORS, "supervisor": 404},
    # an empty confirmation names no unit: back to the upload page
    "sharing.confirm_receive": {**SUPERVISORS, "supervisor": 302},
}
STATIC = {"static", "bootstrap.static"}


def url_args(app: Flask, endpoint: str, users: dict[str, Any], units: dict[str, int],
             records: dict[str, int]) -> dict[str, Any]:
    """Path values for a route: records of unit A, which every case worker of the matrix may see.
    Assessment routes get the draft (by the probation officer); compare gets both versions."""
    rule = next(r for r in app.url_map.iter_rules() if r.endpoint == endpoint)
    values = {"user_id": users["assessor_b"].id, "unit_id": units["B"], "subject_id": records["subject_a"],
              "access_id": records["access"], "assessment_id": records.get("draft"),
              "screening_id": records.get("screening"), "challenge_id": records.get("challenge"),
              "accreditation_id": 1, "intervention_id": records.get("intervention"),
              "request_id": 999999, "link_id": 999999, "handover_id": 999999, "departure_id": 999999,
              "session_id": "0" * 64, "section": "engagement", "group_id": 999999, "group_link_id": 999999,
              "affiliation_id": 999999, "skill_id": 999999, "keep_apart_id": 999999, "target_id": 999999,
              "disclosure_id": 999999, "disclosure_request_id": 999999}
    if "event_id" in rule.arguments:
        with app.app_context():
            values["event_id"] = db.session.scalar(select(AuditEvent.id).where(
                AuditEvent.subject_id == records["subject_a"]).order_by(AuditEvent.id).limit(1))
    if "alert_id" in rule.arguments:
        from app.oversight.models import Alert

        with app.app_context():
            values["alert_id"] = db.session.scalar(
                select(Alert.id).where(Alert.subject_id == records["subject_a"]).order_by(Alert.id).limit(1))
    if {"conference_id", "action_id"} & rule.arguments:
        values |= _conference(app, users, units, records)
    args = {name: values[name] for name in rule.arguments}
    if endpoint == "assessments.compare":
        args["with"] = records["approved"]
    return args


def _conference(app: Flask, users: dict[str, Any], units: dict[str, int], records: dict[str, int]) -> dict[str, int]:
    """A conference of unit A about its person, chaired by the supervisor, with an action owned by probation."""
    from tests.factories import make_conference

    ids = make_conference(app, users["supervisor"].id, users["probation"].id, units["A"], records["subject_a"],
                          action_owner_id=users["probation"].id)
    return {"conference_id": ids["conference"], "discussion_id": ids["discussion"], "attendee_id": ids["attendee"],
            "action_id": ids["action"]}


def test_every_endpoint_is_public_or_guarded(app):
    for rule in app.url_map.iter_rules():
        if rule.endpoint in policy.PUBLIC_ENDPOINTS:
            continue
        assert policy.rule_for(app, rule.endpoint) is not None, f"{rule.endpoint} has no access rule"


def test_every_endpoint_is_in_the_role_matrix(app):
    endpoints = {r.endpoint for r in app.url_map.iter_rules()} - STATIC
    assert endpoints == set(GET_MATRIX) | set(POST_MATRIX)


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("endpoint", sorted(GET_MATRIX))
def test_role_get_matrix(matrix, role, endpoint):
    from flask import url_for

    app = matrix.app
    client = matrix.client_for(role)
    with app.test_request_context():
        url = url_for(endpoint, **url_args(app, endpoint, matrix.users, matrix.units, matrix.records))
    response = client.get(url)
    assert response.status_code == GET_MATRIX[endpoint][role], (role, url)
    if response.status_code == 302 and role == "anonymous" and endpoint != "auth.login":
        assert response.headers["Location"].startswith("/login")


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("endpoint", sorted(POST_MATRIX))
def test_role_post_matrix(matrix, role, endpoint):
    from flask import url_for

    app = matrix.app
    client = matrix.client_for(role)
    token = csrf_token(client, "/login" if role == "anonymous" else "/")
    with app.test_request_context():
        url = url_for(endpoint, **url_args(app, endpoint, matrix.users, matrix.units, matrix.records))
    response = client.post(url, data={"csrf_token": token})
    assert response.status_code == POST_MATRIX[endpoint][role], (role, url)


def test_a_matrix_cell_does_not_see_what_the_previous_cell_changed(matrix):
    """The matrix shares one app and its data across cells: what a cell writes (here an amendment, its
    sign-in and their audit events) is gone when the next cell starts, and the same work done again
    gets the same ids (the sequences are set back too)."""
    from app.assessments.models import Assessment

    def counts() -> tuple[int, int]:
        with matrix.app.app_context():
            return (len(db.session.scalars(select(Assessment.id)).all()),
                    len(db.session.scalars(select(AuditEvent.id)).all()))

    def amend() -> str:
        client = matrix.client_for("probation")
        approved = matrix.records["approved"]
        token = csrf_token(client, f"/assessments/{approved}")
        response = client.post(f"/assessments/{approved}/amend", data={"csrf_token": token})
        assert response.status_code == 302
        return response.headers["Location"]

    before = counts()
    amendment = amend()
    assessments, events = counts()
    assert assessments == before[0] + 1 and events > before[1]
    matrix.reset()
    assert counts() == before
    assert amend() == amendment


def test_role_refusal_is_audited_as_denied(app, login_as, users):
    client = login_as("assessor")
    assert client.get("/admin/users").status_code == 403
    with app.app_context():
        event = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "denied")).one()
        assert event.actor_username == "assessor"
        assert event.details["status"] == 403 and event.details["endpoint"] == "admin.users"


def test_anonymous_request_for_a_guarded_page_is_audited(app, client):
    client.get("/admin/users")
    with app.app_context():
        event = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "denied")).one()
        assert event.actor_id is None and event.details["reason"] == "not signed in"


def _app_with_extra_routes(db_url: str) -> Flask:
    app = create_app({"SQLALCHEMY_DATABASE_URI": db_url})
    extra = Blueprint("extra", __name__)

    @extra.route("/unguarded")
    def unguarded() -> str:
        return "case content"

    def explode(user: User) -> bool:
        raise RuntimeError("broken rule")

    @extra.route("/broken-rule")
    @policy.requires(policy.Rule("explodes", explode))
    def broken_rule() -> str:
        return "case content"

    @extra.route("/record/<int:unit_id>")
    @policy.requires(policy.works_cases)
    def record(unit_id: int) -> str:
        from flask import g

        policy.require_record(policy.can_view_unit(g.user, unit_id), "unit", unit_id)
        return "record content"

    app.register_blueprint(extra)
    return app


def test_endpoint_without_a_rule_is_refused(db_url, users, login_as):
    app = _app_with_extra_routes(db_url)
    from tests.conftest import login

    client = app.test_client()
    login(client, "supervisor", users["supervisor"].password)
    response = client.get("/unguarded")
    assert response.status_code == 403
    assert "case content" not in response.get_data(as_text=True)


def test_exception_inside_a_rule_refuses_access(db_url, users):
    app = _app_with_extra_routes(db_url)
    from tests.conftest import login

    client = app.test_client()
    login(client, "supervisor", users["supervisor"].password)
    response = client.get("/broken-rule")
    assert response.status_code == 403
    assert "case content" not in response.get_data(as_text=True)


def test_record_outside_the_users_units_is_404_and_audited(db_url, users, units):
    app = _app_with_extra_routes(db_url)
    from tests.conftest import login

    client = app.test_client()
    login(client, "assessor", users["assessor"].password)
    assert client.get(f"/record/{units['A']}").status_code == 200
    assert client.get(f"/record/{units['B']}").status_code == 404
    with app.app_context():
        event = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "denied")).one()
        assert event.object_type == "unit" and event.object_id == str(units["B"])
        assert event.details["status"] == 404


def test_admin_is_refused_case_content_even_in_a_unit(db_url, users, units):
    app = _app_with_extra_routes(db_url)
    with app.app_context():
        admin = db.session.get(User, users["admin"].id)
        assert admin is not None
        admin.units = [db.session.get(Unit, units["A"])]  # type: ignore[list-item]
        db.session.commit()
    from tests.conftest import login

    client = app.test_client()
    login(client, "admin", users["admin"].password)
    assert client.get(f"/record/{units['A']}").status_code == 403


def test_scope_filter_returns_only_the_users_units(app, users, units):
    with app.app_context():
        assessor = db.session.get(User, users["assessor"].id)
        admin = db.session.get(User, users["admin"].id)
        assert assessor is not None and admin is not None
        visible = db.session.scalars(policy.scope_to_units(select(Unit), Unit.id, assessor)).all()
        assert [u.code for u in visible] == ["UNIT-A"]
        assert db.session.scalars(policy.scope_to_units(select(Unit), Unit.id, admin)).all() == []


def test_rules_compose_and_read_like_the_policy():
    rule = policy.any_of(policy.has_role(Role.ADMIN), policy.all_of(policy.works_cases, policy.is_supervisor))
    supervisor = User(role="supervisor", is_active=True)
    assessor = User(role="assessor", is_active=True)
    admin = User(role="admin", is_active=True)
    assert rule(supervisor) and rule(admin) and not rule(assessor)
    assert "supervisor" in rule.name


def test_user_who_must_change_password_can_reach_nothing_else(app, users):
    from tests.conftest import login
    from tests.factories import make_user

    info = make_user(app, "newstarter", Role.ASSESSOR, ["UNIT-A"], "maple-horizon-quartz-55", must_change=True)
    client = app.test_client()
    login(client, info.username, info.password)
    assert client.get("/").headers["Location"] == "/account/password"
    assert client.get("/account/password").status_code == 200
