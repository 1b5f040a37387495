"""A supervisor without a second factor signs in, is sent to set one up, reads the key from the page, types
the app's current code and reaches the dashboard; next time the code page asks for a code. The enrolment
and code pages pass axe-core, and nothing is loaded from another host (the QR code is made on the server)."""

from __future__ import annotations

import re
import time

import pyotp
from playwright.sync_api import Page, expect

from app.auth.models import Role
from tests import factories
from tests.browser.conftest import LiveServer, RequestLog, assert_requests_stayed_on_live_server
from tests.browser.test_role_navigation import (
    expect_signed_out,
    remember_code_typed,
    sign_in_with_keyboard,
    type_totp_code,
)

PASSWORD = "tundra-pelican-saffron-61"


def test_supervisor_enrols_with_the_text_key_and_then_signs_in_with_a_code(
    page: Page, live_server: LiveServer, request_log: RequestLog
) -> None:
    factories.make_user(live_server.app, "sam", Role.SUPERVISOR, [factories.UNIT_A], PASSWORD, totp=False)

    # 1. The password alone signs in, but every page leads to the enrolment.
    page.goto("/")
    sign_in_with_keyboard(page, "sam", PASSWORD)
    expect(page).to_have_url(f"{live_server.url}/account/totp")
    expect(page.get_by_role("heading", level=1)).to_have_text("Set up two-step sign-in")
    page.goto("/subjects")
    expect(page).to_have_url(f"{live_server.url}/account/totp")
    expect(page.get_by_role("img", name=re.compile("QR code"))).to_be_visible()

    # 2. The key as text, for a person who cannot scan: what the app would be given.
    secret = page.get_by_test_id("totp-secret").inner_text().replace(" ", "")
    assert re.fullmatch(r"[A-Z2-7]{32}", secret)

    # 3. A wrong code is refused, with the error next to the field; the key stays the same.
    wrong = "000000" if pyotp.TOTP(secret).now() != "000000" else "111111"
    page.get_by_label("Code").press_sequentially(wrong)
    page.get_by_role("button", name="Turn on two-step sign-in").click()
    expect(page.locator("[data-error-summary]")).to_contain_text("That code does not match")
    expect(page.get_by_label("Code")).to_have_attribute("aria-invalid", "true")
    assert page.get_by_test_id("totp-secret").inner_text().replace(" ", "") == secret

    # 4. The app's current code turns it on and opens the dashboard.
    code_time = time.time()
    page.get_by_label("Code").fill(pyotp.TOTP(secret).at(code_time))
    remember_code_typed(secret, code_time)
    page.get_by_role("button", name="Turn on two-step sign-in").click()
    expect(page).to_have_url(f"{live_server.url}/")
    expect(page.get_by_role("heading", level=1)).to_have_text(re.compile(r"^Welcome, "))
    expect(page.get_by_role("status").filter(has_text="Two-step sign-in is set up")).to_be_visible()

    # 5. Next sign-in: the password, then the code page.
    page.get_by_role("button", name="Sign out").click()
    expect_signed_out(page, live_server)
    page.get_by_label("Username").press_sequentially("sam")
    page.keyboard.press("Tab")
    page.get_by_label("Password").press_sequentially(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(re.compile(r"/login/code(\?.*)?$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Enter your code")
    expect(page.get_by_label("Code")).to_be_focused()
    type_totp_code(page, secret)
    expect(page).to_have_url(f"{live_server.url}/")
    expect(page.get_by_role("heading", level=1)).to_have_text(re.compile(r"^Welcome, "))

    assert_requests_stayed_on_live_server(request_log, live_server)
