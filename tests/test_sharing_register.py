"""The disclosure register: requests received and their decisions, withholding from subject access, the
supervisors' review and export, the dashboard, scope and the legal bases file."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask import Flask, g

from app import create_app
from app.audit.models import AuditEvent
from app.auth.models import User
from app.db import db, utcnow
from app.errors import Conflict, Invalid
from app.sharing import services
from app.sharing.legal_bases import LegalBasesError, load
from app.sharing.models import Decision, Disclosure, DisclosureRequest
from app.subjects.models import Subject
from tests import factories
from tests.conftest import csrf_token, signed_in_client
from tests.sharing_helpers import BASIS, install_keys, party, record_request, send


def events(app: Flask, action: str, object_type: str) -> list[AuditEvent]:
    with app.app_context():
        return list(db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == action,
                                                                   AuditEvent.object_type == object_type)))


def supervisor_b(app: Flask) -> factories.UserInfo:
    return factories.make_user(app, "supervisor_b", factories.Role.SUPERVISOR, [factories.UNIT_B],
                               "indigo-saddle-glacier-76")


@pytest.fixture
def sent(app: Flask, users, records, tmp_path: Path) -> int:
    """A package of subject A sent by the supervisor: its register entry's id."""
    install_keys(app, tmp_path)
    return send(app, users["supervisor"].id, records["subject_a"]).disclosure_id


def test_a_request_is_recorded_on_the_register_and_audited_without_its_text(app, users, records):
    request_id = record_request(app, users["supervisor"].id, records["subject_a"], days_ago=2)
    with app.app_context():
        made = db.session.get(DisclosureRequest, request_id)
        assert made is not None and made.decision == Decision.PENDING and made.country == "FR"
    [event] = events(app, "create", "disclosure_request")
    assert event.subject_id == records["subject_a"] and "asked_for_sha256" in event.details
    assert "Convictions" not in str(event.details)


def test_a_request_with_every_problem_is_refused_naming_each(app, users, records):
    with app.app_context():
        actor = db.session.get(User, users["supervisor"].id)
        subject = db.session.get(Subject, records["subject_a"])
        assert actor is not None and subject is not None
        g.user = actor
        today = utcnow().date()
        with pytest.raises(Invalid) as refused:
            services.record_request(actor, subject, services.RequestValues(
                services.Party("", "", "France", "nope", ""), today + timedelta(days=1), today))
        assert set(refused.value.field_errors) == {"agency", "country", "legal_basis", "asked_for", "received_on",
                                                    "due_on"}
        with pytest.raises(Invalid) as late:
            services.record_request(actor, subject, services.RequestValues(party(), today, today - timedelta(days=1)))
        assert "before the request was received" in late.value.field_errors["due_on"][0]
        assert db.session.scalar(sa.select(sa.func.count()).select_from(DisclosureRequest)) == 0


def test_only_a_supervisor_of_the_persons_unit_records_a_request(app, users, records, login_as):
    assert login_as("assessor").get(f"/subjects/{records['subject_a']}/share/requests/new").status_code == 403
    other = signed_in_client(app, supervisor_b(app))
    assert other.get(f"/subjects/{records['subject_a']}/share/requests/new").status_code == 404


def test_the_request_form_keeps_what_was_typed_when_refused(app, records, login_as):
    c = login_as("supervisor")
    path = f"/subjects/{records['subject_a']}/share/requests/new"
    response = c.post(path, data={"csrf_token": csrf_token(c, path), "agency": "Europol", "person": "",
                                  "country": "NL", "legal_basis": BASIS, "asked_for": "Everything on the wing",
                                  "received_on": "2026-13-01", "due_on": ""})
    text = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "Europol" in text and "Everything on the wing" in text and "2026-13-01" in text
    ok = c.post(path, data={"csrf_token": csrf_token(c, path), "agency": "Europol", "person": "", "country": "NL",
                            "legal_basis": BASIS, "asked_for": "Everything on the wing",
                            "received_on": utcnow().date().isoformat(),
                            "due_on": (utcnow().date() + timedelta(days=20)).isoformat()})
    assert ok.status_code == 302
    assert "Europol" in c.get("/sharing/register").get_data(as_text=True)


def test_a_decision_is_recorded_once_and_audited(app, users, records, login_as):
    request_id = record_request(app, users["supervisor"].id, records["subject_a"], days_ago=5)
    c = login_as("supervisor")
    path = f"/sharing/requests/{request_id}"
    token = csrf_token(c, path)
    response = c.post(path, data={"csrf_token": token, "version": "1", "decision": "partly",
                                  "reason": "Assessment shared; intelligence withheld.",
                                  "responded_on": utcnow().date().isoformat()})
    assert response.status_code == 302
    with app.app_context():
        decided = db.session.get(DisclosureRequest, request_id)
        assert decided is not None and decided.decision == "partly" and decided.decided_by_id == users["supervisor"].id
    [event] = events(app, "decide", "disclosure_request")
    assert event.details["decision"] == "partly" and "withheld" not in str(event.details)
    again = c.post(path, data={"csrf_token": token, "version": "2", "decision": "granted", "reason": "Changed mind",
                               "responded_on": utcnow().date().isoformat()})
    assert again.status_code == 403


def test_a_decision_made_from_a_stale_page_conflicts_and_keeps_the_text(app, users, records, login_as):
    request_id = record_request(app, users["supervisor"].id, records["subject_a"], days_ago=5)
    c = login_as("supervisor")
    path = f"/sharing/requests/{request_id}"
    with app.app_context():
        item = db.session.get(DisclosureRequest, request_id)
        assert item is not None
        db.session.execute(sa.update(DisclosureRequest).where(DisclosureRequest.id == request_id)
                           .values(version=2))
        db.session.commit()
    response = c.post(path, data={"csrf_token": csrf_token(c, path), "version": "1", "decision": "refused",
                                  "reason": "No legal basis for this transfer.",
                                  "responded_on": utcnow().date().isoformat()})
    assert response.status_code == 409 and "No legal basis for this transfer." in response.get_data(as_text=True)
    with app.app_context():
        actor = db.session.get(User, users["supervisor"].id)
        item = db.session.get(DisclosureRequest, request_id)
        assert actor is not None and item is not None and item.decision == "pending"
        g.user = actor
        with pytest.raises(Conflict):
            services.decide_request(actor, item, "granted", "Fine by us", utcnow().date(), 1)


def test_a_decision_needs_a_reason_and_an_answer_date_not_in_the_future(app, users, records, login_as):
    request_id = record_request(app, users["supervisor"].id, records["subject_a"], days_ago=5)
    c = login_as("supervisor")
    path = f"/sharing/requests/{request_id}"
    response = c.post(path, data={"csrf_token": csrf_token(c, path), "version": "1", "decision": "granted",
                                  "reason": "", "responded_on": (utcnow().date() + timedelta(days=3)).isoformat()})
    text = response.get_data(as_text=True)
    assert response.status_code == 400 and "Give the reason" in text and "in the future" in text


def test_an_overdue_request_shows_on_the_supervisors_dashboard_only(app, users, records, login_as):
    record_request(app, users["supervisor"].id, records["subject_a"], days_ago=40, due_days=30, agency="Europol")
    board = login_as("supervisor").get("/").get_data(as_text=True)
    assert 'data-testid="overdue-requests"' in board and "Europol" in board
    assert "overdue-requests" not in signed_in_client(app, supervisor_b(app)).get("/").get_data(as_text=True)
    assert "overdue-requests" not in login_as("assessor").get("/").get_data(as_text=True)


def test_a_supervisor_of_another_unit_sees_none_of_the_registers_entries(app, users, records, sent):
    request_id = record_request(app, users["supervisor"].id, records["subject_a"])
    other = signed_in_client(app, supervisor_b(app))
    page = other.get("/sharing/register").get_data(as_text=True)
    assert "Alice" not in page and "SDAT" not in page
    assert other.get(f"/sharing/disclosures/{sent}").status_code == 404
    assert other.get(f"/sharing/requests/{request_id}").status_code == 404
    assert other.get("/sharing/disclosures/999999").status_code == 404


def test_case_workers_cannot_open_the_register(login_as):
    assert login_as("assessor").get("/sharing/register").status_code == 403
    assert login_as("admin").get("/sharing/register").status_code == 403


def test_the_register_shows_the_units_entries_and_its_view_is_audited(app, users, records, sent, login_as):
    record_request(app, users["supervisor"].id, records["subject_a"])
    page = login_as("supervisor").get("/sharing/register").get_data(as_text=True)
    assert "Police nationale, SDAT" in page and "Sent to" in page and "Signed case package" in page
    views = events(app, "view", "disclosure_register")
    assert views and records["subject_a"] in views[-1].details["subject_ids"]


def test_a_withheld_disclosure_is_left_out_of_subject_access_and_the_withholding_recorded(app, users, records,
                                                                                          sent, login_as):
    from app.sharing.holdings import subject_access

    c = login_as("supervisor")
    path = f"/sharing/disclosures/{sent}"
    with app.app_context():
        subject = db.session.get(Subject, records["subject_a"])
        assert subject is not None
        assert len(subject_access(subject)["disclosures"]) == 1  # type: ignore[arg-type]
    response = c.post(path, data={"csrf_token": csrf_token(c, path), "version": "1",
                                  "exemption": "ongoing_investigation", "reason": "Joint investigation still open."})
    assert response.status_code == 302
    with app.app_context():
        subject = db.session.get(Subject, records["subject_a"])
        entry = db.session.get(Disclosure, sent)
        assert subject is not None and entry is not None
        assert subject_access(subject)["disclosures"] == ()
        assert entry.withheld_exemption == "ongoing_investigation" and entry.withheld_by_id == users["supervisor"].id
    [event] = events(app, "withhold", "disclosure")
    assert event.details["exemption"] == "ongoing_investigation" and "Joint" not in str(event.details)
    assert "Withheld under" in c.get(path).get_data(as_text=True)


def test_withholding_needs_an_exemption_from_the_list_and_a_reason(app, sent, login_as):
    c = login_as("supervisor")
    path = f"/sharing/disclosures/{sent}"
    response = c.post(path, data={"csrf_token": csrf_token(c, path), "version": "1", "exemption": "because",
                                  "reason": ""})
    text = response.get_data(as_text=True)
    assert response.status_code == 400 and "Choose the exemption" in text and "Say why" in text
    with app.app_context():
        assert db.session.get(Disclosure, sent).withheld_exemption is None  # type: ignore[union-attr]


def test_the_subject_access_report_lists_disclosures_and_requests(app, users, records, sent, login_as):
    record_request(app, users["supervisor"].id, records["subject_a"])
    c = login_as("supervisor")
    path = f"/subjects/{records['subject_a']}/export/subject-access"
    response = c.post(path, data={"csrf_token": csrf_token(c, path), "purpose": "Subject access request 7",
                                  "recipient": "Alice Archer", "legal_basis": "subject_access"})
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    from tests.test_exports_subject_access import pdf_text

    text = pdf_text(response.data)
    assert "Police nationale, SDAT" in text and "Requests for information received" in text


@pytest.mark.parametrize("fmt", ["csv", "pdf"])
def test_the_register_exports_for_the_supervisors_units_and_is_audited(app, users, records, sent, login_as, fmt):
    record_request(app, users["supervisor"].id, records["subject_a"])
    c = login_as("supervisor")
    path = "/sharing/register/export"
    refused = c.post(path, data={"csrf_token": csrf_token(c, path), "format": fmt, "purpose": "", "recipient": ""})
    assert refused.status_code == 400
    response = c.post(path, data={"csrf_token": csrf_token(c, path), "format": fmt,
                                  "purpose": "Annual review by the DPO", "recipient": "Data protection officer"})
    assert response.status_code == 200
    if fmt == "csv":
        text = response.data.decode("utf-8-sig")
        assert text.splitlines()[0].startswith("entry,date,kind,person")
        assert "A1000AA" in text and "Request received" in text and "Sent" in text
    else:
        assert response.data.startswith(b"%PDF")
    [event] = events(app, "export", "disclosure_register")
    assert event.details["format"] == fmt and records["subject_a"] in event.details["subject_ids"]


def test_the_legal_bases_file_is_checked_at_start_up(tmp_path, app_config):
    twice = tmp_path / "twice.yaml"
    twice.write_text("legal_bases:\n  - code: a_b\n    title: One\n  - code: a_b\n    title: Two\n"
                     "exemptions:\n  - code: c_d\n    title: Three\n")
    with pytest.raises(LegalBasesError, match="listed twice"):
        load(twice)
    duplicate_key = tmp_path / "key.yaml"
    duplicate_key.write_text("legal_bases: []\nlegal_bases: []\nexemptions: []\n")
    with pytest.raises(LegalBasesError, match="duplicate key"):
        load(duplicate_key)
    missing = tmp_path / "missing.yaml"
    missing.write_text("legal_bases:\n  - code: a_b\n")
    with pytest.raises(LegalBasesError, match=r"missing.yaml: .*exemptions|title"):
        load(missing)
    with pytest.raises(LegalBasesError, match=r"missing\.yaml"):
        create_app({**app_config, "LEGAL_BASES_FILE": str(missing)})


def test_the_shipped_legal_bases_file_loads():
    shipped = load(Path(__file__).resolve().parents[1] / "config" / "legal_bases.yaml")
    assert shipped.basis(BASIS) is not None and shipped.exemption("national_security") is not None


def test_a_disclosure_made_outside_packages_is_recorded_with_what_was_shared(app, users, records, login_as):
    request_id = record_request(app, users["supervisor"].id, records["subject_a"], days_ago=3)
    c = login_as("supervisor")
    path = f"/subjects/{records['subject_a']}/share/disclosures/new"
    refused = c.post(path, data={"csrf_token": csrf_token(c, path), "agency": "Parole Board", "country": "GB",
                                 "legal_basis": "parole_board", "purpose": "Oral hearing on 9 January",
                                 "kind": "case_summary", "description": "", "sha256": "not-a-hash",
                                 "answers": str(request_id)})
    text = refused.get_data(as_text=True)
    assert refused.status_code == 400 and "Say what was shared" in text and "64 characters" in text
    assert "Oral hearing on 9 January" in text
    done = c.post(path, data={"csrf_token": csrf_token(c, path), "agency": "Parole Board", "country": "GB",
                              "legal_basis": "parole_board", "purpose": "Oral hearing on 9 January",
                              "kind": "case_summary", "description": "Case summary of 2 December (PDF)",
                              "sha256": "AB" * 32, "answers": str(request_id)})
    assert done.status_code == 302
    with app.app_context():
        entry = db.session.scalars(sa.select(Disclosure)).one()
        assert (entry.kind, entry.sha256, entry.request_id) == ("case_summary", "ab" * 32, request_id)
    page = c.get(done.headers["Location"]).get_data(as_text=True)
    assert "Case summary of 2 December (PDF)" in page and f"Request R{request_id}" in page
    assert len(events(app, "disclose", "disclosure")) == 1


def test_a_disclosure_cannot_answer_another_persons_request(app, users, units, records):
    request_b = record_request(app, users["supervisor"].id, records["subject_a"])
    second = factories.make_subject(app, users["supervisor"].id, units["A"], "A4000DD")
    with app.app_context():
        actor = db.session.get(User, users["supervisor"].id)
        subject = db.session.get(Subject, second)
        assert actor is not None and subject is not None
        g.user = actor
        with pytest.raises(Invalid) as refused:
            services.record_other_disclosure(actor, subject, party(), "other", "A phone call about his release",
                                             "", request_b)
        assert "answers" in refused.value.field_errors

