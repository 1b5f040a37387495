"""Scope holds through links: every role of another unit finds no name, reference, unit or id of a linked
person out of its scope anywhere — the person's page, the connections drawing, the lists, the case summary and
subject-access PDFs, the audit extract CSV — only "a person in another unit"."""

from __future__ import annotations

import io
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from pypdf import PdfReader

from app.connections.models import Affiliation, Group, PersonLink
from app.db import db, utcnow
from reports.charts import NetworkEdge, NetworkNode, connections_svg
from tests import factories
from tests.conftest import post_form, signed_in_client
from tests.test_connections_links import make_people, record_link
from tests.test_connections_links_recruitment import attempt

REQUEST = {"purpose": "Multi-agency review meeting", "legal_basis": "parole_board", "recipient": "Internal use"}


@pytest.fixture
def people(app: Flask, users: dict[str, factories.UserInfo], units: dict[str, int], records: dict[str, int]
           ) -> dict[str, Any]:
    return make_people(app, users, units, records)


@pytest.fixture
def linked(app: Flask, login_as, users, people) -> dict[str, Any]:
    """Carl (unit A) is an associate of Boris (unit B), confirmed by B's supervisor; Carl tried to recruit
    Boris for a group Carl belongs to; Alice and Carl are family (unit A only)."""
    client = login_as("supervisor")
    record_link(client, people["carl"], other_reference="B2000BB",
                evidence="Carl Cooper A1001AA of HMP Alpha writes to Boris weekly.")
    record_link(client, people["carl"], other_id=str(people["alice"]), kind="family")
    with app.app_context():
        group = Group(name="Northside Crew", kind="organised_crime", created_by_id=users["supervisor"].id)
        db.session.add(group)
        db.session.flush()
        db.session.add(Affiliation(subject_id=people["carl"], group_id=group.id, role="member",
                                   evidence="Tattoo and letters.", source="Security", learnt_on=utcnow().date(),
                                   source_grade="2", intelligence_grade="C", handling_code="P",
                                   recorded_by_id=users["supervisor"].id))
        db.session.commit()
        pending = db.session.scalars(sa.select(PersonLink).where(PersonLink.status == "pending")).one()
        pending_id = pending.id
    supervisor_b = signed_in_client(app, people["supervisor_b"])
    post_form(supervisor_b, f"/links/{pending_id}/decide", {"decision": "confirm", "version": "1"})
    post_form(client, f"/subjects/{people['carl']}/recruitment/new",
              attempt(target_references="B2000BB", text="Carl offered Boris a phone to join the crew."))
    return people


def forbidden(people: dict[str, Any]) -> list[str]:
    return ["Carl", "Cooper", "A1001AA", "HMP Alpha", f"/subjects/{people['carl']}\"",
            f"/subjects/{people['carl']}/"]


def pdf_text(data: bytes) -> str:
    """The PDF's text with its line breaks (table cells wrap) as spaces, so that no name escapes by a wrap."""
    return " ".join(" ".join(page.extract_text() or "" for page in PdfReader(io.BytesIO(data)).pages).split())


def clean(text: str, people: dict[str, Any], where: str) -> None:
    for word in forbidden(people):
        assert word not in text, f"{word!r} shown on {where}"


@pytest.mark.parametrize("role", ["assessor_b", "probation_b", "supervisor_b"])
def test_no_role_of_another_unit_finds_an_out_of_scope_linked_person_anywhere(app, login_as, users, linked,
                                                                              role):
    client = login_as(role) if role in users else signed_in_client(app, linked[role])
    boris = linked["boris"]
    page = client.get(f"/subjects/{boris}").get_data(as_text=True)
    assert "a person in another unit" in page and 'data-testid="connections-drawing"' in page
    assert "Held by the other person&#39;s unit." in page or "Held by the other person's unit." in page
    clean(page, linked, "the person's page")
    for url in ("/", "/recruitment/targeted", "/links/awaiting"):
        clean(client.get(url).get_data(as_text=True), linked, url)
    summary = post_form(client, f"/subjects/{boris}/export/case-summary", REQUEST)
    assert summary.status_code == 200 and summary.mimetype == "application/pdf"
    text = pdf_text(summary.data)
    assert "a person in another unit" in text and "Links with other people" in text
    clean(text, linked, "the case summary")
    if role == "supervisor_b":
        report = post_form(client, f"/subjects/{boris}/export/subject-access", REQUEST)
        assert report.status_code == 200
        clean(pdf_text(report.data), linked, "the subject-access report")
        extract = post_form(client, "/audit/extract", {**REQUEST, "format": "csv", "subject_reference": "B2000BB"})
        assert extract.mimetype == "text/csv"
        clean(extract.data.decode("utf-8-sig"), linked, "the audit extract")


def test_the_unit_that_sees_both_names_both_and_draws_two_steps(app, login_as, linked):
    page = login_as("supervisor").get(f"/subjects/{linked['alice']}").get_data(as_text=True)
    assert "Carl Cooper (A1001AA)" in page and "Northside Crew" in page  # Carl, then his group, two steps out
    assert page.count("A person in another unit") >= 1  # Carl's associate in unit B, as a node of its own
    assert "Boris" not in page and "B2000BB" not in page


def test_break_glass_opens_the_name_of_a_linked_person(app, login_as, users, linked):
    factories.open_break_glass(app, linked["supervisor_b"].id, "A1001AA")
    page = signed_in_client(app, linked["supervisor_b"]).get(f"/subjects/{linked['boris']}").get_data(as_text=True)
    assert "Carl Cooper (A1001AA)" in page


def test_people_in_another_unit_are_separate_anonymous_nodes_in_the_drawing():
    nodes = [NetworkNode("n0", "Alice Archer (A1000AA)", "focus", 0),
             NetworkNode("n1", "A person in another unit", "other_unit", 1, "n0"),
             NetworkNode("n2", "A person in another unit", "other_unit", 1, "n0")]
    edges = [NetworkEdge("n0", "n1", "Associate"), NetworkEdge("n0", "n2", "Family")]
    svg = connections_svg(nodes, edges, ident="net")
    assert svg == connections_svg(nodes, edges, ident="net")  # deterministic
    assert svg.count('stroke-dasharray="4 3"') == 2 and "<title id=\"net-title\">" in svg
    assert "0 people, 2 in another unit and 0 groups" in svg
    assert connections_svg(nodes[:1], [], ident="net") == ""
