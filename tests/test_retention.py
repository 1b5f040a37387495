"""Retention review and erasure: two steps with a reason, content gone from every table, the audit chain
still verifiable, the erasure audited."""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa
import time_machine
from flask import Flask
from sqlalchemy import select

from app.audit.models import AuditEvent
from app.db import Base, db, make_engine, utcnow
from app.oversight.models import Alert
from app.retention.models import ErasureRequest
from app.subjects.models import Subject
from tests import factories
from tests.conftest import post_form
from tests.test_alerts import acknowledge

PERSONAL = ("Alice", "Archer", "A1000AA", "Evidence for", "Reasons drawn", "He disagrees",
            "hearsay", "Attend every session", "Pathways Mentoring", "Seen handing leaflets",
            # typed by users about the person: reasons, notes, a search, review filters
            "alice archer", "Urgent safeguarding call", "police asked about", "Wing officer confirmed",
            "Sibling of", "Her sentence ended")


def all_text(db_url: str) -> str:
    """Every text value in every table, as one string."""
    import app.models  # noqa: F401

    engine = make_engine(db_url)
    chunks = []
    with engine.connect() as conn:
        for table in Base.metadata.sorted_tables:
            for row in conn.execute(sa.select(table)):
                chunks.extend(str(value) for value in row if value is not None)
    engine.dispose()
    return "\n".join(chunks)


def observe(client, subject_id: int) -> None:
    post_form(client, f"/subjects/{subject_id}/observations/new", {
        "observed_on": utcnow().date().isoformat(), "category": "incident", "source": "Wing officer",
        "text": "Seen handing leaflets to new arrivals."})


def erase(app: Flask, client, subject_id: int, reference: str, reason: str = "Retention period passed.") -> object:
    response = post_form(client, f"/subjects/{subject_id}/erasure", {"reason": reason})
    request_url = response.headers["Location"]
    return post_form(client, request_url, {"reference": reference})


def type_text_about_the_person(app: Flask, users, login_as, subject_id: int) -> None:
    """What users type about Alice Archer (A1000AA) besides her record: searches, break-glass reasons (about
    her, and about someone else that names her), an alert note, audit-review filters."""
    assessor = login_as("assessor")
    assessor.get("/subjects?q=alice archer")
    assessor.get("/subjects?q=A1000")
    factories.open_break_glass(app, users["assessor_b"].id, "A1000AA", reason="The police asked about Alice Archer")
    factories.open_break_glass(app, users["assessor"].id, "B2000BB", reason="Sibling of A1000AA, police call")
    supervisor = login_as("supervisor")
    with app.app_context():
        alert_id = db.session.scalars(select(Alert.id).where(Alert.subject_id == subject_id)).first()
    note = "Wing officer confirmed Alice Archer's call was genuine."
    assert acknowledge(supervisor, alert_id, note).status_code == 302
    supervisor.get("/audit/events?subject=a1000aa")
    supervisor.get("/audit/events?user=alice+archer")
    supervisor.get("/audit/events?subject=Alice+Archer")


def test_erasure_removes_every_personal_trace_and_keeps_the_chain_verifiable(app, db_url, login_as, users,
                                                                              records, assessed):
    sid = records["subject_a"]
    observe(login_as("assessor"), sid)
    type_text_about_the_person(app, users, login_as, sid)
    before = all_text(db_url)
    assert "Archer" in before and "Wing officer confirmed" in before and "Sibling of A1000AA" in before
    supervisor = login_as("supervisor")
    response = erase(app, supervisor, sid, "a1000aa", reason="Her sentence ended six years ago: rule R4.")
    assert response.status_code == 302
    text = all_text(db_url)
    for needle in PERSONAL:
        assert needle.casefold() not in text.casefold(), needle
    assert supervisor.get(f"/subjects/{sid}").status_code == 404
    result = app.test_cli_runner().invoke(args=["audit", "verify"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        erased = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "erase")).one()
        assert erased.subject_id == sid and erased.details["counts"]["assessments"] == 2
        subject = db.session.get(Subject, sid)
        assert subject is not None and subject.erased_at is not None and subject.reference == f"ERASED-{sid}"


def test_erasure_needs_a_reason_then_the_exact_reference(app, login_as, records):
    sid = records["subject_a"]
    supervisor = login_as("supervisor")
    no_reason = post_form(supervisor, f"/subjects/{sid}/erasure", {"reason": ""})
    assert no_reason.status_code == 400 and "Give the reason" in no_reason.get_data(as_text=True)
    response = post_form(supervisor, f"/subjects/{sid}/erasure", {"reason": "Retention period passed."})
    wrong = post_form(supervisor, response.headers["Location"], {"reference": "A1000"})
    assert wrong.status_code == 400 and "reference exactly" in wrong.get_data(as_text=True)
    with app.app_context():
        subject = db.session.get(Subject, sid)
        assert subject is not None and subject.erased_at is None
        assert db.session.scalars(select(ErasureRequest)).one().status == "requested"


def test_only_a_supervisor_of_the_unit_erases(app, login_as, users, records):
    assert login_as("assessor").get(f"/subjects/{records['subject_a']}/erasure").status_code == 403
    assert login_as("supervisor").get(f"/subjects/{records['subject_b']}/erasure").status_code == 404


def test_cancelled_request_keeps_the_record(app, login_as, records):
    sid = records["subject_a"]
    supervisor = login_as("supervisor")
    response = post_form(supervisor, f"/subjects/{sid}/erasure", {"reason": "Retention period passed."})
    request_id = response.headers["Location"].rsplit("/", 1)[1]
    post_form(supervisor, f"/erasures/{request_id}/cancel", {}, token_from=response.headers["Location"])
    assert supervisor.get(f"/subjects/{sid}").status_code == 200
    with app.app_context():
        assert db.session.scalars(select(ErasureRequest)).one().status == "cancelled"


def test_approved_assessments_stay_immutable_outside_an_erasure(app, db_url, users, records, assessed):
    engine = make_engine(db_url)
    try:
        with engine.begin() as conn:
            conn.execute(sa.text("DELETE FROM assessments WHERE id = :id"), {"id": assessed["approved"]})
        raise AssertionError("the delete should have been refused")
    except sa.exc.DatabaseError as exc:
        assert "immutable" in str(exc)
    engine.dispose()


def test_retention_due_lists_records_past_their_date(app, users, units):
    ended = factories.make_subject(app, users["assessor"].id, units["A"], "R0001", status="ended")
    factories.make_subject(app, users["assessor"].id, units["A"], "R0002", status="sentenced")
    runner = app.test_cli_runner()
    assert "0 record(s) due" in runner.invoke(args=["retention", "due"]).output
    with time_machine.travel(utcnow() + timedelta(days=365 * 6 + 2), tick=False):
        output = runner.invoke(args=["retention", "due"]).output
    assert "R0001" in output and "R0002" not in output and "1 record(s) due" in output
    assert ended
