"""The subject-access report holds everything recorded about the person: each kind of record is made through
its service here, and the exported PDF's text must show it."""

from __future__ import annotations

import io
from datetime import timedelta
from typing import Any

import pytest
from flask import Flask, g
from pypdf import PdfReader

from app.db import db, utcnow
from tests import factories
from tests.conftest import post_form

REQUEST = {"purpose": "Subject access request of 3 March", "legal_basis": "subject_access", "recipient": "The person"}


def pdf_text(data: bytes) -> str:
    """Every page's text, runs of white space (a table cell's line breaks) as one space."""
    return " ".join(" ".join(page.extract_text() or "" for page in PdfReader(io.BytesIO(data)).pages).split())


def as_user(app: Flask, user_id: int) -> Any:
    from app.auth.models import User

    user = db.session.get(User, user_id)
    assert user is not None
    g.user = user
    return user


@pytest.fixture
def full_record(app: Flask, users: dict[str, factories.UserInfo], records: dict[str, int],
                assessed: dict[str, int]) -> dict[str, int]:
    """On subject A, beyond `assessed`: a screening with notes, a returned and corrected assessment, an
    intervention linked to factors and withdrawn, a session with next steps, a change of status, a new case
    owner with a note, a cancelled request to erase the record; the `records` fixture already opened a
    break-glass access by assessor_b."""
    from app.assessments import catalogue, screening
    from app.assessments import services as assessment_services
    from app.assessments.models import Assessment
    from app.interventions import services as iv_services
    from app.interventions.models import Intervention
    from app.retention import services as retention
    from app.subjects import services as subject_services
    from app.subjects.models import Subject

    sid = records["subject_a"]
    today = utcnow().date()
    # A person has one assessment per instrument in progress at a time: `assessed`'s draft is the one returned.
    returned = assessed["draft"]
    with app.app_context():
        subject = db.session.get(Subject, sid)
        assert subject is not None
        a = db.session.get(Assessment, returned)
        assert a is not None
        assessment_services.submit(as_user(app, users["probation"].id), a, a.version)
        supervisor = as_user(app, users["supervisor"].id)
        assessment_services.return_to_author(supervisor, a, "Cite the source of the IN2 evidence.", a.version)
        subject_services.transfer(supervisor, subject, subject.unit_id, "remand", today,
                                  "Sentence quashed on appeal; retrial ordered")
        subject_services.allocate(supervisor, subject, users["probation"].id, "Knows the family from before")
        erasure = retention.request_erasure(supervisor, subject, "Asked in error: the retention period has not ended")
        retention.cancel_request(supervisor, erasure)
        db.session.commit()

        author = as_user(app, users["assessor"].id)
        instrument = catalogue.get(*factories.SCREENING)
        screening.record_screening(author, subject, screening.ScreeningValues(
            instrument_id=instrument.id, instrument_version=instrument.version, screened_on=today,
            occasion="Found with leaflets after a cell search", outcome="refer_for_assessment",
            rationale="Leaflets and statements on the wing.",
            answers={i.code: i.options[-1].value for i in instrument.items()},
            notes={"SB2": "Six leaflets of a banned group under the mattress"}))
        iv = iv_services.refer(author, subject, iv_services.Referral(
            type="education", provider="Wing Learning Centre", owner_id=users["assessor"].id,
            referred_on=today - timedelta(days=3), goals=["Finish the literacy course"], item_codes=["IN2"]))
        iv_services.transition(author, iv, "withdrawn", today, "Moved to a wing without classes", iv.version)
        db.session.commit()

        active = db.session.get(Intervention, assessed["intervention"])
        assert active is not None
        owner = as_user(app, users["probation"].id)
        iv_services.record_session(owner, active, iv_services.SessionValues(
            held_on=today, attendance="attended", engagement=4, notes="Talked about his brother.",
            next_steps="Invite his brother to the next family session"))
        db.session.commit()
    return {"subject": sid}


def test_subject_access_report_holds_every_kind_of_record(app, login_as, full_record):
    from app.assessments import catalogue

    response = post_form(login_as("supervisor"), f"/subjects/{full_record['subject']}/export/subject-access",
                         REQUEST)
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    text = pdf_text(response.data)
    with app.app_context():
        instrument = catalogue.get(*factories.SCREENING)
        question = instrument.item("SB2").title
        answer = instrument.item("SB2").options[-1].label
    for expected in (
        # the screening's occasion, each question with the answer given and the screener's note
        "Found with leaflets after a cell search", question, answer,
        "Six leaflets of a banned group under the mattress",
        # the supervisor's comment on returning an assessment
        "Returned to the author", "Cite the source of the IN2 evidence.",
        # the intervention's linked factor, why it was withdrawn, and a session's next steps
        "IN2 Hostile portrayal of another group", "Moved to a wing without classes",
        "Invite his brother to the next family session",
        # the change of status and the new case owner with the supervisor's note
        "Sentence quashed on appeal; retrial ordered", "(Remand)",
        "Knows the family from before",
        # the cancelled request to erase the record, with its reason
        "Cancelled", "Asked in error: the retention period has not ended",
        # the break-glass access of assessor_b, with the reason given
        "Urgent safeguarding call", "Assessor B",
    ):
        assert expected in text, expected


def test_the_access_log_says_in_words_who_looked_at_what(app, login_as, users, full_record):
    sid = full_record["subject"]
    assessor_b = login_as("assessor_b")  # holds the break-glass access of the `records` fixture
    assert assessor_b.get(f"/subjects/{sid}").status_code == 200
    probation = login_as("probation")
    probation.get("/subjects")  # the unit list, which shows the person
    response = post_form(login_as("supervisor"), f"/subjects/{sid}/export/subject-access", REQUEST)
    assert response.status_code == 200
    text = pdf_text(response.data)
    log = text[text.index("Who consulted or changed the record"):]
    for words in ("the person's record", "the unit list", "a session of the mentoring intervention",
                  "the education intervention", "Assessor B", "Probation officer", "looked at"):
        assert words in log, words
    for code in ("intervention_session", "subject_list", f"subject {sid}", "assessor_b", " view "):
        assert code not in log, code
