"""A case summary or subject-access report sent outside the service is a disclosure (issue 14): the export page
asks its legal basis and the recipient's country, and the file goes on the disclosure register with its SHA-256.
An export for internal use only is not a disclosure."""

from __future__ import annotations

import hashlib

from sqlalchemy import func, select

from app.db import db
from app.sharing.models import Disclosure
from tests.conftest import post_form


def register(app) -> list[Disclosure]:
    with app.app_context():
        return list(db.session.scalars(select(Disclosure).order_by(Disclosure.id)))


def exported(app) -> int:
    from app.audit.models import AuditEvent

    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(AuditEvent)
                                 .where(AuditEvent.action == "export")) or 0


def test_a_case_summary_sent_outside_goes_on_the_register_with_its_sha256(app, login_as, records):
    url = f"/subjects/{records['subject_a']}/export/case-summary"
    client = login_as("assessor")
    form = client.get(url).get_data(as_text=True)
    assert "Legal basis for sharing it" in form and 'value="GB"' in form  # the service's own country, prefilled
    response = post_form(client, url, {"purpose": "Parole board hearing on 12 January", "legal_basis": "parole_board",
                                       "recipient": "Parole Board, case manager J. Smith", "country": "gb"})
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    [entry] = register(app)
    assert (entry.direction, entry.kind, entry.agency, entry.country, entry.legal_basis) == (
        "outbound", "case_summary", "Parole Board, case manager J. Smith", "GB", "parole_board")
    assert entry.sha256 == hashlib.sha256(response.data).hexdigest()
    assert entry.subject_id == records["subject_a"]


def test_an_export_for_internal_use_is_not_a_disclosure(app, login_as, records):
    response = post_form(login_as("assessor"), f"/subjects/{records['subject_a']}/export/case-summary",
                         {"purpose": "Case review meeting", "internal_use": "y"})
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert register(app) == []


def test_an_export_outside_without_a_legal_basis_or_country_is_refused_and_keeps_what_was_typed(app, login_as,
                                                                                               records):
    url = f"/subjects/{records['subject_a']}/export/case-summary"
    response = post_form(login_as("assessor"), url, {"purpose": "Parole board hearing on 12 January",
                                                     "recipient": "Parole Board", "country": "France"})
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert 'href="#legal_basis"' in page and 'href="#country"' in page
    assert "Parole board hearing on 12 January" in page and 'value="Parole Board"' in page
    assert register(app) == [] and exported(app) == 0


def test_a_subject_access_report_to_the_person_goes_on_the_register(app, login_as, records):
    response = post_form(login_as("supervisor"), f"/subjects/{records['subject_a']}/export/subject-access",
                         {"purpose": "Her request of 1 December", "legal_basis": "subject_access",
                          "recipient": "Alice Archer"})
    assert response.status_code == 200
    [entry] = register(app)
    assert (entry.kind, entry.legal_basis, entry.country) == ("subject_access_report", "subject_access", "GB")
    assert entry.sha256 == hashlib.sha256(response.data).hexdigest()
