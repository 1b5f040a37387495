"""Supervisors' observation lists (the /observations page and the dashboard): every observation reachable
page by page, none cut off; each read on the record of the people it shows; another unit's records never
shown. And the caseload panels of interventions keep to the user's scope."""

from __future__ import annotations

import html
import re
from datetime import date, timedelta

from flask import Flask, g
from sqlalchemy import select

from app.audit.models import AuditEvent, AuditEventPerson
from app.auth.models import User
from app.db import db, utcnow
from app.interventions.models import Observation
from app.subjects.models import Subject
from tests import factories


def today() -> date:
    return utcnow().date()


def observe(app: Flask, actor_id: int, subject_id: int, days_ago: int, text: str,
            category: str = "positive_engagement") -> int:
    from app.interventions import services

    with app.app_context():
        actor, subject = db.session.get(User, actor_id), db.session.get(Subject, subject_id)
        assert actor is not None and subject is not None
        g.user = actor
        observation = services.record_observation(actor, subject, today() - timedelta(days=days_ago), category,
                                                  "Wing officer", text)
        db.session.commit()
        return observation.id


def observation_views(app: Flask, after_id: int = 0) -> list[AuditEvent]:
    with app.app_context():
        return list(db.session.scalars(select(AuditEvent).where(
            AuditEvent.id > after_id, AuditEvent.action == "view", AuditEvent.object_type == "observations")
            .order_by(AuditEvent.id)))


def last_event_id(app: Flask) -> int:
    with app.app_context():
        return db.session.scalar(select(AuditEvent.id).order_by(AuditEvent.id.desc()).limit(1)) or 0


def transfer_to_unit_b(app: Flask, users, units, subject_id: int) -> None:
    from app.subjects import services

    with app.app_context():
        supervisor, subject = db.session.get(User, users["supervisor"].id), db.session.get(Subject, subject_id)
        assert supervisor is not None and subject is not None
        g.user = supervisor
        services.transfer(supervisor, subject, units["B"], "released_on_licence", today(), "Released on licence",
                          release_date=today())
        db.session.commit()


# --- the /observations page ------------------------------------------------------------------------------


def test_observations_page_shows_only_the_supervisors_units(app, login_as, users, records):
    observe(app, users["assessor"].id, records["subject_a"], 1, "Alpha wing: joined the reading group.")
    observe(app, users["assessor_b"].id, records["subject_b"], 1, "Bravo region: missed a curfew check.")
    page = login_as("supervisor").get("/observations").get_data(as_text=True)
    assert "Alpha wing: joined the reading group." in page
    assert "Bravo region" not in page and "Baker" not in page


def test_observations_page_audits_one_view_naming_each_person_shown(app, login_as, users, units, records):
    other = factories.make_subject(app, users["supervisor"].id, units["A"], "A1001AB", given_name="Ada",
                                   family_name="Able")
    first = observe(app, users["assessor"].id, records["subject_a"], 3, "Spoke warmly about his daughter.")
    second = observe(app, users["assessor"].id, records["subject_a"], 2, "Asked for the education timetable.")
    theirs = observe(app, users["assessor"].id, other, 1, "Handed in a leaflet he had been given.", "incident")
    observe(app, users["assessor_b"].id, records["subject_b"], 1, "Not of the supervisor's units.")
    mark = last_event_id(app)
    assert login_as("supervisor").get("/observations").status_code == 200
    [view] = observation_views(app, mark)
    assert view.subject_id is None and view.actor_id == users["supervisor"].id
    assert view.details == {"observation_ids": [theirs, second, first], "shown_on": "unit_observations",
                            "subject_ids": sorted([records["subject_a"], other]), "count": 2}
    with app.app_context():
        named = db.session.scalars(select(AuditEventPerson.subject_id).where(AuditEventPerson.event_id == view.id))
        assert sorted(named) == sorted([records["subject_a"], other])
    assert "daughter" not in str(view.details)  # the text itself stays out of the trail


def test_observations_page_keeps_every_observation_reachable_page_by_page(app, login_as, users, records):
    from app.interventions.queries import OBSERVATIONS_PAGE_SIZE

    sid = records["subject_a"]
    oldest = observe(app, users["assessor"].id, sid, 400, "Over a year ago: first noted on reception.")
    with app.app_context():
        actor, subject = db.session.get(User, users["assessor"].id), db.session.get(Subject, sid)
        assert actor is not None and subject is not None
        g.user = actor
        from app.interventions import services

        for n in range(OBSERVATIONS_PAGE_SIZE):  # a full page of newer ones, several on the same day
            services.record_observation(actor, subject, today() - timedelta(days=n // 3), "family_contact",
                                        "Visits log", f"Visit number {n} went calmly.")
        db.session.commit()
    client = login_as("supervisor")
    first = client.get("/observations").get_data(as_text=True)
    assert first.count("went calmly.") == OBSERVATIONS_PAGE_SIZE and "Over a year ago" not in first
    older = re.search(r'<a href="([^"]+)" data-testid="older-observations">Older observations</a>', first)
    assert older is not None
    second = client.get(html.unescape(older.group(1)))
    assert second.status_code == 200
    text = second.get_data(as_text=True)
    assert "Over a year ago: first noted on reception." in text and "went calmly." not in text
    assert "No older observations." in text and 'data-testid="older-observations"' not in text
    with app.app_context():
        assert db.session.get(Observation, oldest) is not None


def test_observation_pages_cover_every_row_once_in_date_order(app, users, records):
    from app.interventions import queries

    sid = records["subject_a"]
    made = [observe(app, users["assessor"].id, sid, days_ago, f"Observation {days_ago} days ago, noted.")
            for days_ago in (0, 0, 1, 5, 5, 5, 91, 200, 365)]
    with app.app_context():
        supervisor = db.session.get(User, users["supervisor"].id)
        assert supervisor is not None
        seen: list[Observation] = []
        cursor = None
        while True:
            page = queries.unit_observations(supervisor, cursor, page_size=2)
            seen += page.rows
            if page.next_cursor is None:
                break
            cursor = page.next_cursor
        assert sorted(o.id for o in seen) == sorted(made) and len(seen) == len(made)
        keys = [(o.observed_on, o.id) for o in seen]
        assert keys == sorted(keys, reverse=True)


def test_observations_page_follows_a_person_who_moved_to_another_unit(app, login_as, users, units, records):
    observe(app, users["assessor"].id, records["subject_a"], 2, "Seen before the transfer to probation.")
    transfer_to_unit_b(app, users, units, records["subject_a"])
    mark = last_event_id(app)
    page = login_as("supervisor").get("/observations").get_data(as_text=True)
    assert "Seen before the transfer" not in page
    assert observation_views(app, mark) == []


def test_access_log_of_the_subject_access_report_lists_the_observation_reads(app, login_as, users, records):
    from app.exports import gather

    sid = records["subject_a"]
    observe(app, users["assessor"].id, sid, 1, "Took part in the family day without incident.")
    login_as("supervisor").get("/observations")
    with app.app_context():
        supervisor, subject = db.session.get(User, users["supervisor"].id), db.session.get(Subject, sid)
        assert supervisor is not None and subject is not None
        report = gather.subject_access_report(subject, gather.header("Subject access", supervisor, "Request",
                                                                     "The person", "OFFICIAL-SENSITIVE"))
    # in the access log's words: "looked at" "the list of observations", by the user's display name
    reads = [a for a in report.accesses if a.action == "looked at" and a.what == "the list of observations"]
    assert [a.who for a in reads] == ["Supervisor"]


# --- the supervisor's dashboard ----------------------------------------------------------------------------


def test_dashboard_observations_are_audited_and_keep_to_the_units(app, login_as, users, records):
    mine = observe(app, users["assessor"].id, records["subject_a"], 2, "Asked to join the mentoring scheme.")
    observe(app, users["assessor_b"].id, records["subject_b"], 2, "Unit B's record.")
    mark = last_event_id(app)
    home = login_as("supervisor").get("/").get_data(as_text=True)
    listed = home[home.index('data-testid="dashboard-observations"'):]
    listed = listed[:listed.index("</ul>")]
    assert "Archer" in listed and "Baker" not in listed
    # The dashboard's one view event names the person whose observation it listed, and nobody of unit B.
    with app.app_context():
        [view] = db.session.scalars(select(AuditEvent).where(
            AuditEvent.id > mark, AuditEvent.action == "view", AuditEvent.object_type == "dashboard")).all()
        assert view.actor_id == users["supervisor"].id and mine
        assert records["subject_a"] in view.details["subject_ids"]
        assert records["subject_b"] not in view.details["subject_ids"]


def test_dashboard_says_when_more_observations_than_it_lists(app, login_as, users, records):
    from app.interventions.queries import DASHBOARD_OBSERVATIONS

    for n in range(DASHBOARD_OBSERVATIONS + 1):
        observe(app, users["assessor"].id, records["subject_a"], n % 7, f"Observation {n}, recorded calmly.")
    home = login_as("supervisor").get("/").get_data(as_text=True)
    listed = home[home.index('data-testid="dashboard-observations"'):]
    assert listed[:listed.index("</ul>")].count("<li>") == DASHBOARD_OBSERVATIONS
    assert f"The {DASHBOARD_OBSERVATIONS} newest are shown." in home


def test_dashboard_of_a_case_worker_reads_no_observations(app, login_as, users, records):
    observe(app, users["assessor"].id, records["subject_a"], 1, "Only supervisors get this list.")
    mark = last_event_id(app)
    home = login_as("probation").get("/").get_data(as_text=True)
    assert 'data-testid="dashboard-observations"' not in home
    assert observation_views(app, mark) == []


# --- caseload panels of interventions ------------------------------------------------------------------


def test_caseload_panels_leave_out_another_units_interventions(app, login_as, users, records):
    theirs = factories.make_intervention(app, users["assessor_b"].id, records["subject_b"], users["assessor_b"].id,
                                         started_days_ago=30)
    factories.add_session(app, users["assessor_b"].id, theirs, days_ago=25, attendance="missed_unacceptable",
                          engagement=None)
    mine = factories.make_intervention(app, users["assessor"].id, records["subject_a"], users["probation"].id,
                                       started_days_ago=30)
    factories.add_session(app, users["probation"].id, mine, days_ago=25, attendance="missed_unacceptable",
                          engagement=None)
    home = login_as("probation").get("/").get_data(as_text=True)
    for panel in ("active-interventions", "missed-sessions", "quiet-interventions"):
        listed = home[home.index(f'data-testid="{panel}"'):]
        listed = listed[:listed.index("</ul>")]
        assert f"/interventions/{mine}" in listed and f"/interventions/{theirs}" not in listed, panel


def test_caseload_panels_drop_an_intervention_whose_person_moved_to_another_unit(app, login_as, users, units,
                                                                                  records):
    owned = factories.make_intervention(app, users["assessor"].id, records["subject_a"], users["probation"].id,
                                        started_days_ago=30)
    factories.add_session(app, users["probation"].id, owned, days_ago=25, attendance="missed_unacceptable",
                          engagement=None)
    before = login_as("probation").get("/").get_data(as_text=True)
    assert before.count(f"/interventions/{owned}") == 3  # active, missed, quiet
    transfer_to_unit_b(app, users, units, records["subject_a"])
    after = login_as("probation").get("/").get_data(as_text=True)
    assert f"/interventions/{owned}" not in after  # still its owner, but the person is out of their scope


def test_subject_page_says_when_it_shows_only_the_newest_observations(app, login_as, users, records):
    sid = records["subject_a"]
    for n in range(21):
        observe(app, users["assessor"].id, sid, n, f"Observation {n} of the person, recorded factually.")
    page = login_as("assessor").get(f"/subjects/{sid}").get_data(as_text=True)
    assert "The 20 newest of 21 observations are shown" in page
    timeline = page[page.index('data-testid="timeline"'):]
    assert timeline.count("Observation: Positive engagement") == 21


def test_a_supervisors_dashboard_lists_the_intervention_work_of_their_units_and_says_so(app, login_as, users,
                                                                                        records):
    ours = factories.make_intervention(app, users["assessor"].id, records["subject_a"], users["probation"].id,
                                       started_days_ago=30)  # neither owned by the supervisor nor on their caseload
    factories.add_session(app, users["probation"].id, ours, days_ago=25, attendance="missed_unacceptable",
                          engagement=None)
    theirs = factories.make_intervention(app, users["assessor_b"].id, records["subject_b"], users["assessor_b"].id,
                                         started_days_ago=30)
    home = login_as("supervisor").get("/").get_data(as_text=True)
    assert "Active interventions in your units" in home
    for panel in ("active-interventions", "missed-sessions", "quiet-interventions"):
        listed = home[home.index(f'data-testid="{panel}"'):]
        listed = listed[:listed.index("</ul>")]
        assert f"/interventions/{ours}" in listed and f"/interventions/{theirs}" not in listed, panel
    own = login_as("probation").get("/").get_data(as_text=True)
    assert "Your active interventions" in own and "Active interventions in your units" not in own
