"""The seams (app/registry.py, app/signals.py): every table that points at a person, found by walking the
schema, is held by a feature that erases it and shows it in the subject-access report; what each feature
registers is what erasure, the report, the timeline and the audit review use; the core imports no feature."""

from __future__ import annotations

import ast
from collections import deque
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask import Flask, g

from app import signals
from app.db import Base, db, utcnow
from app.models import ErasureRequest
from app.registry import Holding, PersonRegistry, registry
from tests import factories
from tests.conftest import login
from tests.test_exports_subject_access import as_user, full_record  # noqa: F401 - a fixture

ROOT = Path(__file__).resolve().parents[1]
CORE = ("app/db.py", "app/web.py", "app/registry.py", "app/signals.py", "app/errors.py", "app/extensions.py",
        "app/ids.py", "app/text.py", "app/outage.py", "app/proxies.py", "app/audit", "app/auth")
FEATURES = ("admin", "assessments", "conferences", "exports", "interventions", "main", "oversight", "retention",
            "subjects")


def paths_to_a_person() -> dict[str, list[sa.ForeignKey]]:
    """Every table whose rows are about a person: a foreign key to subjects.id, or to a table whose rows are
    (an assessment's ratings, an intervention's sessions). Each with the chain of keys that leads there."""
    paths: dict[str, list[sa.ForeignKey]] = {"subjects": []}
    queue = deque(["subjects"])
    while queue:
        parent = queue.popleft()
        for table in Base.metadata.sorted_tables:
            if table.name in paths:
                continue
            for fk in sorted(table.foreign_keys, key=lambda k: k.parent.name):
                if fk.column.table.name == parent:
                    paths[table.name] = [fk, *paths[parent]]
                    queue.append(table.name)
                    break
    del paths["subjects"]
    return paths


def rows_about(conn: sa.Connection, table: str, subject_id: int) -> int:
    """How many rows of `table` are about the person, following its chain of keys to subjects.id."""
    chain = paths_to_a_person()[table]
    stmt = sa.select(sa.func.count()).select_from(Base.metadata.tables[table])
    for fk in chain[:-1]:
        stmt = stmt.join(fk.column.table, fk.parent == fk.column)
    stmt = stmt.where(chain[-1].parent == subject_id)
    return int(conn.scalar(stmt) or 0)


def test_the_schema_walk_finds_tables_through_their_parents():
    found = paths_to_a_person()
    assert {"observations", "assessments", "assessment_ratings", "intervention_sessions", "screening_responses",
            "alerts", "erasure_requests"} <= found.keys()
    assert "users" not in found and "audit_events" not in found and "units" not in found


def test_every_table_about_a_person_is_held_by_a_feature(app: Flask):
    held = {table: h for h in app.extensions["waypoint_registry"].holdings for table in h.tables}
    missing = sorted(set(paths_to_a_person()) - held.keys())
    assert not missing, f"tables about a person that no feature's holding erases and reports: {missing}"
    stale = sorted(held.keys() - set(paths_to_a_person()))
    assert not stale, f"holdings name tables that are not about a person: {stale}"
    for holding in held.values():
        assert callable(holding.erase) and callable(holding.subject_access), holding.name


def test_a_table_left_out_of_every_holding_is_found(app: Flask):
    # The check above is not vacuous: drop one holding's table and the walk names it.
    holdings = app.extensions["waypoint_registry"].holdings
    trimmed = [Holding(h.name, tuple(t for t in h.tables if t != "observations"), h.erase, h.subject_access)
               for h in holdings]
    held = {table for h in trimmed for table in h.tables}
    assert sorted(set(paths_to_a_person()) - held) == ["observations"]


def test_a_table_cannot_be_held_twice():
    found = PersonRegistry()
    found.hold(Holding("one", ("movements",), lambda s: {}, lambda s: {}))
    with pytest.raises(ValueError, match="movements"):
        found.hold(Holding("two", ("movements", "allocations"), lambda s: {}, lambda s: {}))


@pytest.fixture
def everything_about_alice(app: Flask, users, units, records, assessed, full_record, tmp_path) -> int:  # noqa: F811
    """Subject A with at least one row in every table about a person: the subject-access fixture's records,
    plus an observation, an alert flag, an acknowledged break-glass alert, a row of each connection, a
    conference decision with dissent and an action, and a request for information, a package sent and the same
    package received back."""
    from tests.sharing_helpers import make_sharing_records

    make_sharing_records(app, tmp_path, users["supervisor"].id, records["subject_a"], units["A"])
    from app.interventions import services as iv_services
    from app.oversight import alerts
    from app.oversight.models import Alert
    from app.subjects import services as subject_services
    from app.subjects.models import Subject

    sid = records["subject_a"]
    with app.app_context():
        subject = db.session.get(Subject, sid)
        assert subject is not None
        author = as_user(app, users["assessor"].id)
        iv_services.record_observation(author, subject, utcnow().date(), "incident", "Wing officer",
                                       "Seen handing leaflets to new arrivals.")
        values = factories.subject_values(subject.reference, given_name=subject.given_name,
                                          family_name=subject.family_name, alert_codes=["self_harm"])
        subject_services.update_subject(author, subject, values, subject.version)
        supervisor = as_user(app, users["supervisor"].id)
        alert = db.session.scalars(sa.select(Alert).where(Alert.subject_id == sid)).first()
        assert alert is not None
        alerts.acknowledge(supervisor, alert, "Checked with the night manager.")
        add_connections(supervisor.id, sid, records["subject_b"])
        db.session.commit()
    factories.make_conference(app, users["supervisor"].id, users["probation"].id, units["A"], sid,
                              action_owner_id=users["probation"].id, dissent=True)
    hand_over_and_back(app, sid)
    return sid


def add_connections(author_id: int, sid: int, other_id: int) -> None:
    """A row about the person in every table of the connections feature, written as its services would."""
    from app.connections import models as c
    from app.interventions.models import Observation

    today = utcnow().date()
    graded = {"evidence": "Wing intelligence report 41.", "source": "Security department", "learnt_on": today,
              "source_grade": "2", "intelligence_grade": "B", "handling_code": "P", "recorded_by_id": author_id}
    group = c.Group(name="Northside Crew", kind="organised_crime", created_by_id=author_id)
    db.session.add(group)
    db.session.flush()
    db.session.add(c.Affiliation(subject_id=sid, group_id=group.id, role="member", **graded))
    db.session.add(c.PersonSkill(subject_id=sid, skill="document_forgery", evidence="Convicted of forgery.",
                                 learnt_on=today, recorded_by_id=author_id))
    recruits = c.PersonLink(subject_id=sid, other_id=other_id, kind="recruiter", **graded)
    apart = c.PersonLink(subject_id=other_id, other_id=sid, kind="keep_apart", keep_apart_level="wing", **graded)
    db.session.add_all([recruits, apart])
    observation = db.session.scalars(sa.select(Observation).where(Observation.subject_id == sid)).first()
    assert observation is not None
    db.session.flush()
    db.session.add(c.RecruitmentTarget(observation_id=observation.id, target_id=other_id, link_id=recruits.id))
    # And the person as the target of someone else's attempt.
    approach = Observation(subject_id=other_id, observed_on=today, category="recruitment_attempt",
                           source="Wing officer", text="Offered the person protection.", recorded_by_id=author_id)
    targeted = c.PersonLink(subject_id=other_id, other_id=sid, kind="recruiter", **graded)
    db.session.add_all([approach, targeted])
    db.session.flush()
    db.session.add(c.RecruitmentTarget(observation_id=approach.id, target_id=sid, link_id=targeted.id))
    db.session.add(c.KeepApartOverride(subject_id=sid, link_id=apart.id, move="location", level="wing",
                                       reason="Only bed in the unit.", confirmed_by_id=author_id))


def hand_over_and_back(app: Flask, sid: int) -> None:
    """A move to unit B and back, each with its handover: an officer of both units takes over every open item."""
    from app.auth.models import Role, Unit
    from app.subjects import handover
    from app.subjects.models import Subject
    from app.subjects.work import key

    both = factories.make_user(app, "officer_ab", Role.SUPERVISOR, [factories.UNIT_A, factories.UNIT_B],
                               "amber-quarry-lantern-58")
    factories.accredit(app, both.id)  # the person's assessment draft is handed over too
    with app.app_context():
        officer = as_user(app, both.id)
        unit_b = db.session.scalar(sa.select(Unit.id).where(Unit.code == factories.UNIT_B))
        subject = db.session.get(Subject, sid)
        assert subject is not None and unit_b is not None
        for unit_id, status in ((unit_b, "community_sentence"), (subject.unit_id, "sentenced")):
            decisions = {key(i): handover.Decision(owner_id=officer.id) for i in handover.open_work(subject)}
            move = handover.Move(unit_id, status, utcnow().date(), "Court visit.")
            handover.transfer_with_handover(officer, subject, move, decisions, "Back on Friday.")
        db.session.commit()


def test_every_table_about_a_person_is_erased_and_reported(app: Flask, users, everything_about_alice):
    from app.retention import services as retention
    from app.subjects.models import Subject

    sid = everything_about_alice
    tables = sorted(paths_to_a_person())
    with app.app_context():
        conn = db.session.connection()
        empty = [t for t in tables if rows_about(conn, t, sid) == 0]
        assert not empty, f"the fixture holds nothing about the person in {empty}: add it, so erasure is proven"
        subject = db.session.get(Subject, sid)
        assert subject is not None
        supervisor = as_user(app, users["supervisor"].id)
        for holding in registry().holdings:
            sections = holding.subject_access(subject)
            assert sections and all(sections.values()), f"{holding.name} shows nothing of {sections}"
        request = retention.request_erasure(supervisor, subject, "Retention period passed: rule R4.")
        counts = retention.confirm_erasure(supervisor, request, subject.reference)
        db.session.commit()
        assert counts["observations"] == 1 and counts["assessments"] >= 2 and counts["alert_flags"] == 1
        conn = db.session.connection()
        # Alerts, erasure requests and the disclosure register are kept for accountability, without the person
        # or their text; a received package keeps its id and provenance (no replay brings the person back).
        left = {t: n for t in tables if (n := rows_about(conn, t, sid))}
        assert set(left) <= {"erasure_requests", "disclosures", "disclosure_requests", "received_packages"}, left
        texts = db.session.scalars(sa.select(ErasureRequest.reason).where(ErasureRequest.subject_id == sid)).all()
        assert texts and all(t == "(removed when the record was erased)" for t in texts)


def test_the_timeline_and_panels_come_from_every_feature(app: Flask, everything_about_alice):
    from app.auth.models import User
    from app.subjects.models import Subject

    with app.app_context():
        subject = db.session.get(Subject, everything_about_alice)
        supervisor = db.session.scalar(sa.select(User).where(User.username == "supervisor"))
        assert subject is not None and supervisor is not None
        g.user = supervisor
        kinds = {e.kind for e in registry().timeline(subject)}
        assert {"record", "transfer", "allocation", "screening", "assessment", "challenge", "intervention",
                "session", "observation", "conference", "handover", "affiliation", "skill", "link",
                "recruitment", "disclosure", "disclosure_request"} <= kinds
        entries = registry().timeline(subject)
        assert [e.when for e in entries] == sorted((e.when for e in entries), reverse=True)
        templates = [p.template for p in registry().panels_for_subject(supervisor, subject)]
        assert templates == ["assessments/_subject_panel.html", "interventions/_subject_panel.html",
                             "connections/groups_subject_panel.html", "connections/links_subject_panel.html",
                             "connections/apart_subject_panel.html", "conferences/_subject_panel.html",
                             "sharing/_subject_panel.html"]
        board = [p.template for p in registry().panels_for_dashboard(supervisor)]
        assert board == ["handover/_dashboard_panel.html", "assessments/_dashboard_panel.html",
                         "oversight/_dashboard_panel.html", "interventions/_dashboard_panel.html",
                         "connections/links_dashboard_panel.html", "connections/apart_dashboard_panel.html",
                         "conferences/_dashboard_panel.html", "sharing/_dashboard_panel.html"]


def test_failed_sign_ins_reach_the_alerts_through_a_signal(app: Flask, users):
    from app.oversight.models import Alert

    heard: list[str] = []

    def listen(_sender: Flask, **kwargs: object) -> None:
        heard.append(str(kwargs["username"]))

    signals.sign_in_failed.connect(listen, sender=app)
    try:
        client = app.test_client()
        for _ in range(app.config["ALERT_FAILED_LOGINS"]):
            login(client, "nobody-here", "wrong password 1234")
    finally:
        signals.sign_in_failed.disconnect(listen, sender=app)
    assert heard.count("nobody-here") == app.config["ALERT_FAILED_LOGINS"]
    with app.app_context():
        raised = db.session.scalars(sa.select(Alert).where(Alert.kind == "failed_logins")).all()
        assert any(a.details.get("username") == "nobody-here" for a in raised)


def _imports(path: Path) -> set[str]:
    """The modules a file imports when it runs (imports under `if TYPE_CHECKING:` name types for mypy only)."""
    tree = ast.parse(path.read_text())
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and isinstance(node.test, ast.Name) and node.test.id == "TYPE_CHECKING":
            node.body = []
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
        elif isinstance(node, ast.Import):
            found.update(a.name for a in node.names)
    return found


def test_the_core_imports_no_feature():
    offenders = []
    for entry in CORE:
        files = [ROOT / entry] if entry.endswith(".py") else sorted((ROOT / entry).rglob("*.py"))
        for path in files:
            for module in _imports(path):
                if any(module == f"app.{f}" or module.startswith(f"app.{f}.") for f in FEATURES):
                    offenders.append(f"{path.relative_to(ROOT)} imports {module}")
    assert not offenders, offenders
