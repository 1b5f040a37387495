"""Each demo role in a real browser: redirected to sign in, signs in with the keyboard, sees its own
navigation and nothing more, pages pass axe-core, signs out, and the back button shows nothing private."""

from __future__ import annotations

import re
import time
from dataclasses import dataclass
from urllib.parse import urlsplit

import pyotp
import pytest
from playwright.sync_api import Page, expect

from tests import factories
from tests.browser.conftest import LiveServer, RequestLog, assert_requests_stayed_on_live_server


@dataclass(frozen=True)
class RoleCase:
    key: str  # key in make_role_users
    signed_in_as: str  # "<display name> · <role label>"
    nav: tuple[str, ...]
    admin_pages: tuple[tuple[str, str], ...] = ()  # (nav link, path) also visited and checked


CASE_WORK = ("Home", "People", "My caseload", "Groups", "Conferences", "My account")
ROLES = [
    RoleCase("assessor", "Assessor · Assessor", CASE_WORK),
    RoleCase("probation", "Probation · Probation officer", CASE_WORK),
    RoleCase("supervisor", "Supervisor · Supervisor",
             ("Home", "People", "My caseload", "Observations", "Groups", "Nexus", "Conferences", "Alerts",
              "Disclosures", "Audit trail", "Audit extract", "My account")),
    RoleCase(
        "admin",
        "Admin · Admin",
        ("Home", "Audit trail", "Users", "Units", "Accreditations", "My account"),
        admin_pages=(("Users", "/admin/users"), ("Units", "/admin/units"), ("Accreditations", "/admin/accreditations")),
    ),
]

LOGIN_HEADING = "Sign in to Waypoint"


def login_url(server: LiveServer) -> re.Pattern[str]:
    """The sign-in page, with or without a ?next= back to where the user was going."""
    return re.compile(re.escape(server.url) + r"/login(\?next=[^#]*)?$")


def expect_login_page(page: Page, server: LiveServer) -> None:
    expect(page).to_have_url(login_url(server))
    expect(page.get_by_role("heading", level=1)).to_have_text(LOGIN_HEADING)
    expect(page.get_by_label("Username")).to_be_visible()
    expect(page.get_by_label("Password")).to_be_visible()


def expect_signed_out(page: Page, server: LiveServer) -> None:
    """The login page, and nothing of a signed-in page: no user, no navigation, no sign-out button."""
    expect_login_page(page, server)
    expect(page.locator("[data-testid=signed-in-as]")).to_have_count(0)
    expect(page.locator("#main-nav")).to_have_count(0)
    expect(page.get_by_role("button", name="Sign out")).to_have_count(0)
    expect(page.get_by_text("Welcome,")).to_have_count(0)


def nav_links(page: Page) -> list[str]:
    return [text.strip() for text in page.locator("#main-nav .navbar-nav a.nav-link").all_inner_texts()]


def sign_in_with_keyboard(page: Page, username: str, password: str, totp_secret: str | None = None) -> None:
    """Type as a person does: the username field has focus on arrival, Tab moves to the password. When the
    code page follows (supervisors, admins), type the current code of the user's secret (given, or the
    one tests.factories enrolled them with)."""
    username_field = page.get_by_label("Username")
    expect(username_field).to_be_focused()
    username_field.press_sequentially(username)
    page.keyboard.press("Tab")
    password_field = page.get_by_label("Password")
    expect(password_field).to_be_focused()
    password_field.press_sequentially(password)
    expect(username_field).to_have_value(username)
    expect(password_field).to_have_value(password)
    with page.expect_navigation():
        page.get_by_role("button", name="Sign in").click()
    secret = totp_secret or factories.enrolled_secret(username)
    if secret is not None and urlsplit(page.url).path == "/login/code":
        type_totp_code(page, secret)


# The last time step typed for each secret: each code works once, so a second sign-in of the same user
# within 30 seconds needs the next code.
_typed_steps: dict[str, int] = {}


def remember_code_typed(secret: str, code_time: float) -> None:
    """A test typed a code itself (enrolment): the helper will not type that one again."""
    _typed_steps[secret] = max(_typed_steps.get(secret, 0), pyotp.TOTP(secret).timecode(code_time))


def _next_code(secret: str) -> str:
    totp = pyotp.TOTP(secret)
    while True:
        now = totp.timecode(time.time())
        last = _typed_steps.get(secret, now - 2)
        # Never the previous step's code: typed into the page near a step boundary, it would reach the
        # server outside the window (tests/factories.unused_code says more).
        for step in (now, now + 1):
            if step > last:
                _typed_steps[secret] = step
                return totp.generate_otp(step)
        time.sleep(totp.interval - time.time() % totp.interval + 0.1)  # wait for the app's next code


def type_totp_code(page: Page, secret: str) -> None:
    """On the code page: the code field has focus; type the code the authenticator app would show."""
    code_field = page.get_by_label("Code")
    expect(code_field).to_be_focused()
    code_field.press_sequentially(_next_code(secret))
    with page.expect_navigation():
        page.keyboard.press("Enter")
    if urlsplit(page.url).path == "/login/code":
        expect(page.locator("[data-error-summary]")).to_contain_text("already been used")
        _typed_steps[secret] = pyotp.TOTP(secret).timecode(time.time()) + 1  # used elsewhere: wait for new codes
        type_totp_code(page, secret)


@pytest.mark.parametrize("case", ROLES, ids=[case.key for case in ROLES])
def test_role_signs_in_sees_its_navigation_and_signs_out(
    page: Page, live_server: LiveServer, request_log: RequestLog, case: RoleCase
) -> None:
    user = live_server.users[case.key]

    # Not signed in: the start page sends the browser to sign in (and back to / afterwards).
    response = page.goto("/")
    assert response is not None and response.ok
    expect(page).to_have_url(f"{live_server.url}/login?next=/")
    expect_signed_out(page, live_server)
    # axe-core checks every page (tests/browser/conftest.py) with the app's real CSP in force (the context
    # does not bypass it).
    assert "script-src 'self'" in (response.headers.get("content-security-policy") or "")

    sign_in_with_keyboard(page, user.username, user.password)

    # Home, with who is signed in and exactly this role's navigation.
    expect(page).to_have_url(f"{live_server.url}/")
    expect(page.get_by_role("heading", level=1)).to_have_text(re.compile(r"^Welcome, "))
    expect(page.locator("[data-testid=signed-in-as]")).to_have_text(case.signed_in_as)
    assert nav_links(page) == list(case.nav)
    expect(page.get_by_role("link", name="Home", exact=True)).to_have_attribute("aria-current", "page")

    for link, path in case.admin_pages:
        page.locator("#main-nav").get_by_role("link", name=link, exact=True).click()
        expect(page).to_have_url(f"{live_server.url}{path}")
        expect(page.get_by_role("heading", level=1)).to_have_text(link)
        expect(page.locator("#main-nav").get_by_role("link", name=link, exact=True)).to_have_attribute(
            "aria-current", "page"
        )
        expect(page.locator("[data-testid=signed-in-as]")).to_have_text(case.signed_in_as)
        assert nav_links(page) == list(case.nav)

    page.get_by_role("button", name="Sign out").click()
    expect_signed_out(page, live_server)

    # Back to the last signed-in page: it must not come back from any cache, only the login page.
    page.go_back()
    page.wait_for_load_state()
    expect_signed_out(page, live_server)

    assert_requests_stayed_on_live_server(request_log, live_server)
