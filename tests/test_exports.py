"""Exports: purpose and recipient required and audited, scope enforced, content of each report."""

from __future__ import annotations

import csv
import io

import pytest
from pypdf import PdfReader
from sqlalchemy import select

from app.audit.models import AuditEvent
from app.db import db
from tests import factories
from tests.conftest import post_form


def pdf_text(data: bytes) -> str:
    return "\n".join(page.extract_text() or "" for page in PdfReader(io.BytesIO(data)).pages)


def exports(app) -> list[AuditEvent]:
    with app.app_context():
        return list(db.session.scalars(select(AuditEvent).where(AuditEvent.action == "export")
                                       .order_by(AuditEvent.id)))


REQUEST = {"purpose": "Parole board hearing on 12 January", "legal_basis": "parole_board",
           "recipient": "Parole Board, case manager J. Smith"}


def test_case_summary_needs_a_purpose_and_a_recipient(app, login_as, records):
    url = f"/subjects/{records['subject_a']}/export/case-summary"
    response = post_form(login_as("assessor"), url, {"purpose": "", "recipient": ""})
    assert response.status_code == 400
    text = response.get_data(as_text=True)
    assert 'href="#purpose"' in text and 'href="#recipient"' in text
    assert exports(app) == []


def test_case_summary_is_a_pdf_with_the_case_and_an_audit_event(app, login_as, users, records, assessed):
    sid = records["subject_a"]
    response = post_form(login_as("assessor"), f"/subjects/{sid}/export/case-summary", REQUEST)
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert response.headers["Content-Disposition"].startswith('attachment; filename="case-summary-A1000AA-')
    assert "no-store" in response.headers["Cache-Control"]
    text = pdf_text(response.data)
    for expected in ("Alice Archer", "A1000AA", "HMP Alpha", "Moderate concern", "Mentoring",
                     "OFFICIAL-SENSITIVE", "Parole Board"):
        assert expected in text, expected
    event = exports(app)[-1]
    assert event.object_type == "case_summary" and event.subject_id == sid
    assert event.details["purpose"] == REQUEST["purpose"] and event.details["recipient"] == REQUEST["recipient"]


def test_internal_use_is_recorded_as_the_recipient(app, login_as, records):
    post_form(login_as("probation"), f"/subjects/{records['subject_a']}/export/case-summary",
              {"purpose": "Case review meeting", "internal_use": "y"})
    assert exports(app)[-1].details["recipient"] == "Internal use"


def test_out_of_scope_export_is_refused(app, login_as, records):
    url = f"/subjects/{records['subject_b']}/export/case-summary"
    client = login_as("assessor")
    assert client.get(url).status_code == 404
    assert post_form(client, url, REQUEST, token_from="/").status_code == 404
    assert exports(app) == []


def test_break_glass_reader_cannot_export(app, login_as, records):
    """assessor_b opened subject A through break-glass: reading yes, exporting no."""
    client = login_as("assessor_b")
    url = f"/subjects/{records['subject_a']}/export/case-summary"
    assert client.get(url).status_code == 403
    assert exports(app) == []


def test_admin_cannot_export_case_content(login_as, records):
    assert login_as("admin").get(f"/subjects/{records['subject_a']}/export/case-summary").status_code == 403


def test_subject_access_report_lists_everything_and_who_consulted(app, login_as, users, records, assessed):
    sid = records["subject_a"]
    login_as("probation").get(f"/subjects/{sid}")  # a consultation to be listed
    assert login_as("assessor").get(f"/subjects/{sid}/export/subject-access").status_code == 403
    response = post_form(login_as("supervisor"), f"/subjects/{sid}/export/subject-access", REQUEST)
    assert response.status_code == 200
    text = pdf_text(response.data)
    # the consultation in words: the user's display name and role, "looked at" rather than the code "view"
    for expected in ("Alice Archer", "Two indicators observed", "Mentoring", "hearsay", "Probation",
                     "looked at"):
        assert expected in text, expected
    assert exports(app)[-1].object_type == "subject_access_report"


def test_audit_extract_as_csv_is_filtered_scoped_and_audited(app, login_as, users, records, assessed):
    from app.auth.models import Role
    from tests.conftest import login

    login_as("probation").get(f"/subjects/{records['subject_a']}")
    client = login_as("supervisor")
    response = post_form(client, "/audit/extract", {**REQUEST, "format": "csv", "action": "view",
                                                   "subject_reference": "A1000AA"})
    assert response.status_code == 200 and response.mimetype == "text/csv"
    rows = list(csv.DictReader(io.StringIO(response.data.decode("utf-8-sig"))))
    assert rows and all(r["action"] == "view" for r in rows)
    event = exports(app)[-1]
    assert event.object_type == "audit_extract" and event.details["format"] == "csv"
    # a supervisor of unit B sees nothing of unit A
    factories.make_user(app, "supervisor_b", Role.SUPERVISOR, ["UNIT-B"], "meadow-cobalt-lantern-66")
    other = app.test_client()
    login(other, "supervisor_b", "meadow-cobalt-lantern-66")
    response = post_form(other, "/audit/extract", {**REQUEST, "format": "csv", "subject_reference": "A1000AA"})
    assert list(csv.DictReader(io.StringIO(response.data.decode("utf-8-sig")))) == []


def test_audit_extract_as_pdf_and_its_validation(app, login_as, records):
    client = login_as("supervisor")
    bad = post_form(client, "/audit/extract", {"purpose": "", "recipient": "", "date_from": "2026-02-30",
                                              "format": "pdf"})
    assert bad.status_code == 400
    text = bad.get_data(as_text=True)
    assert 'href="#purpose"' in text and 'href="#date_from"' in text
    response = post_form(client, "/audit/extract", {**REQUEST, "format": "pdf"})
    assert response.mimetype == "application/pdf" and "Audit extract" in pdf_text(response.data)


@pytest.mark.parametrize("role", ["assessor", "probation", "admin"])
def test_audit_extract_is_for_supervisors_only(login_as, records, role):
    assert login_as(role).get("/audit/extract").status_code == 403


def test_stored_markup_prints_literally_in_the_pdf(app, login_as, users, units):
    sid = factories.make_subject(app, users["assessor"].id, units["A"], "X0001", given_name="<script>x</script>",
                                 family_name="<b>Bold</b> & Co")
    response = post_form(login_as("assessor"), f"/subjects/{sid}/export/case-summary", REQUEST)
    text = pdf_text(response.data)
    assert "<script>x</script>" in text and "<b>Bold</b> & Co" in text


def test_case_summary_says_who_decided_a_challenge_and_when(app, login_as, users, records, assessed):
    from app.db import utcnow

    cid, aid = assessed["challenge"], assessed["approved"]
    supervisor = login_as("supervisor")
    post_form(supervisor, f"/challenges/{cid}/decision", {f"c{cid}-outcome": "not_upheld",
                                                          f"c{cid}-reason": "Two sources confirm the entry."},
              token_from=f"/assessments/{aid}")
    response = post_form(login_as("assessor"), f"/subjects/{records['subject_a']}/export/case-summary", REQUEST)
    text = " ".join(pdf_text(response.data).split())
    assert f"Not upheld, {utcnow().date().isoformat()} by Supervisor" in text
