"""`flask demo seed` gives a newcomer a living service: every panel of each demo role's home page has something
in it, every assessment state is there, seeding again with --if-empty does nothing and says so, and the audit
trail of it all verifies."""

from __future__ import annotations

import re

import pytest
from flask import Flask
from sqlalchemy import func, select

from app.assessments.models import Assessment, Challenge, Screening
from app.auth.models import User
from app.db import db
from app.interventions.models import Intervention, InterventionSession, Observation
from app.main.cli import DEMO_USERS
from app.oversight.models import Alert
from tests.conftest import login

# What each demo role's home page lists once the demo is seeded (the data-testid of each list).
PANELS = {
    "assessor": ["dashboard-counts", "assessments-needed", "returned-to-me", "active-interventions",
                 "missed-sessions", "quiet-interventions", "conference-actions"],
    "probation": ["dashboard-counts", "assessments-needed", "active-interventions", "missed-sessions",
                  "quiet-interventions", "conference-actions"],
    "supervisor": ["incoming-handovers", "departures",
                   "dashboard-counts", "break-glass-queue", "awaiting-approval", "assessments-needed",
                   "active-interventions", "missed-sessions", "quiet-interventions", "dashboard-observations",
                   "keep-aparts-awaiting", "overdue-requests"],
}
EMPTY = ("<p>None.</p>", "<p>None waiting.</p>", "No open alerts.")


def _home(app: Flask, username: str) -> str:
    password = next(p for name, _d, _r, _u, p in DEMO_USERS if name == username)
    client = app.test_client()
    response = login(client, username, password)
    assert response.status_code == 302, response.get_data(as_text=True)
    page = client.get("/")
    assert page.status_code == 200
    return page.get_data(as_text=True)


@pytest.mark.parametrize("username", sorted(PANELS))
def test_each_demo_case_worker_finds_every_home_page_panel_filled(seeded: Flask, username: str) -> None:
    page = _home(seeded, username)
    for testid in PANELS[username]:
        match = re.search(rf'data-testid="{testid}"[^>]*>(.*?)</(ul|table|div)>', page, re.S)
        assert match is not None, f"{username}'s home page has no {testid}"
        assert "<li>" in match.group(1) or "<tr>" in match.group(1) or "fs-3" in match.group(1), testid
    for empty in EMPTY:
        assert empty not in page, f"{username}'s home page still says {empty!r}"
    assert re.search(r'data-testid="overdue-count">[1-9]', page), "no overdue review"
    assert re.search(r'data-testid="due-soon-count">[1-9]', page), "no review due soon"


def test_the_demo_supervisor_has_an_open_alert_and_the_admin_the_administration(seeded: Flask) -> None:
    assert re.search(r'data-testid="open-alerts-count"><a [^>]*>1 open alert<', _home(seeded, "supervisor"))
    assert "Manage users" in _home(seeded, "admin")


def test_the_demo_holds_every_assessment_state_sessions_missed_and_attended_and_a_challenge(seeded: Flask) -> None:
    with seeded.app_context():
        states = set(db.session.scalars(select(Assessment.status)))
        returned = db.session.scalar(select(func.count()).select_from(Assessment)
                                     .where(Assessment.returned_at.is_not(None)))
        attendance = list(db.session.scalars(select(InterventionSession.attendance)))
        counts = {model.__name__: db.session.scalar(select(func.count()).select_from(model))
                  for model in (Screening, Intervention, Observation, Challenge, Alert)}
    assert states == {"draft", "submitted", "approved", "superseded"}
    assert returned == 1
    assert "attended" in attendance and "missed_unacceptable" in attendance and "missed_acceptable" in attendance
    assert all(counts.values()), counts


def test_seeding_again_with_if_empty_does_nothing_and_says_so(seeded: Flask) -> None:
    def census() -> list[int]:
        with seeded.app_context():
            return [db.session.scalar(select(func.count()).select_from(model)) or 0
                    for model in (User, Screening, Assessment, Intervention, InterventionSession, Observation)]

    before = census()
    again = seeded.test_cli_runner().invoke(args=["demo", "seed", "--if-empty"])
    assert again.exit_code == 0, again.output
    assert "The database already has users: nothing was seeded (--if-empty)." in again.output
    assert census() == before
    verified = seeded.test_cli_runner().invoke(args=["audit", "verify"])
    assert verified.exit_code == 0 and "events verified" in verified.output, verified.output


def test_the_demo_case_work_is_recorded_by_the_demo_users_in_the_audit_trail(seeded: Flask) -> None:
    from app.audit.models import AuditEvent

    with seeded.app_context():
        actors = {(e.actor_username, e.action) for e in db.session.scalars(select(AuditEvent))}
    assert ("supervisor", "approve") in actors and ("assessor", "submit") in actors
    assert ("probation", "create") in actors and ("assessor", "break_glass") in actors


def test_seeding_a_database_with_other_people_adds_no_case_work_about_them(app: Flask, units, users) -> None:
    from tests import factories

    factories.make_subject(app, users["supervisor"].id, units["A"], "Z9001ZZ")
    result = app.test_cli_runner().invoke(args=["demo", "seed"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Screening)) == 0
        assert db.session.scalar(select(func.count()).select_from(Assessment)) == 0


def test_the_demo_holds_a_past_panel_with_decisions_dissent_and_an_overdue_action(seeded: Flask) -> None:
    from app.conferences.models import Conference, ConferenceAction, Discussion, Dissent
    from app.db import utcnow

    with seeded.app_context():
        kinds = set(db.session.scalars(select(Conference.kind)))
        decided = set(db.session.scalars(select(Discussion.decision)))
        statuses = [(a.status, a.due_on < utcnow().date()) for a in db.session.scalars(select(ConferenceAction))]
        dissents = db.session.scalar(select(func.count()).select_from(Dissent))
    assert "multi_agency_panel" in kinds and {"continue_monitoring", "escalate"} <= decided
    assert ("open", True) in statuses and ("done", True) in statuses and dissents == 1
    assert "Overdue" in _home(seeded, "assessor").split("Your conference actions")[1]
