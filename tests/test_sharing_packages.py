"""Signed case packages: a round trip between two installations, every refusal with nothing written, the schema,
scope, the pages and the command line."""

from __future__ import annotations

import io
import json
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask

from app import create_app
from app.db import db
from app.sharing import packages, signing
from app.sharing.models import Disclosure, ReceivedPackage
from app.subjects.models import Subject
from tests import factories
from tests.conftest import DatabaseFactory, csrf_token, signed_in_client
from tests.sharing_helpers import install_keys, receive, send, trust

SENDER = "HMP Alpha Waypoint"


def counts(app: Flask) -> dict[str, int]:
    with app.app_context():
        return {t.__tablename__: db.session.scalar(sa.select(sa.func.count()).select_from(t)) or 0
                for t in (Subject, ReceivedPackage, Disclosure)}


@pytest.fixture
def receiver(databases: DatabaseFactory, tmp_path: Path) -> Iterator[dict[str, Any]]:
    """A second installation, with its own database, units, users and key pair."""
    url = databases.fresh_url()
    other = create_app({"SQLALCHEMY_DATABASE_URI": url})
    units = factories.make_units(other)
    users = factories.make_role_users(other)
    install_keys(other, tmp_path / "receiver")
    yield {"app": other, "units": units, "users": users}
    other.extensions["waypoint_engine"].dispose()
    databases.drop(url)


@pytest.fixture
def sender_keys(app: Flask, tmp_path: Path) -> Path:
    return install_keys(app, tmp_path / "sender")


@pytest.fixture
def sent(app: Flask, users, records, assessed, sender_keys: Path, receiver) -> bytes:
    """Subject A's package (every section), sent by the supervisor; the receiver trusts the sender's key."""
    trust(receiver["app"], SENDER, sender_keys)
    return send(app, users["supervisor"].id, records["subject_a"]).package


def test_a_package_arrives_intact_and_read_only_in_another_installation(app, users, records, sent, receiver):
    other = receiver["app"]
    got = receive(other, receiver["users"]["supervisor"].id, receiver["units"]["A"], sent)
    assert got["created"]
    with other.app_context():
        subject = db.session.get(Subject, got["subject_id"])
        assert subject is not None
        assert (subject.reference, subject.full_name) == ("A1000AA", "Alice Archer")
        kept = db.session.get(ReceivedPackage, got["package_id"])
        assert kept is not None and kept.sender == SENDER
        assert set(kept.sections) == {"identity", "custody", "assessments", "interventions"}
        # Never local case data: no assessment or intervention of the receiver's own was made.
        from app.assessments.models import Assessment
        from app.interventions.models import Intervention

        assert db.session.scalar(sa.select(sa.func.count()).select_from(Assessment)) == 0
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Intervention)) == 0
        inbound = db.session.scalars(sa.select(Disclosure)).one()
        assert (inbound.direction, inbound.agency, inbound.sha256) == ("inbound", SENDER, packages.sha256(sent))
    page = signed_in_client(other, receiver["users"]["supervisor"]).get(f"/subjects/{got['subject_id']}")
    text = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "Received, read-only" in text and f"From {SENDER}, signed by key" in text
    assert "Assessment:" in text and "Intervention: Mentoring" in text and "Pathways Mentoring Trust" in text
    with app.app_context():
        from app.assessments.models import AssessmentRating

        evidence = db.session.scalars(sa.select(AssessmentRating.evidence)
                                      .where(AssessmentRating.evidence != "")).first()
    assert evidence and evidence.split("\n")[0] in text


def test_the_schema_validates_every_package_the_app_produces(app, users, units, records, assessed, sender_keys):
    for sections in ([], ["custody"], ["assessments"], ["identity", "custody", "assessments", "interventions"]):
        content = send(app, users["supervisor"].id, records["subject_a"], sections).package
        assert packages.schema_problem(json.loads(content)) is None, sections
    # A person with nothing but their record: the empty sections are left out, and it still validates.
    bare = send(app, users["supervisor"].id, factories.make_subject(app, users["supervisor"].id, units["A"],
                                                                     "A3000CC")).package
    assert packages.schema_problem(json.loads(bare)) is None
    assert set(json.loads(bare)["payload"]["sections"]) == {"identity", "custody"}


def test_a_package_is_minimised(app, users, records, assessed, sender_keys):
    from app.auth.models import User

    content = send(app, users["supervisor"].id, records["subject_a"]).package.decode()
    with app.app_context():
        names = db.session.scalars(sa.select(User.display_name)).all()
    assert not any(name in content for name in names), "a package names no member of staff"
    assert "B2000BB" not in content and "Boris" not in content  # no other person
    assert "source" not in json.loads(content)["payload"]["sections"].get("interventions", [{}])[0]


@pytest.mark.parametrize("where", ["payload", "signature", "signer", "end"])
def test_a_changed_byte_is_refused_with_nothing_written(sent, receiver, where):
    other = receiver["app"]
    before = counts(other)
    text = sent.decode()
    if where == "payload":
        changed = text.replace("Alice", "Alicf", 1)
    elif where == "signature":
        at = text.index('"signature":"') + 14
        changed = text[:at] + ("A" if text[at] != "A" else "B") + text[at + 1:]
    elif where == "signer":
        at = text.index('"signer":"') + 11
        changed = text[:at] + ("0" if text[at] != "0" else "1") + text[at + 1:]
    else:
        changed = text + " "
    with pytest.raises(packages.PackageRefused):
        receive(other, receiver["users"]["supervisor"].id, receiver["units"]["A"], changed.encode())
    assert counts(other) == before


def test_an_untrusted_signer_is_refused(app, users, records, assessed, sender_keys, receiver):
    before = counts(receiver["app"])
    content = send(app, users["supervisor"].id, records["subject_a"]).package  # the receiver trusts no one yet
    with pytest.raises(packages.PackageRefused, match="does not trust"):
        receive(receiver["app"], receiver["users"]["supervisor"].id, receiver["units"]["A"], content)
    assert counts(receiver["app"]) == before


def test_a_replayed_package_is_refused(sent, receiver):
    other = receiver["app"]
    receive(other, receiver["users"]["supervisor"].id, receiver["units"]["A"], sent)
    before = counts(other)
    with pytest.raises(packages.PackageRefused, match="already received"):
        receive(other, receiver["users"]["supervisor"].id, receiver["units"]["A"], sent, confirmed="A1000AA")
    assert counts(other) == before


@pytest.mark.parametrize("content", [b"not json at all", b"\xff\xfe\x00", b"[1, 2]", b'{"payload": {}}'])
def test_a_file_that_is_not_a_package_is_refused(receiver, content):
    before = counts(receiver["app"])
    with pytest.raises(packages.PackageRefused, match="not a case package"):
        receive(receiver["app"], receiver["users"]["supervisor"].id, receiver["units"]["A"], content)
    assert counts(receiver["app"]) == before


def test_an_unknown_format_version_is_refused_even_when_signed(app, sent, sender_keys, receiver):
    envelope = json.loads(sent)
    envelope["payload"]["format_version"] = 2
    with app.app_context():
        key = signing.signing_key(app.config["PACKAGE_KEY_DIR"])
    content = signing.sign(key, envelope["payload"])
    with pytest.raises(packages.PackageRefused, match="format version 2"):
        receive(receiver["app"], receiver["users"]["supervisor"].id, receiver["units"]["A"], content)


def test_an_oversized_file_is_refused(sent, receiver):
    receiver["app"].config["PACKAGE_MAX_BYTES"] = len(sent) - 1
    with pytest.raises(packages.PackageRefused, match="larger than"):
        receive(receiver["app"], receiver["users"]["supervisor"].id, receiver["units"]["A"], sent)


def test_a_reference_already_held_is_matched_only_once_a_supervisor_confirms(sent, receiver):
    from app.sharing.exchange import NeedsConfirmation

    other, sup = receiver["app"], receiver["users"]["supervisor"].id
    local = factories.make_subject(other, sup, receiver["units"]["A"], "A1000AA", given_name="Alicia",
                                   family_name="Archer")
    before = counts(other)
    with pytest.raises(NeedsConfirmation) as refused:
        receive(other, sup, receiver["units"]["A"], sent)
    assert any("Alice" in d for d in refused.value.differences)
    assert counts(other) == before
    got = receive(other, sup, receiver["units"]["A"], sent, confirmed="A1000AA")
    assert got["subject_id"] == local and not got["created"]
    with other.app_context():
        assert db.session.get(Subject, local).given_name == "Alicia"  # type: ignore[union-attr]


def test_a_reference_held_in_another_unit_is_refused_there(sent, receiver):
    other = receiver["app"]
    factories.make_subject(other, receiver["users"]["assessor_b"].id, receiver["units"]["B"], "A1000AA")
    before = counts(other)
    with pytest.raises(packages.PackageRefused, match="outside the unit chosen"):
        receive(other, receiver["users"]["supervisor"].id, receiver["units"]["A"], sent, confirmed="A1000AA")
    assert counts(other) == before


def test_an_assessment_with_an_instrument_the_receiver_lacks_is_shown_from_the_package_text(sent, receiver):
    envelope = json.loads(sent)
    from app.assessments.package import read

    sent_assessments = envelope["payload"]["sections"]["assessments"]
    sent_assessments[0]["instrument_version"] = "9.9"
    with receiver["app"].app_context():
        shown = read(sent_assessments)
    assert "does not hold this instrument" in shown[0].notice
    title = sent_assessments[0]["instrument_text"]["items"][0]["title"]
    assert any(title in label for label, _text in shown[0].text)


# --- scope and the pages ------------------------------------------------------------------------------


def supervisor_b(app: Flask) -> factories.UserInfo:
    return factories.make_user(app, "supervisor_b", factories.Role.SUPERVISOR, [factories.UNIT_B],
                               "indigo-saddle-glacier-76")


def test_a_supervisor_of_another_unit_cannot_send_a_package_of_a_person_out_of_scope(app, users, records,
                                                                                      sender_keys):
    c = signed_in_client(app, supervisor_b(app))
    path = f"/subjects/{records['subject_a']}/share/package"
    assert c.get(path).status_code == 404
    response = c.post(path, data={"csrf_token": csrf_token(c, "/"), "agency": "X", "country": "FR",
                                  "legal_basis": "court_order", "purpose": "Anything at all", "sections": ["identity"]})
    assert response.status_code == 404
    assert counts(app)["disclosures"] == 0


def test_an_assessor_cannot_send_a_package(login_as, records, sender_keys):
    assert login_as("assessor").get(f"/subjects/{records['subject_a']}/share/package").status_code == 403


def test_sending_from_the_page_downloads_the_package_and_summary_and_records_the_disclosure(app, login_as, records,
                                                                                            assessed, sender_keys):
    c = login_as("supervisor")
    path = f"/subjects/{records['subject_a']}/share/package"
    page = c.get(path).get_data(as_text=True)
    assert 'value="assessments" checked' in page
    response = c.post(path, data={"csrf_token": csrf_token(c, path), "agency": "Police nationale", "person": "",
                                  "country": "fr", "legal_basis": "court_order", "purpose": "Hearing on 12 January",
                                  "sections": ["identity", "custody", "interventions"]})
    assert response.status_code == 200 and response.mimetype == "application/zip"
    archive = zipfile.ZipFile(io.BytesIO(response.data))
    names = sorted(archive.namelist())
    assert names[0].startswith("case-package-A1000AA") and names[1].startswith("case-summary-A1000AA")
    content = archive.read(names[0])
    assert archive.read(names[1]).startswith(b"%PDF")
    payload = json.loads(content)["payload"]
    assert set(payload["sections"]) == {"identity", "custody", "interventions"}
    assert payload["case_summary_sha256"] == packages.sha256(archive.read(names[1]))
    with app.app_context():
        entry = db.session.scalars(sa.select(Disclosure)).one()
        assert (entry.country, entry.legal_basis, entry.sha256) == ("FR", "court_order", packages.sha256(content))
        from app.audit.models import AuditEvent

        event = db.session.scalars(sa.select(AuditEvent).where(AuditEvent.object_type == "case_package")).one()
        assert event.action == "export" and event.details["disclosure_id"] == entry.id


def test_a_send_with_bad_input_keeps_it_and_sends_nothing(app, login_as, records, sender_keys):
    c = login_as("supervisor")
    path = f"/subjects/{records['subject_a']}/share/package"
    response = c.post(path, data={"csrf_token": csrf_token(c, path), "agency": "Police nationale",
                                  "country": "France", "legal_basis": "made_up", "purpose": "Hearing on 12 January",
                                  "sections": ["identity"]})
    text = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "two-letter ISO code" in text and "Choose the legal basis" in text and "Hearing on 12 January" in text
    assert counts(app)["disclosures"] == 0


def test_sending_without_a_key_says_how_to_make_one(app, login_as, records, tmp_path):
    app.config["PACKAGE_KEY_DIR"] = str(tmp_path / "none")
    c = login_as("supervisor")
    path = f"/subjects/{records['subject_a']}/share/package"
    response = c.post(path, data={"csrf_token": csrf_token(c, path), "agency": "Police nationale", "country": "FR",
                                  "legal_basis": "court_order", "purpose": "Hearing on 12 January",
                                  "sections": ["identity"]})
    assert response.status_code == 503 and "flask packages keygen" in response.get_data(as_text=True)
    assert counts(app)["disclosures"] == 0


def test_receiving_through_the_upload_page(sent, receiver):
    other = receiver["app"]
    c = signed_in_client(other, receiver["users"]["supervisor"])
    token = csrf_token(c, "/sharing/receive")
    response = c.post("/sharing/receive", data={"csrf_token": token, "unit": str(receiver["units"]["A"]),
                                                "package": (io.BytesIO(sent), "package.json")},
                      content_type="multipart/form-data")
    assert response.status_code == 302, response.get_data(as_text=True)
    assert counts(other)["received_packages"] == 1
    again = c.post("/sharing/receive", data={"csrf_token": token, "unit": str(receiver["units"]["A"]),
                                             "package": (io.BytesIO(sent), "package.json")},
                   content_type="multipart/form-data")
    assert again.status_code == 400 and "already received" in again.get_data(as_text=True)
    with other.app_context():
        from app.audit.models import AuditEvent

        refusal = db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == "denied",
                                                                 AuditEvent.object_type == "received_package")).one()
        assert "already received" in refusal.details["reason"]


def test_the_upload_page_asks_before_matching_a_reference_already_held(sent, receiver):
    other = receiver["app"]
    factories.make_subject(other, receiver["users"]["supervisor"].id, receiver["units"]["A"], "A1000AA")
    c = signed_in_client(other, receiver["users"]["supervisor"])
    token = csrf_token(c, "/sharing/receive")
    page = c.post("/sharing/receive", data={"csrf_token": token, "unit": str(receiver["units"]["A"]),
                                            "package": (io.BytesIO(sent), "package.json")},
                  content_type="multipart/form-data")
    assert page.status_code == 200 and "Is this the same person?" in page.get_data(as_text=True)
    assert counts(other)["received_packages"] == 0
    wrong = c.post("/sharing/receive/confirm", data={"csrf_token": token, "unit": str(receiver["units"]["A"]),
                                                     "package_text": sent.decode(), "confirmed_reference": "NOPE"})
    assert wrong.status_code == 400 and counts(other)["received_packages"] == 0
    done = c.post("/sharing/receive/confirm", data={"csrf_token": token, "unit": str(receiver["units"]["A"]),
                                                    "package_text": sent.decode(), "confirmed_reference": "a1000aa"})
    assert done.status_code == 302 and counts(other)["received_packages"] == 1


def test_a_supervisor_cannot_receive_into_a_unit_not_theirs(sent, receiver):
    other = receiver["app"]
    c = signed_in_client(other, receiver["users"]["supervisor"])
    response = c.post("/sharing/receive", data={"csrf_token": csrf_token(c, "/sharing/receive"),
                                                "unit": str(receiver["units"]["B"]),
                                                "package": (io.BytesIO(sent), "package.json")},
                      content_type="multipart/form-data")
    assert response.status_code == 400 and "Choose one of your units" in response.get_data(as_text=True)
    assert counts(other)["received_packages"] == 0


# --- the command line ---------------------------------------------------------------------------------


def test_the_command_line_sends_and_receives(app, records, assessed, receiver, tmp_path):
    keys = tmp_path / "cli-keys"
    app.config["PACKAGE_KEY_DIR"] = str(keys)
    runner = app.test_cli_runner()
    made = runner.invoke(args=["packages", "keygen"])
    assert made.exit_code == 0, made.output
    assert runner.invoke(args=["packages", "keygen"]).exit_code == 1  # never overwritten by accident
    out = tmp_path / "alice.json"
    sent = runner.invoke(args=["packages", "export", "A1000AA", "--recipient", "Police nationale",
                               "--legal-basis", "court_order", "--purpose", "Hearing on 12 January",
                               "--country", "FR", "--out", str(out)])
    assert sent.exit_code == 0, sent.output
    assert out.exists() and (tmp_path / "alice.pdf").read_bytes().startswith(b"%PDF")
    with app.app_context():
        entry = db.session.scalars(sa.select(Disclosure)).one()
        assert entry.disclosed_by_name.startswith("cli:") and entry.sha256 == packages.sha256(out.read_bytes())
    bad = runner.invoke(args=["packages", "export", "A1000AA", "--recipient", "X", "--legal-basis", "nope",
                              "--purpose", "Hearing on 12 January", "--out", str(tmp_path / "x.json")])
    assert bad.exit_code == 1 and "legal basis" in bad.output

    other = receiver["app"]
    other_runner = other.test_cli_runner()
    refused = other_runner.invoke(args=["packages", "import", str(out), "--unit", factories.UNIT_A])
    assert refused.exit_code == 1 and "does not trust" in refused.output and counts(other)["subjects"] == 0
    trust(other, SENDER, keys / signing.PUBLIC_KEY_FILE)
    received = other_runner.invoke(args=["packages", "import", str(out), "--unit", factories.UNIT_A])
    assert received.exit_code == 0, received.output
    assert received.output.strip() == "A1000AA"
    replay = other_runner.invoke(args=["packages", "import", str(out), "--unit", factories.UNIT_A])
    assert replay.exit_code == 1 and "already received" in replay.output


def test_a_section_the_receiver_does_not_know_is_kept_and_said_to_be_unreadable(app, sent, sender_keys, receiver):
    envelope = json.loads(sent)
    envelope["payload"]["sections"]["mappa_levels"] = [{"level": "2"}]
    with app.app_context():
        key = signing.signing_key(app.config["PACKAGE_KEY_DIR"])
    content = signing.sign(key, envelope["payload"])
    got = receive(receiver["app"], receiver["users"]["supervisor"].id, receiver["units"]["A"], content)
    page = signed_in_client(receiver["app"], receiver["users"]["supervisor"]).get(f"/subjects/{got['subject_id']}")
    text = page.get_data(as_text=True)
    assert "Section “mappa_levels”" in text and "cannot show this section" in text
    assert text.index("Identity as sent") < text.index("Assessment:") < text.index("cannot show this section")


def test_conference_decisions_travel_as_codes_without_staff_or_dissent(app, users, units, records, assessed,
                                                                       sender_keys, receiver):
    factories.make_conference(app, users["supervisor"].id, users["probation"].id, units["A"], records["subject_a"],
                              decision="escalate", dissent=True)
    trust(receiver["app"], SENDER, sender_keys)
    content = send(app, users["supervisor"].id, records["subject_a"],
                   ["identity", "custody", "conference_decisions"]).package
    payload = json.loads(content)["payload"]
    assert packages.schema_problem(json.loads(content)) is None
    [decided] = payload["sections"]["conference_decisions"]
    assert (decided["kind"], decided["decision"]) == ("multi_agency_panel", "escalate")
    assert "Okafor" not in content.decode() and "dissent" not in content.decode().lower()
    other = receiver["app"]
    got = receive(other, receiver["users"]["supervisor"].id, receiver["units"]["A"], content)
    text = signed_in_client(other, receiver["users"]["supervisor"]).get(
        f"/subjects/{got['subject_id']}").get_data(as_text=True)
    assert "Case conference on" in text and "Multi-agency panel" in text and "Escalate" in text
