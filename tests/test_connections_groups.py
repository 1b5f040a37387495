"""Issue 12, conn-groups: the groups register and group links (supervisors keep them, case roles read them,
admins never), a person's affiliations and skills of concern, and the refusals each rule makes."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from flask import Flask, g
from sqlalchemy import select

from app.audit.models import AuditEvent
from app.auth.models import User
from app.db import db, utcnow
from tests.conftest import post_form

TODAY = utcnow().date()


def as_user(app: Flask, user_id: int) -> User:
    user = db.session.get(User, user_id)
    assert user is not None
    g.user = user
    return user


def make_group(app: Flask, supervisor_id: int, name: str, kind: str = "organised_crime",
               aliases: str = "") -> int:
    from app.connections import groups

    with app.app_context():
        group = groups.create_group(as_user(app, supervisor_id), groups.GroupValues(name, kind, aliases))
        db.session.commit()
        return group.id


def affiliate(app: Flask, actor_id: int, subject_id: int, group_id: int, role: str = "member",
              review_in: int = 90) -> int:
    from app.connections import affiliations
    from app.subjects.models import Subject

    with app.app_context():
        actor = as_user(app, actor_id)
        subject = db.session.get(Subject, subject_id)
        assert subject is not None
        row = affiliations.record_affiliation(actor, subject, affiliations.AffiliationValues(
            group_id=group_id, role=role, evidence="Seen passing messages for the group on B wing.",
            source="Security report 118", learnt_on=TODAY - timedelta(days=100),
            review_on=TODAY + timedelta(days=review_in), source_grade="2", intelligence_grade="B",
            handling_code="P"))
        db.session.commit()
        return row.id


def events(app: Flask, object_type: str, action: str | None = None) -> list[AuditEvent]:
    with app.app_context():
        stmt = select(AuditEvent).where(AuditEvent.object_type == object_type)
        if action:
            stmt = stmt.where(AuditEvent.action == action)
        return list(db.session.scalars(stmt.order_by(AuditEvent.id)))


AFFILIATION = {"role": "member", "evidence": "Wears the crew's tag; named in two intercepts.",
               "source": "Security report 204", "learnt_on": (TODAY - timedelta(days=3)).isoformat(),
               "review_on": (TODAY + timedelta(days=60)).isoformat(), "source_grade": "2",
               "intelligence_grade": "B", "handling_code": "P"}


# --- the register ----------------------------------------------------------------------------------------------


def test_a_supervisor_adds_a_group_with_its_aliases_and_the_change_is_audited(app, users, login_as):
    client = login_as("supervisor")
    response = post_form(client, "/groups/new", {"name": "Northside  Crew", "kind": "organised_crime",
                                                 "aliases": "NSC\n\nThe Crew\nnsc\n", "description": "Drugs."})
    assert response.status_code == 302
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Northside Crew" in page and "<li>NSC</li>" in page and "<li>The Crew</li>" in page
    assert page.count("<li>NSC</li>") + page.count("<li>nsc</li>") == 1
    [event] = events(app, "group", "create")
    assert event.details["name"] == "Northside Crew" and event.details["aliases"] == ["NSC", "The Crew"]


def test_a_group_name_already_in_the_register_is_refused_whatever_its_case(app, users, login_as):
    make_group(app, users["supervisor"].id, "Northside Crew")
    response = post_form(login_as("supervisor"), "/groups/new",
                         {"name": "NORTHSIDE crew", "kind": "hybrid", "description": "Typed with care."})
    text = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "A group named “Northside Crew” is already in the register" in text
    assert "Typed with care." in text and 'value="NORTHSIDE crew"' in text


def test_only_supervisors_keep_the_register_and_admins_never_see_it(app, users, login_as):
    group = make_group(app, users["supervisor"].id, "Northside Crew")
    assessor = login_as("assessor")
    assert assessor.get("/groups").status_code == 200
    assert assessor.get(f"/groups/{group}").status_code == 200
    assert assessor.get("/groups/new").status_code == 403
    assert post_form(assessor, "/groups/new", {"name": "X", "kind": "hybrid"}, token_from="/groups").status_code \
        == 403
    admin = login_as("admin")
    for path in ("/groups", f"/groups/{group}", "/nexus"):
        assert admin.get(path).status_code == 403


def test_the_list_filters_by_kind_and_by_active(app, users, login_as):
    make_group(app, users["supervisor"].id, "Northside Crew")
    extremists = make_group(app, users["supervisor"].id, "Black Banner", "violent_extremist")
    client = login_as("supervisor")
    page = client.get("/groups?kind=violent_extremist").get_data(as_text=True)
    assert "Black Banner" in page and "Northside Crew" not in page
    with app.app_context():
        from app.connections import groups
        from app.connections.models import Group

        found = db.session.get(Group, extremists)
        assert found is not None
        groups.set_group_active(as_user(app, users["supervisor"].id), found, False, found.version)
        db.session.commit()
    assert "Black Banner" not in client.get("/groups").get_data(as_text=True)
    assert "Black Banner" in client.get("/groups?active=no").get_data(as_text=True)


def test_a_stale_edit_of_a_group_is_refused_and_keeps_what_was_typed(app, users, login_as):
    group = make_group(app, users["supervisor"].id, "Northside Crew")
    client = login_as("supervisor")
    first = post_form(client, f"/groups/{group}/edit", {"name": "Northside Crew", "kind": "hybrid", "version": "1"})
    assert first.status_code == 302
    second = post_form(client, f"/groups/{group}/edit",
                       {"name": "Northside Firm", "kind": "organised_crime", "version": "1",
                        "description": "My careful description."})
    text = second.get_data(as_text=True)
    assert second.status_code == 409 and "My careful description." in text and "changed by someone else" in text
    with app.app_context():
        from app.connections.models import Group

        saved = db.session.get(Group, group)
        assert saved is not None and saved.name == "Northside Crew" and saved.kind == "hybrid"


def test_deactivating_a_group_keeps_it_but_refuses_new_affiliations_to_it(app, users, records, login_as):
    group = make_group(app, users["supervisor"].id, "Northside Crew")
    client = login_as("supervisor")
    response = post_form(client, f"/groups/{group}/active", {"active": "0", "version": "1"},
                         token_from=f"/groups/{group}")
    assert response.status_code == 302
    assert "Deactivated" in client.get(f"/groups/{group}").get_data(as_text=True)
    refused = post_form(client, f"/subjects/{records['subject_a']}/affiliations/new",
                        {**AFFILIATION, "group": str(group)})
    assert refused.status_code == 400 and "no longer an active group" in refused.get_data(as_text=True)


# --- links between groups -------------------------------------------------------------------------------------


def link_form(other: int, **overrides: str) -> dict[str, str]:
    return {"other_group": str(other), "level": "cooperation", "cooperation_form": "financial",
            "since": (TODAY - timedelta(days=30)).isoformat(), "evidence": "Cash couriered between them.",
            "source": "Police liaison", **overrides}


@pytest.fixture
def two_groups(app: Flask, users: dict[str, Any]) -> tuple[int, int]:
    crew = make_group(app, users["supervisor"].id, "Northside Crew")
    banner = make_group(app, users["supervisor"].id, "Black Banner", "violent_extremist")
    return crew, banner


def test_a_cooperation_link_is_recorded_with_its_form_and_shown_on_both_groups(app, login_as, two_groups):
    crew, banner = two_groups
    client = login_as("supervisor")
    assert post_form(client, f"/groups/{crew}/links/new", link_form(banner)).status_code == 302
    page = client.get(f"/groups/{banner}").get_data(as_text=True)
    assert "Northside Crew" in page and "Cooperation: Financial or transactional" in page
    [event] = events(app, "group_link", "create")
    assert "Cash couriered" not in str(event.details) and "group_link_evidence_sha256" in event.details


@pytest.mark.parametrize(("overrides", "field", "message"), [
    ({"cooperation_form": ""}, "cooperation_form", "Choose the form the cooperation takes."),
    ({"level": "coexistence"}, "cooperation_form", "Only a cooperation has a form"),
    ({"since": (TODAY + timedelta(days=1)).isoformat()}, "since", "cannot be in the future"),
    ({"evidence": ""}, "evidence", "Give the evidence"),
    ({"level": ""}, "level", "Choose the level"),
])
def test_a_group_link_that_breaks_a_rule_is_refused_with_a_message(app, login_as, two_groups, overrides, field,
                                                                    message):
    crew, banner = two_groups
    response = post_form(login_as("supervisor"), f"/groups/{crew}/links/new", link_form(banner, **overrides))
    text = response.get_data(as_text=True)
    assert response.status_code == 400 and message in text and f'href="#{field}"' in text
    assert "Police liaison" in text  # what was typed is kept
    assert events(app, "group_link") == []


def test_a_link_of_a_group_to_itself_is_refused(app, login_as, two_groups):
    crew, _ = two_groups
    response = post_form(login_as("supervisor"), f"/groups/{crew}/links/new", link_form(crew))
    assert response.status_code == 400 and "cannot be linked to itself" in response.get_data(as_text=True)


def test_a_second_current_link_between_the_same_groups_is_refused_either_way_round(app, login_as, two_groups):
    crew, banner = two_groups
    client = login_as("supervisor")
    assert post_form(client, f"/groups/{crew}/links/new", link_form(banner)).status_code == 302
    response = post_form(client, f"/groups/{banner}/links/new",
                         link_form(crew, level="convergence", cooperation_form=""))
    assert response.status_code == 400 and "already have a current link" in response.get_data(as_text=True)


def test_an_ended_link_stays_as_history_and_a_new_one_may_follow(app, login_as, two_groups):
    from app.connections.models import GroupLink

    crew, banner = two_groups
    client = login_as("supervisor")
    post_form(client, f"/groups/{crew}/links/new", link_form(banner))
    with app.app_context():
        link_id = db.session.scalars(select(GroupLink.id)).one()
    short = post_form(client, f"/group-links/{link_id}/end", {"on": TODAY.isoformat(), "reason": "", "version": "1"})
    assert short.status_code == 400 and "Give the reason" in short.get_data(as_text=True)
    ended = post_form(client, f"/group-links/{link_id}/end",
                      {"on": TODAY.isoformat(), "reason": "The courier was convicted.", "version": "1"})
    assert ended.status_code == 302
    assert "The courier was convicted." in client.get(f"/groups/{crew}").get_data(as_text=True)
    assert post_form(client, f"/groups/{banner}/links/new",
                     link_form(crew, level="coexistence", cooperation_form="")).status_code == 302
    [event] = events(app, "group_link", "end")
    assert "convicted" not in str(event.details)


def test_case_workers_cannot_link_or_end_links_between_groups(app, login_as, two_groups):
    crew, banner = two_groups
    client = login_as("assessor")
    assert client.get(f"/groups/{crew}/links/new").status_code == 403
    assert post_form(client, f"/groups/{crew}/links/new", link_form(banner), token_from="/groups").status_code \
        == 403


# --- affiliations ------------------------------------------------------------------------------------------


def test_an_affiliation_is_recorded_on_the_persons_page_and_audited_without_its_evidence(app, users, records,
                                                                                         login_as, two_groups):
    crew, _ = two_groups
    sid = records["subject_a"]
    client = login_as("assessor")
    response = post_form(client, f"/subjects/{sid}/affiliations/new", {**AFFILIATION, "group": str(crew)})
    assert response.status_code == 302
    page = client.get(f"/subjects/{sid}").get_data(as_text=True)
    assert "Groups and skills" in page and "Northside Crew" in page and "2/B/P" in page
    assert "Affiliation recorded: member of Northside Crew" in page  # the timeline
    [event] = events(app, "affiliation", "create")
    assert event.subject_id == sid and event.details["grading"] == "2/B/P"
    assert "tag" not in str(event.details) and "affiliation_evidence_sha256" in event.details


def test_each_grading_field_offers_the_conventions_labels(app, records, login_as, two_groups):
    page = login_as("assessor").get(f"/subjects/{records['subject_a']}/affiliations/new").get_data(as_text=True)
    for label in ("1 — Reliable", "3 — Not reliable", "E — Suspected to be false or malicious",
                  "C — Lawful sharing permitted subject to conditions"):
        assert label in page


@pytest.mark.parametrize(("overrides", "field", "message"), [
    ({"learnt_on": (TODAY + timedelta(days=1)).isoformat()}, "learnt_on", "cannot be in the future"),
    ({"review_on": (TODAY - timedelta(days=10)).isoformat()}, "review_on", "must be after the date it was learnt"),
    ({"review_on": ""}, "review_on", "Enter the date the affiliation is to be reviewed."),
    ({"source_grade": ""}, "source_grade", "Choose the evaluation of the source"),
    ({"intelligence_grade": "F"}, "intelligence_grade", "Choose the assessment of the information"),
    ({"handling_code": ""}, "handling_code", "Choose the handling code"),
    ({"role": ""}, "role", "role in the group"),
    ({"learnt_on": "yesterday"}, "learnt_on", "Enter a real date"),
])
def test_an_affiliation_that_breaks_a_rule_is_refused_with_a_message(app, records, login_as, two_groups, overrides,
                                                                     field, message):
    crew, _ = two_groups
    response = post_form(login_as("assessor"), f"/subjects/{records['subject_a']}/affiliations/new",
                         {**AFFILIATION, "group": str(crew), **overrides})
    text = response.get_data(as_text=True)
    assert response.status_code == 400 and message in text and f'href="#{field}"' in text
    assert "Security report 204" in text
    assert events(app, "affiliation", "create") == []


def test_a_second_current_affiliation_to_the_same_group_is_refused(app, users, records, login_as, two_groups):
    crew, banner = two_groups
    affiliate(app, users["assessor"].id, records["subject_a"], crew)
    client = login_as("assessor")
    url = f"/subjects/{records['subject_a']}/affiliations/new"
    response = post_form(client, url, {**AFFILIATION, "group": str(crew), "role": "leader"})
    assert response.status_code == 400 and "already has a current affiliation" in response.get_data(as_text=True)
    assert post_form(client, url, {**AFFILIATION, "group": str(banner)}).status_code == 302


def test_ending_an_affiliation_keeps_it_in_the_history_and_allows_a_new_one(app, users, records, login_as,
                                                                           two_groups):
    crew, _ = two_groups
    sid = records["subject_a"]
    aid = affiliate(app, users["assessor"].id, sid, crew)
    client = login_as("probation")
    assert post_form(client, f"/affiliations/{aid}/end", {"reason": "", "version": "1"}).status_code == 400
    response = post_form(client, f"/affiliations/{aid}/end", {"reason": "Left the crew on transfer.",
                                                              "version": "1"})
    assert response.status_code == 302
    page = client.get(f"/subjects/{sid}").get_data(as_text=True)
    assert "groups-history" in page and "Left the crew on transfer." in page
    assert "Affiliation with Northside Crew ended" in page
    stale = post_form(client, f"/affiliations/{aid}/end", {"reason": "Again and again.", "version": "1"})
    assert stale.status_code == 400 and "already ended" in stale.get_data(as_text=True)
    [event] = events(app, "affiliation", "end")
    assert "Left the crew" not in str(event.details)
    assert post_form(client, f"/subjects/{sid}/affiliations/new",
                     {**AFFILIATION, "group": str(crew), "role": "former_member"}).status_code == 302


def test_an_overdue_review_is_flagged_on_the_persons_page(app, users, records, login_as, two_groups):
    crew, banner = two_groups
    affiliate(app, users["assessor"].id, records["subject_a"], crew, review_in=-1)
    affiliate(app, users["assessor"].id, records["subject_a"], banner, review_in=10)
    page = login_as("assessor").get(f"/subjects/{records['subject_a']}").get_data(as_text=True)
    assert page.count('data-testid="review-overdue"') == 1


def test_a_person_out_of_scope_gets_the_same_404_as_one_that_does_not_exist(app, users, records, login_as,
                                                                            two_groups):
    crew, _ = two_groups
    aid = affiliate(app, users["assessor_b"].id, records["subject_b"], crew)
    client = login_as("assessor")
    for path in (f"/subjects/{records['subject_b']}/affiliations/new", "/subjects/999999/affiliations/new",
                 f"/affiliations/{aid}/end", "/affiliations/999999/end",
                 f"/subjects/{records['subject_b']}/skills/new"):
        assert client.get(path).status_code == 404, path
    refused = post_form(client, f"/subjects/{records['subject_b']}/affiliations/new",
                        {**AFFILIATION, "group": str(crew)}, token_from="/groups")
    assert refused.status_code == 404


def test_break_glass_reads_affiliations_but_cannot_end_them(app, users, records, login_as, two_groups):
    crew, _ = two_groups
    aid = affiliate(app, users["supervisor"].id, records["subject_a"], crew)
    client = login_as("assessor_b")  # has break-glass access to subject A
    page = client.get(f"/subjects/{records['subject_a']}").get_data(as_text=True)
    assert "Northside Crew" in page and "Record an affiliation" not in page
    assert client.get(f"/affiliations/{aid}/end").status_code == 403


# --- skills of concern ----------------------------------------------------------------------------------------


def test_a_skill_of_concern_is_recorded_refused_twice_and_ended_with_a_reason(app, records, login_as):
    from app.connections.models import PersonSkill

    sid = records["subject_a"]
    client = login_as("assessor")
    url = f"/subjects/{sid}/skills/new"
    form = {"skill": "document_forgery", "evidence": "Convicted of passport forgery in 2019.",
            "learnt_on": TODAY.isoformat()}
    assert post_form(client, url, form).status_code == 302
    again = post_form(client, url, form)
    assert again.status_code == 400 and "Document forgery is already recorded" in again.get_data(as_text=True)
    future = post_form(client, url, {**form, "skill": "cyber", "learnt_on": (TODAY + timedelta(days=2)).isoformat()})
    assert future.status_code == 400 and "cannot be in the future" in future.get_data(as_text=True)
    page = client.get(f"/subjects/{sid}").get_data(as_text=True)
    assert "Document forgery" in page and "passport forgery" in page
    assert "Skill of concern recorded: Document forgery" in page
    with app.app_context():
        skill_id = db.session.scalars(select(PersonSkill.id)).one()
    assert post_form(client, f"/skills/{skill_id}/end", {"reason": "Conviction quashed."}).status_code == 302
    assert "Conviction quashed." in client.get(f"/subjects/{sid}").get_data(as_text=True)
    assert post_form(client, url, form).status_code == 302
    [created, _] = events(app, "person_skill", "create")
    assert "passport" not in str(created.details)


# --- a group's page and scope ---------------------------------------------------------------------------------


def test_a_groups_page_names_only_the_members_the_viewer_may_see(app, users, records, login_as, two_groups):
    from app.auth.models import Role
    from tests import factories

    crew, _ = two_groups
    affiliate(app, users["supervisor"].id, records["subject_a"], crew)
    affiliate(app, users["assessor_b"].id, records["subject_b"], crew, role="associate")
    page = login_as("assessor").get(f"/groups/{crew}").get_data(as_text=True)
    assert "Alice Archer" in page and "A1000AA" in page
    assert "Boris Baker" not in page and "B2000BB" not in page and "Bravo" not in page
    assert "And 1 person in other units, not shown." in page
    [view] = events(app, "group", "view")
    assert view.details["subject_ids"] == [records["subject_a"]]

    other = factories.make_user(app, "supervisor_b", Role.SUPERVISOR, [factories.UNIT_B], "tidal-juniper-falcon-88")
    from tests.conftest import signed_in_client

    page_b = signed_in_client(app, other).get(f"/groups/{crew}").get_data(as_text=True)
    assert "Boris Baker" in page_b and "Alice Archer" not in page_b and "A1000AA" not in page_b
    assert "HMP Alpha" not in page_b


def test_a_group_without_a_name_or_a_kind_is_refused_and_nothing_is_lost(app, users, login_as):
    response = post_form(login_as("supervisor"), "/groups/new", {"name": "  ", "kind": "",
                                                                 "aliases": "The Lads"})
    text = response.get_data(as_text=True)
    assert response.status_code == 400 and "Give the group&#39;s name." in text and "Choose the kind of group." in text
    assert "The Lads" in text and events(app, "group") == []


def test_a_link_cannot_end_before_it_began_or_in_the_future(app, login_as, two_groups):
    from app.connections.models import GroupLink

    crew, banner = two_groups
    client = login_as("supervisor")
    post_form(client, f"/groups/{crew}/links/new", link_form(banner))
    with app.app_context():
        link_id = db.session.scalars(select(GroupLink.id)).one()
    for on, message in (((TODAY - timedelta(days=31)).isoformat(), "it cannot end before that"),
                        ((TODAY + timedelta(days=1)).isoformat(), "cannot be in the future")):
        response = post_form(client, f"/group-links/{link_id}/end",
                             {"on": on, "reason": "Both leaders were convicted.", "version": "1"})
        text = response.get_data(as_text=True)
        assert response.status_code == 400 and message in text and "Both leaders were convicted." in text
    assert events(app, "group_link", "end") == []


def test_a_skill_without_evidence_or_a_known_skill_is_refused(app, records, login_as):
    url = f"/subjects/{records['subject_a']}/skills/new"
    response = post_form(login_as("assessor"), url, {"skill": "juggling", "evidence": " ",
                                                     "learnt_on": TODAY.isoformat()})
    text = response.get_data(as_text=True)
    assert response.status_code == 400 and "Choose the skill." in text and "Give the evidence for the skill." in text
    assert events(app, "person_skill") == []
