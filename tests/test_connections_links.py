"""Links between people: recording, the refusals, ending with history, a link to a person out of scope by
exact reference (the same answer whether or not it exists), its confirmation or refusal by a supervisor of
that person's unit, and erasure."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask

from app.audit.models import AuditEvent
from app.auth.models import Role
from app.connections.models import PersonLink
from app.db import db, utcnow
from tests import factories
from tests.conftest import csrf_token, post_form, signed_in_client

TODAY = utcnow().date()


@pytest.fixture
def people(app: Flask, users: dict[str, factories.UserInfo], units: dict[str, int], records: dict[str, int]
           ) -> dict[str, Any]:
    return make_people(app, users, units, records)


def make_people(app: Flask, users: dict[str, factories.UserInfo], units: dict[str, int], records: dict[str, int]
                ) -> dict[str, Any]:
    """Alice and Carl in unit A, Boris in unit B; a supervisor and a probation officer of unit B too."""
    carl = factories.make_subject(app, users["supervisor"].id, units["A"], "A1001AA", given_name="Carl",
                                  family_name="Cooper")
    supervisor_b = factories.make_user(app, "supervisor_b", Role.SUPERVISOR, [factories.UNIT_B],
                                       factories.PASSWORDS["supervisor"])
    probation_b = factories.make_user(app, "probation_b", Role.PROBATION_OFFICER, [factories.UNIT_B],
                                      factories.PASSWORDS["probation"])
    return {"alice": records["subject_a"], "boris": records["subject_b"], "carl": carl,
            "supervisor_b": supervisor_b, "probation_b": probation_b}


def link_data(**overrides: Any) -> dict[str, Any]:
    data = {"kind": "associate", "keep_apart_level": "", "other_id": "", "other_reference": "",
            "evidence": "Seen together daily on the exercise yard.", "source": "Wing officer log",
            "learnt_on": TODAY.isoformat(), "review_on": "", "source_grade": "2", "intelligence_grade": "B",
            "handling_code": "P"}
    return {**data, **overrides}


def record_link(client: Any, subject_id: int, **overrides: Any) -> Any:
    return post_form(client, f"/subjects/{subject_id}/links/new", link_data(**overrides))


def links(app: Flask) -> list[PersonLink]:
    with app.app_context():
        found = db.session.scalars(sa.select(PersonLink).order_by(PersonLink.id)).all()
        db.session.expunge_all()
        return list(found)


def events(app: Flask, **where: Any) -> list[AuditEvent]:
    with app.app_context():
        stmt = sa.select(AuditEvent).order_by(AuditEvent.id)
        for name, value in where.items():
            stmt = stmt.where(getattr(AuditEvent, name) == value)
        found = db.session.scalars(stmt).all()
        db.session.expunge_all()
        return list(found)


def test_a_link_between_two_people_in_scope_is_recorded_and_shown_on_both_pages(app, login_as, people):
    client = login_as("assessor")
    response = record_link(client, people["alice"], other_id=str(people["carl"]))
    assert response.status_code == 302
    [link] = links(app)
    assert (link.subject_id, link.other_id, link.status, link.grading) == (people["alice"], people["carl"],
                                                                           "active", "2/B/P")
    alice_page = client.get(f"/subjects/{people['alice']}").get_data(as_text=True)
    carl_page = client.get(f"/subjects/{people['carl']}").get_data(as_text=True)
    assert "Carl Cooper (A1001AA)" in alice_page and "Alice Archer (A1000AA)" in carl_page
    assert "Seen together daily on the exercise yard." in carl_page
    [created] = events(app, action="create", object_type="person_link")
    assert created.subject_id == people["alice"] and "Seen together" not in str(created.details)


def test_a_link_to_oneself_is_refused(app, login_as, people):
    client = login_as("assessor")
    chosen = record_link(client, people["alice"], other_id=str(people["alice"]))
    typed = record_link(client, people["alice"], other_reference="a1000aa")
    assert chosen.status_code == typed.status_code == 400
    assert "cannot be linked to themselves" in chosen.get_data(as_text=True)
    assert "cannot be linked to themselves" in typed.get_data(as_text=True)
    assert links(app) == []


def test_a_duplicate_current_link_is_refused_in_either_direction_for_a_symmetric_kind(app, login_as, people):
    client = login_as("assessor")
    assert record_link(client, people["alice"], other_id=str(people["carl"]), kind="family").status_code == 302
    again = record_link(client, people["carl"], other_id=str(people["alice"]), kind="family")
    assert again.status_code == 400 and "already has a current family link" in again.get_data(as_text=True)
    assert record_link(client, people["carl"], other_id=str(people["alice"])).status_code == 302  # another kind
    assert len(links(app)) == 2


def test_recruiter_to_target_is_directed(app, login_as, people):
    client = login_as("assessor")
    assert record_link(client, people["alice"], other_id=str(people["carl"]), kind="recruiter").status_code == 302
    assert record_link(client, people["carl"], other_id=str(people["alice"]), kind="recruiter").status_code == 302
    again = record_link(client, people["alice"], other_id=str(people["carl"]), kind="recruiter")
    assert again.status_code == 400
    page = client.get(f"/subjects/{people['carl']}").get_data(as_text=True)
    assert "Targeted for recruitment by" in page and "Recruits or tried to recruit" in page


def test_a_learnt_on_date_in_the_future_is_refused_and_what_was_typed_is_kept(app, login_as, people):
    response = record_link(login_as("assessor"), people["alice"], other_id=str(people["carl"]),
                           learnt_on=(TODAY + timedelta(days=1)).isoformat(), evidence="A letter intercepted in May.")
    text = response.get_data(as_text=True)
    assert response.status_code == 400 and "cannot be in the future" in text
    assert "A letter intercepted in May." in text and "Wing officer log" in text
    assert links(app) == []


def test_a_review_date_before_learnt_on_is_refused(app, login_as, people):
    response = record_link(login_as("assessor"), people["alice"], other_id=str(people["carl"]),
                           review_on=(TODAY - timedelta(days=3)).isoformat())
    assert response.status_code == 400
    assert "review date cannot be before the date it was learnt" in response.get_data(as_text=True)
    assert links(app) == []


@pytest.mark.parametrize(("field", "value", "message"), [
    ("keep_apart_level", "", "Choose how far apart"),
    ("source_grade", "", "evaluation of the source"),
    ("evidence", "short", "Give the evidence"),
    ("learnt_on", "2026-02-30", "Enter a real date"),
])
def test_a_link_without_what_it_needs_is_refused(app, login_as, people, field, value, message):
    typed = {"other_id": str(people["carl"]), "kind": "keep_apart", "keep_apart_level": "wing", field: value}
    response = record_link(login_as("assessor"), people["alice"], **typed)
    assert response.status_code == 400 and message in response.get_data(as_text=True)
    assert links(app) == []


def test_a_link_ends_with_a_reason_and_stays_in_the_history(app, login_as, people):
    client = login_as("assessor")
    record_link(client, people["alice"], other_id=str(people["carl"]))
    [link] = links(app)
    url = f"/links/{link.id}/end"
    short = post_form(client, url, {"reason": "no", "version": "1"})
    assert short.status_code == 400 and "why the link ends" in short.get_data(as_text=True)
    assert post_form(client, url, {"reason": "Carl moved to another establishment.", "version": "1"}
                     ).status_code == 302
    [ended] = links(app)
    assert ended.status == "ended" and ended.end_reason == "Carl moved to another establishment."
    page = client.get(f"/subjects/{people['alice']}").get_data(as_text=True)
    assert 'data-testid="person-links-history"' in page and "No current links." in page
    [update] = events(app, action="update", object_type="person_link")
    assert "reason_sha256" in update.details and "Carl moved" not in str(update.details)


def test_an_ended_link_cannot_be_ended_again_and_a_stale_version_conflicts(app, login_as, people):
    client = login_as("assessor")
    record_link(client, people["alice"], other_id=str(people["carl"]))
    [link] = links(app)
    url = f"/links/{link.id}/end"
    token = csrf_token(client, url)
    stale = client.post(url, data={"csrf_token": token, "reason": "A reason long enough.", "version": "0"})
    assert stale.status_code == 302 and links(app)[0].status == "active"
    post_form(client, url, {"reason": "A reason long enough.", "version": "1"})
    assert client.get(url).status_code == 404


# --- a person out of scope, by exact reference ----------------------------------------------------------------


def _shape(event: AuditEvent) -> tuple[Any, ...]:
    return (event.action, event.object_type, event.object_id, event.subject_id, event.details)


def test_a_link_by_reference_answers_the_same_whether_or_not_the_person_exists(app, login_as, people):
    client = login_as("assessor")
    existing = record_link(client, people["alice"], other_reference="B2000BB")
    existing_page = client.get(existing.headers["Location"]).get_data(as_text=True)
    missing = record_link(client, people["alice"], other_reference="ZZ9999ZZ")
    missing_page = client.get(missing.headers["Location"]).get_data(as_text=True)
    assert existing.status_code == missing.status_code == 302
    assert existing.headers["Location"] == missing.headers["Location"]
    flash = "It waits for a supervisor of the other person"
    assert flash in existing_page and flash in missing_page
    first, second = events(app, action="create")[-2:]
    assert _shape(first) == _shape(second)
    assert first.object_type == "person_link_request" and first.object_id is None
    [pending] = links(app)
    assert (pending.other_id, pending.status) == (people["boris"], "pending")
    # Typed again, the duplicate is not stored, and the answer is still the same.
    again = record_link(client, people["alice"], other_reference="B2000BB")
    assert again.headers["Location"] == existing.headers["Location"] and len(links(app)) == 1


def test_an_out_of_scope_link_shows_to_its_author_only_as_awaiting_confirmation(app, login_as, people):
    client = login_as("assessor")
    record_link(client, people["alice"], other_reference="B2000BB")
    page = client.get(f"/subjects/{people['alice']}").get_data(as_text=True)
    assert "Awaiting confirmation" in page and "a person in another unit" in page
    assert "Boris" not in page and "B2000BB" not in page and f"/subjects/{people['boris']}" not in page


def test_a_supervisor_of_the_other_unit_confirms_a_pending_link(app, login_as, people):
    record_link(login_as("assessor"), people["alice"], other_reference="B2000BB")
    [pending] = links(app)
    supervisor_b = signed_in_client(app, people["supervisor_b"])
    waiting = supervisor_b.get("/links/awaiting").get_data(as_text=True)
    assert "Boris Baker (B2000BB)" in waiting and "a person in another unit" in waiting
    home = supervisor_b.get("/").get_data(as_text=True)
    assert "1 link awaiting your confirmation" in home
    decide = supervisor_b.get(f"/links/{pending.id}/decide").get_data(as_text=True)
    assert "2/B/P" in decide and "Seen together daily" not in decide
    assert "Alice" not in decide and "A1000AA" not in decide
    response = post_form(supervisor_b, f"/links/{pending.id}/decide", {"decision": "confirm", "version": "1"})
    assert response.status_code == 302
    [link] = links(app)
    assert link.status == "active" and link.confirmed_by_id == people["supervisor_b"].id
    [decided] = events(app, action="decide", object_type="person_link")
    assert decided.subject_id == people["boris"]


def test_a_supervisor_of_the_other_unit_refuses_a_pending_link_with_a_reason(app, login_as, people):
    record_link(login_as("assessor"), people["alice"], other_reference="B2000BB")
    [pending] = links(app)
    supervisor_b = signed_in_client(app, people["supervisor_b"])
    url = f"/links/{pending.id}/decide"
    bare = post_form(supervisor_b, url, {"decision": "refuse", "reason": "", "version": "1"})
    assert bare.status_code == 400 and "why the link is refused" in bare.get_data(as_text=True)
    post_form(supervisor_b, url, {"decision": "refuse", "reason": "No such contact on our records.", "version": "1"})
    [link] = links(app)
    assert link.status == "refused"
    page = login_as("assessor").get(f"/subjects/{people['alice']}").get_data(as_text=True)
    assert "Refused" in page and "No such contact" not in page


def test_only_a_supervisor_of_the_other_persons_unit_may_decide(app, login_as, people):
    record_link(login_as("assessor"), people["alice"], other_reference="B2000BB")
    [pending] = links(app)
    assert login_as("supervisor").get(f"/links/{pending.id}/decide").status_code == 404
    assert login_as("supervisor").get(f"/links/{pending.id + 99}/decide").status_code == 404
    assert signed_in_client(app, people["probation_b"]).get(f"/links/{pending.id}/decide").status_code == 403


def test_erasing_a_person_leaves_no_trace_of_them_on_the_other_persons_page(app, login_as, users, people):
    from app.auth.models import User
    from app.retention import services as retention
    from app.subjects.models import Subject

    client = login_as("assessor")
    record_link(client, people["alice"], other_id=str(people["carl"]))
    with app.app_context():
        supervisor = db.session.get(User, users["supervisor"].id)
        carl = db.session.get(Subject, people["carl"])
        assert supervisor is not None and carl is not None
        from flask import g

        g.user = supervisor
        request = retention.request_erasure(supervisor, carl, "Retention period passed: rule R4.")
        retention.confirm_erasure(supervisor, request, carl.reference)
        db.session.commit()
    assert links(app) == []
    page = client.get(f"/subjects/{people['alice']}").get_data(as_text=True)
    assert "Carl" not in page and "A1001AA" not in page and "No current links." in page
    assert "a person in another unit" not in page



# --- reports and timeline ------------------------------------------------------------------------------------

REQUEST = {"purpose": "Multi-agency review meeting", "legal_basis": "parole_board", "recipient": "Internal use"}


def _pdf_text(data: bytes) -> str:
    import io

    from pypdf import PdfReader

    return " ".join(" ".join(page.extract_text() or "" for page in PdfReader(io.BytesIO(data)).pages).split())


def test_the_reports_list_the_persons_links_with_the_other_person_as_the_requester_sees_them(app, login_as, people):
    client = login_as("supervisor")
    record_link(client, people["alice"], other_id=str(people["carl"]), kind="family")
    record_link(client, people["alice"], other_reference="B2000BB")
    summary = _pdf_text(post_form(client, f"/subjects/{people['alice']}/export/case-summary", REQUEST).data)
    report = _pdf_text(post_form(client, f"/subjects/{people['alice']}/export/subject-access", REQUEST).data)
    for text in (summary, report):
        assert "Links with other people" in text and "Carl Cooper (A1001AA)" in text
        assert "a person in another unit" in text and "Boris" not in text and "B2000BB" not in text


def test_the_timeline_shows_a_links_steps_without_naming_the_other_person(app, login_as, people):
    client = login_as("assessor")
    record_link(client, people["alice"], other_id=str(people["carl"]))
    [link] = links(app)
    post_form(client, f"/links/{link.id}/end", {"reason": "Carl moved to another establishment.", "version": "1"})
    page = client.get(f"/subjects/{people['alice']}").get_data(as_text=True)
    timeline = page[page.index("Timeline"):] if "Timeline" in page else page
    assert "Link recorded: Associate" in timeline and "Link ended: Associate" in timeline


def test_the_case_summary_prints_links_and_targeting_only_when_there_are_some() -> None:
    from reports.case_summary import build_case_summary
    from reports.model import LinkLine, TargetedLine
    from tests.test_reports import case_summary, text

    line = LinkLine("Family", "a person in another unit", "Current", "2/B/P", TODAY, None, "", "", "Sam Officer", "")
    target = TargetedLine(TODAY, "Rami Nasser (RC1001AA)", "Black Banner Network", "")
    printed = " ".join(text(build_case_summary(case_summary(links=(line,), targeted=(target,)))).split())
    assert "Links with other people" in printed and "Held by the other person's unit." in printed
    assert "Targeted for recruitment" in printed and "Black Banner Network" in printed
    assert "Links with other people" not in text(build_case_summary(case_summary()))
