"""The browser tests check every page they visit with axe-core without being asked (tests/browser/conftest.py,
AxeWatch). These tests prove it on a page with a violation on purpose (a text field without a label), served
by a route that only their own app has: the tests never call axe_check, and the violation still fails them.
"""

from __future__ import annotations

import re

import pytest
from flask import render_template_string
from playwright.sync_api import Page, expect

from app import policy
from tests.browser.conftest import AccessibilityViolation, LiveServer, WatchedPage
from tests.browser.test_role_navigation import expect_signed_out, sign_in_with_keyboard

INACCESSIBLE_PATH = "/inaccessible"
INACCESSIBLE_PAGE = """{% extends "base.html" %}
{% block title %}Unlabelled{% endblock %}
{% block content %}<h1>A field without a label</h1><input type="text" name="nickname">{% endblock %}"""


@pytest.fixture
def inaccessible_page(live_server: LiveServer) -> str:
    """A page of the test's app (for signed-in users) whose text field has no label; its URL."""

    @policy.requires(policy.authenticated)
    def unlabelled_field() -> str:
        return render_template_string(INACCESSIBLE_PAGE)

    live_server.app.add_url_rule(INACCESSIBLE_PATH, "inaccessible", unlabelled_field)
    return f"{live_server.url}{INACCESSIBLE_PATH}"


def sign_in_and_land_on(page: Page, server: LiveServer, url: str) -> None:
    """Ask for `url` signed out, sign in as the assessor, and be sent on to it."""
    page.goto(url)
    expect_signed_out(page, server)
    sign_in_with_keyboard(page, server.users["assessor"].username, server.users["assessor"].password)
    expect(page).to_have_url(url)


@pytest.mark.xfail(strict=True, raises=AccessibilityViolation,
                   reason="proves the automatic check: the page it visits has an axe-core violation on purpose")
def test_a_visited_page_with_a_violation_fails_the_test_that_never_checks_it(
    page: Page, live_server: LiveServer, inaccessible_page: str
) -> None:
    # Every step passes; only the page itself is wrong. Were it not checked, this test would pass (XPASS),
    # which xfail(strict=True) turns into a failure.
    sign_in_and_land_on(page, live_server, inaccessible_page)
    expect(page.get_by_role("heading", level=1)).to_have_text("A field without a label")
    page.get_by_role("button", name="Sign out").click()
    expect_signed_out(page, live_server)


def test_the_failure_names_the_page_and_the_rule_and_is_reported_once(
    page: Page, live_server: LiveServer, inaccessible_page: str
) -> None:
    sign_in_and_land_on(page, live_server, inaccessible_page)
    expect(page.get_by_role("heading", level=1)).to_have_text("A field without a label")
    page.get_by_role("button", name="Sign out").click()
    expect_signed_out(page, live_server)

    assert isinstance(page, WatchedPage)
    with pytest.raises(AccessibilityViolation) as failure:
        page.axe_watch.verify()
    report = str(failure.value)
    assert report.startswith("axe-core: 1 page(s) not clean:")
    assert f"{inaccessible_page}: Found 1 accessibility violations" in report
    assert re.search(r"Rule Violated:\s+label\b", report)
    assert 'name="nickname"' in report
    # The sign-in pages before it and after it are clean, so they are not named.
    assert "/login" not in report
    # Reported once: the check at the end of this test finds nothing more.
    page.axe_watch.verify()


def test_a_page_left_before_it_could_be_checked_fails_the_test(
    page: Page, live_server: LiveServer, inaccessible_page: str
) -> None:
    """A document shown and left with no action or assertion in between (here, navigations started by the
    page's own script) cannot be checked any more: the test fails rather than letting it pass unseen."""
    page.goto("/")
    expect_signed_out(page, live_server)
    sign_in_with_keyboard(page, live_server.users["assessor"].username, live_server.users["assessor"].password)
    expect(page).to_have_url(f"{live_server.url}/")

    page.evaluate("path => window.location.assign(path)", INACCESSIBLE_PATH)
    page.wait_for_url(inaccessible_page)
    page.evaluate("() => document.querySelector('#main-nav a').click()")
    page.wait_for_url(f"{live_server.url}/")
    expect(page.get_by_role("heading", level=1)).to_have_text(re.compile(r"^Welcome, "))

    assert isinstance(page, WatchedPage)
    with pytest.raises(AccessibilityViolation) as failure:
        page.axe_watch.verify()
    assert str(failure.value) == (
        f"axe-core: 1 page(s) not clean:\n{inaccessible_page}: left before axe-core could check it")
