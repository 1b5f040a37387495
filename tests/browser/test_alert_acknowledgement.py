"""A supervisor finds a break-glass alert in their queue, acknowledges it with a note, and sees it move to
the acknowledged list; every page state passes axe-core."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from tests import factories
from tests.browser.conftest import LiveServer, RequestLog, assert_requests_stayed_on_live_server
from tests.browser.test_role_navigation import sign_in_with_keyboard

REASON = "Urgent safeguarding call from the police"


def sign_in_supervisor(page: Page, server: LiveServer) -> None:
    """The password step with the keyboard, then the TOTP code step when the supervisor has a second factor."""
    info = server.users["supervisor"]
    page.goto("/")
    sign_in_with_keyboard(page, info.username, info.password)
    page.wait_for_url(re.compile(r"/(login/code(\?.*)?)?$"))
    if "/login/code" in page.url:
        code = page.get_by_label("Code")
        expect(code).to_be_focused()
        code.press_sequentially(factories.unused_code_for(server.app, info.username))
        page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(re.compile("^Welcome,"))


def test_supervisor_acknowledges_a_break_glass_alert(page: Page, live_server: LiveServer, request_log: RequestLog):
    users, units = live_server.users, live_server.units
    factories.make_subject(live_server.app, users["supervisor"].id, units["A"], "A1000AA",
                           given_name="Alice", family_name="Archer")
    factories.open_break_glass(live_server.app, users["assessor_b"].id, "A1000AA", reason=REASON)

    sign_in_supervisor(page, live_server)
    expect(page.get_by_test_id("open-alerts-count")).to_contain_text("1 open alert")
    page.locator("#main-nav").get_by_role("link", name="Alerts").click()
    expect(page).to_have_url(re.compile(r"/alerts$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Alerts")
    alert = page.get_by_test_id("open-alert")
    expect(alert).to_have_count(1)
    expect(alert.get_by_role("heading", name="Break-glass access")).to_be_visible()
    expect(alert).to_contain_text(REASON)
    expect(alert).to_contain_text("Assessor B (assessor_b)")

    # Without a note the alert stays open, and the error summary leads to the note.
    alert.get_by_role("button", name="Acknowledge").click()
    summary = page.locator("[data-error-summary]")
    expect(summary).to_contain_text("what you checked or did")
    expect(page.get_by_test_id("open-alert")).to_have_count(1)
    summary.get_by_role("link").click()
    note = page.get_by_test_id("open-alert").get_by_label("What you checked or did")
    expect(note).to_be_focused()

    note.press_sequentially("Phoned the assessor: genuine police call, access was justified.")
    page.get_by_test_id("open-alert").get_by_role("button", name="Acknowledge").click()
    expect(page).to_have_url(re.compile(r"/alerts$"))
    expect(page.get_by_role("status")).to_contain_text("Alert acknowledged")
    expect(page.get_by_test_id("open-alert")).to_have_count(0)
    expect(page.get_by_test_id("no-open-alerts")).to_be_visible()
    acknowledged = page.get_by_test_id("acknowledged-alerts")
    expect(acknowledged).to_contain_text(REASON)
    expect(acknowledged).to_contain_text("Phoned the assessor: genuine police call, access was justified.")
    expect(acknowledged).to_contain_text("by Supervisor")

    page.goto("/")
    expect(page.get_by_test_id("open-alerts-count")).to_contain_text("No open alerts")
    assert_requests_stayed_on_live_server(request_log, live_server)
