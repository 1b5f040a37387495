"""Case conferences: holding one, attendees, the people discussed, every decision and action path, scope across
units (a conference of another unit is not even known to exist), the dashboard, the timeline, the person's
page, erasure, the subject-access report, the work kind, and the minutes read back from the PDF."""

from __future__ import annotations

import io
from datetime import date, timedelta
from typing import Any

import pytest
from flask import Flask, g
from pypdf import PdfReader
from sqlalchemy import select

from app.audit.models import AuditEvent
from app.auth.models import User
from app.conferences import decisions, services
from app.conferences.models import Conference, ConferenceAction, ConferenceAttendee, Discussion, Dissent
from app.db import db, utcnow
from app.registry import registry
from app.subjects.models import Subject
from config import ConfigError
from tests import factories
from tests.conftest import post_form


def today() -> date:
    return utcnow().date()


def _as(user_id: int) -> User:
    user = db.session.get(User, user_id)
    assert user is not None
    g.user = user
    return user


def make_conference(app: Flask, users, units, subject_id: int, *, decision: str | None = "continue_monitoring",
                    action_owner: str | None = "probation", due_in: int = 14) -> dict[str, int]:
    """A panel of unit A chaired by the supervisor, the probation officer attending (factories.make_conference)."""
    return factories.make_conference(
        app, users["supervisor"].id, users["probation"].id, units["A"], subject_id, decision=decision,
        action_owner_id=users[action_owner].id if action_owner else None, due_in=due_in)


def events(app: Flask, object_type: str, action: str | None = None) -> list[AuditEvent]:
    with app.app_context():
        stmt = select(AuditEvent).where(AuditEvent.object_type == object_type)
        if action:
            stmt = stmt.where(AuditEvent.action == action)
        return list(db.session.scalars(stmt.order_by(AuditEvent.id)))


def get(app: Flask, model: type[Any], ident: int) -> Any:
    with app.app_context():
        return db.session.get(model, ident)


# --- holding a conference ---------------------------------------------------------------------------------


def test_a_conference_is_recorded_with_its_chair_attending_and_audited(app, login_as, users, units):
    response = post_form(login_as("assessor"), "/conferences/new", {
        "unit": str(units["A"]), "held_on": today().isoformat(), "kind": "case_review",
        "chair": str(users["supervisor"].id)})
    assert response.status_code == 302
    conference_id = int(response.headers["Location"].rsplit("/", 1)[1])
    with app.app_context():
        conference = db.session.get(Conference, conference_id)
        assert conference is not None and conference.kind == "case_review" and conference.unit_id == units["A"]
        assert [(a.user_id, a.role, a.attendance) for a in conference.attendees] == [
            (users["supervisor"].id, "Chair", "attended")]
    [created] = events(app, "conference", "create")
    assert created.details["chair_id"] == users["supervisor"].id and created.details["unit_id"] == units["A"]


def test_an_invalid_conference_lists_every_problem_and_keeps_what_was_typed(app, login_as, users, units):
    response = post_form(login_as("assessor"), "/conferences/new", {
        "unit": str(units["B"]), "held_on": "2099-01-01", "kind": "tea_party", "chair": str(users["assessor_b"].id)})
    assert response.status_code == 400
    text = response.get_data(as_text=True)
    for name in ("unit", "held_on", "kind", "chair"):
        assert f'href="#{name}"' in text, name
    assert 'value="2099-01-01"' in text
    with app.app_context():
        assert db.session.scalars(select(Conference)).first() is None


def test_an_outside_participant_needs_a_name_and_agency(app, login_as, users, units, records):
    ids = make_conference(app, users, units, records["subject_a"], decision=None, action_owner=None)
    client = login_as("supervisor")
    path = f"/conferences/{ids['conference']}/attendees"
    response = post_form(client, path, {"user": "", "name": "", "agency": "", "role": "Mentor",
                                        "attendance": "attended"}, token_from=f"/conferences/{ids['conference']}")
    assert response.status_code == 400
    assert 'href="#name"' in response.get_data(as_text=True) and 'value="Mentor"' in response.get_data(as_text=True)
    response = post_form(client, path, {"user": "", "name": "PC Dan Hale", "agency": "Eastern Police",
                                        "role": "Prevent officer", "attendance": "attended"},
                         token_from=f"/conferences/{ids['conference']}")
    assert response.status_code == 302
    with app.app_context():
        names = db.session.scalars(select(ConferenceAttendee.name).where(
            ConferenceAttendee.conference_id == ids["conference"])).all()
    assert "PC Dan Hale" in names and "Dr Ruth Okafor" in names


def test_only_people_of_the_conferences_unit_are_discussed_and_others_answer_alike(app, login_as, users, units,
                                                                                   records):
    ids = make_conference(app, users, units, records["subject_a"], decision=None, action_owner=None)
    client = login_as("supervisor")
    path = f"/conferences/{ids['conference']}/people"
    token_from = f"/conferences/{ids['conference']}"
    elsewhere = post_form(client, path, {"reference": "B2000BB"}, token_from=token_from)
    missing = post_form(client, path, {"reference": "Z9999ZZ"}, token_from=token_from)
    assert elsewhere.status_code == missing.status_code == 400
    assert elsewhere.get_data(as_text=True).count("No person with this reference") == \
        missing.get_data(as_text=True).count("No person with this reference") > 0
    assert "Boris" not in elsewhere.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalars(select(Discussion.subject_id)).all() == [records["subject_a"]]


# --- decisions --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("code", ["continue_monitoring", "refer_to_intervention", "start_assessment", "escalate",
                                  "close"])
def test_each_configured_decision_is_recorded_with_its_rationale_and_audited(app, login_as, users, units, records,
                                                                             code):
    ids = make_conference(app, users, units, records["subject_a"], decision=None, action_owner=None)
    path = f"/conferences/{ids['conference']}/people/{ids['discussion']}"
    response = post_form(login_as("supervisor"), path, {
        "presented": "Security report 4417.", "notes": "Discussed at length.", "decision": code,
        "rationale": "The conference agreed on the evidence presented.", "version": "1"})
    assert response.status_code == 302
    discussion = get(app, Discussion, ids["discussion"])
    assert discussion.decision == code and discussion.decided_by_id == users["supervisor"].id
    last = events(app, "conference_discussion", "update")[-1]
    assert last.subject_id == records["subject_a"]
    assert last.details["changes"]["decision"] == [None, code]
    assert "Security report" not in str(last.details)  # narrative stays out of the trail


def test_a_decision_needs_a_rationale_and_a_rationale_a_decision(app, login_as, users, units, records):
    ids = make_conference(app, users, units, records["subject_a"], decision=None, action_owner=None)
    client = login_as("supervisor")
    path = f"/conferences/{ids['conference']}/people/{ids['discussion']}"
    no_reason = post_form(client, path, {"presented": "Kept text", "notes": "", "decision": "escalate",
                                         "rationale": "", "version": "1"})
    assert no_reason.status_code == 400 and 'href="#rationale"' in no_reason.get_data(as_text=True)
    assert "Kept text" in no_reason.get_data(as_text=True)
    no_decision = post_form(client, path, {"presented": "", "notes": "", "decision": "",
                                           "rationale": "Because the risk has grown.", "version": "1"})
    assert no_decision.status_code == 400 and 'href="#decision"' in no_decision.get_data(as_text=True)
    unknown = post_form(client, path, {"presented": "", "notes": "", "decision": "shrug",
                                       "rationale": "Because the risk has grown.", "version": "1"})
    assert unknown.status_code == 400
    assert get(app, Discussion, ids["discussion"]).decision is None


def test_notes_are_saved_before_the_decision(app, login_as, users, units, records):
    ids = make_conference(app, users, units, records["subject_a"], decision=None, action_owner=None)
    response = post_form(login_as("supervisor"), f"/conferences/{ids['conference']}/people/{ids['discussion']}",
                         {"presented": "Wing log", "notes": "To be decided next week.", "decision": "",
                          "rationale": "", "version": "1"})
    assert response.status_code == 302
    discussion = get(app, Discussion, ids["discussion"])
    assert discussion.notes == "To be decided next week." and discussion.decision is None


def test_a_second_editor_of_a_decision_gets_a_conflict_with_their_text_kept(app, login_as, users, units, records):
    ids = make_conference(app, users, units, records["subject_a"], decision=None, action_owner=None)
    client = login_as("supervisor")
    path = f"/conferences/{ids['conference']}/people/{ids['discussion']}"
    first = {"presented": "", "notes": "", "decision": "escalate", "rationale": "First editor's reasons.",
             "version": "1"}
    assert post_form(client, path, first).status_code == 302
    second = post_form(client, path, {**first, "decision": "close", "rationale": "Second editor's reasons."})
    assert second.status_code == 409 and "Second editor&#39;s reasons." in second.get_data(as_text=True)
    assert get(app, Discussion, ids["discussion"]).decision == "escalate"


def test_decision_labels_come_from_the_configured_list(app, records, users, units, login_as):
    app.extensions["waypoint_conference_decisions"] = {"mappa_level_2": "Manage at MAPPA level 2"}
    ids = make_conference(app, users, units, records["subject_a"], decision="mappa_level_2", action_owner=None)
    page = login_as("supervisor").get(f"/conferences/{ids['conference']}").get_data(as_text=True)
    assert "Manage at MAPPA level 2" in page


@pytest.mark.parametrize(("pairs", "problem"), [
    ((), "empty"), ((("Escalate", "Escalate"),), "lower-case"), ((("close", "Close"), ("close", "End")), "twice"),
    ((("close", ""),), "label"),
])
def test_an_invalid_list_of_decisions_stops_start_up(pairs, problem):
    with pytest.raises(ConfigError, match=problem):
        decisions.check(pairs, "CONFERENCE_DECISIONS")


def test_a_decisions_file_is_read_and_a_bad_line_is_named(tmp_path, db_url):
    from app import create_app

    good = tmp_path / "decisions.txt"
    good.write_text("# the service's list\nmonitor = Continue monitoring\nrefer = Refer to Prevent\n")
    app = create_app({"SQLALCHEMY_DATABASE_URI": db_url, "CONFERENCE_DECISIONS_FILE": str(good)})
    with app.app_context():
        assert decisions.offered() == {"monitor": "Continue monitoring", "refer": "Refer to Prevent"}
    app.extensions["waypoint_engine"].dispose()
    bad = tmp_path / "bad.txt"
    bad.write_text("monitor = Continue monitoring\nrefer to Prevent\n")
    with pytest.raises(ConfigError, match="line 2"):
        create_app({"SQLALCHEMY_DATABASE_URI": db_url, "CONFERENCE_DECISIONS_FILE": str(bad)})


# --- dissent ------------------------------------------------------------------------------------------------


def test_dissent_is_recorded_by_name_from_an_attendee_who_was_there(app, login_as, users, units, records):
    ids = make_conference(app, users, units, records["subject_a"], action_owner=None)
    with app.app_context():
        rows = db.session.scalars(select(ConferenceAttendee)).all()
        outside = next(a.id for a in rows if a.user_id is None)
        probation = next(a.id for a in rows if a.user_id == users["probation"].id)
        probation_name = next(a.name for a in rows if a.user_id == users["probation"].id)
    client = login_as("supervisor")
    path = f"/conferences/{ids['conference']}/people/{ids['discussion']}/dissent"
    token_from = f"/conferences/{ids['conference']}/people/{ids['discussion']}"
    absent = post_form(client, path, {"attendee": str(outside),
                                      "view": "The psychology report was not considered."}, token_from=token_from)
    assert absent.status_code == 400 and "who was there" in absent.get_data(as_text=True)
    done = post_form(client, path, {"attendee": str(probation), "view": "The risk on release is underrated."},
                     token_from=token_from)
    assert done.status_code == 302
    with app.app_context():
        [dissent] = db.session.scalars(select(Dissent)).all()
        assert dissent.attendee.name == probation_name
    page = client.get(token_from).get_data(as_text=True)
    assert "The risk on release is underrated." in page


def test_dissent_waits_for_a_decision(app, login_as, users, units, records):
    ids = make_conference(app, users, units, records["subject_a"], decision=None, action_owner=None)
    with app.app_context():
        chair_attendee = db.session.scalars(select(ConferenceAttendee.id)).first()
    response = post_form(login_as("supervisor"),
                         f"/conferences/{ids['conference']}/people/{ids['discussion']}/dissent",
                         {"attendee": str(chair_attendee), "view": "Disagrees with everything said."},
                         token_from=f"/conferences/{ids['conference']}/people/{ids['discussion']}")
    assert response.status_code == 400
    with app.app_context():
        assert db.session.scalars(select(Dissent)).first() is None


# --- actions ------------------------------------------------------------------------------------------------


def test_an_action_needs_an_owner_who_can_open_the_person_and_a_due_date_after_the_conference(
        app, login_as, users, units, records):
    ids = make_conference(app, users, units, records["subject_a"], action_owner=None)
    path = f"/conferences/{ids['conference']}/people/{ids['discussion']}/actions"
    token_from = f"/conferences/{ids['conference']}/people/{ids['discussion']}"
    response = post_form(login_as("supervisor"), path, {
        "description": "Book a visit", "owner": str(users["assessor_b"].id),
        "due_on": (today() - timedelta(days=30)).isoformat()}, token_from=token_from)
    assert response.status_code == 400
    text = response.get_data(as_text=True)
    assert 'href="#owner"' in text and 'href="#due_on"' in text and "Book a visit" in text
    with app.app_context():
        assert db.session.scalars(select(ConferenceAction)).first() is None


def test_an_action_reaches_its_owners_dashboard_and_goes_overdue(app, login_as, users, units, records):
    ids = make_conference(app, users, units, records["subject_a"], due_in=5)
    home = login_as("probation").get("/").get_data(as_text=True)
    assert "Share the education report" in home and "Overdue" not in home.split("Your conference actions")[1]
    assert "Share the education report" not in login_as("assessor").get("/").get_data(as_text=True)
    with app.app_context():
        action = db.session.get(ConferenceAction, ids["action"])
        assert action is not None
        action.due_on = today() - timedelta(days=1)
        db.session.commit()
    home = login_as("probation").get("/").get_data(as_text=True)
    assert "Overdue" in home.split("Your conference actions")[1]
    view = [e for e in events(app, "dashboard", "view") if e.actor_id == users["probation"].id][-1]
    assert records["subject_a"] in view.details["subject_ids"]


@pytest.mark.parametrize("outcome", ["done", "cancelled"])
def test_an_action_is_closed_with_a_note_by_its_owner(app, login_as, users, units, records, outcome):
    ids = make_conference(app, users, units, records["subject_a"])
    client = login_as("probation")
    path = f"/conference-actions/{ids['action']}"
    without = post_form(client, path, {"outcome": outcome, "note": "", "version": "1"})
    assert without.status_code == 400 and get(app, ConferenceAction, ids["action"]).status == "open"
    note = "Report sent on Tuesday." if outcome == "done" else "The course was cancelled by the college."
    assert post_form(client, path, {"outcome": outcome, "note": note, "version": "1"}).status_code == 302
    action = get(app, ConferenceAction, ids["action"])
    assert action.status == outcome and action.note == note and action.closed_by_id == users["probation"].id
    [closed] = events(app, "conference_action", "close")
    assert closed.details["changes"] == {"status": ["open", outcome]} and note not in str(closed.details)
    assert "Share the education report" not in client.get("/").get_data(as_text=True)


def test_someone_else_cannot_close_an_action_and_a_closed_one_stays_closed(app, login_as, users, units, records):
    ids = make_conference(app, users, units, records["subject_a"])
    path = f"/conference-actions/{ids['action']}"
    assessor = login_as("assessor")
    assert "Close the action" not in assessor.get(path).get_data(as_text=True)
    refused = post_form(assessor, path, {"outcome": "done", "note": "Not mine to close.", "version": "1"})
    assert refused.status_code == 403
    assert get(app, ConferenceAction, ids["action"]).status == "open"
    owner = login_as("probation")
    assert post_form(owner, path, {"outcome": "done", "note": "Report sent.", "version": "1"}).status_code == 302
    again = post_form(owner, path, {"outcome": "cancelled", "note": "Changed my mind.", "version": "2"})
    assert again.status_code == 403 and get(app, ConferenceAction, ids["action"]).status == "done"


# --- scope ----------------------------------------------------------------------------------------------------


def test_a_conference_of_another_unit_is_a_404_like_one_that_does_not_exist(app, login_as, users, units, records):
    ids = make_conference(app, users, units, records["subject_a"])
    outsider = login_as("assessor_b")
    paths = [f"/conferences/{ids['conference']}", f"/conferences/{ids['conference']}/edit",
             f"/conferences/{ids['conference']}/people/{ids['discussion']}",
             f"/conferences/{ids['conference']}/minutes", f"/conference-actions/{ids['action']}"]
    for path in paths:
        assert outsider.get(path).status_code == 404, path
        assert outsider.get(path.replace(str(ids["conference"]), "999999", 1)).status_code == 404
    listing = outsider.get("/conferences").get_data(as_text=True)
    assert "Multi-agency panel" not in listing
    denied = [e for e in events(app, "conference") if e.action == "denied"]
    assert denied and all(e.subject_id is None for e in denied)


def test_admins_see_no_conference(app, login_as, users, units, records):
    ids = make_conference(app, users, units, records["subject_a"])
    admin = login_as("admin")
    assert admin.get("/conferences").status_code == 403
    assert admin.get(f"/conferences/{ids['conference']}").status_code == 403


def test_after_a_transfer_the_person_is_a_person_in_another_unit(app, login_as, users, units, records):
    from app.subjects import services as subjects

    ids = make_conference(app, users, units, records["subject_a"])
    with app.app_context():
        subject = db.session.get(Subject, records["subject_a"])
        assert subject is not None
        subjects.transfer(_as(users["supervisor"].id), subject, units["B"], "community_sentence", today(),
                          "Moved to probation")
        db.session.commit()
    page = login_as("assessor").get(f"/conferences/{ids['conference']}").get_data(as_text=True)
    assert "A person in another unit" in page and "Alice" not in page and "A1000AA" not in page
    assert login_as("assessor").get(
        f"/conferences/{ids['conference']}/people/{ids['discussion']}").status_code == 404


def test_the_conference_page_audits_a_view_naming_the_people_it_shows(app, login_as, users, units, records):
    ids = make_conference(app, users, units, records["subject_a"])
    assert login_as("assessor").get(f"/conferences/{ids['conference']}").status_code == 200
    [view] = [e for e in events(app, "conference", "view")]
    assert view.details["subject_ids"] == [records["subject_a"]] and view.object_id == str(ids["conference"])


# --- the person's page, timeline, erasure, subject access and work ---------------------------------------------


def test_the_persons_page_and_timeline_show_their_conference_decisions(app, login_as, users, units, records):
    make_conference(app, users, units, records["subject_a"], decision="escalate")
    page = login_as("assessor").get(f"/subjects/{records['subject_a']}").get_data(as_text=True)
    assert 'data-testid="conference-decisions"' in page
    assert "Multi-agency panel: Escalate" in page
    assert "No new concern since the last review" in page.split('data-testid="timeline"')[1]


def test_erasure_removes_the_persons_part_and_keeps_the_conference_and_its_other_people(app, users, units,
                                                                                         records):
    from app.retention import services as retention

    other = factories.make_subject(app, users["supervisor"].id, units["A"], "A1001AB", given_name="Ada",
                                   family_name="Able")
    ids = make_conference(app, users, units, records["subject_a"])
    with app.app_context():
        chair = _as(users["supervisor"].id)
        conference = db.session.get(Conference, ids["conference"])
        assert conference is not None
        kept = services.discuss(chair, conference, "A1001AB")
        services.record_decision(chair, kept, services.Decision(
            "", "Shares a cell with Alice Archer (A1000AA).", "continue_monitoring",
            "Nothing new since the move."), kept.version)
        services.record_dissent(chair, db.session.get(Discussion, ids["discussion"]),
                                conference.attendees[0].id, "Thinks it too lenient.")
        subject = db.session.get(Subject, records["subject_a"])
        assert subject is not None
        request = retention.request_erasure(chair, subject, "Retention period passed: rule R4.")
        counts = retention.confirm_erasure(chair, request, subject.reference)
        db.session.commit()
        db.session.expire_all()
        assert counts["conference_discussions"] == 1 and counts["conference_actions"] == 1
        assert counts["conference_dissents"] == 1
        assert db.session.get(Conference, ids["conference"]) is not None
        remaining = db.session.scalars(select(Discussion)).all()
        assert [d.subject_id for d in remaining] == [other]
        assert "Alice" not in remaining[0].notes


def test_the_subject_access_report_lists_the_persons_decisions_and_who_attended(app, users, units, records):
    ids = make_conference(app, users, units, records["subject_a"], decision="refer_to_intervention")
    with app.app_context():
        subject = db.session.get(Subject, records["subject_a"])
        assert subject is not None
        [line] = registry().subject_access(subject)["conferences"]
        assert line.discussion.decision == "Refer to an intervention"
        assert [a.name for a in line.attendees][-1] == "Dr Ruth Okafor"
        assert line.discussion.actions[0].status == "Open"
    assert ids["conference"]


def test_conference_actions_are_a_work_kind_that_lists_reassigns_and_ends(app, users, units, records):
    ids = make_conference(app, users, units, records["subject_a"])
    with app.app_context():
        kind = registry().work_kind("conference_action")
        subject = db.session.get(Subject, records["subject_a"])
        assert subject is not None
        [item] = kind.for_subject(subject)
        assert item.id == ids["action"] and item.owner_id == users["probation"].id
        probation = db.session.get(User, users["probation"].id)
        assert probation is not None
        assert [i.id for i in kind.owned_in_unit(probation, units["A"])] == [ids["action"]]
        assert kind.owned_in_unit(probation, units["B"]) == []
        supervisor = _as(users["supervisor"].id)
        outsider = db.session.get(User, users["assessor_b"].id)
        assert outsider is not None
        with pytest.raises(services.Invalid):
            kind.reassign(ids["action"], outsider, supervisor)
        assessor = db.session.get(User, users["assessor"].id)
        assert assessor is not None
        kind.reassign(ids["action"], assessor, supervisor)
        assert [i.owner_id for i in kind.for_subject(subject)] == [assessor.id]
        assert kind.end is not None
        kind.end(ids["action"], "Handed over to the new unit's plan.", supervisor)
        assert kind.for_subject(subject) == []
        db.session.commit()
    action = get(app, ConferenceAction, ids["action"])
    assert action.status == "cancelled" and action.note.startswith("Handed over")
    [reassigned] = events(app, "conference_action", "update")
    assert reassigned.details["changes"]["owner_id"] == [users["probation"].id, users["assessor"].id]


def test_only_a_supervisor_reassigns_an_action(app, users, units, records):
    ids = make_conference(app, users, units, records["subject_a"])
    with app.app_context():
        kind = registry().work_kind("conference_action")
        owner = _as(users["probation"].id)
        assessor = db.session.get(User, users["assessor"].id)
        assert assessor is not None
        with pytest.raises(services.NotAllowed):
            kind.reassign(ids["action"], assessor, owner)


# --- the minutes ------------------------------------------------------------------------------------------------


def minutes_text(response: Any) -> str:
    reader = PdfReader(io.BytesIO(response.data))
    return "\n".join(page.extract_text() for page in reader.pages)


def test_the_minutes_need_a_purpose_and_a_recipient(app, login_as, users, units, records):
    ids = make_conference(app, users, units, records["subject_a"])
    response = post_form(login_as("assessor"), f"/conferences/{ids['conference']}/minutes",
                         {"purpose": "", "recipient": ""})
    assert response.status_code == 400
    assert events(app, "conference_minutes", "export") == []


def test_the_minutes_read_back_with_marking_decisions_dissent_and_actions(app, login_as, users, units, records):
    ids = make_conference(app, users, units, records["subject_a"], decision="escalate")
    with app.app_context():
        chair = _as(users["supervisor"].id)
        discussion = db.session.get(Discussion, ids["discussion"])
        assert discussion is not None
        services.record_dissent(chair, discussion, discussion.conference.attendees[1].id,
                                "<b>Not</b> enough weight on the family visits.")
        db.session.commit()
    response = post_form(login_as("assessor"), f"/conferences/{ids['conference']}/minutes",
                         {"purpose": "MAPPA review next week", "recipient": "MAPPA coordinator"})
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    text = minutes_text(response)
    for expected in ("OFFICIAL-SENSITIVE", "Page 1 of", "Multi-agency panel", "Alice Archer (A1000AA)", "Escalate",
                     "No new concern since the last review", "<b>Not</b> enough weight", "Dr Ruth Okafor",
                     "Sent apologies", "Share the education report", "MAPPA review next week"):
        assert expected in text, expected
    [export] = events(app, "conference_minutes", "export")
    assert export.details["subject_ids"] == [records["subject_a"]] and export.details["purpose"].startswith("MAPPA")


def test_the_minutes_are_deterministic_and_withhold_a_person_now_out_of_scope(app, users, units, records):
    from app.conferences import minutes

    ids = make_conference(app, users, units, records["subject_a"])
    with app.app_context():
        viewer = _as(users["assessor"].id)
        conference = db.session.get(Conference, ids["conference"])
        assert conference is not None
        data, shown = minutes.gather(viewer, conference, "Review", "Internal use", "OFFICIAL")
        assert minutes.build(data) == minutes.build(data) and shown == [records["subject_a"]]
        subject = db.session.get(Subject, records["subject_a"])
        assert subject is not None
        subject.unit_id = units["B"]
        db.session.flush()
        data, shown = minutes.gather(viewer, conference, "Review", "Internal use", "OFFICIAL")
        assert shown == [] and data.people[0].person == "A person in another unit"
        text = "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(minutes.build(data))).pages)
        assert "Alice" not in text and "A1000AA" not in text and "education report" not in text
        db.session.rollback()


def test_the_subject_access_report_pdf_prints_the_persons_conferences(app, login_as, users, units, records):
    make_conference(app, users, units, records["subject_a"], decision="escalate")
    response = post_form(login_as("supervisor"), f"/subjects/{records['subject_a']}/export/subject-access",
                         {"purpose": "Her request of 1 December", "legal_basis": "subject_access",
                          "recipient": "Alice Archer"})
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    text = minutes_text(response)
    conferences = text[text.index("Case conferences"):]
    for expected in ("Multi-agency panel on", "Escalate", "No new concern since the last review", "Dr Ruth Okafor",
                     "Share the education report"):
        assert expected in conferences, expected


def test_a_new_chair_joins_the_attendees_and_a_stale_change_is_refused(app, login_as, users, units, records):
    ids = make_conference(app, users, units, records["subject_a"], decision=None, action_owner=None)
    client = login_as("supervisor")
    path = f"/conferences/{ids['conference']}/edit"
    form = {"held_on": (today() - timedelta(days=4)).isoformat(), "kind": "case_review",
            "chair": str(users["assessor"].id), "version": "1"}
    assert post_form(client, path, form).status_code == 302
    with app.app_context():
        conference = db.session.get(Conference, ids["conference"])
        assert conference is not None and conference.kind == "case_review"
        assert users["assessor"].id in [a.user_id for a in conference.attendees]
    stale = post_form(client, path, {**form, "kind": "pre_release_planning"})
    assert stale.status_code == 409 and get(app, Conference, ids["conference"]).kind == "case_review"
    [changed] = events(app, "conference", "update")
    assert changed.details["changes"]["chair_id"] == [users["supervisor"].id, users["assessor"].id]


def test_the_conference_rule_and_its_filter_select_the_same_conferences(app, users, units, records):
    from app import policy

    make_conference(app, users, units, records["subject_a"])
    factories.make_conference(app, users["assessor_b"].id, users["assessor_b"].id, units["B"], records["subject_b"],
                              decision=None)
    with app.app_context():
        everything = db.session.scalars(select(Conference)).all()
        for info in users.values():
            user = db.session.get(User, info.id)
            assert user is not None
            by_rule = {c.id for c in everything if policy.can_view_conference(user, c)}
            by_filter = set(db.session.scalars(select(Conference.id).where(policy.conferences_visible_to(user))))
            assert by_rule == by_filter, info.username
            assert (len(by_rule) == 1) == (user.role != "admin"), info.username
