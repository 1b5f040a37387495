"""The consultation and decision log of screenings, assessments and challenges: each view, approval,
comparison and challenge is an audit event naming the action, the object and the person it is about."""

from __future__ import annotations

import pytest
from flask import Flask
from sqlalchemy import select

from app.assessments.models import Assessment, Challenge
from app.audit.models import AuditEvent
from app.db import db, utcnow
from tests import factories
from tests.conftest import post_form


@pytest.fixture
def accredited(app, users):
    for key in ("assessor", "probation", "supervisor"):
        factories.accredit(app, users[key].id)


def events_after(app: Flask, last_id: int, action: str | None = None) -> list[AuditEvent]:
    with app.app_context():
        stmt = select(AuditEvent).where(AuditEvent.id > last_id).order_by(AuditEvent.id)
        if action is not None:
            stmt = stmt.where(AuditEvent.action == action)
        return list(db.session.scalars(stmt))


def last_event_id(app: Flask) -> int:
    with app.app_context():
        return db.session.scalar(select(AuditEvent.id).order_by(AuditEvent.id.desc()).limit(1)) or 0


def test_viewing_an_assessment_is_audited_with_its_person(app, login_as, users, records, accredited):
    sid = records["subject_a"]
    aid = factories.make_assessment(app, users["assessor"].id, sid, submit=True)
    client = login_as("supervisor")
    mark = last_event_id(app)
    assert client.get(f"/assessments/{aid}").status_code == 200
    [view] = events_after(app, mark, "view")
    assert (view.object_type, view.object_id, view.subject_id) == ("assessment", str(aid), sid)
    assert view.actor_id == users["supervisor"].id


def test_viewing_a_screening_is_audited_with_its_person(app, login_as, users, records):
    sid = records["subject_a"]
    screening_id = factories.make_screening(app, users["assessor"].id, sid)
    client = login_as("probation")
    mark = last_event_id(app)
    assert client.get(f"/screenings/{screening_id}").status_code == 200
    [view] = events_after(app, mark, "view")
    assert (view.object_type, view.object_id, view.subject_id) == ("screening", str(screening_id), sid)
    assert view.actor_id == users["probation"].id


def test_comparison_audits_a_view_of_each_assessment_shown(app, login_as, users, records, accredited):
    sid = records["subject_a"]
    left = factories.make_assessment(app, users["assessor"].id, sid, approver_id=users["supervisor"].id)
    right = factories.make_assessment(app, users["probation"].id, sid, judgement="high_concern")
    client = login_as("supervisor")
    mark = last_event_id(app)
    assert client.get(f"/assessments/{left}/compare?with={right}").status_code == 200
    views = events_after(app, mark, "view")
    assert sorted((e.object_type, e.object_id, e.subject_id, e.details["compared_with"]) for e in views) == [
        ("assessment", str(left), sid, right), ("assessment", str(right), sid, left)]
    assert {e.actor_id for e in views} == {users["supervisor"].id}


def test_comparison_carries_the_demonstration_notice(app, login_as, users, records, accredited):
    sid = records["subject_a"]
    left = factories.make_assessment(app, users["assessor"].id, sid, approver_id=users["supervisor"].id)
    right = factories.make_assessment(app, users["probation"].id, sid)
    text = login_as("assessor").get(f"/assessments/{left}/compare?with={right}").get_data(as_text=True)
    # Both versions use the same instrument version: its notice is shown once.
    assert text.count('data-testid="instrument-notice"') == 1
    assert "not a validated instrument" in text


def test_approval_is_audited_with_the_approver_and_the_person(app, login_as, users, records, accredited):
    sid = records["subject_a"]
    aid = factories.make_assessment(app, users["assessor"].id, sid, submit=True)
    supervisor = login_as("supervisor")
    with app.app_context():
        version = db.session.get(Assessment, aid).version
    mark = last_event_id(app)
    response = post_form(supervisor, f"/assessments/{aid}/approve", {"version": str(version)},
                         token_from=f"/assessments/{aid}")
    assert response.status_code == 302
    [approval] = events_after(app, mark, "approve")
    assert (approval.object_type, approval.object_id, approval.subject_id) == ("assessment", str(aid), sid)
    assert approval.actor_id == users["supervisor"].id and approval.details == {"supersedes": None}


def test_recording_and_deciding_a_challenge_are_audited_without_the_grounds(app, login_as, users, records,
                                                                            accredited):
    sid = records["subject_a"]
    aid = factories.make_assessment(app, users["assessor"].id, sid, approver_id=users["supervisor"].id)
    grounds = "The evidence for IN2 comes from one unverified source."
    mark = last_event_id(app)
    post_form(login_as("assessor"), f"/assessments/{aid}/challenges", {
        "raised_on": utcnow().date().isoformat(), "raised_by_kind": "person", "raised_by_name": "Alice Archer",
        "grounds": grounds}, token_from=f"/assessments/{aid}")
    with app.app_context():
        challenge_id = db.session.scalars(select(Challenge.id)).one()
    [created] = events_after(app, mark, "create")
    assert (created.object_type, created.object_id, created.subject_id) == ("challenge", str(challenge_id), sid)
    assert created.actor_id == users["assessor"].id
    assert created.details == {"assessment_id": aid, "raised_by_kind": "person"}
    mark = last_event_id(app)
    post_form(login_as("supervisor"), f"/challenges/{challenge_id}/decision", {
        f"c{challenge_id}-outcome": "not_upheld", f"c{challenge_id}-reason": "Two further sources confirm IN2."},
        token_from=f"/assessments/{aid}")
    [decided] = events_after(app, mark, "decide")
    assert (decided.object_type, decided.object_id, decided.subject_id) == ("challenge", str(challenge_id), sid)
    assert decided.actor_id == users["supervisor"].id and decided.details == {"outcome": "not_upheld"}
    assert grounds not in str(created.details) and "further sources" not in str(decided.details)
