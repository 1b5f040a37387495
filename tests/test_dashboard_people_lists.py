"""The dashboard's people lists (reviews overdue, reviews due soon, assessments needed, and the supervisor's break-
glass accesses to review) are read in one statement (issue 18) and each still shows exactly its own people: a person
on two lists is on both, a person of the unit who is not on the case worker's caseload is on the unit's list of
assessments needed and not on the caseload's review lists, and the assessments needed keep their order (longest
waiting first)."""

from __future__ import annotations

import re
from datetime import timedelta

from flask import Flask, g

from app.db import db, utcnow
from tests import factories


def _person(app: Flask, users: dict[str, factories.UserInfo], unit_id: int, reference: str, family: str,
            owner: str, review_in_days: int, needed: bool) -> int:
    from app.auth.models import User
    from app.subjects import services as subjects
    from app.subjects.models import Subject

    subject_id = factories.make_subject(app, users["supervisor"].id, unit_id, reference, family_name=family,
                                        next_review_due=utcnow().date() + timedelta(days=review_in_days))
    with app.app_context():
        supervisor = db.session.get(User, users["supervisor"].id)
        subject = db.session.get(Subject, subject_id)
        assert supervisor is not None and subject is not None
        g.user = supervisor
        subjects.allocate(supervisor, subject, users[owner].id)
        db.session.commit()
    if needed:
        factories.make_screening(app, users[owner].id, subject_id)
    return subject_id


def _section(page: str, start: str, end: str) -> str:
    return page[page.index(start):page.index(end, page.index(start))]


def test_each_dashboard_list_shows_its_own_people_though_they_are_read_together(app, users, units, login_as):
    _person(app, users, units["A"], "A1001AA", "Overdueandneeded", "assessor", -3, needed=True)
    _person(app, users, units["A"], "A1002AA", "Colleaguesperson", "supervisor", -5, needed=True)
    _person(app, users, units["A"], "A1003AA", "Duesoonnotneeded", "assessor", 5, needed=False)
    page = login_as("assessor").get("/").get_data(as_text=True)
    overdue = _section(page, 'id="reviews-overdue"', 'id="reviews-due-soon"')
    due_soon = _section(page, 'id="reviews-due-soon"', "</table>")
    needed = _section(page, 'data-testid="assessments-needed"', "</ul>")
    assert "Overdueandneeded" in overdue and "Colleaguesperson" not in overdue  # the caseload's reviews only
    assert "Duesoonnotneeded" in due_soon and "Overdueandneeded" not in due_soon
    assert re.findall(r"(Overdueandneeded|Colleaguesperson|Duesoonnotneeded)", needed) == [
        "Overdueandneeded", "Colleaguesperson"]  # the unit's, in the order they were referred
    assert re.search(r'data-testid="overdue-count">1<', page)
    supervisors = login_as("supervisor").get("/").get_data(as_text=True)
    overdue = _section(supervisors, 'id="reviews-overdue"', 'id="reviews-due-soon"')
    assert "Overdueandneeded" in overdue and "Colleaguesperson" in overdue  # the units' reviews
    assert "Duesoonnotneeded" not in _section(supervisors, 'data-testid="assessments-needed"', "</ul>")


def test_the_break_glass_queue_read_with_the_lists_shows_each_access_newest_first(app, users, units, login_as):
    _person(app, users, units["A"], "A1001AA", "Overdueandneeded", "assessor", -3, needed=True)
    _person(app, users, units["A"], "A1003AA", "Duesoonnotneeded", "assessor", 5, needed=False)
    first = factories.open_break_glass(app, users["assessor_b"].id, "A1001AA", "First reason given")
    second = factories.open_break_glass(app, users["assessor_b"].id, "A1003AA", "Second reason given")
    again = factories.open_break_glass(app, users["assessor_b"].id, "A1001AA", "Third reason given")
    page = login_as("supervisor").get("/").get_data(as_text=True)
    queue = _section(page, 'data-testid="break-glass-queue"', "</table>")
    assert re.findall(r"(First|Second|Third) reason given", queue) == ["Third", "Second", "First"]
    assert [f"/break-glass/{n}/review" in queue for n in (first, second, again)] == [True, True, True]
    with app.app_context():
        from app.auth.models import User

        opener = db.session.get(User, users["assessor_b"].id)
        assert opener is not None
        name = opener.display_name
    assert queue.count("A1001AA") == 2 and queue.count(f"<td>{name}</td>") == 3
    assert "Overdueandneeded" in _section(page, 'id="reviews-overdue"', 'id="reviews-due-soon"')  # on both
    assert 'data-testid="break-glass-queue"' not in login_as("assessor").get("/").get_data(as_text=True)
