"""Waypoint in French and in Arabic, in a real browser (issue 16): an assessor signs in, chooses Arabic on their
account page, and records a screening with the page laid out right to left; then French. Every page on the way
passes axe-core in its language (tests/browser/conftest.py checks each one), and the words the test looks for are
the catalogue's own, so the test follows the translators' wording."""

from __future__ import annotations

import re
from typing import Any

from flask_babel import force_locale, gettext
from playwright.sync_api import Page, expect

from app.assessments import catalogue
from app.i18n import LocalText
from tests import factories
from tests.browser.conftest import LiveServer
from tests.browser.test_people_workflow import go_to, server_today
from tests.browser.test_role_navigation import expect_signed_out, sign_in_with_keyboard

ARABIC = re.compile(r"[\u0600-\u06FF]")
REFERENCE = "WP2001AR"
GIVEN, FAMILY = "Samir", "Haddad"


def words(server: LiveServer, language: str, message: str, **variables: Any) -> str:
    """A message as the catalogue of `language` has it; it must be translated."""
    with server.app.test_request_context(), force_locale(language):
        text = str(gettext(message, **variables))
    assert text != message % variables if variables else text != message, f"{message!r} untranslated in {language}"
    return text


def in_language(server: LiveServer, text: LocalText | str, language: str) -> str:
    with server.app.test_request_context(), force_locale(language):
        return str(text)


def choose_language(page: Page, server: LiveServer, name: str, *, from_language: str = "en") -> None:
    """From any page: the account page (the header's last link), then the language named in itself."""
    account = "My account" if from_language == "en" else words(server, from_language, "My account")
    go_to(page, account)
    expect(page).to_have_url(f"{server.url}/account")
    label = "Language" if from_language == "en" else words(server, from_language, "Language")
    page.get_by_label(label, exact=True).select_option(label=name)
    save = "Save language" if from_language == "en" else words(server, from_language, "Save language")
    page.get_by_role("button", name=save).click()
    expect(page).to_have_url(f"{server.url}/account")


def test_an_assessor_switches_to_arabic_and_records_a_screening_right_to_left(
    page: Page, live_server: LiveServer
) -> None:
    subject_id = factories.make_subject(live_server.app, live_server.users["supervisor"].id, live_server.units["A"],
                                        REFERENCE, given_name=GIVEN, family_name=FAMILY)
    with live_server.app.app_context():
        [screening] = catalogue.current("screening")  # the version the form offers: 1.1, in three languages
    assessor = live_server.users["assessor"]

    page.goto("/")
    expect_signed_out(page, live_server)
    expect(page.locator("html")).to_have_attribute("dir", "ltr")
    sign_in_with_keyboard(page, assessor.username, assessor.password)
    expect(page).to_have_url(f"{live_server.url}/")

    choose_language(page, live_server, "العربية")
    html = page.locator("html")
    expect(html).to_have_attribute("lang", "ar")
    expect(html).to_have_attribute("dir", "rtl")
    expect(page.get_by_role("status")).to_have_text(words(live_server, "ar", "Your language has been changed."))
    expect(page.locator('link[href$="bootstrap.rtl.min.css"]')).to_have_count(1)
    # Laid out right to left: the page's heading starts at the right of the content, not the left.
    heading = page.get_by_role("heading", level=1).bounding_box()
    main = page.locator("main").bounding_box()
    assert heading is not None and main is not None
    assert heading["x"] + heading["width"] > main["x"] + main["width"] - 40

    # The person's page, then the screening form, in Arabic: its labels, the instrument's own text and the
    # outcome's, all in Arabic; what the assessor types stays as typed.
    page.goto(f"/subjects/{subject_id}")
    expect(page.get_by_role("heading", level=1)).to_have_text(f"{GIVEN} {FAMILY}")
    page.get_by_role("link", name=words(live_server, "ar", "Record a screening")).click()
    expect(page).to_have_url(f"{live_server.url}/subjects/{subject_id}/screenings/new")
    expect(html).to_have_attribute("dir", "rtl")
    expect(page.get_by_label(words(live_server, "ar", "Occasion"), exact=True)).to_be_visible()
    page.get_by_label(words(live_server, "ar", "Occasion"), exact=True).fill("الاستقبال")
    for item in screening.items():
        title = in_language(live_server, item.title_text, "ar")
        not_observed = in_language(live_server, next(o.label_text for o in item.options if o.value == "not_observed"),
                                   "ar")
        assert ARABIC.search(title) and ARABIC.search(not_observed), f"{item.code} has no Arabic text"
        radios = page.get_by_role("group", name=f"{item.code} {title}", exact=True)
        radios.get_by_role("radio", name=not_observed, exact=True).check()
    outcome = next(o for o in screening.outcomes if o.value == "no_concern")
    page.get_by_role("group", name=words(live_server, "ar", "Outcome"), exact=True).get_by_role(
        "radio", name=in_language(live_server, outcome.label_text, "ar"), exact=True).check()
    reasons = "لم تظهر أي مؤشرات عند الاستقبال."
    page.get_by_label(words(live_server, "ar", "Reasons for the outcome"), exact=True).fill(reasons)
    page.get_by_role("button", name=words(live_server, "ar", "Save screening")).click()

    expect(page).to_have_url(f"{live_server.url}/subjects/{subject_id}")
    expect(html).to_have_attribute("dir", "rtl")
    expect(page.get_by_role("status")).to_be_visible()
    # Stored as codes and as typed: the same screening read in English by someone else.
    with live_server.app.app_context():
        from sqlalchemy import select

        from app.assessments.models import Screening
        from app.db import db

        saved = db.session.scalars(select(Screening).where(Screening.subject_id == subject_id)).one()
        assert saved.outcome == "no_concern" and saved.rationale == reasons
    assert server_today() == saved.screened_on

    # And French: the page's language follows at once.
    choose_language(page, live_server, "Français", from_language="ar")
    expect(html).to_have_attribute("lang", "fr")
    expect(html).to_have_attribute("dir", "ltr")
    expect(page.locator('link[href$="bootstrap.rtl.min.css"]')).to_have_count(0)
    expect(page.get_by_role("status")).to_have_text(words(live_server, "fr", "Your language has been changed."))
    page.goto(f"/subjects/{subject_id}")
    expect(page.get_by_role("link", name=words(live_server, "fr", "Record a screening"))).to_be_visible()
    page.get_by_role("button", name=words(live_server, "fr", "Sign out")).click()
    expect_signed_out(page, live_server)
