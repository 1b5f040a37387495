"""Recruitment on the wing, in a real browser: the assessor of HMP Alpha records a recruitment attempt from the
observation page, which carries what was typed on to the form that names the target (first refused without
one), with the group and the 3×5×2 grading. The recruiter's page shows the recruiter → target link and the
connections drawing; the supervisor finds the target on the "targeted for recruitment" list and reviews it.

Every page on the way passes axe-core, and nothing is loaded from anywhere but Waypoint.
"""

from __future__ import annotations

from playwright.sync_api import Page, expect

from app.connections.models import Group
from app.db import db
from tests import factories
from tests.browser.conftest import LiveServer, RequestLog, assert_requests_stayed_on_live_server
from tests.browser.test_role_navigation import expect_signed_out, sign_in_with_keyboard

SOURCE = "Officer on landing 2"
TEXT = "Offered him phone credit and said the network looks after its own."


def test_a_recruitment_attempt_names_its_target_who_is_listed_then_reviewed(
    page: Page, live_server: LiveServer, request_log: RequestLog
) -> None:
    supervisor = live_server.users["supervisor"]
    recruiter = factories.make_subject(live_server.app, supervisor.id, live_server.units["A"], "RC1001AA",
                                       given_name="Rami", family_name="Nasser")
    factories.make_subject(live_server.app, supervisor.id, live_server.units["A"], "TG1002AA",
                           given_name="Tom", family_name="Ellis")
    with live_server.app.app_context():
        db.session.add(Group(name="Black Banner Network", kind="violent_extremist", created_by_id=supervisor.id))
        db.session.commit()

    page.goto(f"{live_server.url}/login")
    sign_in_with_keyboard(page, live_server.users["assessor"].username, live_server.users["assessor"].password)
    page.goto(f"{live_server.url}/subjects/{recruiter}/observations/new")
    page.get_by_label("Category").select_option(label="Recruitment attempt")
    page.get_by_label("Source").fill(SOURCE)
    page.get_by_label("What was observed").fill(TEXT)
    page.get_by_role("button", name="Save observation").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Record a recruitment attempt by Rami Nasser")
    expect(page.get_by_label("What was observed")).to_have_value(TEXT)
    expect(page.get_by_label("Source", exact=True)).to_have_value(SOURCE)
    page.get_by_role("button", name="Save the recruitment attempt").click()
    summary = page.locator("[data-error-summary]")
    expect(summary).to_contain_text("Name at least one person targeted")
    expect(page.get_by_label("What was observed")).to_have_value(TEXT)

    page.get_by_role("checkbox", name="Tom Ellis (TG1002AA)").check()
    page.get_by_label("Group, if known").select_option(label="Black Banner Network (Violent extremist group)")
    page.get_by_role("group", name="Source evaluation").get_by_role("radio", name="1 — Reliable").check()
    page.get_by_role("group", name="Intelligence assessment").get_by_role(
        "radio", name="B — Known personally to the source but not to the officer").check()
    page.get_by_role("group", name="Handling code").get_by_role("radio", name="P — Lawful sharing permitted").check()
    page.get_by_role("button", name="Save the recruitment attempt").click()

    expect(page.get_by_role("status")).to_contain_text("Recruitment attempt recorded")
    links = page.get_by_test_id("person-links")
    expect(links).to_contain_text("Recruits or tried to recruit")
    expect(links).to_contain_text("Tom Ellis (TG1002AA)")
    expect(links).to_contain_text("1/B/P")
    expect(page.get_by_test_id("connections-table")).to_contain_text("Tom Ellis (TG1002AA)")
    expect(page.get_by_role("img", name="Connections of Rami Nasser within two steps")).to_be_visible()
    page.get_by_role("button", name="Sign out").click()
    expect_signed_out(page, live_server)

    sign_in_with_keyboard(page, supervisor.username, supervisor.password)
    expect(page.get_by_test_id("targeted-count")).to_have_text("1 person targeted for recruitment, not yet reviewed.")
    page.get_by_test_id("targeted-count").click()
    listed = page.get_by_test_id("targeted-list")
    expect(listed).to_contain_text("Tom Ellis (TG1002AA)")
    expect(listed).to_contain_text("Rami Nasser (RC1001AA)")
    expect(listed).to_contain_text("Black Banner Network")
    listed.get_by_role("link", name="Review").click()
    page.get_by_label("What was done").fill("Spoke with Tom; he asked to move landing, which is done.")
    page.get_by_role("button", name="Mark reviewed").click()
    expect(page.get_by_role("status")).to_contain_text("Tom Ellis is off the targeted list")
    expect(page.get_by_text("None waiting.")).to_be_visible()
    assert_requests_stayed_on_live_server(request_log, live_server)
