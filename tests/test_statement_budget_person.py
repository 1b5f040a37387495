"""Statement budget of the person's page (issue 18): each panel and the timeline read what they show in a fixed
number of statements, whatever the person holds — more links (to people in and out of the viewer's scope),
owners, movements, observations, groups, skills and conferences add rows, never statements. What two parts of
the page both show (the links, the affiliations, the observations, the assessments, the recruitment attempts,
the movements) is read once, and the connections drawing's second step (the links and ties of the people linked
to the person, the members of the person's groups) comes with the person's own links and affiliations.

The page's first statement asks which of the sparse kinds of row (links, groups, skills, conferences, movements,
allocations, handovers, challenges, keep-apart overrides, disclosures, packages) the person has, with the single
values the page needs; the kinds they have none of cost no statement (tests/test_person_page_sparse.py). So a
typical person's page (what every person of the national data holds) is within the budget of 12 that the other
main pages keep (tests/test_statement_budget.py), and a person with nearly every kind (below, the worst case
measured) is not: every feature keeps its own tables and shows them in its panel and on the timeline.
PERSON_PAGE is the count reached for that person, so that it can only go down."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from flask import Flask, g
from sqlalchemy import select

from app.db import db, utcnow
from tests import factories
from tests.test_connections_links import record_link
from tests.test_statement_budget import counting

# On PostgreSQL the view's audit events are appended, with the people they name, by one statement that takes the
# chain lock too; on SQLite by three after BEGIN IMMEDIATE (tests/test_audit_append.py).
PERSON_PAGE = {"postgresql": 19, "sqlite": 22}


def _grow(app: Flask, users: dict[str, factories.UserInfo], units: dict[str, int], subject_id: int, client: Any,
          start: int) -> None:
    """Three more links to people of the viewer's unit, two to people of another unit (pending, named to the
    viewer only through break-glass for one of them), two more allocations, a transfer back and forth is not
    needed: a status change is a movement; three more observations; a group the person and one of the people
    linked to them belong to (the drawing's second step), another group of that person, a skill of concern,
    and a conference that discussed the person (with an action and a dissent)."""
    from app.auth.models import User
    from app.connections import affiliations, groups
    from app.interventions import services as interventions
    from app.subjects import services as subjects
    from app.subjects.models import Subject

    for n in range(3):
        other = factories.make_subject(app, users["supervisor"].id, units["A"], f"A{start + n:04d}QQ",
                                       given_name=f"Inner{n}", family_name="Person")
        assert record_link(client, subject_id, other_id=str(other)).status_code == 302
    for n in range(2):
        reference = f"B{start + n:04d}QQ"
        factories.make_subject(app, users["assessor_b"].id, units["B"], reference, given_name=f"Outer{n}",
                               family_name="Person")
        assert record_link(client, subject_id, other_reference=reference).status_code == 302
    factories.open_break_glass(app, users["assessor"].id, f"B{start:04d}QQ")
    with app.app_context():
        supervisor = db.session.get(User, users["supervisor"].id)
        assessor = db.session.get(User, users["assessor"].id)
        subject = db.session.get(Subject, subject_id)
        assert supervisor is not None and assessor is not None and subject is not None
        g.user = supervisor
        subjects.allocate(supervisor, subject, users["supervisor"].id, "Cover while on leave")
        subjects.allocate(supervisor, subject, users["assessor"].id, "Back from leave")
        g.user = assessor
        for n in range(3):
            interventions.record_observation(assessor, subject, utcnow().date(), "positive_engagement", "Wing log",
                                             f"Observation number {start + n} on the wing.")
        g.user = supervisor
        crew = groups.create_group(supervisor, groups.GroupValues(f"Crew {start}", "organised_crime"))
        other_crew = groups.create_group(supervisor, groups.GroupValues(f"Other crew {start}", "hybrid"))
        g.user = assessor
        today = utcnow().date()
        inner = db.session.scalar(select(Subject).where(Subject.reference == f"A{start:04d}QQ"))
        assert inner is not None
        for person, group in ((subject, crew), (inner, crew), (inner, other_crew)):
            affiliations.record_affiliation(assessor, person, affiliations.AffiliationValues(
                group.id, "member", "Named in intercepts.", "Security report", today,
                today + timedelta(days=30), "2", "B", "P"))
        affiliations.record_skill(assessor, subject, ("firearms", "document_forgery", "cyber")[start // 100 % 3],
                                  "Convicted of it.", today)
        db.session.commit()
    factories.make_conference(app, users["supervisor"].id, users["assessor"].id, units["A"], subject_id,
                              action_owner_id=users["assessor"].id, dissent=True, held_days_ago=start // 100)


def test_the_persons_page_reads_each_kind_of_row_in_one_statement_however_many_it_shows(
        app: Flask, users: dict[str, factories.UserInfo], units: dict[str, int], records: dict[str, int],
        assessed: dict[str, int], login_as: Any, dialect: str) -> None:
    client = login_as("assessor")
    path = f"/subjects/{records['subject_a']}"
    _grow(app, users, units, records["subject_a"], client, 100)
    client.get(path)  # the first request after sign-in may prune sessions, and this one clears the messages
    with counting(app) as few:
        assert client.get(path).status_code == 200
    _grow(app, users, units, records["subject_a"], client, 200)
    client.get(path)  # shows (and so clears from the session) the messages of the links just recorded
    with counting(app) as many:
        page = client.get(path)
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Inner2 Person" in html and "Outer0 Person" in html  # out of scope, opened by break-glass
    assert "Outer1 Person" not in html  # out of scope: "a person in another unit"
    assert "Other crew 100" in html and "Other crew 200" in html  # the drawing's second step: a linked person's group
    assert len(many) == len(few), [s for s in many if s not in few]
    assert len(few) <= PERSON_PAGE[dialect], "\n".join(s[:120].replace("\n", " ") for s in few)


# A person with what every person of the national data holds (assessments, a screening, an intervention with its
# sessions, observations, a case owner) and a challenge, but no links, groups, skills, conferences, movements,
# handovers, disclosures or packages: the kinds of row they have none of are asked about in the page's first
# statement, with the values the page needs (the viewer's recent views, their accreditation), and not read.
TYPICAL_PAGE = {"postgresql": 12, "sqlite": 14}


def test_a_typical_persons_page_is_within_the_budget_of_the_main_pages(
        app: Flask, users: dict[str, factories.UserInfo], units: dict[str, int], records: dict[str, int],
        assessed: dict[str, int], login_as: Any, dialect: str) -> None:
    from app.auth.models import User
    from app.interventions import services as interventions
    from app.subjects import services as subjects
    from app.subjects.models import Subject

    with app.app_context():
        supervisor = db.session.get(User, users["supervisor"].id)
        assessor = db.session.get(User, users["assessor"].id)
        subject = db.session.get(Subject, records["subject_a"])
        assert supervisor is not None and assessor is not None and subject is not None
        g.user = supervisor
        subjects.allocate(supervisor, subject, users["assessor"].id, "Assessor's case")
        g.user = assessor
        for n in range(3):
            interventions.record_observation(assessor, subject, utcnow().date(), "positive_engagement", "Wing log",
                                             f"Observation number {n} on the wing.")
        db.session.commit()
    client = login_as("assessor")
    path = f"/subjects/{records['subject_a']}"
    client.get(path)
    with counting(app) as statements:
        page = client.get(path)
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Observation number 2 on the wing." in html and "Challenge recorded against an assessment" in html
    assert len(statements) <= TYPICAL_PAGE[dialect], "\n".join(s[:120].replace("\n", " ") for s in statements)
