"""Traps on the assessment screens (issue 15): one draft per person and instrument, discarding a draft, who
wrote and who countersigned, every return kept, the consistency view by the unit of approval, and the
screening form's shortcuts."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from flask import Flask
from sqlalchemy import select

from app.assessments.models import Assessment, AssessmentRating
from app.audit.models import AuditEvent
from app.db import db
from tests import factories
from tests.conftest import post_form


@pytest.fixture
def accredited(app, users):
    for key in ("assessor", "probation", "supervisor"):
        factories.accredit(app, users[key].id)


def events(app: Flask, action: str) -> list[AuditEvent]:
    with app.app_context():
        return list(db.session.scalars(select(AuditEvent).where(
            AuditEvent.action == action, AuditEvent.object_type == "assessment").order_by(AuditEvent.id)))


def count_assessments(app: Flask) -> int:
    with app.app_context():
        return db.session.scalar(select(sa.func.count()).select_from(Assessment)) or 0


def version_of(app: Flask, aid: int) -> int:
    with app.app_context():
        a = db.session.get(Assessment, aid)
        assert a is not None
        return a.version


def start(client, subject_id: int):
    return post_form(client, f"/subjects/{subject_id}/assessments",
                     {"instrument": factories.ASSESSMENT[0], "instrument_version": factories.ASSESSMENT[1]},
                     token_from=f"/subjects/{subject_id}")


def return_with(client, aid: int, version: int, comment: str):
    return post_form(client, f"/assessments/{aid}/return", {"comment": comment, "version": str(version)},
                     token_from=f"/assessments/{aid}")


# --- 1. one draft per person and instrument; discarding a draft -----------------------------------------


def test_starting_twice_goes_back_to_the_same_draft(app, login_as, records, accredited):
    client = login_as("assessor")
    first = start(client, records["subject_a"])
    second = start(client, records["subject_a"])
    assert first.status_code == second.status_code == 302
    assert second.headers["Location"] == first.headers["Location"]
    assert count_assessments(app) == 1
    page = client.get(f"/subjects/{records['subject_a']}").get_data(as_text=True)
    assert 'data-testid="continue-draft"' in page and first.headers["Location"] in page
    assert "Start “" not in page


def test_someone_elses_open_assessment_is_shown_rather_than_a_second_started(app, login_as, users, records,
                                                                              accredited):
    aid = factories.make_assessment(app, users["assessor"].id, records["subject_a"], submit=True)
    client = login_as("probation")
    response = start(client, records["subject_a"])
    assert response.status_code == 302 and response.headers["Location"] == f"/assessments/{aid}"
    assert count_assessments(app) == 1
    page = client.get(f"/subjects/{records['subject_a']}").get_data(as_text=True)
    assert 'data-testid="assessment-in-progress"' in page and "by Assessor" in page


def test_the_service_itself_keeps_one_draft_per_person_and_instrument(app, users, records, accredited):
    from flask import g

    from app.assessments import catalogue, services
    from app.auth.models import User
    from app.subjects.models import Subject

    with app.test_request_context():
        author = db.session.get(User, users["assessor"].id)
        subject = db.session.get(Subject, records["subject_a"])
        assert author is not None and subject is not None
        g.user = author
        first = services.start(author, subject, catalogue.get(*factories.ASSESSMENT))
        again = services.start(author, subject, catalogue.get(*factories.ASSESSMENT))
        assert again.id == first.id
        assert db.session.scalar(select(sa.func.count()).select_from(Assessment)) == 1


def test_author_discards_a_draft_after_confirming_and_it_is_audited(app, login_as, users, records, accredited):
    aid = factories.make_assessment(app, users["assessor"].id, records["subject_a"])
    client = login_as("assessor")
    page = client.get(f"/assessments/{aid}").get_data(as_text=True)
    assert f'href="/assessments/{aid}/discard"' in page
    confirm = client.get(f"/assessments/{aid}/discard")
    assert confirm.status_code == 200 and "Discard this draft?" in confirm.get_data(as_text=True)
    response = post_form(client, f"/assessments/{aid}/discard", {}, token_from=f"/assessments/{aid}/discard")
    assert response.status_code == 302 and response.headers["Location"] == f"/subjects/{records['subject_a']}"
    assert count_assessments(app) == 0
    with app.app_context():
        assert db.session.scalar(select(sa.func.count()).select_from(AssessmentRating)) == 0
    discarded = events(app, "discard")[-1]
    assert discarded.object_id == str(aid) and discarded.subject_id == records["subject_a"]
    assert start(client, records["subject_a"]).status_code == 302 and count_assessments(app) == 1


def test_discard_needs_a_post_with_csrf(app, users, records, accredited):
    from tests.conftest import signed_in_client

    app.config["WTF_CSRF_ENABLED"] = True
    aid = factories.make_assessment(app, users["assessor"].id, records["subject_a"])
    client = signed_in_client(app, users["assessor"])
    assert client.post(f"/assessments/{aid}/discard", data={}).status_code == 400
    assert count_assessments(app) == 1
    assert not events(app, "discard")


def test_only_the_author_may_discard_a_draft(app, login_as, users, records, accredited):
    aid = factories.make_assessment(app, users["assessor"].id, records["subject_a"])
    client = login_as("supervisor")
    assert "/discard" not in client.get(f"/assessments/{aid}").get_data(as_text=True)
    response = post_form(client, f"/assessments/{aid}/discard", {}, token_from=f"/assessments/{aid}")
    assert response.status_code == 302 and count_assessments(app) == 1
    denied = events(app, "denied")[-1]
    assert denied.object_id == str(aid) and "Only the author can discard" in denied.details["reason"]


def test_a_returned_draft_cannot_be_discarded(app, login_as, users, records, accredited):
    aid = factories.make_assessment(app, users["assessor"].id, records["subject_a"], submit=True)
    assert return_with(login_as("supervisor"), aid, version_of(app, aid), "IN3 needs a source.").status_code == 302
    client = login_as("assessor")
    assert "/discard" not in client.get(f"/assessments/{aid}").get_data(as_text=True)
    response = post_form(client, f"/assessments/{aid}/discard", {}, token_from=f"/assessments/{aid}")
    assert response.status_code == 302 and count_assessments(app) == 1
    assert "A returned assessment cannot be discarded" in client.get(response.headers["Location"]).get_data(
        as_text=True)


def test_discarding_an_amendment_keeps_the_approved_version(app, login_as, users, records, accredited):
    approved = factories.make_assessment(app, users["assessor"].id, records["subject_a"],
                                         approver_id=users["supervisor"].id)
    client = login_as("assessor")
    amended = post_form(client, f"/assessments/{approved}/amend", {}, token_from=f"/assessments/{approved}")
    draft = int(amended.headers["Location"].split("/")[2])
    response = post_form(client, f"/assessments/{draft}/discard", {}, token_from=f"/assessments/{draft}/discard")
    assert response.status_code == 302
    with app.app_context():
        kept = db.session.get(Assessment, approved)
        assert kept is not None and kept.status == "approved" and db.session.get(Assessment, draft) is None
    assert events(app, "discard")[-1].details["amends"] == approved


# --- 2. who wrote it and who countersigned it -----------------------------------------------------------


def authorship(page: str) -> str:
    line = page[page.index('data-testid="status"'):]
    return " ".join(line[:line.index("</p>")].split())


def test_approved_assessment_says_who_wrote_it_and_who_approved_it(app, login_as, users, records, accredited):
    aid = factories.make_assessment(app, users["assessor"].id, records["subject_a"],
                                    approver_id=users["supervisor"].id)
    line = authorship(login_as("assessor").get(f"/assessments/{aid}").get_data(as_text=True))
    assert "Written by Assessor, approved by Supervisor on" in line
    assert "</span> by Assessor" not in line  # the author is never named beside the status as its approver


def test_submitted_and_returned_assessments_say_who_wrote_and_who_returned_them(app, login_as, users, records,
                                                                                accredited):
    aid = factories.make_assessment(app, users["assessor"].id, records["subject_a"], submit=True)
    author = login_as("assessor")
    assert "Written by Assessor, submitted on" in authorship(author.get(f"/assessments/{aid}").get_data(as_text=True))
    return_with(login_as("supervisor"), aid, version_of(app, aid), "IN3 needs a source.")
    line = authorship(author.get(f"/assessments/{aid}").get_data(as_text=True))
    assert "Written by Assessor, returned by Supervisor on" in line
