"""One rule for auditing reads: every page that shows a person is audited in the request that shows it, by a
`view` event naming them (the person a page is about as its subject_id, the people a list or a dashboard
shows in its details' subject_ids), and a read writes nothing else.

The walk opens every GET endpoint of the application as each role, on one set of people and records built once
for the module, and looks for every generated person's reference and full name in each page."""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from flask import Flask, g, url_for
from flask.testing import FlaskClient
from sqlalchemy import Table, select

from app import create_app
from app.audit.models import AuditEvent
from app.auth.models import Role, User
from app.db import Base, db, utcnow
from app.subjects.models import Subject
from config import Config
from tests import factories
from tests.conftest import DatabaseFactory, login
from tests.sharing_helpers import install_keys, record_request, send

ROLES = ("assessor", "probation", "supervisor", "admin")
# What a GET may write besides audit events (and their index of the people a list event names): the session's
# "last seen" time (the idle timeout is measured from it, so every authenticated request may touch its row, and
# expired sessions are pruned). Nothing else.
TABLES_A_READ_MAY_WRITE = frozenset({"audit_events", "audit_event_people", "user_sessions"})
STATIC = frozenset({"static", "bootstrap.static"})


@dataclass
class Person:
    id: int
    reference: str
    full_name: str


@dataclass
class World:
    app: Flask
    users: dict[str, factories.UserInfo]
    values: dict[str, Any]  # path values for every route argument
    people: list[Person]
    clients: dict[str, FlaskClient] = field(default_factory=dict)

    def client(self, role: str) -> FlaskClient:
        if role not in self.clients:
            client = self.app.test_client()
            info = self.users[role]
            assert login(client, info.username, info.password).status_code == 302
            self.clients[role] = client
        return self.clients[role]


def _person(app: Flask, users: dict[str, factories.UserInfo], unit_id: int, reference: str, given: str, family: str,
            **overrides: object) -> int:
    return factories.make_subject(app, users["supervisor"].id, unit_id, reference, given_name=given,
                                  family_name=family, **overrides)


def _as(app: Flask, user_id: int) -> User:
    user = db.session.get(User, user_id)
    assert user is not None
    g.user = user
    return user


def _build(app: Flask) -> World:
    """People of unit A on every list a page of Waypoint has: caseloads, overdue and soon-due reviews, the
    assessment-needed lists, approval, observations, interventions with a missed session, a break-glass alert,
    the retention review and an erasure request; and a person of unit B nobody here may see."""
    from app.assessments import challenges
    from app.assessments.models import Assessment
    from app.interventions import services as interventions
    from app.retention import services as retention
    from app.subjects import services as subjects

    units = factories.make_units(app)
    users = factories.make_role_users(app)
    for key in ("assessor", "probation", "supervisor"):
        factories.accredit(app, users[key].id)
    today = utcnow().date()
    archer = _person(app, users, units["A"], "A1000AA", "Alice", "Archer", next_review_due=today - timedelta(days=3))
    able = _person(app, users, units["A"], "A1001AB", "Ada", "Able", next_review_due=today + timedelta(days=5))
    acre = _person(app, users, units["A"], "A1002AC", "Arne", "Acre", status="ended")
    adler = _person(app, users, units["A"], "A1003AD", "Anna", "Adler", next_review_due=today - timedelta(days=1))
    factories.make_subject(app, users["assessor_b"].id, units["B"], "B2000BB", given_name="Boris",
                                   family_name="Baker")
    with app.app_context():
        supervisor = _as(app, users["supervisor"].id)
        for subject_id, owner in ((archer, "probation"), (able, "assessor"), (adler, "supervisor")):
            subject = db.session.get(Subject, subject_id)
            assert subject is not None
            subjects.allocate(supervisor, subject, users[owner].id)
        db.session.commit()
    approved = factories.make_assessment(app, users["assessor"].id, archer, approver_id=users["supervisor"].id)
    draft = factories.make_assessment(app, users["probation"].id, archer)
    factories.make_assessment(app, users["assessor"].id, able, submit=True)  # awaiting the supervisor
    screening = factories.make_screening(app, users["assessor"].id, archer)
    factories.make_screening(app, users["assessor"].id, adler)  # on the assessment-needed lists
    intervention = factories.make_intervention(app, users["assessor"].id, archer, users["probation"].id)
    factories.add_session(app, users["probation"].id, intervention, days_ago=3, attendance="missed_unacceptable",
                          engagement=None)
    factories.make_intervention(app, users["assessor"].id, adler, users["supervisor"].id, started_days_ago=60)
    factories.open_break_glass(app, users["assessor_b"].id, "A1000AA")  # an alert naming A1000AA
    # A conference about Archer with an action on the probation officer's dashboard.
    conference = factories.make_conference(app, users["supervisor"].id, users["probation"].id, units["A"], archer,
                                           action_owner_id=users["probation"].id, dissent=True)
    handover_id, departure_id = _handover_and_departure(app, users, units, able)
    # The disclosure register: a package of Alice sent, and a request about her past its due date.
    install_keys(app, Path(tempfile.mkdtemp(prefix="waypoint-read-audit-keys-")))
    disclosure = send(app, users["supervisor"].id, archer).disclosure_id
    disclosure_request = record_request(app, users["supervisor"].id, archer)
    with app.app_context():
        assessor = _as(app, users["assessor"].id)
        a = db.session.get(Assessment, approved)
        assert a is not None
        challenges.record(assessor, a, today, "person", "Alice Archer", "The evidence is hearsay.")
        for subject_id in (archer, adler):
            subject = db.session.get(Subject, subject_id)
            assert subject is not None
            interventions.record_observation(assessor, subject, today, "positive_engagement", "Wing officer",
                                             "Joined the reading group.")
        supervisor = _as(app, users["supervisor"].id)
        subject = db.session.get(Subject, acre)
        assert subject is not None
        erasure = retention.request_erasure(supervisor, subject, "Past its retention date, nothing open.")
        keep_apart_id = _keep_apart_awaiting(assessor, archer, adler)  # conn-apart: on the supervisor's list
        link_id, target_id = _links(supervisor, archer, adler)
        db.session.commit()
        connections = _connections(app, users, archer)
        event_id = db.session.scalar(select(AuditEvent.id).where(AuditEvent.subject_id == archer).limit(1))
        people = [Person(s.id, s.reference, s.full_name) for s in db.session.scalars(select(Subject))]
        # Unit A's records, which every case worker here may see; the draft is the probation officer's.
        values = {"user_id": users["assessor_b"].id, "unit_id": units["B"], "subject_id": archer,
                  "assessment_id": draft, "screening_id": screening, "intervention_id": intervention,
                  "request_id": erasure.id, "event_id": event_id, "keep_apart_id": keep_apart_id, "with": approved,
                  "section": "engagement", "conference_id": conference["conference"],
                  "discussion_id": conference["discussion"], "action_id": conference["action"],
                  "handover_id": handover_id, "departure_id": departure_id,
                  "link_id": link_id, "target_id": target_id, "disclosure_id": disclosure,
                  "disclosure_request_id": disclosure_request, **connections}
    return World(app, users, values, people)


def _keep_apart_awaiting(actor: User, subject_id: int, other_id: int) -> int:
    from app.connections import apart

    subject, other = db.session.get(Subject, subject_id), db.session.get(Subject, other_id)
    link = apart.create_keep_apart(actor, subject, other, apart.KeepApartValues(
        level="wing", evidence="Fight on the servery.", source="Wing officer", learnt_on=utcnow().date(),
        source_grade="2", intelligence_grade="B", handling_code="P"))
    return link.id


def _handover_and_departure(app: Flask, users: dict[str, factories.UserInfo], units: dict[str, int],
                            able: int) -> tuple[int, int]:
    """A person of unit A moved to unit B with a handover (its page is the sending supervisor's to read), and an
    officer of unit A disabled with an intervention on Ada Able left to reassign."""
    from app.admin import services as admin_services
    from app.subjects import handover

    ames = _person(app, users, units["A"], "A1004AE", "Abel", "Ames")
    leaver = factories.make_user(app, "leaver", Role.PROBATION_OFFICER, [factories.UNIT_A], "quiet-harbour-ledger-57")
    factories.make_intervention(app, users["assessor"].id, able, leaver.id)
    with app.app_context():
        supervisor = _as(app, users["supervisor"].id)
        subject = db.session.get(Subject, ames)
        assert subject is not None
        _, found = handover.transfer_with_handover(supervisor, subject, handover.Move(
            units["B"], "community_sentence", utcnow().date(), "Community order."), {}, "Starts work on Monday.")
        assert found is not None
        left = db.session.get(User, leaver.id)
        assert left is not None
        admin_services.set_active(_as(app, users["admin"].id), left, False)
        db.session.commit()
        [departure] = handover.open_departures(supervisor)
        return found.id, departure[0].id



def _connections(app: Flask, users: dict[str, factories.UserInfo], archer: int) -> dict[str, int]:
    """conn-groups: two linked groups, Archer a member of one with a skill of concern, and the person of unit B a
    member too (the group's page counts him without naming him)."""
    from app.connections import affiliations, groups

    supervisor = _as(app, users["supervisor"].id)
    crew = groups.create_group(supervisor, groups.GroupValues("Northside Crew", "organised_crime"))
    banner = groups.create_group(supervisor, groups.GroupValues("Black Banner", "violent_extremist"))
    link = groups.link_groups(supervisor, crew, groups.GroupLinkValues(
        banner.id, "cooperation", "financial", utcnow().date(), "Cash couriered.", "Police liaison"))
    today = utcnow().date()
    values = affiliations.AffiliationValues(crew.id, "member", "Named in intercepts.", "Security report",
                                            today, today + timedelta(days=30), "2", "B", "P")
    subject = db.session.get(Subject, archer)
    baker = db.session.scalar(select(Subject).where(Subject.reference == "B2000BB"))
    assert subject is not None and baker is not None
    tie = affiliations.record_affiliation(_as(app, users["assessor"].id), subject, values)
    skill = affiliations.record_skill(_as(app, users["assessor"].id), subject, "firearms", "Convicted.", today)
    affiliations.record_affiliation(_as(app, users["assessor_b"].id), baker, values)
    db.session.commit()
    return {"group_id": crew.id, "group_link_id": link.id, "affiliation_id": tie.id, "skill_id": skill.id}


def _links(author: User, archer: int, adler: int) -> tuple[int, int]:
    """An associate link between two people of unit A, and a recruitment attempt by one targeting the other."""
    from app.connections import links, recruitment
    from app.connections.models import RecruitmentTarget

    alice, anna = db.session.get(Subject, archer), db.session.get(Subject, adler)
    assert alice is not None and anna is not None
    today = utcnow().date()
    grading = links.Grading("Seen together at association.", "Wing log", today, None, "2", "B", "P")
    link = links.record_link(author, alice, links.LinkValues("associate", grading, other_id=adler))
    assert link is not None
    recruitment.record_recruitment_attempt(author, alice, recruitment.RecruitmentValues(
        today, "Wing officer", "Offered protection for joining.", "2", "B", "P", target_ids=[adler]))
    target = db.session.scalars(select(RecruitmentTarget)).one()
    return link.id, target.id


@pytest.fixture(scope="module")
def world(databases: DatabaseFactory) -> Iterator[World]:
    url = databases.fresh_url()
    app = create_app({
        "SQLALCHEMY_DATABASE_URI": url,
        # The walk opens many people's pages within minutes; an unusual-access alert is a write of its own
        # (tested in test_alerts.py), not what this walk is about.
        "ALERT_VIEW_THRESHOLD": 100_000,
        # Records of ended custody are due for review at once: the retention review lists a person.
        "RETENTION_PERIODS": {**Config.RETENTION_PERIODS, "ended": timedelta(0)},
    })
    try:
        yield _build(app)
    finally:
        app.extensions["waypoint_engine"].dispose()
        databases.drop(url)


def _get_endpoints(app: Flask) -> list[tuple[str, list[str]]]:
    """Every endpoint answering GET, with its path arguments. The exports are here as their GET forms; the files
    themselves (PDF, CSV) are made only by the POST that gives a purpose and recipient, and are not walked."""
    return sorted((rule.endpoint, sorted(rule.arguments)) for rule in app.url_map.iter_rules()
                  if "GET" in (rule.methods or set()) and rule.endpoint not in STATIC)


def _snapshot() -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table a read must not write, in primary-key order."""
    tables: list[Table] = [t for t in Base.metadata.sorted_tables if t.name not in TABLES_A_READ_MAY_WRITE]
    return {t.name: [tuple(row) for row in db.session.execute(select(t).order_by(*t.primary_key.columns))]
            for t in tables}


def _last_event_id() -> int:
    return db.session.scalar(select(AuditEvent.id).order_by(AuditEvent.id.desc()).limit(1)) or 0


def _named(event: AuditEvent) -> set[int]:
    named = set((event.details or {}).get("subject_ids") or [])
    return named | ({event.subject_id} if event.subject_id is not None else set())


@dataclass
class Visit:
    endpoint: str
    status: int
    shown: set[int]  # the people whose reference or full name the page shows
    viewed: set[int]  # the people named by the request's view events
    leaked: list[str]  # references or names found in those events (ids only: the trail outlives an erasure)
    changed: list[str]  # tables the request wrote besides the audit trail and the sessions


def _visit(world: World, role: str, endpoint: str, arguments: list[str]) -> Visit:
    app = world.app
    missing = [name for name in arguments if name not in world.values]
    assert not missing, f"{endpoint}: no test value for {missing}: add one to _build()"
    with app.test_request_context():
        args = {name: world.values[name] for name in arguments}
        if endpoint == "assessments.compare":
            args["with"] = world.values["with"]
        url = url_for(endpoint, **args)
    client = world.client(role)  # signed in before the snapshot: signing in writes (last sign-in, sessions)
    with app.app_context():
        mark, before = _last_event_id(), _snapshot()
    response = client.get(url)
    body = response.get_data(as_text=True)
    with app.app_context():
        after = _snapshot()
        views = db.session.scalars(select(AuditEvent).where(
            AuditEvent.id > mark, AuditEvent.action == "view", AuditEvent.actor_id == world.users[role].id))
        views = list(views)
        viewed = set().union(*(_named(e) for e in views))
        recorded = str([e.details for e in views])
    shown = {p.id for p in world.people if p.reference in body or p.full_name in body}
    leaked = [text for p in world.people for text in (p.reference, p.full_name) if text in recorded]
    return Visit(endpoint, response.status_code, shown, viewed, leaked,
                 sorted(name for name in before if before[name] != after[name]))


def _references(world: World, ids: set[int]) -> list[str]:
    return sorted(p.reference for p in world.people if p.id in ids)


@pytest.fixture(scope="module")
def walks(world: World) -> dict[str, list[Visit]]:
    return {role: [_visit(world, role, endpoint, arguments) for endpoint, arguments in _get_endpoints(world.app)]
            for role in ROLES}


@pytest.mark.parametrize("role", ROLES)
def test_every_page_that_shows_a_person_audits_a_view_naming_them(walks, world, role):
    unaudited = {f"{v.endpoint} ({v.status})": _references(world, v.shown - v.viewed)
                 for v in walks[role] if v.shown - v.viewed}
    assert unaudited == {}, "\n".join(f"{page} shows {people} unaudited" for page, people in unaudited.items())
    assert {v.endpoint: v.leaked for v in walks[role] if v.leaked} == {}


@pytest.mark.parametrize("role", ROLES)
def test_a_get_writes_nothing_but_audit_events(walks, role):
    written = {v.endpoint: v.changed for v in walks[role] if v.changed}
    assert written == {}, written


def test_the_walk_sees_people_on_record_pages_lists_and_dashboards(walks, world):
    """The walk proves something: case workers meet people on the record pages, the lists and the dashboard;
    the administrator on none."""
    showing = {role: {v.endpoint for v in walks[role] if v.shown} for role in ROLES}
    for role in ("assessor", "probation", "supervisor"):
        assert {"main.home", "subjects.index", "subjects.caseload", "subjects.show",
                "assessments.show"} <= showing[role], role
    assert {"interventions.unit_observations", "retention.review", "alerts.index",
            "audit.events"} <= showing["supervisor"]
    assert showing["admin"] == set()
    baker = next(p.id for p in world.people if p.reference == "B2000BB")
    assert all(baker not in v.shown for role in ROLES for v in walks[role])


# --- the rule's edges, each on a database of its own -------------------------------------------------------------


def view_events(app: Flask, object_type: str) -> list[AuditEvent]:
    with app.app_context():
        return list(db.session.scalars(select(AuditEvent).where(
            AuditEvent.action == "view", AuditEvent.object_type == object_type).order_by(AuditEvent.id)))


def test_a_list_is_one_view_event_naming_its_people_by_id_only(app, users, units, login_as):
    made = [factories.make_subject(app, users["supervisor"].id, units["A"], f"A{n}00AA", given_name=f"Person{n}",
                                   family_name="Listed") for n in range(1, 4)]
    factories.make_subject(app, users["assessor_b"].id, units["B"], "B2000BB", family_name="Elsewhere")
    assert login_as("assessor").get("/subjects").status_code == 200
    [listed] = view_events(app, "subject_list")
    assert listed.subject_id is None and listed.actor_id == users["assessor"].id
    assert listed.details == {"subject_ids": sorted(made), "count": 3}


def test_a_list_showing_nobody_records_nothing(app, users, units, login_as):
    factories.make_subject(app, users["supervisor"].id, units["A"], "A1000AA")  # on nobody's caseload
    assert login_as("assessor").get("/caseload").status_code == 200
    assert view_events(app, "caseload") == []


def test_opening_the_unit_list_again_and_again_raises_no_unusual_access_alert(app, users, units, login_as):
    from app.oversight.models import Alert, AlertKind

    app.config["ALERT_VIEW_THRESHOLD"] = 3
    made = [factories.make_subject(app, users["supervisor"].id, units["A"], f"A{n}00AA") for n in range(1, 4)]
    assessor = login_as("assessor")
    for _ in range(5):  # five lists of three people: neither 5 nor 15 record views
        assert assessor.get("/subjects").status_code == 200
    with app.app_context():
        assert db.session.scalars(select(Alert)).all() == []
    for subject_id in made:  # three records opened: the threshold
        assert assessor.get(f"/subjects/{subject_id}").status_code == 200
    with app.app_context():
        [alert] = db.session.scalars(select(Alert)).all()
        assert alert.kind == AlertKind.UNUSUAL_ACCESS and alert.details["views"] == 3
    assert len(view_events(app, "subject_list")) == 5
