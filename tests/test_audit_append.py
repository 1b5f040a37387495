"""The append in one statement (PostgreSQL): a commit takes the chain lock, reads the last link, chains and inserts
its events and the people they name in a single statement (the function `audit_append`). What it stores hashes
exactly as chain_hash() and verify() say, on awkward content too, one event or several to a commit, and appends
from several connections at once still make one unbroken chain. On SQLite, and on a database migrated to a
revision before the function, the general append (read the last link, insert) does the same."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from flask import Flask
from sqlalchemy import select

from app.audit import trail
from app.audit.models import GENESIS_HASH, AuditEvent, AuditEventPerson
from app.db import db
from tests.test_audit_trail import AWKWARD_DETAILS, append_concurrently, record_events
from tests.test_statement_budget import counting

ACTOR = trail.Actor(7, "amélie.o'brien", "supervisor")


def _append_alone(app: Flask, details: dict, subject_id: int | None = None) -> list[str]:
    """Record one event in a commit of its own; the statements the commit ran."""
    with app.app_context():
        trail.record("view", object_type="subject", object_id="x", subject_id=subject_id, details=details,
                     actor=ACTOR)
        with counting(app) as statements:
            db.session.commit()
    return statements


def _chain(app: Flask) -> list[AuditEvent]:
    with app.app_context():
        events = list(db.session.scalars(select(AuditEvent).order_by(AuditEvent.id)))
        assert trail.verify(db.session).intact
    prev = GENESIS_HASH
    for event in events:
        assert event.prev_hash == prev and event.hash == trail.chain_hash(prev, event.canonical_fields())
        prev = event.hash
    return events


def test_an_event_appended_alone_hashes_as_its_canonical_fields_and_verifies(app, dialect):
    for n, details in enumerate(AWKWARD_DETAILS):
        _append_alone(app, details, subject_id=n or None)
    events = _chain(app)
    assert [e.id for e in events] == [1, 2, 3, 4]  # the first from genesis, each the next id
    assert [e.details for e in events] == AWKWARD_DETAILS
    assert [e.actor_username for e in events] == ["amélie.o'brien"] * 4


def test_an_event_appended_alone_indexes_the_people_it_names(app, dialect):
    _append_alone(app, {"subject_ids": [5, 3, 9], "count": 3})
    _append_alone(app, {"subject_ids": [], "count": 0})
    _append_alone(app, {"note": "names nobody"})
    with app.app_context():
        rows = db.session.execute(select(AuditEventPerson.event_id, AuditEventPerson.subject_id)
                                  .order_by(AuditEventPerson.event_id, AuditEventPerson.subject_id)).all()
    assert [tuple(r) for r in rows] == [(1, 3), (1, 5), (1, 9)]
    assert len(_chain(app)) == 3


def test_a_commit_is_locked_and_chained_in_one_statement_on_postgresql(app, dialect):
    record_events(app, 2)
    statements = _append_alone(app, {"subject_ids": [1, 2], "count": 2})
    if dialect == "postgresql":
        assert len(statements) == 1, statements  # the chain lock, the last link, the event and its people
        assert "audit_append(" in statements[0]
    else:
        # BEGIN IMMEDIATE (the write lock), the last link, the event, its people
        assert len(statements) == 4, statements
    record_events(app, 2)
    assert [e.id for e in _chain(app)] == [1, 2, 3, 4, 5]


def test_several_events_of_one_commit_are_chained_in_order_with_the_people_each_names(app, dialect):
    record_events(app, 1)
    with app.app_context():
        for n, details in enumerate(AWKWARD_DETAILS):
            trail.record("view", object_type="list", object_id=n, actor=ACTOR,
                         details={**details, "subject_ids": [n + 10, n + 20], "count": 2})
        with counting(app) as statements:
            db.session.commit()
        rows = db.session.execute(select(AuditEventPerson.event_id, AuditEventPerson.subject_id)
                                  .order_by(AuditEventPerson.event_id, AuditEventPerson.subject_id)).all()
    if dialect == "postgresql":
        assert len(statements) == 1, statements
    events = _chain(app)
    assert [e.object_id for e in events[1:]] == ["0", "1", "2", "3"]
    assert len({e.occurred_at for e in events[1:]}) == 1  # one commit, one time
    assert [tuple(r) for r in rows] == [(n + 2, n + k) for n in range(4) for k in (10, 20)]


def test_details_that_hold_the_id_mark_are_appended_the_general_way_and_verify(app, dialect):
    mark = {"odd": trail._ID_MARK, "text": f'"id":{trail._ID_MARK}'}
    _append_alone(app, mark)
    _append_alone(app, {"id": 4})  # an "id" inside the details is not the event's
    with app.app_context():  # one event of a commit holds the mark: the whole commit the general way
        trail.record("view", object_type="x", details={"subject_ids": [3], "count": 1}, actor=ACTOR)
        trail.record("view", object_type="y", details=mark, actor=ACTOR)
        db.session.commit()
    events = _chain(app)
    assert [e.details for e in events] == [mark, {"id": 4}, {"subject_ids": [3], "count": 1}, mark]


def test_single_event_appends_from_several_connections_keep_one_unbroken_chain(app, dialect):
    append_concurrently(app, writers=4, commits=15, per_commit=1)
    events = _chain(app)
    assert [e.id for e in events] == list(range(1, 61))
    with app.app_context():
        assert db.session.scalar(select(sa.func.count()).select_from(AuditEvent)) == 60


def test_a_database_without_the_append_function_is_appended_to_the_general_way(databases, dialect):
    """Migrated only to the revision before `audit_append`, the database still takes events (the general append);
    once migrated to head, a new connection uses the function; the chain is one and verifies."""
    from alembic import command

    from app import create_app
    from tests.conftest import alembic_config

    if dialect != "postgresql":
        pytest.skip("the function exists only on PostgreSQL")
    url = databases.empty_url()
    cfg = alembic_config(url)
    command.upgrade(cfg, "6a1e7c3b2d90")
    app = create_app({"SQLALCHEMY_DATABASE_URI": url})
    assert len(_append_alone(app, {"subject_ids": [1], "count": 1})) == 4  # lock, last link, event, its people
    app.extensions["waypoint_engine"].dispose()
    command.upgrade(cfg, "head")
    app = create_app({"SQLALCHEMY_DATABASE_URI": url})
    assert len(_append_alone(app, {"subject_ids": [2], "count": 1})) == 1
    assert [e.id for e in _chain(app)] == [1, 2]
    app.extensions["waypoint_engine"].dispose()
