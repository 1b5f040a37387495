"""Audit review pages (scope, admins without case content, filters, keyset pages, event page), chain
verification from the page and the command line, and anchors kept outside the database."""

from __future__ import annotations

import html
import re
import threading
from datetime import timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask, g
from sqlalchemy import func, select

from app import policy
from app.audit import review, trail
from app.audit.models import AuditEvent, AuditVerification
from app.auth.models import User
from app.db import db, utcnow
from app.subjects.models import Subject
from tests.conftest import login, post_form
from tests.test_audit_trail import drop_triggers

EVENT_ROW = re.compile(r'data-event-id="(\d+)"')
OLDER_LINK = re.compile(r'rel="next" href="([^"]+)"')


def listed_ids(page: Any) -> list[int]:
    return [int(i) for i in EVENT_ROW.findall(page.get_data(as_text=True))]


def events_where(app: Flask, *conditions: Any) -> list[AuditEvent]:
    with app.app_context():
        return list(db.session.scalars(select(AuditEvent).where(*conditions).order_by(AuditEvent.id)))


def last_event(app: Flask, *conditions: Any) -> AuditEvent:
    with app.app_context():
        found = db.session.scalars(
            select(AuditEvent).where(*conditions).order_by(AuditEvent.id.desc()).limit(1)).first()
        assert found is not None
        return found


def update_subject(app: Flask, actor_id: int, subject_id: int, **changes: object) -> int:
    """An edit through the subjects service; returns its audit event's id."""
    from app.subjects import services as subject_services

    with app.app_context():
        actor = db.session.get(User, actor_id)
        subject = db.session.get(Subject, subject_id)
        assert actor is not None and subject is not None
        g.user = actor
        values = subject_services.values_of(subject)
        for name, value in changes.items():
            setattr(values, name, value)
        subject_services.update_subject(actor, subject, values, subject.version)
        db.session.commit()
    return last_event(app, AuditEvent.action == "update", AuditEvent.subject_id == subject_id).id


def record_about(app: Flask, subject_id: int, n: int, action: str = "view") -> None:
    with app.app_context():
        for i in range(n):
            trail.record(action, object_type="subject", object_id=subject_id, subject_id=subject_id,
                         details={"n": i}, actor=trail.Actor(None, "tests", None))
        db.session.commit()


@pytest.fixture
def edited(app, users, records) -> int:
    """Subject A's offence category and given name changed by their supervisor: the update event's id."""
    return update_subject(app, users["supervisor"].id, records["subject_a"],
                          index_offence_category="fraud", given_name="Alicia")


# --- scope -------------------------------------------------------------------------------------------------


def test_supervisor_sees_only_events_about_people_of_their_units(app, login_as, records):
    about_a = {e.id for e in events_where(app, AuditEvent.subject_id == records["subject_a"])}
    about_b = {e.id for e in events_where(app, AuditEvent.subject_id == records["subject_b"])}
    assert about_a and about_b

    shown = set(listed_ids(login_as("supervisor").get("/audit/events")))

    assert shown == about_a
    assert not shown & about_b


def test_supervisor_gets_404_for_an_event_about_another_units_person(app, login_as, records):
    client = login_as("supervisor")
    event_b = events_where(app, AuditEvent.subject_id == records["subject_b"])[0]

    assert client.get("/audit/events/999999").status_code == 404
    missing = last_event(app, AuditEvent.action == "denied")
    assert missing.object_id == "999999" and missing.details["status"] == 404
    assert client.get(f"/audit/events/{event_b.id}").status_code == 404
    refusal = last_event(app, AuditEvent.action == "denied")
    assert refusal.object_type == "audit_events" and refusal.object_id == str(event_b.id)
    assert refusal.details["status"] == 404


def test_supervisor_does_not_see_events_about_no_one(app, login_as, records, users):
    """Sign-ins and user administration are about staff, not the people of the supervisor's units."""
    shown = set(listed_ids(login_as("supervisor").get("/audit/events")))
    logins = {e.id for e in events_where(app, AuditEvent.action == "login")}
    assert logins and not shown & logins


def test_admin_sees_every_event(app, login_as, records):
    client = login_as("admin")
    all_ids = {e.id for e in events_where(app)}

    shown: set[int] = set()
    page = client.get("/audit/events")
    while True:
        shown |= set(listed_ids(page))
        link = OLDER_LINK.search(page.get_data(as_text=True))
        if link is None:
            break
        page = client.get(html.unescape(link.group(1)))

    assert all_ids <= shown


def test_admin_sees_no_case_content_in_details(app, login_as, edited):
    supervisor_page = login_as("supervisor").get(f"/audit/events/{edited}").get_data(as_text=True)
    admin = login_as("admin")
    admin_page = admin.get(f"/audit/events/{edited}").get_data(as_text=True)
    admin_list = admin.get("/audit/events?action=update").get_data(as_text=True)

    assert "index_offence_category" in supervisor_page and "fraud" in supervisor_page
    assert "index_offence_category" not in admin_page and "fraud" not in admin_page
    assert 'data-testid="details-hidden"' in admin_page
    assert f'data-event-id="{edited}"' in admin_list
    assert "index_offence_category" not in admin_list
    # what admins do get: who, when, what, and the chain
    event = last_event(app, AuditEvent.id == edited)
    assert event.hash in admin_page and "supervisor" in admin_page and "update" in admin_page


def test_admin_sees_details_of_sign_ins_and_user_administration(app, login_as, users):
    login(app.test_client(), "probation", "not-the-password")
    failed = last_event(app, AuditEvent.action == "login_failed")
    created = last_event(app, AuditEvent.action == "create", AuditEvent.object_type == "user")

    client = login_as("admin")

    assert "wrong password" in client.get(f"/audit/events/{failed.id}").get_data(as_text=True)
    assert 'data-testid="details-hidden"' not in client.get(f"/audit/events/{created.id}").get_data(as_text=True)


def test_details_rules_in_the_policy(app, users, records, edited):
    from app import policy

    with app.app_context():
        admin = db.session.get(User, users["admin"].id)
        supervisor = db.session.get(User, users["supervisor"].id)
        update = db.session.get(AuditEvent, edited)
        assert admin is not None and supervisor is not None and update is not None
        login_event = AuditEvent(action="login", object_type="user")
        assert policy.can_review_all_audit(admin) and not policy.can_review_all_audit(supervisor)
        assert not policy.audit_details_visible(admin, update)
        assert policy.audit_details_visible(supervisor, update)
        assert policy.audit_details_visible(admin, login_event)
        assert not policy.audit_details_visible(supervisor, login_event)


# --- filters --------------------------------------------------------------------------------------------


def test_filter_by_user(app, login_as, records, users):
    ids = listed_ids(login_as("supervisor").get("/audit/events?user=assessor_b"))
    expected = events_where(app, AuditEvent.actor_id == users["assessor_b"].id,
                            AuditEvent.subject_id == records["subject_a"])
    assert ids and sorted(ids) == [e.id for e in expected]  # the break-glass opening of A's record


def test_filter_by_command_line_actor_name(app, login_as, records):
    record_about(app, records["subject_a"], 2, action="import")
    ids = listed_ids(login_as("supervisor").get("/audit/events?user=tests"))
    assert sorted(ids) == [e.id for e in events_where(app, AuditEvent.action == "import")]


def test_filter_by_subject_reference(app, login_as, users, records, units):
    other = factories_subject(app, users, units, "A3000CC")
    record_list(app, [records["subject_a"], records["subject_b"]])  # a list that showed A's and B's people
    client = login_as("supervisor")
    about_a = [e.id for e in events_where(app, AuditEvent.subject_id == records["subject_a"])]
    listing = last_event(app, AuditEvent.object_type == "subject_list").id

    ids = listed_ids(client.get("/audit/events?subject=a1000aa"))
    assert sorted(ids) == sorted([*about_a, listing])
    assert other not in {e.subject_id for e in events_where(app, AuditEvent.id.in_(ids))}
    # Unit B's person: nothing, as if unknown, not even the list the supervisor may see unfiltered.
    assert listing in listed_ids(client.get("/audit/events"))
    assert listed_ids(client.get("/audit/events?subject=B2000BB")) == []
    assert listed_ids(client.get("/audit/events?subject=B2000BB&action=view")) == []
    assert listed_ids(client.get("/audit/events?subject=Z9999ZZ")) == []


def factories_subject(app: Flask, users: dict[str, Any], units: dict[str, int], reference: str) -> int:
    from tests import factories

    return factories.make_subject(app, users["supervisor"].id, units["A"], reference)


def test_filter_by_action(app, login_as, records):
    ids = listed_ids(login_as("supervisor").get("/audit/events?action=break_glass"))
    assert ids and all(e.action == "break_glass" for e in events_where(app, AuditEvent.id.in_(ids)))


def test_filter_by_dates(app, login_as, records):
    client = login_as("supervisor")
    today = utcnow().date()
    everything = listed_ids(client.get("/audit/events"))
    # Each visit is itself a view naming the people it listed, so the next listing shows the visit before it.
    [visit] = [e.id for e in events_where(app, AuditEvent.object_type == "audit_events")]
    assert listed_ids(client.get(f"/audit/events?date_from={today}&date_to={today}")) == [visit, *everything]
    assert listed_ids(client.get(f"/audit/events?date_from={today + timedelta(days=1)}")) == []
    assert listed_ids(client.get(f"/audit/events?date_to={today - timedelta(days=1)}")) == []


def test_unreadable_filters_are_named_and_nothing_is_listed(login_as, records):
    response = login_as("supervisor").get("/audit/events?date_from=2026-02-30&date_to=2020-01-01&action=DROP;")
    text = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "Enter a real date" in text and "Enter an action as it is recorded" in text
    assert listed_ids(response) == []


def test_admin_is_not_offered_the_person_filter(app, login_as, records):
    """Resolving a reference would tell an admin who is on record."""
    client = login_as("admin")
    assert 'name="subject"' not in client.get("/audit/events").get_data(as_text=True)
    about_b = {e.id for e in events_where(app, AuditEvent.subject_id == records["subject_b"])}
    assert about_b <= set(listed_ids(client.get("/audit/events?subject=A1000AA")))


def test_every_visit_of_the_review_pages_is_audited(app, login_as, records, edited):
    client = login_as("supervisor")
    client.get("/audit/events?action=update&subject=A1000AA")
    listing = last_event(app, AuditEvent.object_type == "audit_events")
    client.get(f"/audit/events/{edited}")
    single = last_event(app, AuditEvent.object_type == "audit_events")

    assert listing.action == "view" and listing.actor_username == "supervisor"
    assert listing.details["filters"] == {"action": "update", "subject_id": records["subject_a"]}
    assert listing.subject_id == records["subject_a"]
    assert single.object_id == str(edited) and single.subject_id == records["subject_a"]


def test_a_visit_records_whom_its_filters_named_never_the_text_typed(app, login_as, users, records):
    record_about(app, records["subject_a"], 1, action="import")
    client = login_as("supervisor")

    def recorded_filters(query: str) -> dict[str, Any]:
        assert client.get(f"/audit/events?{query}").status_code == 200
        return last_event(app, AuditEvent.object_type == "audit_events").details["filters"]

    assert recorded_filters("user=assessor_b") == {"user_id": users["assessor_b"].id}
    assert recorded_filters("user=tests") == {"user": "tests"}  # a command-line actor, named in the trail already
    assert recorded_filters("user=Alice+Archer&subject=Z9999ZZ") == {"user_id": None, "subject_id": None}
    text = str([e.details for e in events_where(app, AuditEvent.object_type == "audit_events")])
    assert "Alice" not in text and "Z9999ZZ" not in text


def test_event_page_shows_a_reason_kept_outside_the_trail_while_its_record_holds_it(app, login_as, records):
    client = login_as("supervisor")
    opened = last_event(app, AuditEvent.action == "break_glass", AuditEvent.subject_id == records["subject_a"])
    assert "Urgent safeguarding call" not in str(opened.details)
    assert opened.details["reason_sha256"] == trail.digest("Urgent safeguarding call")
    page = html.unescape(client.get(f"/audit/events/{opened.id}").get_data(as_text=True))
    kept = page.split('data-testid="kept-texts"')[1]
    assert "Urgent safeguarding call" in kept

    sid = records["subject_a"]
    response = post_form(client, f"/subjects/{sid}/erasure", {"reason": "Retention period passed."})
    assert post_form(client, response.headers["Location"], {"reference": "A1000AA"}).status_code == 302
    page = html.unescape(client.get(f"/audit/events/{opened.id}").get_data(as_text=True))
    assert "Urgent safeguarding call" not in page and "no longer held" in page
    requested = last_event(app, AuditEvent.action == "erase_request")
    assert requested.details["reason_sha256"] == trail.digest("Retention period passed.")
    page = html.unescape(client.get(f"/audit/events/{requested.id}").get_data(as_text=True))
    assert "Retention period passed." not in page and "not the one recorded" in page


# --- keyset pages -----------------------------------------------------------------------------------------


def test_keyset_pages_walk_every_event_once_without_offset(app, login_as, records, db_url):
    record_about(app, records["subject_a"], 120)
    in_scope = [e.id for e in events_where(app, AuditEvent.subject_id == records["subject_a"])]
    assert len(in_scope) > 100
    client = login_as("supervisor")
    statements: list[tuple[str, Any]] = []
    engine = app.extensions["waypoint_engine"]

    def remember(_conn: Any, _cursor: Any, statement: str, parameters: Any, *_args: Any) -> None:
        statements.append((statement, parameters))

    sa.event.listen(engine, "before_cursor_execute", remember)
    try:
        pages = []
        page = client.get("/audit/events")
        while True:
            pages.append(listed_ids(page))
            link = OLDER_LINK.search(page.get_data(as_text=True))
            if link is None:
                break
            assert "before=" in link.group(1)
            page = client.get(html.unescape(link.group(1)))
    finally:
        sa.event.remove(engine, "before_cursor_execute", remember)

    walked = [i for p in pages for i in p]
    assert walked == sorted(in_scope, reverse=True)  # each once, newest first
    assert [len(p) for p in pages[:-1]] == [review.PAGE_SIZE] * (len(pages) - 1)
    page_queries = [(s, p) for s, p in statements if s.startswith("SELECT audit_events.id, audit_events.occurred_at")]
    assert len(page_queries) == len(pages)
    # SQLAlchemy writes SQLite's LIMIT as "LIMIT ? OFFSET 0"; nothing is ever skipped by offset
    assert all("OFFSET" not in s or p[-1] == 0 for s, p in page_queries)


def record_list(app: Flask, people: list[int], n: int = 1) -> None:
    """`n` list events naming `people` (as a unit list or a dashboard records them)."""
    with app.app_context():
        for _ in range(n):
            trail.record("view", object_type="subject_list", details={"subject_ids": people, "count": len(people)},
                         actor=trail.Actor(None, "tests", None))
        db.session.commit()


def test_pages_walked_person_by_person_hold_exactly_the_events_the_rule_allows(app, users, records, units):
    """The review's unfiltered pages (on PostgreSQL, policy.audit_events_visible_newest) list, newest first and
    each once, the events `policy.can_view_audit_event` allows: about a person of the unit, or a list naming one,
    even among people of other units; never a list naming only others', nor a sign-in."""
    a, b = records["subject_a"], records["subject_b"]
    a2 = factories_subject(app, users, units, "A3000CC")
    record_about(app, a, 4)
    record_list(app, [a, a2], 3)  # one event naming two of the unit's people: listed once
    record_list(app, [b], 2)
    record_about(app, b, 2)
    record_list(app, [b, a2], 2)
    record_about(app, a2, 1)
    record_list(app, [b])
    with app.app_context():
        supervisor = db.session.get(User, users["supervisor"].id)
        assert supervisor is not None
        allowed = [e.id for e in db.session.scalars(select(AuditEvent).order_by(AuditEvent.id.desc()))
                   if policy.can_view_audit_event(supervisor, e)]
        viewed = [e.id for e in db.session.scalars(select(AuditEvent).where(AuditEvent.id.in_(allowed))
                                                   .order_by(AuditEvent.id.desc())) if e.action == "view"]
        assert viewed and len(viewed) < len(allowed)  # the people's records were created too
        # Unfiltered (person by person on PostgreSQL), and filtered (the policy's WHERE clause).
        for filters, expected in ((review.AuditFilters(), allowed), (review.AuditFilters(action="view"), viewed)):
            for size in (1, 3, 4, 50):
                walked: list[int] = []
                before = None
                while True:
                    page = review.events_page(supervisor, filters, before, page_size=size)
                    walked += [row.event.id for row in page.rows]
                    assert len(page.rows) == size or page.next_before is None
                    if page.next_before is None:
                        break
                    before = page.next_before
                assert walked == expected, (filters, size)
        assert len(allowed) > 12
        if db.session.get_bind().dialect.name == "postgresql":  # the statement itself, past the page rule
            newest = policy.audit_events_visible_newest
            assert [e.id for e in db.session.scalars(newest(supervisor, None, 1000))] == allowed
            assert [e.id for e in db.session.scalars(newest(supervisor, allowed[5], 3))] == allowed[6:9]


def test_only_a_supervisor_reviews_the_events_of_their_units_people(app, users, records):
    """The people whose events a user may review, and the events about one of them: a supervisor's units'
    people; for a case worker of the same unit, nobody and nothing, whatever asks."""
    with app.app_context():
        supervisor, assessor = (db.session.get(User, users[name].id) for name in ("supervisor", "assessor"))
        assert supervisor is not None and assessor is not None
        assert set(db.session.scalars(policy.audit_people_reviewed_by(supervisor))) == {records["subject_a"]}
        assert list(db.session.scalars(policy.audit_people_reviewed_by(assessor))) == []
        about_a = select(AuditEvent.id).where(AuditEvent.subject_id == records["subject_a"])
        assert set(db.session.scalars(select(AuditEvent.id).where(
            policy.audit_events_about(supervisor, records["subject_a"])))) == set(db.session.scalars(about_a))
        assert list(db.session.scalars(select(AuditEvent.id).where(
            policy.audit_events_about(assessor, records["subject_a"])))) == []
        assert list(db.session.scalars(select(AuditEvent.id).where(
            policy.audit_events_about(supervisor, records["subject_b"])))) == []


# --- event page ---------------------------------------------------------------------------------------------


def test_event_page_shows_field_changes_hashes_and_the_export_link(app, login_as, edited):
    text = login_as("supervisor").get(f"/audit/events/{edited}").get_data(as_text=True)
    event = last_event(app, AuditEvent.id == edited)

    changes = text.split('data-testid="changes"', 1)[1].split("</table>", 1)[0]
    assert re.search(r"index_offence_category</th><td[^>]*>violence</td><td[^>]*>fraud</td>", changes)
    # personal fields are named as changed, their values were never copied
    assert re.search(r"given_name</th><td[^>]*>\(not copied to the audit trail\)</td>", changes)
    assert "Alicia" not in text
    assert event.hash in text and event.prev_hash in text
    assert 'href="/audit/extract"' in text


def test_admin_event_page_has_no_export_link(login_as, edited):
    assert 'href="/audit/extract"' not in login_as("admin").get(f"/audit/events/{edited}").get_data(as_text=True)


# --- verification ---------------------------------------------------------------------------------------------


def last_run_section(client: Any) -> str:
    text = client.get("/audit/verification").get_data(as_text=True)
    return text.split('data-testid="last-run"', 1)[1].split("</section>", 1)[0]


def test_verify_now_records_a_run_and_shows_the_chain_intact(app, login_as, records):
    client = login_as("supervisor")
    assert "has not been verified yet" in last_run_section(client)
    count = len(events_where(app))

    response = post_form(client, "/audit/verifications", {}, token_from="/audit/verification")

    assert response.status_code == 302 and response.headers["Location"] == "/audit/verification"
    with app.app_context():
        run = db.session.scalars(select(AuditVerification)).one()
        assert run.intact and run.run_by == "supervisor" and run.first_bad_id is None
        assert run.event_count >= count
    section = last_run_section(client)
    assert "Intact" in section and "supervisor" in section and str(run.event_count) in section
    event = last_event(app, AuditEvent.action == "verify")
    assert event.object_id == str(run.id) and event.details["intact"] is True


def test_verify_now_after_tampering_names_the_first_bad_event(app, login_as, records, db_url, dialect):
    engine = drop_triggers(db_url, dialect)
    with engine.begin() as conn:
        conn.execute(sa.text("UPDATE audit_events SET object_id = 'tampered' WHERE id = 3"))
    engine.dispose()
    client = login_as("admin")

    post_form(client, "/audit/verifications", {}, token_from="/audit/verification")

    with app.app_context():
        run = db.session.scalars(select(AuditVerification)).one()
        assert not run.intact and run.first_bad_id == 3 and run.event_count == 2
        assert run.problem == "content does not match its hash"
    section = last_run_section(client)
    assert "Broken" in section and 'href="/audit/events/3"' in section
    assert "content does not match its hash" in section


def test_verification_reads_without_holding_the_chain_lock(app, records):
    """While the verification's own session reads, other requests still append to the trail."""
    appended: list[BaseException | None] = []

    def append() -> None:
        try:
            record_about(app, records["subject_a"], 1)
            appended.append(None)
        except BaseException as exc:
            appended.append(exc)

    with app.app_context(), review.reading_session() as reader:
        before = reader.scalar(select(func.count()).select_from(AuditEvent))
        writer = threading.Thread(target=append)
        writer.start()
        writer.join(timeout=10)
        assert appended == [None], "an append waited for the verification"
        assert trail.verify(reader).count == (before or 0) + 1


def test_flask_audit_verify_records_its_run(app, records):
    count = len(events_where(app))

    result = app.test_cli_runner().invoke(args=["audit", "verify"])

    assert result.exit_code == 0 and result.output.strip() == f"{count} events verified"
    with app.app_context():
        run = db.session.scalars(select(AuditVerification)).one()
        assert run.intact and run.event_count == count and run.run_by.startswith("cli:")
    event = last_event(app, AuditEvent.action == "verify")
    assert event.actor_username == run.run_by and event.actor_id is None


def test_flask_audit_verify_records_a_broken_run(app, records, db_url, dialect):
    engine = drop_triggers(db_url, dialect)
    with engine.begin() as conn:
        conn.execute(sa.text("UPDATE audit_events SET object_id = 'tampered' WHERE id = 4"))
    engine.dispose()

    result = app.test_cli_runner().invoke(args=["audit", "verify"])

    assert result.exit_code == 1 and "audit chain broken at event 4" in result.output
    with app.app_context():
        run = db.session.scalars(select(AuditVerification)).one()
        assert not run.intact and run.first_bad_id == 4


# --- anchors ----------------------------------------------------------------------------------------------


def test_flask_audit_anchor_prints_the_last_event_and_its_hash(app, records):
    last = last_event(app)
    count = len(events_where(app))

    result = app.test_cli_runner().invoke(args=["audit", "anchor"])

    assert result.exit_code == 0
    assert result.output.strip() == f"anchor: {count} events, last id {last.id}, hash {last.hash}"


def test_verify_with_an_anchor_that_holds(app, records):
    last = last_event(app)
    result = app.test_cli_runner().invoke(args=["audit", "verify", "--anchor", f"{last.id}:{last.hash}"])
    assert result.exit_code == 0
    assert result.output.splitlines()[-1] == f"anchor at event {last.id} holds"


def test_verify_with_an_anchor_of_a_missing_event_fails(app, records):
    """Cutting events off the end leaves a chain that verifies; only the anchor shows the loss."""
    last = last_event(app)
    result = app.test_cli_runner().invoke(args=["audit", "verify", "--anchor", f"{last.id + 50}:{'a' * 64}"])
    assert result.exit_code == 1
    assert f"does not match the anchor at event {last.id + 50}: the anchored event is missing" in result.output


def test_malformed_anchor_is_a_usage_error(app):
    result = app.test_cli_runner().invoke(args=["audit", "verify", "--anchor", "12:nothex"])
    assert result.exit_code == 2 and "ID:HASH" in result.output


def test_anchor_reveals_a_chain_rewritten_with_recomputed_hashes(app, records, db_url, dialect):
    anchor = last_event(app)
    engine = drop_triggers(db_url, dialect)
    with app.app_context():
        rows = list(db.session.scalars(select(AuditEvent).where(AuditEvent.id >= 2).order_by(AuditEvent.id)))
        prev = db.session.scalar(select(AuditEvent.hash).where(AuditEvent.id == 1))
        rewritten = []
        for row in rows:
            fields = row.canonical_fields() | ({"object_id": "forged"} if row.id == 2 else {})
            new_hash = trail.chain_hash(prev, fields)
            rewritten.append({"id": row.id, "object_id": fields["object_id"], "prev": prev, "hash": new_hash})
            prev = new_hash
    with engine.begin() as conn:
        for r in rewritten:
            conn.execute(sa.text("UPDATE audit_events SET object_id = :object_id, prev_hash = :prev, "
                                 "hash = :hash WHERE id = :id"), r)
    engine.dispose()
    runner = app.test_cli_runner()

    assert runner.invoke(args=["audit", "verify"]).exit_code == 0  # consistent in itself
    result = runner.invoke(args=["audit", "verify", "--anchor", f"{anchor.id}:{anchor.hash}"])

    assert result.exit_code == 1
    assert f"does not match the anchor at event {anchor.id}" in result.output
    with app.app_context():
        run = db.session.scalars(select(AuditVerification).order_by(AuditVerification.id.desc())).first()
        assert run is not None and not run.intact and run.first_bad_id == anchor.id


# --- navigation -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("role", "offered"), [("supervisor", True), ("admin", True), ("assessor", False),
                                                ("probation", False)])
def test_audit_trail_is_in_the_navigation_of_reviewers(login_as, role, offered):
    text = login_as(role).get("/").get_data(as_text=True)
    assert ('href="/audit/events"' in text) is offered


def test_review_page_links_to_the_verification(login_as):
    assert 'href="/audit/verification"' in login_as("supervisor").get("/audit/events").get_data(as_text=True)
