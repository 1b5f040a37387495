"""The audit extract holds at most AUDIT_EXTRACT_MAX_EVENTS events; when more match, the file and the next
page say that it is incomplete, and the export's audit event records that it was cut."""

from __future__ import annotations

import csv
import io

from pypdf import PdfReader
from sqlalchemy import select

from app.audit.models import AuditEvent
from app.db import db
from tests.conftest import post_form

REQUEST = {"purpose": "Quarterly access review", "internal_use": "y"}


def last_export(app) -> AuditEvent:
    with app.app_context():
        event = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "export")
                                   .order_by(AuditEvent.id.desc())).first()
        assert event is not None
        return event


def views_of_subject_a(app, login_as, records, count: int) -> None:
    client = login_as("probation")
    for _ in range(count):
        assert client.get(f"/subjects/{records['subject_a']}").status_code == 200


def test_a_cut_csv_extract_ends_with_a_row_that_says_so(app, login_as, records):
    views_of_subject_a(app, login_as, records, 4)
    app.config["AUDIT_EXTRACT_MAX_EVENTS"] = 3
    client = login_as("supervisor")
    assert "at most 3 events" in client.get("/audit/extract").get_data(as_text=True)
    response = post_form(client, "/audit/extract", {**REQUEST, "format": "csv", "action": "view"})
    assert response.status_code == 200
    assert "-first-3.csv" in response.headers["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.data.decode("utf-8-sig"))))
    assert len(rows) == 1 + 3 + 1
    assert all(row[4] == "view" for row in rows[1:4])
    assert rows[4][0].startswith("Incomplete: this extract holds only the first 3 of more events")
    event = last_export(app)
    assert event.details["events"] == 3 and event.details["cut"] is True
    # The download leaves the form as it is; the next page opened says the extract was incomplete.
    page = client.get("/").get_data(as_text=True)
    assert "The audit extract you downloaded is incomplete." in page and "Narrow the filters" in page


def test_a_cut_pdf_extract_says_so(app, login_as, records):
    views_of_subject_a(app, login_as, records, 3)
    app.config["AUDIT_EXTRACT_MAX_EVENTS"] = 2
    response = post_form(login_as("supervisor"), "/audit/extract", {**REQUEST, "format": "pdf", "action": "view"})
    text = " ".join(" ".join(p.extract_text() for p in PdfReader(io.BytesIO(response.data)).pages).split())
    assert "Events (the first 2 of more)" in text
    assert "Incomplete: this extract holds only the first 2 of more events" in text


def test_an_extract_of_exactly_the_limit_is_complete(app, login_as, records):
    views_of_subject_a(app, login_as, records, 2)
    with app.app_context():
        matching = len(db.session.scalars(select(AuditEvent.id).where(AuditEvent.action == "view")).all())
    app.config["AUDIT_EXTRACT_MAX_EVENTS"] = matching
    client = login_as("supervisor")
    response = post_form(client, "/audit/extract", {**REQUEST, "format": "csv", "action": "view"})
    rows = list(csv.reader(io.StringIO(response.data.decode("utf-8-sig"))))
    assert len(rows) == 1 + matching and not any(row[0].startswith("Incomplete") for row in rows)
    assert last_export(app).details["cut"] is False
    assert "incomplete" not in client.get("/").get_data(as_text=True)
