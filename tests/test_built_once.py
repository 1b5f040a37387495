"""Statements built once and bound per request (app/db.py `built_once`, issue 18): the dashboard's big reads are
built once for each role and run for every viewer with that viewer's values. Nothing of one viewer may stay in
the statement for the next: the builder sees the shape alone, a named parameter may carry no value, and a
missing value is an error. Each viewer's home page is exactly the page built afresh for them."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import Date, Select, bindparam, func, select
from sqlalchemy.exc import StatementError

from app import db as database
from app import policy
from app import registry as registry_module
from app.auth.models import Role, User
from app.db import built_once, db
from app.main.cli import DEMO_USERS
from app.registry import Tally, read_tallies
from app.subjects.models import Subject
from tests import factories
from tests.conftest import login
from tests.test_person_page_sparse import _same_apart_from_tokens


def _due_before(role: Role) -> Select[tuple[int]]:
    return select(Subject.id).where(policy.subjects_visible_to_viewer(role),
                                    Subject.next_review_due < bindparam("due_before", type_=Date))


def _with_a_value(_role: Role) -> Select[tuple[int]]:
    return select(Subject.id).where(Subject.case_owner_id == bindparam("viewer_id", 1))


def test_a_statement_is_built_once_for_each_shape() -> None:
    first = built_once(_due_before, Role.ASSESSOR)
    assert built_once(_due_before, Role.ASSESSOR) is first
    assert built_once(_due_before, Role.SUPERVISOR) is not first


def test_a_builder_that_could_reach_the_request_is_refused() -> None:
    viewer_id = 7

    def closes_over_the_viewer(_role: Role) -> Select[tuple[int]]:
        return select(Subject.id).where(Subject.case_owner_id == viewer_id)

    with pytest.raises(TypeError, match="closure"):
        built_once(closes_over_the_viewer, Role.ASSESSOR)


@pytest.mark.parametrize("shape", [object(), date(2026, 1, 1), [1, 2], ("unit", object())])
def test_a_shape_is_text_numbers_and_flags(shape: Any) -> None:
    with pytest.raises(TypeError, match="shape"):
        built_once(_due_before, shape)


def test_a_named_parameter_that_carries_a_value_is_refused() -> None:
    with pytest.raises(ValueError, match="viewer_id"):
        built_once(_with_a_value, Role.ASSESSOR)
    assert (_with_a_value, Role.ASSESSOR) not in database._BUILT


def test_a_value_not_given_is_an_error_not_a_null(app: Flask, users: dict[str, factories.UserInfo]) -> None:
    with app.app_context():
        statement = built_once(_due_before, Role.ASSESSOR)
        with pytest.raises(StatementError, match="due_before"):
            db.session.execute(statement, {"viewer_id": users["assessor"].id, "viewer_unit_ids": [1]}).all()


def test_each_viewers_pages_are_the_pages_built_afresh_for_them(
        seeded: Flask, monkeypatch: pytest.MonkeyPatch) -> None:
    """The demo's case workers and supervisors, and a second supervisor of one unit, each open their home page and
    the pages of people of their units after others of their role (the statements kept from the first) and again
    with nothing kept."""
    factories.make_user(seeded, "supervisor_east", Role.SUPERVISOR, ["PR-EASTERN"], "eastern-second-supervisor-77")
    passwords = {name: password for name, _d, role, _u, password in DEMO_USERS if role != Role.ADMIN}
    passwords["supervisor_east"] = "eastern-second-supervisor-77"
    clients, pages = {}, {}
    with seeded.app_context():
        for name in passwords:
            viewer = db.session.scalar(select(User).where(User.username == name))
            assert viewer is not None
            people = db.session.scalars(select(Subject.id).where(policy.subjects_visible_to(viewer))
                                        .order_by(Subject.id).limit(3)).all()
            pages[name] = ["/", *(f"/subjects/{person}" for person in people)]
    for name, password in passwords.items():
        clients[name] = seeded.test_client()
        assert login(clients[name], name, password).status_code == 302
        clients[name].get("/")  # the first page after sign-in shows (and clears) its messages
    kept = {(name, page): client.get(page) for name, client in clients.items() for page in pages[name]}
    assert {key[1] for key in database._BUILT if len(key) > 1 and isinstance(key[1], str)} >= {
        Role.ASSESSOR, Role.PROBATION_OFFICER, Role.SUPERVISOR}
    for (name, page), before in kept.items():
        monkeypatch.setattr(database, "_BUILT", {})
        afresh = clients[name].get(page)
        assert before.status_code == afresh.status_code == 200
        assert (_same_apart_from_tokens(before.get_data(as_text=True))
                == _same_apart_from_tokens(afresh.get_data(as_text=True))), (name, page)


def _owned_by_viewer() -> Select[tuple[int]]:
    return select(func.count()).select_from(Subject).where(Subject.case_owner_id == policy.VIEWER_ID)


def _in_unit() -> Select[tuple[int]]:
    return select(func.count()).select_from(Subject).where(Subject.unit_id == bindparam("unit_id"))


def test_tallies_built_once_are_read_by_a_kept_statement_bound_to_each_request(
        app: Flask, users: dict[str, factories.UserInfo], units: dict[str, int]) -> None:
    owner = users["assessor"].id
    for reference in ("A1000TT", "A2000TT"):
        person = factories.make_subject(app, owner, units["A"], reference)
        with app.app_context():
            found = db.session.get(Subject, person)
            assert found is not None
            found.case_owner_id = owner
            db.session.commit()
    factories.make_subject(app, users["assessor_b"].id, units["B"], "B1000TT")
    with app.app_context():
        first = [Tally(built_once(_owned_by_viewer), {"viewer_id": owner}),
                 Tally(built_once(_in_unit), {"unit_id": units["B"]})]
        read_tallies(first)
        assert [t.value for t in first] == [2, 1]
        kept = dict(registry_module._TALLY_READS)
        second = [Tally(built_once(_owned_by_viewer), {"viewer_id": users["assessor_b"].id}),
                  Tally(built_once(_in_unit), {"unit_id": units["A"]})]
        read_tallies(second)
        assert [t.value for t in second] == [0, 2]
        assert registry_module._TALLY_READS == kept  # the same statement, bound afresh
        clash = [Tally(built_once(_owned_by_viewer), {"viewer_id": owner}),
                 Tally(built_once(_owned_by_viewer), {"viewer_id": owner + 1})]
        with pytest.raises(ValueError, match="viewer_id"):
            read_tallies(clash)
