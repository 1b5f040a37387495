"""Handover on transfer (issue 13, item 2): a move between units gives every open piece of work an owner who
will have access in the receiving unit, or ends it with a reason, and is refused while any would be left with
someone who cannot open the person; the receiving unit's supervisors see and acknowledge the handover."""

from __future__ import annotations

from typing import Any

from flask import Flask, g
from sqlalchemy import select

from app.admin import services as admin_services
from app.audit.models import AuditEvent
from app.auth.models import Role, User
from app.db import db, utcnow
from app.interventions.models import Intervention
from app.registry import WorkItem, WorkKind, registry
from app.subjects.handover_models import Handover
from app.subjects.models import Movement, Subject
from tests import factories
from tests.conftest import post_form, signed_in_client

SUPERVISOR_B_PASSWORD = "indigo-pebble-lighthouse-82"
NOTE = "Engages well with his mentor; the family visits on Sundays."


def transfer(client, subject_id: int, unit_id: int, **extra: Any):
    today = utcnow().date().isoformat()
    return post_form(client, f"/subjects/{subject_id}/transfer", {
        "to_unit": str(unit_id), "to_status": "released_on_licence", "moved_on": today, "release_date": today,
        "reason": "Released on licence to the probation region", **extra})


def get(app: Flask, model: type, ident: int) -> Any:
    with app.app_context():
        row = db.session.get(model, ident)
        assert row is not None
        return row


def handovers(app: Flask) -> list[Handover]:
    with app.app_context():
        found = list(db.session.scalars(select(Handover).order_by(Handover.id)))
        for h in found:
            _ = [(i.title, i.previous_owner, i.new_owner) for i in h.items]
        return found


def events(app: Flask, action: str) -> list[AuditEvent]:
    with app.app_context():
        return list(db.session.scalars(select(AuditEvent).where(AuditEvent.action == action)
                                       .order_by(AuditEvent.id)))


def supervisor_b(app: Flask):
    info = factories.make_user(app, "supervisor_b", Role.SUPERVISOR, [factories.UNIT_B], SUPERVISOR_B_PASSWORD)
    return info, signed_in_client(app, info)


def test_a_transfer_that_would_leave_an_intervention_with_someone_without_access_is_refused(
        app, login_as, users, units, records):
    sid = records["subject_a"]
    iid = factories.make_intervention(app, users["assessor"].id, sid, users["probation"].id)
    response = transfer(login_as("supervisor"), sid, units["B"], handover_note=NOTE)
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "Probation will not have access to the person in Bravo Probation Region" in page
    assert NOTE in page and "Released on licence to the probation region" in page  # nothing typed is lost
    assert "Assessor B (Assessor)" in page  # the receiving unit's case workers are now offered
    assert get(app, Subject, sid).unit_id == units["A"]
    assert get(app, Intervention, iid).owner_id == users["probation"].id
    with app.app_context():
        assert db.session.scalars(select(Movement).where(Movement.subject_id == sid)).all() == []
    assert handovers(app) == [] and events(app, "transfer") == []


def test_a_transfer_hands_the_intervention_to_a_case_worker_of_the_receiving_unit(
        app, login_as, users, units, records):
    sid = records["subject_a"]
    iid = factories.make_intervention(app, users["assessor"].id, sid, users["probation"].id)
    response = transfer(login_as("supervisor"), sid, units["B"], handover_note=NOTE,
                        **{f"owner_intervention_{iid}": str(users["assessor_b"].id)})
    assert response.status_code == 302, response.get_data(as_text=True)
    assert get(app, Intervention, iid).owner_id == users["assessor_b"].id
    assert login_as("assessor_b").get(f"/interventions/{iid}").status_code == 200
    [handover] = handovers(app)
    assert (handover.from_unit_id, handover.to_unit_id, handover.note) == (units["A"], units["B"], NOTE)
    [item] = handover.items
    assert (item.kind, item.item_id, item.outcome) == ("intervention", iid, "reassigned")
    assert (item.previous_owner_id, item.new_owner_id) == (users["probation"].id, users["assessor_b"].id)
    audit = events(app, "handover")[-1]
    assert audit.subject_id == sid and NOTE not in str(audit.details)
    assert audit.details["note_sha256"] and audit.details["items"][0]["to"] == users["assessor_b"].id
    assert events(app, "reassign")[-1].details["changes"]["owner_id"] == [users["probation"].id,
                                                                          users["assessor_b"].id]


def test_a_new_owner_who_will_not_have_access_in_the_receiving_unit_is_refused(app, login_as, users, units,
                                                                               records):
    sid = records["subject_a"]
    iid = factories.make_intervention(app, users["assessor"].id, sid, users["probation"].id)
    response = transfer(login_as("supervisor"), sid, units["B"],
                        **{f"owner_intervention_{iid}": str(users["assessor"].id)})
    assert response.status_code == 400
    assert "Choose a case worker of Bravo Probation Region" in response.get_data(as_text=True)
    assert get(app, Subject, sid).unit_id == units["A"]


def test_ending_an_intervention_on_transfer_needs_a_reason_and_withdraws_it(app, login_as, users, units, records):
    sid = records["subject_a"]
    iid = factories.make_intervention(app, users["assessor"].id, sid, users["probation"].id)
    supervisor = login_as("supervisor")
    missing = transfer(supervisor, sid, units["B"], **{f"owner_intervention_{iid}": "end"})
    assert missing.status_code == 400 and "Say why it ends" in missing.get_data(as_text=True)
    assert get(app, Subject, sid).unit_id == units["A"]
    ended = transfer(supervisor, sid, units["B"], **{f"owner_intervention_{iid}": "end",
                                                      f"reason_intervention_{iid}": "Provider works in prisons only"})
    assert ended.status_code == 302
    intervention = get(app, Intervention, iid)
    assert (intervention.status, intervention.end_reason) == ("withdrawn", "Provider works in prisons only")
    assert handovers(app)[0].items[0].outcome == "ended"


def test_a_case_owner_left_without_access_is_released_to_the_receiving_unit_and_listed(app, login_as, users, units,
                                                                                        records):
    sid = records["subject_a"]
    supervisor = login_as("supervisor")
    post_form(supervisor, f"/subjects/{sid}/allocate", {"owner": str(users["assessor"].id), "note": ""})
    assert transfer(supervisor, sid, units["B"]).status_code == 302
    assert get(app, Subject, sid).case_owner_id is None
    [item] = handovers(app)[0].items
    assert (item.kind, item.outcome, item.previous_owner_id) == ("caseload", "released", users["assessor"].id)


def test_receiving_supervisors_see_incoming_handovers_and_acknowledge_them(app, login_as, users, units, records):
    sid = records["subject_a"]
    info, receiving = supervisor_b(app)
    transfer(login_as("supervisor"), sid, units["B"], handover_note=NOTE)
    [handover] = handovers(app)
    board = receiving.get("/").get_data(as_text=True)
    assert "Incoming handovers" in board and f"/handovers/{handover.id}" in board
    page = receiving.get(f"/handovers/{handover.id}").get_data(as_text=True)
    assert NOTE in page and "Acknowledge the handover" in page
    # The sending unit's supervisor reads it, but acknowledging is for the receiving unit.
    sending = login_as("supervisor")
    assert sending.get(f"/handovers/{handover.id}").status_code == 200
    assert post_form(sending, f"/handovers/{handover.id}/acknowledge", {},
                     token_from=f"/handovers/{handover.id}").status_code == 403
    assert "Incoming handovers" not in sending.get("/").get_data(as_text=True)
    response = post_form(receiving, f"/handovers/{handover.id}/acknowledge", {}, token_from="/")
    assert response.status_code == 302
    done = handovers(app)[0]
    assert done.acknowledged_by_id == info.id and done.acknowledged_at is not None
    assert events(app, "acknowledge")[-1].subject_id == sid
    assert "Incoming handovers" not in receiving.get("/").get_data(as_text=True)


def test_a_handover_is_404_to_a_supervisor_of_neither_unit_and_403_to_a_case_worker(app, login_as, units, records):
    transfer(login_as("supervisor"), records["subject_a"], units["B"])
    [handover] = handovers(app)
    with app.app_context():
        g.cli_actor = "tests"
        admin_services.create_unit("UNIT-C", "HMP Charlie", "prison")
        db.session.commit()
    outsider = factories.make_user(app, "supervisor_c", Role.SUPERVISOR, ["UNIT-C"], "walnut-harbour-cobalt-63")
    assert signed_in_client(app, outsider).get(f"/handovers/{handover.id}").status_code == 404
    assert signed_in_client(app, outsider).get("/handovers/999999").status_code == 404
    assert login_as("assessor_b").get(f"/handovers/{handover.id}").status_code == 403


def fake_kind(owned: dict[int, int]) -> WorkKind:
    """A second kind of work (conference actions stand-in): item ids → owner ids, all about one person."""
    subject_of: dict[int, int] = {}

    def for_subject(subject: Subject) -> list[WorkItem]:
        subject_of.update(dict.fromkeys(owned, subject.id))
        return [WorkItem("fake", i, subject.id, owner, f"Action {i}") for i, owner in owned.items()]

    def reassign(item_id: int, new_owner: User, _actor: User) -> None:
        owned[item_id] = new_owner.id

    return WorkKind("fake", "Action", for_subject=for_subject,
                    owned_in_unit=lambda user, _unit: [WorkItem("fake", i, subject_of.get(i, 0), o, f"Action {i}")
                                                       for i, o in owned.items() if o == user.id],
                    reassign=reassign)


def test_every_registered_kind_of_work_is_handed_over(app, login_as, users, units, records):
    owned = {7: users["assessor"].id}
    registry_of_app = app.extensions["waypoint_registry"]
    registry_of_app.register_work(fake_kind(owned))
    sid = records["subject_a"]
    supervisor = login_as("supervisor")
    refused = transfer(supervisor, sid, units["B"])
    assert refused.status_code == 400 and "Action 7" in refused.get_data(as_text=True)
    assert "End it, with the reason below" not in refused.get_data(as_text=True)  # this kind cannot be ended
    assert transfer(supervisor, sid, units["B"], owner_fake_7=str(users["assessor_b"].id)).status_code == 302
    assert owned == {7: users["assessor_b"].id}
    with app.app_context():
        assert [k.name for k in registry().work_kinds][-1] == "fake"


def test_an_assessment_draft_goes_only_to_an_accredited_case_worker_of_the_receiving_unit(app, login_as, users, units,
                                                                                         records):
    from app.assessments.models import Assessment

    sid = records["subject_a"]
    factories.accredit(app, users["assessor"].id)
    draft = factories.make_assessment(app, users["assessor"].id, sid)
    supervisor = login_as("supervisor")
    left = transfer(supervisor, sid, units["B"])
    assert left.status_code == 400 and "Assessor will not have access" in left.get_data(as_text=True)
    assert "End it, with the reason below" not in left.get_data(as_text=True)  # a draft is never just ended
    choice = {f"owner_assessment_draft_{draft}": str(users["assessor_b"].id)}
    unaccredited = transfer(supervisor, sid, units["B"], **choice)
    assert unaccredited.status_code == 400
    assert "Assessor B holds no current accreditation" in unaccredited.get_data(as_text=True)
    assert get(app, Subject, sid).unit_id == units["A"]
    assert get(app, Assessment, draft).author_id == users["assessor"].id
    factories.accredit(app, users["assessor_b"].id)
    assert transfer(supervisor, sid, units["B"], **choice).status_code == 302
    assert get(app, Assessment, draft).author_id == users["assessor_b"].id
    assert login_as("assessor_b").get(f"/assessments/{draft}/edit").status_code == 200


def test_the_handover_is_in_the_subject_access_report_and_on_the_timeline(app, login_as, users, units, records):
    from tests.test_exports_subject_access import REQUEST, pdf_text

    sid = records["subject_a"]
    iid = factories.make_intervention(app, users["assessor"].id, sid, users["probation"].id)
    transfer(login_as("supervisor"), sid, units["B"], handover_note=NOTE,
             **{f"owner_intervention_{iid}": str(users["assessor_b"].id)})
    _, receiving = supervisor_b(app)
    assert "Handed over to Bravo Probation Region" in receiving.get(f"/subjects/{sid}").get_data(as_text=True)
    response = post_form(receiving, f"/subjects/{sid}/export/subject-access", REQUEST)
    assert response.status_code == 200
    text = pdf_text(response.data)
    for expected in ("Handovers between units", NOTE, "Mentoring (active)", "Handed to a new owner", "Assessor B",
                     "handed over to another unit"):
        assert expected in text, expected


def test_a_change_of_status_within_the_unit_hands_nothing_over_and_says_so(app, login_as, users, units, records):
    sid = records["subject_a"]
    iid = factories.make_intervention(app, users["assessor"].id, sid, users["probation"].id)
    today = utcnow().date().isoformat()
    supervisor = login_as("supervisor")
    status_only = {"to_unit": str(units["A"]), "to_status": "remand", "moved_on": today, "release_date": "",
                   "reason": "Sentence quashed on appeal; remanded for retrial"}
    refused = post_form(supervisor, f"/subjects/{sid}/transfer", {
        **status_only, "handover_note": NOTE, f"owner_intervention_{iid}": "end",
        f"reason_intervention_{iid}": "No longer needed"})
    assert refused.status_code == 400
    page = refused.get_data(as_text=True)
    assert "goes with a move to another unit only" in page and "leave the work with its owner" in page
    assert get(app, Subject, sid).status != "remand"
    done = post_form(supervisor, f"/subjects/{sid}/transfer", status_only)
    assert done.status_code == 302 and get(app, Subject, sid).status == "remand"
    assert handovers(app) == [] and get(app, Intervention, iid).status == "active"
