"""Issue 12, conn-groups: the supervisor's nexus picture (only the people of their units, each count with its
drill-down, audited), and affiliations and skills in the case summary and the subject-access report."""

from __future__ import annotations

import re
from datetime import timedelta

from flask import Flask
from sqlalchemy import select

from app.audit.models import AuditEvent
from app.auth.models import Role
from app.db import db, utcnow
from tests import factories
from tests.conftest import post_form, signed_in_client
from tests.test_connections_groups import affiliate, as_user, make_group
from tests.test_exports import REQUEST, pdf_text

TODAY = utcnow().date()


def add_skill(app: Flask, actor_id: int, subject_id: int, skill: str) -> None:
    from app.connections import affiliations
    from app.subjects.models import Subject

    with app.app_context():
        subject = db.session.get(Subject, subject_id)
        assert subject is not None
        affiliations.record_skill(as_user(app, actor_id), subject, skill, "Convicted of it in 2019.", TODAY)
        db.session.commit()


def observe_recruitment(app: Flask, actor_id: int, subject_id: int, days_ago: int) -> None:
    from app.interventions import services
    from app.subjects.models import Subject

    with app.app_context():
        subject = db.session.get(Subject, subject_id)
        assert subject is not None
        services.record_observation(as_user(app, actor_id), subject, TODAY - timedelta(days=days_ago),
                                    "recruitment_attempt", "Wing officer", "Offered a young prisoner protection.")
        db.session.commit()


def nexus_world(app: Flask, users, records) -> dict[str, int]:
    """Alice (unit A) tied to an organised-crime and an extremist group that cooperate, with a skill and a
    recruitment attempt; Boris (unit B) tied to the same groups, with a skill of his own."""
    from app.connections import groups
    from app.connections.models import Group

    crew = make_group(app, users["supervisor"].id, "Northside Crew")
    banner = make_group(app, users["supervisor"].id, "Black Banner", "violent_extremist")
    with app.app_context():
        first = db.session.get(Group, crew)
        assert first is not None
        groups.link_groups(as_user(app, users["supervisor"].id), first, groups.GroupLinkValues(
            banner, "cooperation", "financial", TODAY - timedelta(days=40), "Cash couriered.", "Police liaison"))
        db.session.commit()
    for group in (crew, banner):
        affiliate(app, users["assessor"].id, records["subject_a"], group)
        affiliate(app, users["assessor_b"].id, records["subject_b"], group)
    add_skill(app, users["assessor"].id, records["subject_a"], "firearms")
    add_skill(app, users["assessor_b"].id, records["subject_b"], "explosives")
    observe_recruitment(app, users["assessor"].id, records["subject_a"], 0)
    return {"crew": crew, "banner": banner}


def drill_links(page: str) -> list[str]:
    return [link.replace("&amp;", "&") for link in re.findall(r'href="(/nexus/people\?[^"]+)"', page)]


def test_the_nexus_picture_counts_only_the_supervisors_units(app, users, records, login_as):
    world = nexus_world(app, users, records)
    client = login_as("supervisor")
    page = client.get("/nexus").get_data(as_text=True)
    assert "Northside Crew" in page and "Black Banner" in page
    assert "Firearms" in page and "Explosives" not in page  # Boris's skill is not of unit A
    assert "Financial or transactional" in page
    assert "Alice Archer" not in page and "Boris Baker" not in page  # counts only
    links = drill_links(page)
    assert f"/nexus/people?measure=group&key={world['crew']}" in links
    assert "/nexus/people?measure=crossover&key=" in links
    for link in links:
        listed = client.get(link).get_data(as_text=True)
        assert "Alice Archer" in listed and "A1000AA" in listed, link
        assert "Boris Baker" not in listed and "B2000BB" not in listed, link
    with app.app_context():
        views = list(db.session.scalars(select(AuditEvent).where(AuditEvent.object_type.in_(("nexus",
                                                                                               "nexus_people")))))
    assert views and all(v.details["subject_ids"] == [records["subject_a"]] for v in views)


def test_a_supervisor_of_another_unit_finds_no_trace_of_people_outside_their_units(app, users, records):
    world = nexus_world(app, users, records)
    other = factories.make_user(app, "supervisor_b", Role.SUPERVISOR, [factories.UNIT_B], "tidal-juniper-falcon-88")
    client = signed_in_client(app, other)
    pages = [client.get("/nexus").get_data(as_text=True)]
    pages += [client.get(link).get_data(as_text=True) for link in drill_links(pages[0])]
    pages.append(client.get(f"/groups/{world['crew']}").get_data(as_text=True))
    for page in pages:
        assert "Alice Archer" not in page and "A1000AA" not in page and "HMP Alpha" not in page
        assert f"/subjects/{records['subject_a']}" not in page
    assert "Boris Baker" in client.get(f"/nexus/people?measure=group&key={world['crew']}").get_data(as_text=True)
    assert "Firearms" not in pages[0] and "Explosives" in pages[0]


def test_case_workers_and_admins_get_no_nexus_picture(app, users, records, login_as):
    for role in ("assessor", "probation", "admin"):
        client = login_as(role)
        assert client.get("/nexus").status_code == 403, role
        assert client.get("/nexus/people?measure=crossover").status_code == 403, role


def test_an_unknown_count_is_a_404(app, users, records, login_as):
    client = login_as("supervisor")
    for query in ("measure=skill&key=juggling", "measure=group&key=999999", "measure=who", "measure=group&key=x",
                  f"measure=group&key={2**63}", f"measure=link&key={2**64}", "measure=recruitment&key=1999-01"):
        assert client.get(f"/nexus/people?{query}").status_code == 404, query


def test_recruitment_attempts_are_counted_by_month_for_the_last_twelve(app, users, records, login_as):
    observe_recruitment(app, users["assessor"].id, records["subject_a"], 0)
    observe_recruitment(app, users["assessor"].id, records["subject_a"], 0)
    observe_recruitment(app, users["assessor"].id, records["subject_a"], 400)  # too old
    page = login_as("supervisor").get("/nexus").get_data(as_text=True)
    month = TODAY.strftime("%Y-%m")
    assert re.search(rf"<td>{month}</td><td><a [^>]+>2</a></td>", page)
    assert page.count("</td><td>0</td>") >= 11


def test_the_nx1_rating_of_the_latest_approved_assessment_is_counted(app, users, records, login_as):
    from app.assessments.models import Assessment

    factories.accredit(app, users["assessor"].id)
    aid = factories.make_assessment(app, users["assessor"].id, records["subject_a"],
                                    approver_id=users["supervisor"].id)
    with app.app_context():
        assessment = db.session.get(Assessment, aid)
        assert assessment is not None
        rating = next(r for r in assessment.ratings if r.item_code == "NX1").rating
        label = {"none": "None", "coexistence": "Coexistence", "cooperation": "Cooperation",
                 "convergence": "Convergence"}[rating]
    client = login_as("supervisor")
    page = client.get("/nexus").get_data(as_text=True)
    assert re.search(rf"<td>{label}</td><td><a href=\"/nexus/people\?measure=nx1&amp;key={rating}\">1</a>", page)
    listed = client.get(f"/nexus/people?measure=nx1&key={rating}").get_data(as_text=True)
    assert "Alice Archer" in listed


# --- the reports --------------------------------------------------------------------------------------------


def test_the_case_summary_shows_current_affiliations_and_skills(app, users, records, login_as):
    nexus_world(app, users, records)
    response = post_form(login_as("assessor"), f"/subjects/{records['subject_a']}/export/case-summary", REQUEST)
    text = " ".join(pdf_text(response.data).split())
    for expected in ("Affiliations with groups", "Northside Crew", "Black Banner", "2/B/P", "Skills of concern",
                     "Firearms", "Security report 118",
                     f"Next affiliation review {(TODAY + timedelta(days=90)).isoformat()}"):
        assert expected in text, expected
    assert "Explosives" not in text


def test_the_subject_access_report_shows_every_affiliation_and_skill_ended_ones_too(app, users, records, login_as):
    from app.connections import affiliations
    from app.connections.models import Affiliation

    nexus_world(app, users, records)
    with app.app_context():
        tie = db.session.scalars(select(Affiliation).where(Affiliation.subject_id == records["subject_a"])).first()
        assert tie is not None
        affiliations.end_affiliation(as_user(app, users["assessor"].id), tie, "Left on transfer.", tie.version)
        db.session.commit()
    response = post_form(login_as("supervisor"), f"/subjects/{records['subject_a']}/export/subject-access",
                         REQUEST)
    text = " ".join(pdf_text(response.data).split())
    for expected in ("Affiliations with groups", "Northside Crew", "Left on transfer.", "Skills of concern",
                     "Firearms", "ended an affiliation with a group"):
        assert expected in text, expected


# --- the demo ------------------------------------------------------------------------------------------------


def test_the_demo_shows_two_cooperating_groups_ties_to_both_and_skills(seeded):
    from app.main.cli import DEMO_USERS
    from app.subjects.models import Subject
    from tests.conftest import login

    password = next(p for name, _d, _r, _u, p in DEMO_USERS if name == "supervisor")
    client = seeded.test_client()
    assert login(client, "supervisor", password).status_code == 302
    page = client.get("/nexus").get_data(as_text=True)
    assert "Eastside Firm" in page and "Black Standard Network" in page and "Financial or transactional" in page
    assert "/nexus/people?measure=crossover" in page and "Smuggling and logistics" in page
    with seeded.app_context():
        person = db.session.scalar(select(Subject.id).where(Subject.reference == "A1005NG"))
    person_page = client.get(f"/subjects/{person}").get_data(as_text=True)
    assert "Black Standard Network" in person_page and 'data-testid="review-overdue"' in person_page
    assert "Document forgery" in person_page
