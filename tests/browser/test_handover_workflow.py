"""Issue 13 as a new user found it, in a real browser: a supervisor of HMP Alpha releases a person with an active
mentoring intervention to Bravo Probation Region. The transfer is refused while the intervention would stay with
an officer who cannot open the person there, keeping everything typed; once a case worker of the region takes it
over, the move is recorded. The region's supervisor finds the handover on the dashboard, reads the note and
acknowledges it; the new owner opens the intervention. Every page passes axe-core."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from app.auth.models import Role
from tests import factories
from tests.browser.conftest import LiveServer, RequestLog, assert_requests_stayed_on_live_server
from tests.browser.test_people_workflow import server_today, type_real_date
from tests.browser.test_role_navigation import expect_signed_out, sign_in_with_keyboard

NOTE = "He trusts his mentor; keep the Tuesday sessions going."
REASON = "Released on licence to the Bravo area."


def test_a_release_hands_the_mentoring_over_and_the_region_acknowledges_it(
    page: Page, live_server: LiveServer, request_log: RequestLog
) -> None:
    app, users, units = live_server.app, live_server.users, live_server.units
    sid = factories.make_subject(app, users["supervisor"].id, units["A"], "A1000AA", given_name="Alice",
                                 family_name="Archer")
    iid = factories.make_intervention(app, users["assessor"].id, sid, users["probation"].id)
    receiving = factories.make_user(app, "supervisor_b", Role.SUPERVISOR, [factories.UNIT_B],
                                    "indigo-pebble-lighthouse-82")
    today = server_today()

    page.goto("/")
    sign_in_with_keyboard(page, users["supervisor"].username, users["supervisor"].password)
    expect(page).to_have_url(f"{live_server.url}/")
    page.goto(f"/subjects/{sid}/transfer")
    handover = page.get_by_role("group", name="Handover to the receiving team")
    expect(handover).to_contain_text("Choose the unit first")
    page.get_by_label("Move to unit").select_option(label="Bravo Probation Region (Probation region)")
    page.get_by_label("Status after the move").select_option(label="Released on licence")
    type_real_date(page, page.get_by_label("Date of the move"), today)
    type_real_date(page, page.get_by_label("Release date (only for a release on licence)"), today)
    page.get_by_label("Reason", exact=True).press_sequentially(REASON)
    page.get_by_label("Note for the receiving team (optional)").press_sequentially(NOTE)
    page.get_by_role("button", name="Record the transfer").click()

    # Refused: the owner would not have access; what was typed is all still there.
    summary = page.locator("[data-error-summary]")
    expect(summary).to_contain_text("Probation will not have access to the person in Bravo Probation Region")
    expect(page.get_by_label("Reason", exact=True)).to_have_value(REASON)
    expect(page.get_by_label("Note for the receiving team (optional)")).to_have_value(NOTE)
    summary.get_by_role("link", name=re.compile("Mentoring")).click()
    owner = page.get_by_label(re.compile(r"^Mentoring \(active\)"))
    expect(owner).to_be_focused()
    owner.select_option(label="Assessor B (Assessor)")
    page.get_by_role("button", name="Record the transfer").click()
    expect(page.get_by_role("status")).to_have_text("Transfer to Bravo Probation Region recorded.")
    page.get_by_role("button", name="Sign out").click()
    expect_signed_out(page, live_server)

    # The region's supervisor: the handover on the dashboard, its note, the acknowledgement.
    sign_in_with_keyboard(page, receiving.username, receiving.password)
    incoming = page.get_by_role("table", name="Incoming handovers")
    incoming.get_by_role("link", name="Alice Archer").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Handover of Alice Archer")
    expect(page.get_by_test_id("handover-note")).to_have_text(NOTE)
    expect(page.get_by_role("table", name="Open work at the move")).to_contain_text("Handed to a new owner")
    page.get_by_role("button", name="Acknowledge the handover").click()
    expect(page.get_by_role("status")).to_have_text("Handover of Alice Archer acknowledged.")
    expect(page.get_by_role("table", name="Incoming handovers")).to_have_count(0)
    page.get_by_role("button", name="Sign out").click()

    sign_in_with_keyboard(page, users["assessor_b"].username, users["assessor_b"].password)
    page.goto(f"/interventions/{iid}")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Alice Archer")
    expect(page.get_by_text("owner Assessor B")).to_be_visible()
    assert_requests_stayed_on_live_server(request_log, live_server)
