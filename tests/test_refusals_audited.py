"""Every refusal on an existing record is an audited `denied` event: opening, saving or autosaving an
assessment that the user may read but not edit (someone else's draft, an approved one), and adding a person to
a unit that is not one's own. Each refusal still answers as it did; nothing is written but the event."""

from __future__ import annotations

from typing import Any

from flask import Flask
from sqlalchemy import func, select

from app.assessments.models import Assessment
from app.audit.models import AuditEvent
from app.db import db
from app.subjects.models import Subject
from tests.conftest import post_form

REASON = "editing needs the author, a draft and the person in scope"


def refusals(app: Flask) -> list[AuditEvent]:
    with app.app_context():
        return list(db.session.scalars(select(AuditEvent).where(AuditEvent.action == "denied")
                                       .order_by(AuditEvent.id)))


def version_of(app: Flask, assessment_id: int) -> int:
    with app.app_context():
        assessment = db.session.get(Assessment, assessment_id)
        assert assessment is not None
        return assessment.version


def assert_refused(event: AuditEvent, *, actor: str, status: int, method: str, endpoint: str,
                   assessment_id: int, subject_id: int) -> None:
    assert (event.actor_username, event.object_type, event.object_id, event.subject_id) == (
        actor, "assessment", str(assessment_id), subject_id)
    assert event.details == {"status": status, "reason": REASON, "endpoint": endpoint, "method": method,
                             "path": f"/assessments/{assessment_id}/{endpoint.split('.')[1]}"}


def test_opening_someone_elses_draft_for_editing_is_refused_on_the_record(app, login_as, assessed, records) -> None:
    draft = assessed["draft"]  # the probation officer's
    client = login_as("assessor")
    before = len(refusals(app))
    response = client.get(f"/assessments/{draft}/edit")
    assert response.status_code == 302 and response.headers["Location"] == f"/assessments/{draft}"
    [event] = refusals(app)[before:]
    assert_refused(event, actor="assessor", status=302, method="GET", endpoint="assessments.edit",
                   assessment_id=draft, subject_id=records["subject_a"])


def test_saving_someone_elses_draft_is_refused_on_the_record_and_changes_nothing(app, login_as, assessed,
                                                                                 records) -> None:
    draft = assessed["draft"]
    version = version_of(app, draft)
    client = login_as("supervisor")
    before = len(refusals(app))
    response = post_form(client, f"/assessments/{draft}/edit", {"version": str(version), "rationale": "Mine now."},
                         token_from=f"/assessments/{draft}")
    assert response.status_code == 302
    [event] = refusals(app)[before:]
    assert_refused(event, actor="supervisor", status=302, method="POST", endpoint="assessments.edit",
                   assessment_id=draft, subject_id=records["subject_a"])
    assert version_of(app, draft) == version


def test_autosaving_someone_elses_draft_is_refused_on_the_record_and_changes_nothing(app, login_as, assessed,
                                                                                     records) -> None:
    draft = assessed["draft"]
    version = version_of(app, draft)
    client = login_as("assessor")
    before = len(refusals(app))
    response = post_form(client, f"/assessments/{draft}/autosave", {"version": str(version), "rationale": "Mine."},
                         token_from=f"/assessments/{draft}")
    assert response.status_code == 403
    assert response.get_json() == {"saved": False, "message": "This assessment can no longer be edited."}
    [event] = refusals(app)[before:]
    assert_refused(event, actor="assessor", status=403, method="POST", endpoint="assessments.autosave",
                   assessment_id=draft, subject_id=records["subject_a"])
    assert version_of(app, draft) == version


def test_the_author_autosaving_an_approved_assessment_is_refused_on_the_record(app, login_as, assessed,
                                                                              records) -> None:
    approved = assessed["approved"]  # the assessor's, countersigned
    client = login_as("assessor")
    before = len(refusals(app))
    response = post_form(client, f"/assessments/{approved}/autosave", {"version": "1"},
                         token_from=f"/assessments/{approved}")
    assert response.status_code == 403
    [event] = refusals(app)[before:]
    assert_refused(event, actor="assessor", status=403, method="POST", endpoint="assessments.autosave",
                   assessment_id=approved, subject_id=records["subject_a"])


def test_adding_a_person_to_a_unit_that_is_not_ones_own_is_refused_on_the_record(app, login_as, users,
                                                                                 units) -> None:
    client = login_as("assessor")  # of unit A only
    form: dict[str, Any] = {"unit": str(units["B"]), "reference": "C3000CC", "given_name": "Zoë",
                            "family_name": "Ødegård", "date_of_birth": "1988-02-29", "status": "remand",
                            "index_offence_category": "weapons"}
    before = len(refusals(app))
    response = post_form(client, "/subjects/new", form)
    assert response.status_code == 403
    assert "You can add people only to your own units." in response.get_data(as_text=True)
    [event] = refusals(app)[before:]
    assert (event.actor_username, event.object_type, event.object_id, event.subject_id) == (
        "assessor", "unit", str(units["B"]), None)
    assert event.details == {"status": 403, "reason": "You can add people only to your own units.",
                             "endpoint": "subjects.create", "method": "POST", "path": "/subjects/new"}
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Subject)) == 0
