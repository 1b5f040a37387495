"""Recruitment on the wing: the observation page sends a recruitment attempt to the form that names its targets;
each target gets a recruiter → target link and a place on their unit's "targeted for recruitment" list for their
case owner and supervisors until reviewed."""

from __future__ import annotations

from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask

from app.audit.models import AuditEvent
from app.connections.models import Group, PersonLink, RecruitmentTarget
from app.db import db, utcnow
from app.interventions.models import Observation
from tests import factories
from tests.conftest import csrf_token, post_form, signed_in_client
from tests.test_connections_links import make_people

TODAY = utcnow().date()


@pytest.fixture
def people(app: Flask, users: dict[str, factories.UserInfo], units: dict[str, int], records: dict[str, int]
           ) -> dict[str, Any]:
    return make_people(app, users, units, records)


def make_group(app: Flask, author_id: int, name: str = "Black Banner Network") -> int:
    with app.app_context():
        group = Group(name=name, kind="violent_extremist", created_by_id=author_id)
        db.session.add(group)
        db.session.commit()
        return group.id


def attempt(**overrides: Any) -> dict[str, Any]:
    data = {"step": "targets", "observed_on": TODAY.isoformat(), "source": "Officer on the landing",
            "text": "Offered him money and protection to join the group's prayer circle.", "target_ids": [],
            "target_references": "", "group_id": "", "review_on": "", "source_grade": "1",
            "intelligence_grade": "B", "handling_code": "P"}
    return {**data, **overrides}


def rows(app: Flask, model: type) -> list[Any]:
    with app.app_context():
        found = db.session.scalars(sa.select(model).order_by(model.id)).all()
        db.session.expunge_all()
        return list(found)


def test_the_observation_page_sends_a_recruitment_attempt_on_with_what_was_typed(app, login_as, people):
    client = login_as("assessor")
    url = f"/subjects/{people['alice']}/observations/new"
    token = csrf_token(client, url)
    sent = client.post(url, data={"csrf_token": token, "observed_on": TODAY.isoformat(),
                                  "category": "recruitment_attempt", "source": "Landing officer",
                                  "text": "Pressed Carl to join his circle."})
    assert sent.status_code == 307 and sent.headers["Location"].endswith(f"/subjects/{people['alice']}/recruitment/new")
    opened = client.post(sent.headers["Location"], data={"csrf_token": token, "observed_on": TODAY.isoformat(),
                                                         "category": "recruitment_attempt",
                                                         "source": "Landing officer",
                                                         "text": "Pressed Carl to join his circle."})
    page = opened.get_data(as_text=True)
    assert opened.status_code == 200 and "Pressed Carl to join his circle." in page and "Landing officer" in page
    assert "People targeted" in page and "Carl Cooper (A1001AA)" in page
    assert rows(app, Observation) == []


def test_a_recruitment_attempt_names_its_targets_links_them_and_lists_them(app, login_as, users, people):
    group = make_group(app, users["supervisor"].id)
    client = login_as("assessor")
    response = post_form(client, f"/subjects/{people['alice']}/recruitment/new",
                         attempt(target_ids=[str(people["carl"])], target_references="B2000BB\nZZ9999ZZ",
                                 group_id=str(group)))
    assert response.status_code == 302, response.get_data(as_text=True)
    [observation] = rows(app, Observation)
    assert (observation.subject_id, observation.category) == (people["alice"], "recruitment_attempt")
    links = {(link.other_id, link.status) for link in rows(app, PersonLink)}
    assert links == {(people["carl"], "active"), (people["boris"], "pending")}
    targets = rows(app, RecruitmentTarget)
    assert {t.target_id for t in targets} == {people["carl"], people["boris"]}
    assert all(t.group_id == group and t.observation_id == observation.id for t in targets)
    supervisor_page = login_as("supervisor").get("/recruitment/targeted").get_data(as_text=True)
    assert "Carl Cooper (A1001AA)" in supervisor_page and "Black Banner Network" in supervisor_page
    assert "Boris" not in supervisor_page
    other_unit = signed_in_client(app, people["supervisor_b"]).get("/recruitment/targeted").get_data(as_text=True)
    assert "Boris Baker (B2000BB)" in other_unit and "a person in another unit" in other_unit
    assert "Alice" not in other_unit and "A1000AA" not in other_unit


def test_the_targeted_list_is_for_the_case_owner_and_supervisors_of_the_unit(app, login_as, users, people):
    post_form(login_as("assessor"), f"/subjects/{people['alice']}/recruitment/new",
              attempt(target_ids=[str(people["carl"])]))
    assert "Carl Cooper" not in login_as("probation").get("/recruitment/targeted").get_data(as_text=True)
    home = login_as("supervisor").get("/").get_data(as_text=True)
    assert "1 person targeted for recruitment" in home
    with app.app_context():
        from app.subjects.models import Subject

        carl = db.session.get(Subject, people["carl"])
        assert carl is not None
        carl.case_owner_id = users["probation"].id
        db.session.commit()
    assert "Carl Cooper" in login_as("probation").get("/recruitment/targeted").get_data(as_text=True)


def test_a_review_with_a_note_takes_the_person_off_the_list_and_is_audited(app, login_as, people):
    post_form(login_as("assessor"), f"/subjects/{people['alice']}/recruitment/new",
              attempt(target_ids=[str(people["carl"])]))
    [target] = rows(app, RecruitmentTarget)
    supervisor = login_as("supervisor")
    url = f"/recruitment/targets/{target.id}/review"
    bare = post_form(supervisor, url, {"note": ""})
    assert bare.status_code == 400 and "what was done" in bare.get_data(as_text=True)
    assert post_form(supervisor, url, {"note": "Spoke with Carl; moved to another landing."}).status_code == 302
    [reviewed] = rows(app, RecruitmentTarget)
    assert reviewed.reviewed_at is not None and reviewed.review_note.startswith("Spoke with Carl")
    assert "Carl Cooper (A1001AA)" not in supervisor.get("/recruitment/targeted").get_data(as_text=True)
    with app.app_context():
        event = db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == "review",
                                                               AuditEvent.object_type == "recruitment_target")).one()
        assert event.subject_id == people["carl"] and "Spoke" not in str(event.details)
        assert "targeting_note_sha256" in event.details
    page = supervisor.get(f"/audit/events/{event.id}").get_data(as_text=True)
    assert "Spoke with Carl; moved to another landing." in page  # the note, read back from its row
    assert login_as("assessor").get(url).status_code == 404  # neither case owner nor supervisor


def test_a_recruitment_attempt_without_a_target_is_refused_with_what_was_typed_kept(app, login_as, people):
    response = post_form(login_as("assessor"), f"/subjects/{people['alice']}/recruitment/new", attempt())
    page = response.get_data(as_text=True)
    assert response.status_code == 400 and "Name at least one person targeted" in page
    assert "Offered him money and protection" in page
    assert rows(app, Observation) == [] and rows(app, PersonLink) == []


def test_the_recruiter_cannot_be_their_own_target_and_future_dates_are_refused(app, login_as, people):
    client = login_as("assessor")
    url = f"/subjects/{people['alice']}/recruitment/new"
    own = post_form(client, url, attempt(target_references="A1000AA"))
    assert own.status_code == 400 and "cannot be its target" in own.get_data(as_text=True)
    future = post_form(client, url, attempt(target_ids=[str(people["carl"])], observed_on="2999-01-01"))
    assert future.status_code == 400 and "cannot be in the future" in future.get_data(as_text=True)
    assert rows(app, Observation) == []


def test_a_target_by_reference_answers_the_same_whether_or_not_it_exists(app, login_as, people):
    client = login_as("assessor")
    url = f"/subjects/{people['alice']}/recruitment/new"
    existing = post_form(client, url, attempt(target_references="B2000BB"))
    missing = post_form(client, url, attempt(target_references="ZZ9999ZZ"))
    assert existing.status_code == missing.status_code == 302
    assert existing.headers["Location"] == missing.headers["Location"]
    with app.app_context():
        requests = db.session.scalars(sa.select(AuditEvent).where(
            AuditEvent.object_type.in_(["person_link_request", "recruitment_target_request"]))
            .order_by(AuditEvent.id)).all()
        shapes = [(e.action, e.object_type, e.object_id, e.subject_id, sorted(e.details)) for e in requests]
    assert len(shapes) == 2 and shapes[0] == shapes[1]


def test_admins_and_other_units_cannot_open_the_recruitment_form(app, login_as, people):
    assert login_as("admin").get(f"/subjects/{people['alice']}/recruitment/new").status_code == 403
    assert login_as("assessor_b").get(f"/subjects/{people['carl']}/recruitment/new").status_code == 404
    assert login_as("admin").get("/recruitment/targeted").status_code == 403
