"""Intervention work on the dashboard and on its own page (issue 18): the dashboard shows the first ten of each
list (active, missed sessions, no session for 21 days) and says how many there are, the intervention work page
shows them all; both in the user's scope, and the page's read is audited naming the people it shows."""

from __future__ import annotations

import re
from typing import Any

import sqlalchemy as sa
from flask import Flask

from app.audit.models import AuditEvent
from app.db import db
from app.interventions.queries import DASHBOARD_WORK
from tests import factories

EXTRA = 3  # beyond the dashboard's ten


def _active_interventions(app: Flask, users: dict[str, factories.UserInfo], units: dict[str, int],
                          count: int) -> list[int]:
    """`count` people of unit A on the assessor's caseload, each with an active intervention the probation officer
    owns, the longest running first; each with a missed session last week (none since: all quiet but the last)."""
    made = []
    for n in range(count):
        subject = factories.make_subject(app, users["supervisor"].id, units["A"], f"A{n:04d}WK",
                                         given_name=f"Worked{n:02d}", family_name="Person")
        intervention = factories.make_intervention(app, users["supervisor"].id, subject, users["probation"].id,
                                                   started_days_ago=60 - n)
        factories.add_session(app, users["probation"].id, intervention, days_ago=40 - n % 3,
                              attendance="missed_unacceptable", engagement=None)
        made.append(intervention)
    factories.add_session(app, users["probation"].id, made[-1], days_ago=2)  # the newest is not quiet
    return made


def _names(html: str, testid: str) -> list[str]:
    found = re.search(rf'<ul data-testid="{testid}">(.*?)</ul>', html, re.S)
    return re.findall(r"Worked\d\d", found.group(1)) if found else []


def test_the_dashboard_shows_the_first_of_each_list_and_the_work_page_all(app: Flask, users: Any, units: Any,
                                                                          login_as: Any) -> None:
    _active_interventions(app, users, units, DASHBOARD_WORK + EXTRA)
    client = login_as("probation")
    home = client.get("/").get_data(as_text=True)
    assert _names(home, "active-interventions") == [f"Worked{n:02d}" for n in range(DASHBOARD_WORK)]
    total = DASHBOARD_WORK + EXTRA
    assert f"{DASHBOARD_WORK} of {total} shown." in home
    # Quiet: the longest without a session first (the missed sessions 40 days ago: every third person).
    assert _names(home, "quiet-interventions")[:3] == ["Worked00", "Worked03", "Worked06"]
    assert f'data-testid="more-quiet">{DASHBOARD_WORK} of {total - 1} shown.' in home  # all but the newest
    assert len(_names(home, "missed-sessions")) <= DASHBOARD_WORK
    assert 'href="/interventions/work"' in home

    page = client.get("/interventions/work")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert _names(html, "active-interventions") == [f"Worked{n:02d}" for n in range(total)]
    assert len(_names(html, "quiet-interventions")) == total - 1
    assert "shown." not in html  # nothing held back
    with app.app_context():
        event = db.session.scalars(sa.select(AuditEvent).where(AuditEvent.object_type == "intervention_work")
                                   .order_by(AuditEvent.id.desc())).first()
        assert event is not None and event.action == "view" and event.details["count"] == total


def test_the_dashboard_counts_every_missed_session_and_lists_the_newest(app: Flask, users: Any, units: Any,
                                                                       login_as: Any) -> None:
    """The list and its count come from one read of the missed sessions: the count is every one of them in the
    last 30 days, the list the newest ten."""
    made = _active_interventions(app, users, units, DASHBOARD_WORK + EXTRA)
    for n, intervention in enumerate(made):  # Worked00 missed a session 2 days ago, Worked12 14 days ago
        factories.add_session(app, users["probation"].id, intervention, days_ago=2 + n,
                              attendance="missed_acceptable", engagement=None)
    home = login_as("probation").get("/").get_data(as_text=True)
    total = DASHBOARD_WORK + EXTRA
    assert _names(home, "missed-sessions") == [f"Worked{n:02d}" for n in range(DASHBOARD_WORK)]
    assert f'data-testid="more-missed">{DASHBOARD_WORK} of {total} shown.' in home
    assert _names(home, "quiet-interventions") == []  # each had a session in the last 21 days
    assert 'data-testid="more-quiet"' not in home


def test_the_work_page_keeps_to_the_users_scope(app: Flask, users: Any, units: Any, login_as: Any) -> None:
    _active_interventions(app, users, units, 2)
    other_unit = login_as("assessor_b").get("/interventions/work").get_data(as_text=True)
    assert "Worked00" not in other_unit and "Worked01" not in other_unit
    supervisor = login_as("supervisor").get("/interventions/work").get_data(as_text=True)
    assert "Intervention work in your units" in supervisor and _names(supervisor, "active-interventions") == [
        "Worked00", "Worked01"]
    assert login_as("admin").get("/interventions/work").status_code == 403


def test_the_work_page_in_french_and_arabic(app: Flask, users: Any, units: Any, login_as: Any) -> None:
    _active_interventions(app, users, units, DASHBOARD_WORK + 1)
    client = login_as("probation")
    with app.app_context():
        from app.auth.models import User

        db.session.execute(sa.update(User).where(User.id == users["probation"].id).values(language="fr"))
        db.session.commit()
    assert f"{DASHBOARD_WORK} sur {DASHBOARD_WORK + 1} affichés." in client.get("/").get_data(as_text=True)
    assert "Votre suivi des interventions" in client.get("/interventions/work").get_data(as_text=True)
    with app.app_context():
        from app.auth.models import User

        db.session.execute(sa.update(User).where(User.id == users["probation"].id).values(language="ar"))
        db.session.commit()
    assert "متابعة تدخلاتك" in client.get("/interventions/work").get_data(as_text=True)
