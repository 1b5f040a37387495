"""Keep-apart in a real browser: a supervisor finds a wing-level keep-apart awaiting authorisation on their
dashboard and authorises it; moving one of the two onto the other's wing then meets the conflict on the
location form, which keeps what was typed; the supervisor confirms the move with a reason and the person's
header shows the new location. Every page state passes axe-core."""

from __future__ import annotations

import re

from flask import g
from playwright.sync_api import Page, expect

from app.auth.models import User
from app.connections import apart
from app.db import db, utcnow
from app.subjects import moves
from app.subjects.models import Subject
from tests import factories
from tests.browser.conftest import LiveServer, RequestLog, assert_requests_stayed_on_live_server
from tests.browser.test_alert_acknowledgement import sign_in_supervisor

REASON = "Wing C closed for repairs; staffed observation on B."


def set_up(server: LiveServer) -> tuple[int, int]:
    """Xavier Xu on wing C and Yara Young on wing B of HMP Alpha, and a wing-level keep-apart between them that
    the assessor recorded and nobody has authorised yet."""
    users, units = server.users, server.units
    x = factories.make_subject(server.app, users["supervisor"].id, units["A"], "A3000XX", given_name="Xavier",
                               family_name="Xu")
    y = factories.make_subject(server.app, users["supervisor"].id, units["A"], "A4000YY", given_name="Yara",
                               family_name="Young")
    with server.app.app_context():
        assessor = db.session.get(User, users["assessor"].id)
        g.user = assessor
        for subject_id, wing in ((x, "C"), (y, "B")):
            subject = db.session.get(Subject, subject_id)
            moves.change_location(assessor, subject, moves.Location(wing, "1", "1"), subject.version)
        apart.create_keep_apart(assessor, db.session.get(Subject, x), db.session.get(Subject, y),
                                apart.KeepApartValues("wing", "Threats at association.", "Security department",
                                                      utcnow().date(), "2", "B", "P"))
        db.session.commit()
    return x, y


def test_supervisor_authorises_a_keep_apart_and_meets_it_on_a_location_change(
    page: Page, live_server: LiveServer, request_log: RequestLog
) -> None:
    x, _y = set_up(live_server)
    sign_in_supervisor(page, live_server)

    awaiting = page.get_by_test_id("keep-aparts-awaiting")
    expect(awaiting).to_contain_text("Xavier Xu (A3000XX) and Yara Young (A4000YY)")
    awaiting.get_by_role("link").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Authorise or decline a keep-apart")
    expect(page.get_by_test_id("keep-apart")).to_contain_text("Not on the same wing")
    page.get_by_role("button", name="Authorise the keep-apart").click()
    expect(page).to_have_url(re.compile(r"/keep-apart/awaiting$"))
    expect(page.get_by_role("status")).to_contain_text("Keep-apart authorised")

    page.goto(f"/subjects/{x}")
    expect(page.get_by_test_id("location")).to_have_text("wing C, landing 1, cell 1")
    expect(page.get_by_test_id("keep-aparts")).to_contain_text("Authorised: checked on every move")
    page.get_by_role("link", name="Change location").click()
    for label, value in (("Wing", "B"), ("Landing", "3"), ("Cell", "7")):
        field = page.get_by_label(label, exact=True)
        field.fill("")
        field.press_sequentially(value)
    page.get_by_role("button", name="Save the location").click()

    conflicts = page.get_by_test_id("move-conflicts")
    expect(conflicts).to_contain_text("Keep apart from Yara Young (A4000YY), wing level: both would be on wing B.")
    expect(page.get_by_label("Wing", exact=True)).to_have_value("B")
    expect(page.get_by_label("Cell", exact=True)).to_have_value("7")
    page.get_by_label("I confirm that this move goes ahead despite the keep-apart").check()
    page.get_by_label("Why the move must go ahead").press_sequentially(REASON)
    page.get_by_role("button", name="Save the location").click()

    expect(page).to_have_url(re.compile(rf"/subjects/{x}$"))
    expect(page.get_by_test_id("location")).to_have_text("wing B, landing 3, cell 7")
    expect(page.get_by_test_id("timeline")).to_contain_text("Move confirmed over a keep-apart")
    assert_requests_stayed_on_live_server(request_log, live_server)
