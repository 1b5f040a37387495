"""A multi-agency panel in a real browser: the supervisor of HMP Alpha records the panel, adds the probation
officer and an outside participant who sent apologies, discusses two people, records a decision for each (the
first attempt without a rationale is explained and loses nothing), the probation officer's dissent and an
action the probation officer owns. The probation officer then finds the action on their home page and closes
it with a note, after which it leaves their home page.

Every page on the way passes axe-core, and nothing is loaded from anywhere but Waypoint.
"""

from __future__ import annotations

import re
from datetime import timedelta

from playwright.sync_api import Page, expect

from tests import factories
from tests.browser.conftest import LiveServer, RequestLog, assert_requests_stayed_on_live_server
from tests.browser.test_intervention_workflow import expect_error_summary, expect_flash
from tests.browser.test_people_workflow import go_to, server_today
from tests.browser.test_role_navigation import expect_signed_out, sign_in_with_keyboard

PEOPLE = (("CF1001AA", "Omar", "Saleh"), ("CF1002AA", "Jana", "Novak"))
ACTION = "Share the education report with the offender manager"
RATIONALE = "No new concern since the last review; the plan is working."
DISSENT = "The risk on release is underrated: the family visits stopped."


def record_decision(page: Page, decision: str, rationale: str) -> None:
    page.get_by_role("group", name="Decision").get_by_role("radio", name=decision, exact=True).check()
    page.get_by_label("Rationale for the decision").fill(rationale)
    page.get_by_role("button", name="Save", exact=True).click()


def test_a_panel_records_decisions_and_an_action_that_its_owner_closes_from_their_home_page(
    page: Page, live_server: LiveServer, request_log: RequestLog
) -> None:
    today = server_today()
    supervisor = live_server.users["supervisor"]
    officer = live_server.users["probation"]
    for reference, given, family in PEOPLE:
        factories.make_subject(live_server.app, supervisor.id, live_server.units["A"], reference,
                               given_name=given, family_name=family)

    # 1. The supervisor records the panel: their unit and today are suggested, and they chair it.
    page.goto("/")
    expect_signed_out(page, live_server)
    sign_in_with_keyboard(page, supervisor.username, supervisor.password)
    go_to(page, "Conferences")
    expect(page.get_by_text("No conference recorded in your units yet.")).to_be_visible()
    page.get_by_role("link", name="Record a conference").click()
    expect(page.get_by_label("Date of the conference")).to_have_value(today.isoformat())
    page.get_by_label("Kind of conference").select_option(label="Multi-agency panel")
    page.get_by_role("button", name="Save the conference").click()
    expect(page).to_have_url(re.compile(re.escape(live_server.url) + r"/conferences/\d+$"))
    conference_url = page.url
    expect_flash(page, f"Multi-agency panel of {today:%d %b %Y} recorded. Add the attendees and the people "
                       "discussed.")
    attendees = page.get_by_test_id("attendees")
    expect(attendees.get_by_role("row")).to_have_count(2)  # the heading and the chair

    # 2. Attendees: the probation officer, and an outside participant who sent apologies.
    page.get_by_text("Add an attendee").click()
    page.get_by_label("User of Waypoint").select_option(label="Probation (Probation officer)")
    page.get_by_label("Role at the conference").fill("Offender manager")
    page.get_by_role("button", name="Add the attendee").click()
    expect_flash(page, "Probation added to the attendees.")
    page.get_by_text("Add an attendee").click()
    page.get_by_label("Name (outside participant)").fill("Dr Ruth Okafor")
    page.get_by_label("Agency (outside participant)").fill("Eastern NHS Trust")
    page.get_by_role("group", name="Attendance").get_by_role("radio", name="Sent apologies").check()
    page.get_by_role("button", name="Add the attendee").click()
    expect(attendees.get_by_role("row")).to_have_count(4)
    expect(attendees).to_contain_text("Sent apologies")

    # 3. The first person: a decision without its rationale is explained, and what was typed stays.
    page.get_by_label("Person's reference").fill(PEOPLE[0][0])
    page.get_by_role("button", name="Add the person").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Omar Saleh ({PEOPLE[0][0]})")
    page.get_by_label("What was presented").fill("Wing reports for the last quarter.")
    page.get_by_role("group", name="Decision").get_by_role("radio", name="Continue monitoring").check()
    page.get_by_role("button", name="Save", exact=True).click()
    expect_error_summary(page, ["Rationale for the decision: Give the rationale for the decision: why the "
                                "conference decided it."], ["#rationale"])
    expect(page.get_by_label("What was presented")).to_have_value("Wing reports for the last quarter.")
    record_decision(page, "Continue monitoring", RATIONALE)
    expect_flash(page, "Discussion and decision saved.")

    # The probation officer dissents; the action is theirs, due in a week.
    dissenter = page.get_by_label("Attendee who dissents")
    dissenter.select_option(value=dissenter.locator("option", has_text="Offender manager").get_attribute("value"))
    page.get_by_label("Their view").fill(DISSENT)
    page.get_by_role("button", name="Record the dissent").click()
    expect_flash(page, "Dissent recorded.")
    expect(page.get_by_test_id("dissents")).to_contain_text(DISSENT)
    page.get_by_label("Action", exact=True).fill(ACTION)
    page.get_by_label("Owner").select_option(label="Probation (Probation officer)")
    page.get_by_label("Due date").fill((today + timedelta(days=7)).isoformat())
    page.get_by_role("button", name="Add the action").click()
    expect_flash(page, f"Action for Probation recorded, due {today + timedelta(days=7):%d %b %Y}.")
    expect(page.get_by_test_id("actions")).to_contain_text(ACTION)

    # 4. The second person: referred to an intervention.
    page.goto(conference_url)
    page.get_by_label("Person's reference").fill(PEOPLE[1][0])
    page.get_by_role("button", name="Add the person").click()
    record_decision(page, "Refer to an intervention", "Education is the protective factor to build on.")
    expect_flash(page, "Discussion and decision saved.")
    page.goto(conference_url)
    people = page.get_by_test_id("people-discussed")
    expect(people.get_by_role("row")).to_have_count(3)
    expect(people).to_contain_text("Continue monitoring")
    expect(people).to_contain_text("Refer to an intervention")
    page.get_by_role("button", name="Sign out").click()
    expect_signed_out(page, live_server)

    # 5. The probation officer finds the action on their home page and closes it with a note.
    sign_in_with_keyboard(page, officer.username, officer.password)
    expect(page).to_have_url(f"{live_server.url}/")
    actions = page.get_by_test_id("conference-actions")
    expect(actions).to_contain_text(f"Omar Saleh: {ACTION}")
    actions.get_by_role("link", name=re.compile(ACTION)).click()
    expect(page.get_by_test_id("action-status")).to_have_text("Open")
    page.get_by_role("group", name="Outcome").get_by_role("radio", name="Done").check()
    page.get_by_role("button", name="Close the action").click()
    expect_error_summary(page, ["What was done, or why it is cancelled: Say what was done."], ["#note"])
    page.get_by_label("What was done, or why it is cancelled").fill("Report sent to the offender manager.")
    page.get_by_role("button", name="Close the action").click()
    expect_flash(page, "Action done.")
    expect(page.get_by_test_id("action-status")).to_have_text("Done")
    go_to(page, "Home")
    expect(page.get_by_test_id("conference-actions")).to_have_count(0)
    expect(page.get_by_text("None open.")).to_be_visible()
    assert_requests_stayed_on_live_server(request_log, live_server)
