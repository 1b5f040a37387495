"""The person's page skips the reads of the kinds of row the person has none of (issue 18): one statement asks,
of each kind a feature registered as sparse (links, groups, skills, recruitment attempts, conferences,
movements, allocations, disclosures, handovers, challenges, keep-apart overrides, received packages), whether the
person has any, and the reads of the others are answered with no rows and no statement. The page must be exactly
the page it would be without that step, for every person, whichever kinds they have; and the kinds a person has
none of must cost no statement."""

from __future__ import annotations

import re
from typing import Any

import pytest
from flask import Flask, g
from sqlalchemy import bindparam, select

from app.auth.models import User
from app.db import db
from app.main.cli import DEMO_USERS
from app.registry import PersonRegistry, PersonRows, registry
from app.subjects.models import Subject
from tests import factories
from tests.conftest import login
from tests.test_statement_budget import counting

CSRF = re.compile(r'(name="csrf_token"[^>]*value=")[^"]*(")|(<meta name="csrf-token" content=")[^"]*(")')


def _same_apart_from_tokens(html: str) -> str:
    """The page with its CSRF tokens blanked (each rendering signs a fresh one)."""
    return CSRF.sub(lambda m: "".join(part for part in m.groups() if part is not None), html)


def test_each_persons_page_is_the_same_with_and_without_skipping_the_kinds_they_have_none_of(
        seeded: Flask, monkeypatch: pytest.MonkeyPatch) -> None:
    client = seeded.test_client()
    password = next(p for name, _d, _r, _u, p in DEMO_USERS if name == "supervisor")
    assert login(client, "supervisor", password).status_code == 302
    with seeded.app_context():
        supervisor = db.session.scalar(select(User).where(User.username == "supervisor"))
        assert supervisor is not None
        people = list(db.session.scalars(select(Subject.id).where(
            Subject.unit_id.in_([u.id for u in supervisor.units]), Subject.erased_at.is_(None))
            .order_by(Subject.id)))
        kinds = registry().sparse_rows
        held = {person: {rows.key for rows in kinds if db.session.scalar(select(rows.rows(person).exists()))}
                for person in people}
    # The demo holds a row of every sparse kind for somebody the supervisor sees, and somebody holds none of some:
    # both answers of the question are compared below, for every kind.
    assert set().union(*held.values()) == {rows.key for rows in kinds}
    assert all(any(rows.key not in mine for mine in held.values()) for rows in kinds)
    client.get(f"/subjects/{people[0]}")  # the first page after sign-in shows (and clears) its messages
    skipped = {person: client.get(f"/subjects/{person}") for person in people}
    monkeypatch.setattr(PersonRegistry, "read_first", lambda self, user, subject_id: None)
    for person in people:
        read_all = client.get(f"/subjects/{person}")
        assert skipped[person].status_code == read_all.status_code == 200
        assert (_same_apart_from_tokens(skipped[person].get_data(as_text=True))
                == _same_apart_from_tokens(read_all.get_data(as_text=True))), (person, held[person])


def test_a_kind_the_person_has_none_of_costs_no_statement_on_their_page(
        app: Flask, users: dict[str, factories.UserInfo], units: dict[str, int], login_as: Any) -> None:
    person = factories.make_subject(app, users["supervisor"].id, units["A"], "A7000QQ")
    client = login_as("assessor")
    client.get(f"/subjects/{person}")
    with app.app_context():
        tables = {rows.rows(person).column_descriptions[0]["entity"].__table__.name for rows in registry().sparse_rows}
    with counting(app) as statements:
        assert client.get(f"/subjects/{person}").status_code == 200
    asked = [s for s in statements if "EXISTS" in s and all(f"FROM {t}" in s for t in tables)]
    assert len(asked) == 1, statements
    read = [t for t in tables for s in statements if s is not asked[0] and re.search(rf"\bFROM {t}\b", s)]
    assert read == [], read


def test_a_kind_of_row_is_registered_as_sparse_once() -> None:
    found = PersonRegistry()
    rows = PersonRows("person_skills", lambda subject_id: select(Subject).where(Subject.id == subject_id))
    found.read_sparsely(rows)
    with pytest.raises(ValueError, match="registered twice"):
        found.read_sparsely(rows)


def test_the_first_statement_is_built_once_and_binds_each_viewers_own_values(
        app: Flask, users: dict[str, factories.UserInfo], records: dict[str, int], login_as: Any) -> None:
    from app.oversight.alerts import recent_views

    path = f"/subjects/{records['subject_a']}"
    assessor, supervisor = login_as("assessor"), login_as("supervisor")
    for _ in range(3):
        assert assessor.get(path).status_code == 200
    assert supervisor.get(path).status_code == 200
    with app.test_request_context(path):
        found = registry()
        kept = dict(found.first_statements)
        assert kept, "the pages above built the first statement"
        for key, views in (("assessor", 3), ("supervisor", 1)):
            user = db.session.get(User, users[key].id)
            assert user is not None
            g.pop("_per_request_queries", None)
            with counting(app) as statements:
                found.read_first(user, records["subject_a"])
                assert recent_views(user).read() == views
            assert len(statements) == 1
        assert {k: id(v) for k, v in found.first_statements.items()} == {k: id(v) for k, v in kept.items()}


def test_two_first_values_may_not_give_one_parameter_two_values(app: Flask) -> None:
    from app.registry import FirstValue

    found = PersonRegistry()
    found.first_reads += [
        lambda user, subject_id: [FirstValue(("a", 1), "a", lambda: select(Subject.id).where(
            Subject.id == bindparam("shared")), {"shared": 1})],
        lambda user, subject_id: [FirstValue(("b", 1), "b", lambda: select(Subject.id).where(
            Subject.id == bindparam("shared")), {"shared": 2})]]
    with app.test_request_context("/"), pytest.raises(ValueError, match="two values"):
        found.read_first(None, 1)  # type: ignore[arg-type]
