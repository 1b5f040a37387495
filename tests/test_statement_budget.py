"""Statement budgets (issue 18): the pages that already meet the budget of at most 12 SQL statements per request
keep meeting it, and their count does not grow with the number of people shown (no statement per row). Counts are
deterministic, so they are asserted; time is measured by the benchmarks in bench/, never here.

The home pages are held by tests/test_statement_budget_home.py (12 for every role; the supervisor's on PostgreSQL,
not yet on SQLite) and the person's page by tests/test_statement_budget_person.py (still over it: bench/README.md,
"Cost per request")."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask

from app.db import utcnow
from tests import factories

BUDGET = 12


@contextmanager
def counting(app: Flask) -> Iterator[list[str]]:
    statements: list[str] = []
    engine = app.extensions["waypoint_engine"]

    def remember(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        statements.append(statement)

    sa.event.listen(engine, "before_cursor_execute", remember)
    try:
        yield statements
    finally:
        sa.event.remove(engine, "before_cursor_execute", remember)


def add_people(app: Flask, users: dict[str, factories.UserInfo], units: dict[str, int], first: int, count: int) -> None:
    """People of unit A on the assessor's caseload, each with an overdue review and an alert (every column of the
    lists filled)."""
    from app.auth.models import User
    from app.db import db
    from app.subjects import services as subjects
    from app.subjects.models import Subject

    overdue = utcnow().date() - timedelta(days=3)
    made = [factories.make_subject(app, users["supervisor"].id, units["A"], f"A{n:04d}ZZ", given_name=f"Given{n}",
                                   family_name=f"Family{n}", next_review_due=overdue, alerts=["escape"])
            for n in range(first, first + count)]
    with app.app_context():
        from flask import g

        supervisor = db.session.get(User, users["supervisor"].id)
        g.user = supervisor
        for subject_id in made:
            subject = db.session.get(Subject, subject_id)
            assert subject is not None and supervisor is not None
            subjects.allocate(supervisor, subject, users["assessor"].id)
        db.session.commit()


PAGES = [("assessor", "/caseload"), ("assessor", "/subjects"), ("probation", "/subjects"),
         ("supervisor", "/subjects"), ("supervisor", "/audit/events")]


@pytest.mark.parametrize(("role", "path"), PAGES)
def test_a_main_page_runs_at_most_twelve_statements_however_many_people_it_lists(app, users, units, login_as,
                                                                                role, path):
    client = login_as(role)
    add_people(app, users, units, 1, 3)
    client.get(path)  # the first request after sign-in may prune sessions: not what is measured
    with counting(app) as few:
        assert client.get(path).status_code == 200
    add_people(app, users, units, 100, 20)
    with counting(app) as many:
        assert client.get(path).status_code == 200
    assert 0 < len(few) <= BUDGET, few
    assert len(many) == len(few), [s for s in many if s not in few]
