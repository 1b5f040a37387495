"""`flask audit verify --jobs N`: the chain checked in ranges, one process per range, gives what one walk of the
whole chain gives (trail.verify): the same count, the same first bad event and problem, the same run record,
whichever range a tampered event lies in, and at the join of two ranges. On PostgreSQL the ranges are read with
COPY and hashed from the copied text; these tests run there with --db=postgresql."""

from __future__ import annotations

import json

import pytest
import sqlalchemy as sa
from flask import Flask
from sqlalchemy import select

from app.audit import chain, trail
from app.audit.models import AuditEvent, AuditVerification
from app.audit.review import reading_session
from app.db import db, make_engine
from tests.test_audit_trail import record_events

TEN = 10  # events in the chains below: with one process per 5 ids, ranges 1-5 and 6-10 (joined at 5|6)


def by_jobs(app: Flask, *, limit: int | None = None) -> dict[int, trail.Verification]:
    """The chain verified by one walk (0) and in 1 and 2 ranges, each range at least one event long."""
    with app.app_context(), reading_session() as reader:
        results = {0: trail.verify(reader, limit=limit)}
        for jobs in (1, 2):
            results[jobs] = chain.verify_in_ranges(reader, jobs=jobs, limit=limit, min_span=1)
    return results


def agreed(app: Flask, *, limit: int | None = None) -> trail.Verification:
    results = by_jobs(app, limit=limit)
    assert len(set(map(repr, results.values()))) == 1, results
    return results[0]


def tamper(db_url: str, dialect: str, statement: str, **params: object) -> None:
    """Change the trail behind the application's back, as test_audit_trail.drop_triggers() lets it."""
    engine = make_engine(db_url)
    with engine.begin() as conn:
        if dialect == "postgresql":
            conn.execute(sa.text("DROP TRIGGER IF EXISTS audit_events_no_update ON audit_events"))
        else:
            conn.execute(sa.text("DROP TRIGGER IF EXISTS audit_events_no_update"))
            conn.execute(sa.text("DROP TRIGGER IF EXISTS audit_events_no_delete"))
        conn.execute(sa.text(statement), params)
    engine.dispose()


def set_details(db_url: str, dialect: str, event_id: int, text: str) -> None:
    value = "CAST(:d AS json)" if dialect == "postgresql" else ":d"
    tamper(db_url, dialect, f"UPDATE audit_events SET details = {value} WHERE id = :i", d=text, i=event_id)


def test_ranges_are_of_about_equal_size_and_the_last_runs_to_the_end():
    assert chain.spans(10, 2, bounded=False, min_span=1) == [chain.Span(1, 5), chain.Span(6, None)]
    assert chain.spans(10, 3, bounded=True, min_span=1) == [chain.Span(1, 4), chain.Span(5, 8), chain.Span(9, 10)]
    assert chain.spans(10, 4, bounded=False) == [chain.Span(1, None)]  # a short chain: one process
    assert len(chain.spans(3 * chain.MIN_SPAN, 8, bounded=False)) == 3


def test_one_and_two_processes_agree_on_an_intact_chain(app):
    record_events(app, TEN)
    assert agreed(app) == trail.Verification(TEN)


def test_an_empty_chain_verifies_with_any_number_of_processes(app):
    with app.app_context(), reading_session() as reader:
        assert trail.verify(reader).count == 0
        assert chain.verify_in_ranges(reader, jobs=2, min_span=1) == trail.Verification(0)


@pytest.mark.parametrize("event_id", [2, 5, 6, 9], ids=["first range", "end of the first range",
                                                        "start of the second range", "second range"])
def test_a_changed_event_is_named_whichever_range_it_lies_in(app, db_url, dialect, event_id):
    record_events(app, TEN)
    tamper(db_url, dialect, "UPDATE audit_events SET object_id = 'tampered' WHERE id = :i", i=event_id)
    assert agreed(app) == trail.Verification(event_id - 1, event_id, trail.CONTENT_CHANGED)


@pytest.mark.parametrize("event_id", [3, 5, 6, 8])
def test_a_deleted_event_is_named_whichever_range_it_lies_in(app, db_url, dialect, event_id):
    record_events(app, TEN)
    tamper(db_url, dialect, "DELETE FROM audit_events WHERE id = :i", i=event_id)
    assert agreed(app) == trail.Verification(event_id - 1, event_id + 1,
                                             trail.out_of_sequence(event_id, event_id + 1))


def test_a_rehashed_forgery_at_the_end_of_a_range_breaks_the_link_at_the_join(app, db_url, dialect):
    record_events(app, TEN)
    with app.app_context():
        row = db.session.get(AuditEvent, 5)
        assert row is not None
        forged = trail.chain_hash(row.prev_hash, row.canonical_fields() | {"object_id": "forged"})
    tamper(db_url, dialect, "UPDATE audit_events SET object_id = 'forged', hash = :h WHERE id = 5", h=forged)
    assert agreed(app) == trail.Verification(5, 6, trail.LINK_BROKEN)


def test_the_first_bad_event_in_chain_order_is_named_when_several_ranges_are_bad(app, db_url, dialect):
    record_events(app, TEN)
    tamper(db_url, dialect, "UPDATE audit_events SET action = 'forged' WHERE id IN (4, 8)")
    assert agreed(app) == trail.Verification(3, 4, trail.CONTENT_CHANGED)


def test_a_limit_checks_the_first_events_only_with_any_number_of_processes(app, db_url, dialect):
    record_events(app, TEN)
    tamper(db_url, dialect, "UPDATE audit_events SET action = 'forged' WHERE id = 8")
    assert agreed(app, limit=7) == trail.Verification(7)
    assert agreed(app, limit=8) == trail.Verification(7, 8, trail.CONTENT_CHANGED)


AWKWARD = [
    ({"changes": {"surname": ["Émile", "Zoë"]}}, 'amélie "the lead" o\'brien'),
    ({"z": 1, "a": [None, True, 0.1, -2.5e-08, 10**20], "m": {"é": "\u2028\t\n\"q\"\\", "": ""}}, "tab\there"),
    ({"query": "O'Brien % _ \\N", "nested": {"a": "日本語 🚀"}}, "back\\slash"),
]


def record_awkward(app: Flask) -> None:
    with app.app_context():
        for n, (details, username) in enumerate(AWKWARD):
            trail.record("update", object_type="subject", object_id=f'"{n}"\n', subject_id=n or None,
                         details=details, actor=trail.Actor(n, username, None))
        db.session.commit()


def test_events_with_quotes_escapes_and_any_script_verify_in_ranges(app):
    record_events(app, 3)
    record_awkward(app)
    record_events(app, 3)
    assert agreed(app) == trail.Verification(9)


@pytest.mark.parametrize("event_id", [4, 5, 6])
def test_a_changed_event_with_awkward_content_is_named(app, db_url, dialect, event_id):
    record_events(app, 3)
    record_awkward(app)
    record_events(app, 3)
    tamper(db_url, dialect, "UPDATE audit_events SET actor_username = 'someone else' WHERE id = :i", i=event_id)
    assert agreed(app) == trail.Verification(event_id - 1, event_id, trail.CONTENT_CHANGED)


def test_details_are_stored_as_the_chain_hashes_them(app, db_url, dialect):
    with app.app_context():
        trail.record("update", object_type="subject", details={"z": 1, "a": "é", "m": {"b": [1, 2], "a": None}},
                     actor=trail.Actor(None, "tests", None))
        db.session.commit()
        stored = db.session.scalar(select(sa.cast(AuditEvent.details, sa.Text)))
    assert stored == '{"a":"é","m":{"a":null,"b":[1,2]},"z":1}'


def test_details_stored_in_another_form_still_verify_and_changes_to_them_are_named(app, db_url, dialect):
    """Events written before details were stored canonically hold Python's default JSON text: the shortcut of
    hashing the stored text misses them, and they are hashed again from their parsed value."""
    record_events(app, 6)
    with app.app_context():
        row = db.session.get(AuditEvent, 3)
        assert row is not None
        fields = row.canonical_fields() | {"details": {"z": 1, "a": "é"}}
        rehashed = trail.chain_hash(row.prev_hash, fields)
    # Event 3 rewritten as an older version stored it (ensure_ascii, spaces, keys unsorted), rehashed, and the
    # rest of the chain rehashed after it: a chain that holds.
    set_details(db_url, dialect, 3, json.dumps({"z": 1, "a": "é"}))
    tamper(db_url, dialect, "UPDATE audit_events SET hash = :h WHERE id = 3", h=rehashed)
    with app.app_context():
        later = [e.canonical_fields() for e in
                 db.session.scalars(select(AuditEvent).where(AuditEvent.id > 3).order_by(AuditEvent.id))]
    prev = rehashed
    for fields in later:
        digest = trail.chain_hash(prev, fields)
        tamper(db_url, dialect, "UPDATE audit_events SET prev_hash = :p, hash = :h WHERE id = :i",
               p=prev, h=digest, i=fields["id"])
        prev = digest
    assert agreed(app) == trail.Verification(6)
    set_details(db_url, dialect, 3, json.dumps({"z": 2, "a": "é"}))
    assert agreed(app) == trail.Verification(2, 3, trail.CONTENT_CHANGED)


def test_stored_text_that_only_looks_like_the_hashed_text_once_escaped_is_named(app, db_url, dialect):
    """COPY doubles a backslash: details changed from "a\\\\b" (a, backslash, b) to "a\\b" (a, backspace) would
    copy as the bytes that were hashed. Such a row is hashed from its real value, and named."""
    record_events(app, 2)
    with app.app_context():
        trail.record("update", object_type="subject", details={"p": "a\\b"}, actor=trail.Actor(None, "t", None))
        db.session.commit()
    record_events(app, 2)
    assert agreed(app) == trail.Verification(5)
    set_details(db_url, dialect, 3, '{"p":"a\\b"}')
    assert agreed(app) == trail.Verification(2, 3, trail.CONTENT_CHANGED)


# --- the command ---------------------------------------------------------------------------------------


@pytest.fixture
def short_ranges(monkeypatch: pytest.MonkeyPatch) -> None:
    """One process per event or more, so that a short test chain is checked by several processes."""
    monkeypatch.setattr(chain, "MIN_SPAN", 1)


def runs(app: Flask) -> list[tuple[int, bool, int | None, str]]:
    with app.app_context():
        return [(r.event_count, r.intact, r.first_bad_id, r.problem)
                for r in db.session.scalars(select(AuditVerification).order_by(AuditVerification.id))]


def test_flask_audit_verify_with_two_jobs_prints_and_records_what_one_job_does(app, db_url, dialect, short_ranges):
    record_events(app, TEN)
    runner = app.test_cli_runner()
    one = runner.invoke(args=["audit", "verify", "--jobs", "1"])
    two = runner.invoke(args=["audit", "verify", "--jobs", "2"])
    assert (one.exit_code, two.exit_code) == (0, 0)
    assert one.output == f"{TEN} events verified\n"
    assert two.output == f"{TEN + 1} events verified\n"  # the first run's own `verify` event
    tamper(db_url, dialect, "UPDATE audit_events SET object_id = 'tampered' WHERE id = 7")
    broken = [runner.invoke(args=["audit", "verify", "--jobs", jobs]) for jobs in ("1", "2", "3")]
    assert {r.exit_code for r in broken} == {1}
    assert len({r.output for r in broken}) == 1
    assert "audit chain broken at event 7: content does not match its hash (6 events before it verified)" \
        in broken[0].output
    recorded = runs(app)
    assert recorded[:2] == [(TEN, True, None, ""), (TEN + 1, True, None, "")]
    assert recorded[2:] == [(6, False, 7, trail.CONTENT_CHANGED)] * 3


def test_flask_audit_verify_with_two_jobs_checks_anchors(app, db_url, dialect, short_ranges):
    record_events(app, TEN)
    with app.app_context():
        last = db.session.scalars(select(AuditEvent).order_by(AuditEvent.id.desc())).first()
        assert last is not None
        anchor = f"{last.id}:{last.hash}"
    runner = app.test_cli_runner()
    held = runner.invoke(args=["audit", "verify", "--jobs", "2", "--anchor", anchor])
    assert held.exit_code == 0
    assert held.output.splitlines()[-1] == f"anchor at event {last.id} holds"
    # The chain rewritten from event 4 with recomputed hashes holds in itself; only the anchor shows it.
    with app.app_context():
        events = db.session.scalars(select(AuditEvent).where(AuditEvent.id >= 4).order_by(AuditEvent.id)).all()
        prev = events[0].prev_hash
        rewritten = []
        for event in events:
            fields = event.canonical_fields() | ({"object_id": "rewritten"} if event.id == 4 else {})
            rewritten.append((event.id, prev, trail.chain_hash(prev, fields)))
            prev = rewritten[-1][2]
    for event_id, prev_hash, digest in rewritten:
        tamper(db_url, dialect, "UPDATE audit_events SET prev_hash = :p, hash = :h, object_id = "
               "CASE WHEN id = 4 THEN 'rewritten' ELSE object_id END WHERE id = :i", p=prev_hash, h=digest, i=event_id)
    results = [runner.invoke(args=["audit", "verify", "--jobs", jobs, "--anchor", anchor]) for jobs in ("1", "2")]
    assert [r.exit_code for r in results] == [1, 1]
    assert results[0].output == results[1].output
    assert f"does not match the anchor at event {last.id}" in results[0].output
    first, second = runs(app)[-2:]
    assert first[1:] == second[1:] == (False, last.id, first[3])  # the second run counts the first's event too
    assert "does not match the anchor kept outside the database" in first[3]


def test_jobs_must_be_a_positive_number(app):
    result = app.test_cli_runner().invoke(args=["audit", "verify", "--jobs", "0"])
    assert result.exit_code == 2
    assert "--jobs" in result.output
