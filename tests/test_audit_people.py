"""A list, a dashboard or a search is audited as one event naming the people it showed (their ids in the
details); audit_event_people indexes those names, in the same insert, so that each person's access log finds
the lists that showed them."""

from __future__ import annotations

import sqlalchemy as sa
from alembic import command
from sqlalchemy import select

from app.audit.models import AuditEvent, AuditEventPerson
from app.db import db, make_engine
from tests.conftest import alembic_config, post_form
from tests.test_exports_subject_access import REQUEST, pdf_text


def named_by(event: AuditEvent) -> list[int]:
    return sorted(db.session.scalars(select(AuditEventPerson.subject_id)
                                     .where(AuditEventPerson.event_id == event.id)))


def test_a_list_event_indexes_exactly_the_people_it_names(app, login_as, records):
    assessor = login_as("assessor")
    assert assessor.get("/subjects").status_code == 200
    assert assessor.get("/subjects?q=alice").status_code == 200
    with app.app_context():
        events = db.session.scalars(select(AuditEvent).order_by(AuditEvent.id)).all()
        listing = next(e for e in events if e.object_type == "subject_list")
        search = next(e for e in events if e.action == "search")
        assert listing.details["subject_ids"] == search.details["subject_ids"] == [records["subject_a"]]
        # Every event's index rows are the people its details name: none for an event about one person.
        for event in events:
            assert named_by(event) == sorted(event.details.get("subject_ids", [])), event.action
        assert any(not named_by(e) for e in events)


def test_the_subject_access_report_lists_the_lists_that_showed_the_person(app, login_as, records):
    login_as("assessor").get("/subjects")
    response = post_form(login_as("supervisor"), f"/subjects/{records['subject_a']}/export/subject-access", REQUEST)
    assert response.status_code == 200
    text = pdf_text(response.data)
    log = text[text.index("Who consulted or changed the record"):]
    assert "Assessor Assessor looked at the unit list" in log  # display name, role, and the list in words


def test_events_recorded_before_the_index_are_indexed_by_the_migration(databases):
    url = databases.empty_url()
    cfg = alembic_config(url)
    command.upgrade(cfg, "4f7a2c91d5e3")
    engine = make_engine(url)
    insert = sa.text("INSERT INTO audit_events (id, occurred_at, actor_id, actor_username, actor_role, action, "
                     "object_type, object_id, subject_id, details, request_id, ip, prev_hash, hash) VALUES "
                     "(:id, '2026-11-30 10:00:00', 1, 'alice', 'assessor', :action, 'subject', NULL, NULL, :details, "
                     "NULL, NULL, :prev, :hash)")
    with engine.begin() as conn:
        conn.execute(insert, [
            {"id": 1, "action": "search", "details": '{"results": 2, "subject_ids": [7, 3]}', "prev": "0" * 64,
             "hash": "a" * 64},
            {"id": 2, "action": "view", "details": '{"reason_sha256": "b"}', "prev": "a" * 64, "hash": "c" * 64},
        ])
    command.upgrade(cfg, "head")
    with engine.connect() as conn:
        rows = conn.execute(sa.text("SELECT event_id, subject_id FROM audit_event_people ORDER BY subject_id")).all()
    engine.dispose()
    assert [tuple(r) for r in rows] == [(1, 3), (1, 7)]
