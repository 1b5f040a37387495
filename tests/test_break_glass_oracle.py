"""The break-glass form is no existence oracle. A complete request for a person outside one's units opens their
record (audited, alerted, reviewed): that much it must reveal. Everything else answers alike whether the
reference exists or not: an incomplete request (no reason, too short a reason) is refused before the reference
is looked up, and an erased person's record, kept anonymised under its own reference, answers as a reference
that never existed. A complete request that opens nothing is recorded as a `denied` event."""

from __future__ import annotations

import re

import pytest
from flask import Flask, g
from flask.testing import FlaskClient
from sqlalchemy import func, select

from app.audit.models import AuditEvent
from app.auth.models import User
from app.db import db
from app.retention import services as retention
from app.subjects.models import BreakGlassAccess, Subject
from tests.conftest import post_form

CSRF_VALUE = re.compile(r'(name="csrf_token"[^>]*value=")[^"]+(")')
REASON = "Urgent call from the police about him"


def answer(client: FlaskClient, reference: str, reason: str) -> tuple[int, str]:
    """The status and the page, with what differs by request or by what was typed put aside: the CSRF token,
    and the reference typed, which the form shows back."""
    response = post_form(client, "/break-glass", {"reference": reference, "reason": reason})
    body = CSRF_VALUE.sub(r"\1TOKEN\2", response.get_data(as_text=True))
    return response.status_code, body.replace(f'value="{reference}"', 'value="REFERENCE"')


def break_glass_rows(app: Flask) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(BreakGlassAccess)) or 0


def denied(app: Flask) -> list[AuditEvent]:
    with app.app_context():
        return list(db.session.scalars(select(AuditEvent).where(AuditEvent.action == "denied")
                                       .order_by(AuditEvent.id)))


@pytest.mark.parametrize("reason", ["", "urgent"])
def test_an_incomplete_request_answers_alike_for_a_person_elsewhere_and_for_nobody(app, login_as, records,
                                                                                   reason: str) -> None:
    client = login_as("assessor")  # of unit A; B2000BB is in unit B
    opened = break_glass_rows(app)
    elsewhere = answer(client, "B2000BB", reason)
    nobody = answer(client, "Z9999ZZ", reason)
    assert elsewhere[0] == nobody[0] == 400
    assert elsewhere[1] == nobody[1]
    assert "Explain in a sentence why you need this record now" in nobody[1]
    assert "No person has exactly this reference" not in nobody[1]
    assert break_glass_rows(app) == opened
    assert client.get(f"/subjects/{records['subject_b']}").status_code == 404


def _erase(app: Flask, supervisor_id: int, subject_id: int) -> str:
    with app.app_context():
        supervisor = db.session.get(User, supervisor_id)
        subject = db.session.get(Subject, subject_id)
        assert supervisor is not None and subject is not None
        g.user = supervisor
        request = retention.request_erasure(supervisor, subject, "Past its retention date, nothing open.")
        retention.confirm_erasure(supervisor, request, subject.reference)
        db.session.commit()
        return subject.reference


def test_an_erased_persons_reference_answers_as_one_that_never_existed(app, login_as, users, records) -> None:
    kept_as = _erase(app, users["supervisor"].id, records["subject_a"])
    assert kept_as == f"ERASED-{records['subject_a']}"
    client = login_as("assessor_b")  # of unit B
    opened, before = break_glass_rows(app), len(denied(app))
    erased = answer(client, kept_as, REASON)
    nobody = answer(client, "Z9999ZZ", REASON)
    assert erased[0] == nobody[0] == 400
    assert erased[1] == nobody[1]
    assert "No person has exactly this reference number." in nobody[1]
    assert break_glass_rows(app) == opened  # nothing opened on the erased record
    # Both attempts are on the record, alike, without the reference typed.
    first, second = denied(app)[before:]
    assert first.details == second.details == {
        "status": 400, "reason": "break-glass: no person has exactly this reference",
        "endpoint": "subjects.break_glass", "method": "POST", "path": "/break-glass"}
    assert (first.actor_username, first.subject_id, first.object_id) == ("assessor_b", None, None)
    assert (second.actor_username, second.subject_id, second.object_id) == ("assessor_b", None, None)


def test_a_complete_request_for_a_person_elsewhere_still_opens_the_record(app, login_as, records) -> None:
    client = login_as("assessor")
    response = post_form(client, "/break-glass", {"reference": "B2000BB", "reason": REASON})
    assert response.status_code == 302 and response.headers["Location"] == f"/subjects/{records['subject_b']}"
    assert client.get(f"/subjects/{records['subject_b']}").status_code == 200
