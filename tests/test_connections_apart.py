"""Keep-apart that works (issue 12, item 5): people's locations, keep-aparts enforced once a supervisor
authorises them, at their level and every narrower one, on every location change and transfer; a move that
meets one goes ahead only on a supervisor's confirmation with a reason, recorded and audited; and a person
the user may not see is never named."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import pytest
from flask import Flask, g
from flask.testing import FlaskClient
from sqlalchemy import select

from app import create_app, policy
from app.admin import services as admin
from app.audit.models import AuditEvent
from app.auth.models import Role, User
from app.connections import apart
from app.connections.models import KeepApartOverride, LinkStatus, PersonLink
from app.db import db, utcnow
from app.errors import Conflict, Invalid, NotAllowed
from app.registry import Move, registry
from app.subjects import moves
from app.subjects.models import Subject
from tests import factories
from tests.conftest import csrf_token, post_form, signed_in_client

CAMPION = "HMP Campion"


@dataclass
class World:
    x: int  # Xavier Xu, HMP Alpha (unit A), wing C landing 1 cell 1
    y: int  # Yara Young, HMP Alpha, wing B landing 2 cell 14
    z: int  # Zeke Zimmer, HMP Campion (unit C), out of unit A's scope
    unit_c: int
    supervisor_c: factories.UserInfo


def _as(app: Flask, user_id: int) -> User:
    user = db.session.get(User, user_id)
    assert user is not None
    g.user = user
    return user


def _subject(subject_id: int) -> Subject:
    subject = db.session.get(Subject, subject_id)
    assert subject is not None
    return subject


def place(app: Flask, actor_id: int, subject_id: int, wing: str | None, landing: str | None = None,
          cell: str | None = None) -> None:
    with app.app_context():
        subject = _subject(subject_id)
        moves.change_location(_as(app, actor_id), subject, moves.Location(wing, landing, cell), subject.version)
        db.session.commit()


def values(level: str, **overrides: Any) -> apart.KeepApartValues:
    found = apart.KeepApartValues(level=level, evidence="Threats at association, security report 5521.",
                                  source="Security department", learnt_on=utcnow().date(), source_grade="2",
                                  intelligence_grade="B", handling_code="P")
    return apart.KeepApartValues(**{**found.__dict__, **overrides})


def keep_apart(app: Flask, actor_id: int, subject_id: int, other_id: int, level: str,
               authorised_by: int | None = None) -> int:
    """A keep-apart recorded through the service (to a person out of the author's scope, confirmed by the
    supervisor of their unit as conn-links' confirmation does), and authorised by `authorised_by` when given."""
    with app.app_context():
        link = apart.create_keep_apart(_as(app, actor_id), _subject(subject_id), _subject(other_id), values(level))
        if link.status == LinkStatus.PENDING:
            link.status, link.confirmed_at = LinkStatus.ACTIVE.value, utcnow()
            db.session.flush()
        if authorised_by is not None:
            apart.authorise(_as(app, authorised_by), link, link.version)
        db.session.commit()
        return link.id


@pytest.fixture
def world(app: Flask, users: dict[str, factories.UserInfo], units: dict[str, int]) -> World:
    with app.app_context():
        g.cli_actor = "tests"
        unit_c = admin.create_unit("UNIT-C", CAMPION, "prison").id
        db.session.commit()
    supervisor_c = factories.make_user(app, "supervisor_c", Role.SUPERVISOR, ["UNIT-C"], "saffron-quarry-lagoon-76")
    sup = users["supervisor"].id
    x = factories.make_subject(app, sup, units["A"], "A3000XX", given_name="Xavier", family_name="Xu")
    y = factories.make_subject(app, sup, units["A"], "A4000YY", given_name="Yara", family_name="Young")
    z = factories.make_subject(app, supervisor_c.id, unit_c, "C5000ZZ", given_name="Zeke", family_name="Zimmer")
    place(app, sup, x, "C", "1", "1")
    place(app, sup, y, "B", "2", "14")
    return World(x, y, z, unit_c, supervisor_c)


def try_move(app: Flask, actor_id: int, subject_id: int, wing: str | None, landing: str | None = None,
             cell: str | None = None) -> list[str]:
    """The conflicts a location change meets, as the actor is told them (none: the move was made)."""
    with app.app_context():
        subject = _subject(subject_id)
        try:
            moves.change_location(_as(app, actor_id), subject, moves.Location(wing, landing, cell), subject.version)
        except moves.MoveNeedsConfirmation as exc:
            db.session.rollback()
            return [c.message for c in exc.conflicts]
        db.session.commit()
        return []


# --- levels ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("level", "to", "where"), [
    ("cell", ("B", "2", "14"), "both would be in cell 14 (wing B, landing 2)"),
    ("landing", ("B", "2", "15"), "both would be on landing 2 of wing B"),
    ("landing", ("B", "2", "14"), "both would be on landing 2 of wing B"),  # a narrower move is caught too
    ("wing", ("B", "3", "1"), "both would be on wing B"),
    ("wing", ("b", " 2 ", "14"), "both would be on wing b"),  # the same wing however typed
    ("establishment", ("D", None, None), "both would be in HMP Alpha"),
    ("establishment", ("B", "2", "14"), "both would be in HMP Alpha"),
])
def test_each_level_of_keep_apart_catches_a_move_within_it(app: Flask, users, world: World, level: str,
                                                           to: tuple[str, ...], where: str) -> None:
    keep_apart(app, users["assessor"].id, world.x, world.y, level, authorised_by=users["supervisor"].id)
    found = try_move(app, users["assessor"].id, world.x, *to)
    assert found == [f"Keep apart from Yara Young (A4000YY), {level} level: {where}."]


@pytest.mark.parametrize(("level", "to"), [
    ("cell", ("B", "2", "15")),
    ("landing", ("B", "3", "14")),
    ("wing", ("D", "2", "14")),  # a different wing is no conflict at wing level, whatever the landing and cell
    ("cell", (None, None, None)),  # a person whose cell is not known shares no cell
])
def test_a_move_outside_the_level_is_no_conflict(app: Flask, users, world: World, level: str,
                                                 to: tuple[str | None, ...]) -> None:
    keep_apart(app, users["assessor"].id, world.x, world.y, level, authorised_by=users["supervisor"].id)
    assert try_move(app, users["assessor"].id, world.x, *to) == []
    with app.app_context():
        assert _subject(world.x).wing == to[0]


def test_an_unauthorised_keep_apart_is_recorded_but_not_enforced(app: Flask, users, world: World) -> None:
    keep_apart(app, users["assessor"].id, world.x, world.y, "wing")
    assert try_move(app, users["assessor"].id, world.x, "B", "2", "14") == []


def test_a_declined_keep_apart_is_not_enforced(app: Flask, users, world: World) -> None:
    link_id = keep_apart(app, users["assessor"].id, world.x, world.y, "wing")
    with app.app_context():
        link = db.session.get(PersonLink, link_id)
        apart.decline(_as(app, users["supervisor"].id), link, "No evidence of any threat.", link.version)
        db.session.commit()
    assert try_move(app, users["assessor"].id, world.x, "B", "2", "14") == []


def test_an_ended_keep_apart_is_not_enforced(app: Flask, users, world: World) -> None:
    link_id = keep_apart(app, users["assessor"].id, world.x, world.y, "wing", authorised_by=users["supervisor"].id)
    with app.app_context():
        link = db.session.get(PersonLink, link_id)
        link.status, link.ended_at, link.end_reason = LinkStatus.ENDED.value, utcnow(), "Released."
        db.session.commit()
    assert try_move(app, users["assessor"].id, world.x, "B", "2", "14") == []


def test_a_keep_apart_binds_both_people_whichever_way_it_was_recorded(app: Flask, users, world: World) -> None:
    keep_apart(app, users["assessor"].id, world.y, world.x, "landing", authorised_by=users["supervisor"].id)
    assert try_move(app, users["assessor"].id, world.x, "B", "2", "1") == [
        "Keep apart from Yara Young (A4000YY), landing level: both would be on landing 2 of wing B."]


# --- the form: warning, the officer who cannot confirm, the supervisor who does ---------------------------


def location_post(client: FlaskClient, subject_id: int, **data: str) -> Any:
    """The location form as the browser sends it, from the record as it is now."""
    path = f"/subjects/{subject_id}/location"
    page = client.get(path).get_data(as_text=True)
    version = re.search(r'name="version" type="hidden" value="(\d+)"', page)
    assert version is not None, page
    return client.post(path, data={"csrf_token": csrf_token(client, path), "version": version.group(1), **data})


def test_a_location_change_that_meets_a_keep_apart_warns_and_keeps_the_input(app: Flask, users, world: World,
                                                                           login_as) -> None:
    keep_apart(app, users["assessor"].id, world.x, world.y, "wing", authorised_by=users["supervisor"].id)
    response = location_post(login_as("assessor"), world.x, wing="B", landing="3", cell="7")
    page = response.get_data(as_text=True)
    assert response.status_code == 409
    assert "Keep apart from Yara Young (A4000YY), wing level: both would be on wing B." in page
    assert "unit can confirm this move: ask one, or choose another place." in page
    for name, value in (("wing", "B"), ("landing", "3"), ("cell", "7")):
        assert f'name="{name}" type="text" value="{value}"' in page or f'value="{value}"' in page
    assert 'name="confirm_move"' not in page  # an officer is not offered the confirmation
    with app.app_context():
        assert (_subject(world.x).wing, _subject(world.x).cell) == ("C", "1")
        assert db.session.scalar(select(KeepApartOverride.id)) is None
        seen = db.session.scalars(select(AuditEvent).where(AuditEvent.object_type == "move_conflicts")).all()
        assert [e.details["subject_ids"] for e in seen] == [[world.y]]


def test_an_officer_cannot_complete_a_move_that_meets_a_keep_apart(app: Flask, users, world: World,
                                                                    login_as) -> None:
    keep_apart(app, users["assessor"].id, world.x, world.y, "cell", authorised_by=users["supervisor"].id)
    response = location_post(login_as("assessor"), world.x, wing="B", landing="2", cell="14", confirm_move="y",
                             move_reason="The only bed left on the unit tonight.",
                             warned_move=f"location|{_unit_of(app, world.x)}|B|2|14")
    assert response.status_code == 409
    with app.app_context():
        assert _subject(world.x).cell == "1"
        assert db.session.scalar(select(KeepApartOverride.id)) is None


def _unit_of(app: Flask, subject_id: int) -> int:
    with app.app_context():
        return _subject(subject_id).unit_id


def test_a_supervisor_confirms_a_move_with_a_reason_recorded_and_audited(app: Flask, users, world: World,
                                                                          login_as) -> None:
    link_id = keep_apart(app, users["assessor"].id, world.x, world.y, "wing", authorised_by=users["supervisor"].id)
    client = login_as("supervisor")
    warned = location_post(client, world.x, wing="B", landing="3", cell="7")
    assert warned.status_code == 409
    page = warned.get_data(as_text=True)
    assert 'name="confirm_move"' in page and 'name="move_reason"' in page
    key = f"location|{_unit_of(app, world.x)}|B|3|7"
    assert f'value="{key}"' in page
    reason = "Wing C is closed for repairs; staffed observation on B."
    done = location_post(client, world.x, wing="B", landing="3", cell="7", confirm_move="y", move_reason=reason,
                         warned_move=key)
    assert done.status_code == 302, done.get_data(as_text=True)
    with app.app_context():
        subject = _subject(world.x)
        assert (subject.wing, subject.landing, subject.cell) == ("B", "3", "7")
        override = db.session.scalars(select(KeepApartOverride)).one()
        assert (override.subject_id, override.link_id, override.move, override.level, override.reason,
                override.confirmed_by_id) == (world.x, link_id, "location", "wing", reason, users["supervisor"].id)
        event = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "override_keep_apart")).one()
        assert event.subject_id == world.x and event.details["subject_ids"] == [world.y]
        assert reason not in str(event.details) and event.details["reason_sha256"]
        moved = db.session.scalars(select(AuditEvent).where(AuditEvent.object_type == "subject_location")
                                   .order_by(AuditEvent.id.desc())).first()
        assert moved.details["changes"]["wing"] == ["C", "B"] and moved.details["confirmed_conflicts"] == 1
        entries = [e.title for e in registry().timeline(subject)]
        assert "Move confirmed over a keep-apart" in entries and "Location changed" in entries


def test_a_confirmation_without_a_reason_saves_nothing_and_keeps_the_input(app: Flask, users, world: World,
                                                                           login_as) -> None:
    keep_apart(app, users["assessor"].id, world.x, world.y, "wing", authorised_by=users["supervisor"].id)
    key = f"location|{_unit_of(app, world.x)}|B|3|7"
    response = location_post(login_as("supervisor"), world.x, wing="B", landing="3", cell="7", warned_move=key,
                             move_reason="short")
    page = response.get_data(as_text=True)
    assert response.status_code == 409
    assert "Tick to confirm that the move goes ahead despite the keep-apart." in page
    assert "Give the reason the move must go ahead (at least 10 characters)." in page
    assert re.search(r">\s*short</textarea>", page)
    with app.app_context():
        assert _subject(world.x).wing == "C" and db.session.scalar(select(KeepApartOverride.id)) is None


def test_a_confirmation_covers_only_the_move_that_was_warned_of(app: Flask, users, world: World, login_as) -> None:
    keep_apart(app, users["assessor"].id, world.x, world.y, "wing", authorised_by=users["supervisor"].id)
    stale = f"location|{_unit_of(app, world.x)}|B|3|7"
    response = location_post(login_as("supervisor"), world.x, wing="B", landing="2", cell="14", confirm_move="y",
                             move_reason="Wing C is closed for repairs.", warned_move=stale)
    assert response.status_code == 409
    with app.app_context():
        assert _subject(world.x).wing == "C"


# --- transfers and scope -----------------------------------------------------------------------------------


def transfer_post(client: FlaskClient, subject_id: int, to_unit: int, **data: str) -> Any:
    path = f"/subjects/{subject_id}/transfer"
    form = {"to_unit": str(to_unit), "to_status": "sentenced", "moved_on": utcnow().date().isoformat(),
            "reason": "Move nearer to family.", **data}
    return client.post(path, data={"csrf_token": csrf_token(client, path), **form})


def test_a_transfer_into_the_unit_of_an_out_of_scope_person_warns_without_naming_them(
        app: Flask, users, world: World, login_as) -> None:
    keep_apart(app, world.supervisor_c.id, world.z, world.x, "establishment", authorised_by=world.supervisor_c.id)
    client = login_as("supervisor")
    response = transfer_post(client, world.x, world.unit_c)
    page = response.get_data(as_text=True)
    assert response.status_code == 409
    assert "A keep-apart conflict with a person in that unit." in page
    conflicts = page[page.index('data-testid="move-conflicts"'):]
    conflicts = conflicts[:conflicts.index("</div>")]
    for secret in ("Zeke", "Zimmer", "C5000ZZ", CAMPION, f"/subjects/{world.z}"):
        assert secret not in page if secret != CAMPION else secret not in conflicts
    assert re.search(r">\s*Move nearer to family.</textarea>", page)
    key = f"transfer|{world.unit_c}|||"
    assert f'name="warned_move" type="hidden" value="{key}"' in page
    done = transfer_post(client, world.x, world.unit_c, confirm_move="y", warned_move=key,
                         move_reason="Court order: production at the local crown court.")
    assert done.status_code == 302, done.get_data(as_text=True)
    with app.app_context():
        subject = _subject(world.x)
        assert subject.unit_id == world.unit_c
        assert (subject.wing, subject.landing, subject.cell) == (None, None, None)  # a transfer clears it
        override = db.session.scalars(select(KeepApartOverride)).one()
        assert (override.move, override.level, override.subject_id) == ("transfer", "establishment", world.x)
        events = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "transfer")).all()
        assert events[-1].details["changes"]["wing"] == ["C", None]


def test_a_transfer_names_the_conflict_to_a_supervisor_who_may_see_the_other_person(
        app: Flask, users, world: World) -> None:
    both = factories.make_user(app, "supervisor_ac", Role.SUPERVISOR, [factories.UNIT_A, "UNIT-C"],
                               "walnut-harbour-sparrow-77")
    keep_apart(app, both.id, world.z, world.x, "establishment", authorised_by=both.id)
    response = transfer_post(signed_in_client(app, both), world.x, world.unit_c)
    assert response.status_code == 409
    assert (f"Keep apart from Zeke Zimmer (C5000ZZ), establishment level: both would be in {CAMPION}."
            in response.get_data(as_text=True))


def test_a_status_change_within_the_unit_keeps_the_location_and_meets_no_keep_apart(app: Flask, users,
                                                                                   world: World) -> None:
    keep_apart(app, users["assessor"].id, world.x, world.y, "establishment", authorised_by=users["supervisor"].id)
    with app.app_context():
        from app.subjects import services

        subject = _subject(world.x)
        services.transfer(_as(app, users["supervisor"].id), subject, subject.unit_id, "remand", utcnow().date(),
                          "Conviction quashed on appeal; remanded for retrial.")
        db.session.commit()
        assert (_subject(world.x).status, _subject(world.x).wing) == ("remand", "C")


# --- locations ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("typed", "field", "message"), [
    (("", "2", ""), "wing", "A landing is on a wing: give the wing too."),
    (("B", "", "14"), "landing", "A cell is on a landing: give the landing too."),
    (("B" * 41, "", ""), "wing", "Use at most 40 characters."),
    (("C", "1", "1"), "wing", "That is where the person is now: give the new location."),
])
def test_a_bad_location_is_refused_with_a_message(app: Flask, users, world: World, typed: tuple[str, ...],
                                                  field: str, message: str) -> None:
    with app.app_context():
        subject = _subject(world.x)
        with pytest.raises(Invalid) as caught:
            moves.change_location(_as(app, users["assessor"].id), subject, moves.Location(*typed), subject.version)
        assert message in caught.value.field_errors[field]


def test_a_location_is_trimmed_shown_in_the_header_and_on_the_timeline(app: Flask, users, world: World,
                                                                      login_as) -> None:
    client = login_as("assessor")
    response = location_post(client, world.y, wing="  A ", landing=" 1", cell="9  ")
    assert response.status_code == 302
    page = client.get(f"/subjects/{world.y}").get_data(as_text=True)
    assert '<span data-testid="location">wing A, landing 1, cell 9</span>' in page
    assert "Location changed" in page and "Now wing A, landing 1, cell 9." in page
    assert "Change location" in page


def test_a_location_edited_meanwhile_is_not_overwritten(app: Flask, users, world: World) -> None:
    with app.app_context():
        subject = _subject(world.x)
        stale = subject.version
        moves.change_location(_as(app, users["assessor"].id), subject, moves.Location("D"), stale)
        db.session.commit()
        with pytest.raises(Conflict):
            moves.change_location(_as(app, users["assessor"].id), _subject(world.x), moves.Location("E"), stale)


def test_people_under_probation_have_no_location_form(app: Flask, users, records, login_as) -> None:
    response = login_as("assessor_b").get(f"/subjects/{records['subject_b']}/location")
    assert response.status_code == 403


# --- authorisation by a supervisor ---------------------------------------------------------------------------


def test_a_supervisor_authorises_a_keep_apart_from_the_awaiting_list(app: Flask, users, world: World,
                                                                     login_as) -> None:
    link_id = keep_apart(app, users["assessor"].id, world.x, world.y, "wing")
    client = login_as("supervisor")
    listed = client.get("/keep-apart/awaiting").get_data(as_text=True)
    assert "Xavier Xu (A3000XX)" in listed and "Yara Young (A4000YY)" in listed
    assert "Not on the same wing" in listed
    assert "Xavier Xu (A3000XX) and Yara Young (A4000YY)" in client.get("/").get_data(as_text=True)
    response = post_form(client, f"/keep-apart/{link_id}/authorise", {"version": "1"},
                         token_from=f"/keep-apart/{link_id}")
    assert response.status_code == 302
    with app.app_context():
        link = db.session.get(PersonLink, link_id)
        assert link.authorised_by_id == users["supervisor"].id and link.authorised_at is not None
        event = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "authorise_keep_apart")).one()
        assert event.subject_id == world.x and event.details["subject_ids"] == [world.y]
        assert "Keep-apart authorised" in [e.title for e in registry().timeline(_subject(world.y))]
    assert "None waiting." in client.get("/keep-apart/awaiting").get_data(as_text=True)


def test_declining_a_keep_apart_needs_a_reason(app: Flask, users, world: World, login_as) -> None:
    link_id = keep_apart(app, users["assessor"].id, world.x, world.y, "cell")
    client = login_as("supervisor")
    refused = post_form(client, f"/keep-apart/{link_id}/decline", {"version": "1", "reason": "no"},
                        token_from=f"/keep-apart/{link_id}")
    assert refused.status_code == 400
    assert "Give the reason it is declined (at least 10 characters)." in refused.get_data(as_text=True)
    assert re.search(r">\s*no</textarea>", refused.get_data(as_text=True))
    reason = "The two were cellmates for a year without incident."
    done = post_form(client, f"/keep-apart/{link_id}/decline", {"version": "1", "reason": reason},
                     token_from=f"/keep-apart/{link_id}")
    assert done.status_code == 302
    with app.app_context():
        link = db.session.get(PersonLink, link_id)
        assert (link.status, link.end_reason, link.ended_by_id) == ("refused", reason, users["supervisor"].id)
        event = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "decline_keep_apart")).one()
        assert reason not in str(event.details)


def test_a_keep_apart_decided_meanwhile_is_not_decided_twice(app: Flask, users, world: World, login_as) -> None:
    link_id = keep_apart(app, users["assessor"].id, world.x, world.y, "cell")
    with app.app_context():
        link = db.session.get(PersonLink, link_id)
        with pytest.raises(Conflict):
            apart.authorise(_as(app, users["supervisor"].id), link, link.version + 1)


def test_an_officer_cannot_authorise_and_another_units_supervisor_gets_404(app: Flask, users, world: World,
                                                                            login_as) -> None:
    link_id = keep_apart(app, users["assessor"].id, world.x, world.y, "cell")
    assert login_as("assessor").get(f"/keep-apart/{link_id}").status_code == 403
    assert signed_in_client(app, world.supervisor_c).get(f"/keep-apart/{link_id}").status_code == 404
    assert signed_in_client(app, world.supervisor_c).get("/keep-apart/999999").status_code == 404
    with app.app_context():
        link = db.session.get(PersonLink, link_id)
        with pytest.raises(NotAllowed):
            apart.authorise(_as(app, users["assessor"].id), link, link.version)


def test_the_other_units_supervisor_sees_a_person_in_another_unit_and_no_evidence(app: Flask, users,
                                                                                   world: World) -> None:
    link_id = keep_apart(app, world.supervisor_c.id, world.z, world.x, "establishment")
    page = signed_in_client(app, users["supervisor"]).get(f"/keep-apart/{link_id}").get_data(as_text=True)
    assert "Xavier Xu (A3000XX)" in page and "a person in another unit" in page
    for secret in ("Zeke", "Zimmer", "C5000ZZ", CAMPION, "security report 5521", f"/subjects/{world.z}"):
        assert secret not in page


@pytest.mark.parametrize("own", [True, False])
def test_refusing_oneself_a_duplicate_and_a_future_date(app: Flask, users, world: World, own: bool) -> None:
    keep_apart(app, users["assessor"].id, world.x, world.y, "wing")
    with app.app_context():
        actor = _as(app, users["assessor"].id)
        with pytest.raises(Invalid) as caught:
            if own:
                apart.create_keep_apart(actor, _subject(world.x), _subject(world.x), values("wing"))
            else:
                apart.create_keep_apart(actor, _subject(world.y), _subject(world.x), values(
                    "cell", learnt_on=utcnow().date().replace(year=utcnow().year + 1)))
        errors = caught.value.field_errors
        if own:
            assert errors["other"] == ["A person cannot be kept apart from themselves."]
        else:
            assert "already have a current keep-apart" in errors["other"][0]
            assert errors["learnt_on"] == ["The date it was learnt cannot be in the future."]


# --- the person's page: the alert backed by real links -------------------------------------------------------


def test_the_keep_apart_alert_names_the_people_the_viewer_may_see(app: Flask, users, world: World,
                                                                  login_as) -> None:
    keep_apart(app, users["assessor"].id, world.x, world.y, "wing", authorised_by=users["supervisor"].id)
    keep_apart(app, world.supervisor_c.id, world.z, world.x, "establishment")
    with app.app_context():
        subject = _subject(world.x)
        from app.subjects import services

        current = services.values_of(subject)
        current.alert_codes = ["keep_apart"]
        services.update_subject(_as(app, users["supervisor"].id), subject, current, subject.version)
        db.session.commit()
    page = login_as("assessor").get(f"/subjects/{world.x}").get_data(as_text=True)
    panel = page[page.index('id="keep-apart"'):]
    assert "the people this alert names" in panel
    assert "Yara Young (A4000YY)" in panel and "HMP Alpha, wing B, landing 2, cell 14" in panel
    assert "a person in another unit" in panel
    for secret in ("Zeke", "Zimmer", "C5000ZZ", CAMPION, f"/subjects/{world.z}"):
        assert secret not in page
    with app.app_context():
        seen = db.session.scalars(select(AuditEvent).where(AuditEvent.object_type == "subject_page")).all()
        assert seen[-1].details["subject_ids"] == [world.y]


def test_the_subject_access_report_lists_the_moves_confirmed_over_a_keep_apart(app: Flask, users,
                                                                             world: World) -> None:
    link_id = keep_apart(app, users["assessor"].id, world.x, world.y, "wing", authorised_by=users["supervisor"].id)
    with app.app_context():
        subject = _subject(world.x)
        sup = _as(app, users["supervisor"].id)
        move = moves.Location("B", "9", "9")
        confirmation = moves.Confirmation(True, "Wing C closed for repairs.", f"location|{subject.unit_id}|B|9|9")
        moves.change_location(sup, subject, move, subject.version, confirmation)
        db.session.commit()
        lines = registry().subject_access(_subject(world.x))["keep_apart_overrides"]
        assert [(line.move, line.level, line.reason) for line in lines] == [
            ("Location change", "Not on the same wing", "Wing C closed for repairs.")]
        assert db.session.scalars(select(KeepApartOverride.link_id)).one() == link_id


# --- the policy's predicate and its WHERE clause agree ---------------------------------------------------------


def test_who_may_authorise_a_keep_apart_is_the_same_rule_on_a_page_and_in_the_list(app: Flask, users, units,
                                                                                  world: World) -> None:
    """Awaiting, authorised, declined, ended, pending and across units: for every user, the list's WHERE clause
    selects exactly the keep-aparts the page's predicate lets them decide."""
    sup, sup_c = users["supervisor"].id, world.supervisor_c.id
    awaiting = keep_apart(app, users["assessor"].id, world.x, world.y, "cell")
    keep_apart(app, sup_c, world.z, world.x, "wing")  # across units: either supervisor
    keep_apart(app, users["assessor"].id, world.y, world.z, "landing", authorised_by=sup)
    w = factories.make_subject(app, sup, units["A"], "A6000WW", given_name="Wade", family_name="West")
    with app.app_context():
        declined = db.session.get(PersonLink, keep_apart(app, sup_c, world.z, w, "establishment"))
        apart.decline(_as(app, sup_c), declined, "Not borne out by the wing's reports.", declined.version)
        pending = apart.create_keep_apart(_as(app, sup_c), _subject(world.z), _subject(w), values("cell"))
        assert pending.status == "pending"
        db.session.commit()
        everyone = db.session.scalars(select(User)).all()
        links = db.session.scalars(select(PersonLink)).all()
        decided = set()
        for user in everyone:
            by_rule = {link.id for link in links if policy.can_authorise_keep_apart(user, link)}
            by_query = set(db.session.scalars(select(PersonLink.id).where(policy.keep_aparts_authorisable_by(user))))
            assert by_rule == by_query, user.username
            decided |= by_rule
        assert awaiting in decided and declined.id not in decided and pending.id not in decided


def test_the_demo_shows_a_wing_level_keep_apart_met_by_a_move_onto_the_other_wing(app: Flask) -> None:
    result = app.test_cli_runner().invoke(args=["demo", "seed"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        g.cli_actor = "tests"
        nowak = db.session.scalars(select(Subject).where(Subject.reference == "A1003NG")).one()
        petrov = db.session.scalars(select(Subject).where(Subject.reference == "A1005NG")).one()
        assert (nowak.wing, petrov.wing) == ("B", "C")
        assert [link.keep_apart_level for link in apart.in_force(nowak.id)] == ["wing"]
        supervisor = db.session.scalars(select(User).where(User.username == "supervisor")).one()
        found = apart.move_conflicts(supervisor, petrov, Move("location", petrov.unit_id, "B", "4", "1"))
        assert [c.message for c in found] == [
            "Keep apart from Łukasz Nowak (A1003NG), wing level: both would be on wing B."]
        assert len(apart.awaiting_authorisation(supervisor)) == 1


def test_the_people_feature_asks_about_moves_without_importing_connections() -> None:
    """The transfer and location forms meet keep-aparts through the registry's move guards only."""
    from pathlib import Path

    from tests.test_registry import _imports

    subjects = Path(__file__).resolve().parents[1] / "app" / "subjects"
    offenders = [f"{path.name} imports {module}" for path in sorted(subjects.rglob("*.py"))
                 for module in _imports(path) if module.startswith("app.connections")]
    assert offenders == []
    with create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://"}).app_context():
        assert [guard.name for guard in registry().move_guards] == ["keep_apart"]
