"""The audit trail: same-transaction writes, hash chain, append-only triggers, `flask audit verify`."""

from __future__ import annotations

import json
import threading
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa
from flask import Flask
from sqlalchemy import func, select

from app.audit import trail
from app.audit.models import GENESIS_HASH, AuditEvent
from app.db import db, make_engine


def event_count(app: Flask) -> int:
    with app.app_context():
        return int(db.session.scalar(select(func.count()).select_from(AuditEvent)) or 0)


def record_events(app: Flask, n: int, action: str = "view") -> None:
    with app.app_context():
        for i in range(n):
            trail.record(action, object_type="test", object_id=i, actor=trail.Actor(None, "tests", None))
        db.session.commit()


def test_events_are_chained_from_genesis(app):
    record_events(app, 3)
    with app.app_context():
        events = db.session.scalars(select(AuditEvent).order_by(AuditEvent.id)).all()
    assert [e.id for e in events] == [1, 2, 3]
    assert events[0].prev_hash == GENESIS_HASH
    assert events[1].prev_hash == events[0].hash and events[2].prev_hash == events[1].hash
    assert events[2].hash == trail.chain_hash(events[1].hash, events[2].canonical_fields())


def test_rolled_back_change_leaves_no_event(app):
    with app.app_context():
        trail.record("create", object_type="test", actor=trail.Actor(None, "tests", None))
        db.session.rollback()
        db.session.commit()
    assert event_count(app) == 0


def test_field_level_changes_are_recorded():
    assert trail.changes({"a": 1, "b": "x"}, {"a": 2, "b": "x", "c": None}) == {"a": [1, 2]}


@pytest.mark.parametrize("statement", ["UPDATE audit_events SET action = 'forged'", "DELETE FROM audit_events"])
def test_audit_table_refuses_update_and_delete(app, db_url, statement):
    record_events(app, 2)
    engine = make_engine(db_url)
    with pytest.raises(sa.exc.DatabaseError, match="append-only"), engine.begin() as conn:
        conn.execute(sa.text(statement))
    engine.dispose()
    assert event_count(app) == 2


def test_audit_table_refuses_truncate_on_postgresql(app, db_url, dialect):
    if dialect != "postgresql":
        pytest.skip("TRUNCATE exists only on PostgreSQL")
    record_events(app, 1)
    engine = make_engine(db_url)
    with pytest.raises(sa.exc.DatabaseError, match="append-only"), engine.begin() as conn:
        conn.execute(sa.text("TRUNCATE audit_events"))
    engine.dispose()
    assert event_count(app) == 1


def drop_triggers(db_url: str, dialect: str) -> sa.Engine:
    engine = make_engine(db_url)
    with engine.begin() as conn:
        if dialect == "postgresql":
            conn.execute(sa.text("DROP TRIGGER audit_events_no_update ON audit_events"))
        else:
            conn.execute(sa.text("DROP TRIGGER audit_events_no_update"))
            conn.execute(sa.text("DROP TRIGGER audit_events_no_delete"))
    return engine


def test_verify_reports_intact_chain(app):
    record_events(app, 5)
    result = app.test_cli_runner().invoke(args=["audit", "verify"])
    assert result.exit_code == 0
    assert result.output.strip() == "5 events verified"


def test_row_changed_behind_the_app_is_detected_and_named(app, db_url, dialect):
    record_events(app, 5)
    engine = drop_triggers(db_url, dialect)
    with engine.begin() as conn:
        conn.execute(sa.text("UPDATE audit_events SET object_id = 'tampered' WHERE id = 3"))
    engine.dispose()
    result = app.test_cli_runner().invoke(args=["audit", "verify"])
    assert result.exit_code == 1
    assert "event 3" in result.output


def test_deleted_row_is_detected(app, db_url, dialect):
    record_events(app, 5)
    engine = drop_triggers(db_url, dialect)
    with engine.begin() as conn:
        conn.execute(sa.text("DELETE FROM audit_events WHERE id = 2"))
    engine.dispose()
    result = app.test_cli_runner().invoke(args=["audit", "verify"])
    assert result.exit_code == 1
    assert "event 3" in result.output


def test_rehashed_forgery_breaks_the_next_link(app, db_url, dialect):
    """Recomputing the hash of a changed row does not help: the next event still points at the old one."""
    record_events(app, 4)
    engine = drop_triggers(db_url, dialect)
    with app.app_context():
        row = db.session.get(AuditEvent, 2)
        assert row is not None
        fields = row.canonical_fields() | {"object_id": "forged"}
        forged_hash = trail.chain_hash(row.prev_hash, fields)
    with engine.begin() as conn:
        conn.execute(sa.text("UPDATE audit_events SET object_id = 'forged', hash = :h WHERE id = 2"),
                     {"h": forged_hash})
    engine.dispose()
    result = app.test_cli_runner().invoke(args=["audit", "verify"])
    assert result.exit_code == 1
    assert "event 3" in result.output


def append_concurrently(app: Flask, writers: int, commits: int, per_commit: int) -> None:
    """`writers` threads, each with its own connection, each committing `commits` times `per_commit` events;
    fails if any of them failed."""
    errors: list[BaseException] = []

    def writer() -> None:
        try:
            for _ in range(commits):
                record_events(app, per_commit)
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=writer) for _ in range(writers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors


def test_concurrent_appends_keep_one_unbroken_chain(app):
    append_concurrently(app, writers=4, commits=10, per_commit=2)
    with app.app_context():
        result = trail.verify(db.session)
    assert result.intact and result.count == 80


AWKWARD_DETAILS = [
    {},
    {"changes": {"surname": ["Émile", "Zoë"], "notes": ["(not copied to the audit trail)"] * 2}},
    {"z": 1, "a": [None, True, False, 0.1, -2.5e-08, 10**20], "m": {"é": "\u2028\u00a0\"quoted\"\\", "": ""}},
    {"query": "O'Brien % _", "results": 0, "nested": {"b": {"d": [], "c": {}}, "a": "日本語 🚀"}},
]


def test_canonical_json_is_sorted_compact_unescaped_json():
    for details in AWKWARD_DETAILS:
        fields = {"ip": None, "id": 3, "details": details, "action": "view", "actor_username": "amélie"}
        expected = json.dumps(fields, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()
        assert trail.canonical_json(fields) == expected


def test_events_with_awkward_content_hash_as_their_canonical_fields_and_verify(app):
    actor = trail.Actor(7, "amélie.o'brien", "supervisor")
    with app.app_context():
        for n, details in enumerate(AWKWARD_DETAILS):
            trail.record("update", object_type="subject", object_id=n, subject_id=n or None, details=details,
                         actor=actor)
        db.session.commit()
    record_events(app, 2)
    with app.app_context():
        events = db.session.scalars(select(AuditEvent).order_by(AuditEvent.id)).all()
        result = trail.verify(db.session)
    assert [e.details for e in events[:4]] == AWKWARD_DETAILS
    assert len({e.occurred_at for e in events[:4]}) == 1  # one commit, one time
    prev = GENESIS_HASH
    for e in events:
        assert e.prev_hash == prev and e.hash == trail.chain_hash(prev, e.canonical_fields())
        prev = e.hash
    assert result.intact and result.count == 6


@pytest.mark.parametrize("change", [
    {"details": {"changes": {"surname": ["A", "B"]}}},
    {"details": {}},
    {"occurred_at": datetime(2020, 1, 2, 3, 4, 5, 6, tzinfo=UTC)},
    {"actor_role": None},
    {"subject_id": 99},
])
def test_any_hashed_column_changed_behind_the_app_is_named(app, db_url, dialect, change):
    record_events(app, 2)
    with app.app_context():
        trail.record("update", object_type="subject", object_id=1, subject_id=1,
                     details={"changes": {"surname": ["A", "C"]}}, actor=trail.Actor(1, "sam", "assessor"))
        db.session.commit()
    record_events(app, 2)
    engine = drop_triggers(db_url, dialect)
    with engine.begin() as conn:
        conn.execute(sa.update(AuditEvent).where(AuditEvent.id == 3).values(**change))
    engine.dispose()
    with app.app_context():
        result = trail.verify(db.session)
    assert (result.count, result.first_bad_id, result.problem) == (2, 3, "content does not match its hash")


def test_verify_with_a_limit_walks_only_the_first_events(app, db_url, dialect):
    record_events(app, 7)
    with app.app_context():
        assert trail.verify(db.session, batch=2, limit=5) == trail.Verification(5)
    engine = drop_triggers(db_url, dialect)
    with engine.begin() as conn:
        conn.execute(sa.text("UPDATE audit_events SET action = 'forged' WHERE id = 6"))
    engine.dispose()
    with app.app_context():
        assert trail.verify(db.session, batch=2, limit=5).intact  # event 6 lies beyond the limit
        assert trail.verify(db.session, batch=2, limit=6).first_bad_id == 6


def test_verify_pages_through_the_chain_in_batches(app, db_url, dialect):
    record_events(app, 7)
    with app.app_context():
        assert trail.verify(db.session, batch=2) == trail.Verification(7)
    engine = drop_triggers(db_url, dialect)
    with engine.begin() as conn:
        conn.execute(sa.text("UPDATE audit_events SET action = 'forged' WHERE id = 6"))
    engine.dispose()
    with app.app_context():
        result = trail.verify(db.session, batch=2)
    assert (result.count, result.first_bad_id, result.problem) == (5, 6, "content does not match its hash")

