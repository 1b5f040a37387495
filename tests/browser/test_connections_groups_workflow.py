"""The groups register and the nexus picture in a real browser, as the supervisor of HMP Alpha uses them: they
add an organised-crime group and an extremist group, link them as a cooperation (first forgetting its form,
which the form explains), record a person's ties to both and a skill of concern, and find that person behind
the nexus picture's counts.

Every page on the way passes axe-core, and nothing is loaded from anywhere but Waypoint.
"""

from __future__ import annotations

from playwright.sync_api import Page, expect

from tests import factories
from tests.browser.conftest import LiveServer, RequestLog, assert_requests_stayed_on_live_server
from tests.browser.test_people_workflow import go_to, server_today
from tests.browser.test_role_navigation import sign_in_with_keyboard


def add_group(page: Page, name: str, kind: str, aliases: str) -> None:
    page.get_by_role("link", name="Add a group").click()
    page.get_by_label("Name", exact=True).fill(name)
    page.get_by_label("Kind").select_option(label=kind)
    page.get_by_label("Other names it goes by, one per line").fill(aliases)
    page.get_by_role("button", name="Save the group").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(name)


def record_tie(page: Page, group: str, role: str) -> None:
    page.get_by_role("link", name="Record an affiliation").click()
    page.get_by_label("Group", exact=True).select_option(label=group)
    page.get_by_label("Role in the group").select_option(label=role)
    page.get_by_label("Evidence", exact=True).fill("Named in two intercepted letters; seen with known members.")
    page.get_by_label("Source", exact=True).fill("Security report 77")
    page.get_by_label("Review date").fill(server_today().replace(year=server_today().year + 1).isoformat())
    page.get_by_label("Source evaluation").select_option(label="2 — Untested")
    page.get_by_label("Intelligence assessment").select_option(label="C — Not known personally to the source, "
                                                                     "but corroborated")
    page.get_by_label("Handling code").select_option(label="P — Lawful sharing permitted")
    page.get_by_role("button", name="Save the affiliation").click()
    expect(page.get_by_role("status")).to_have_text("Affiliation recorded.")


def test_a_supervisor_maps_two_cooperating_groups_and_finds_the_person_behind_the_nexus_counts(
        page: Page, live_server: LiveServer, request_log: RequestLog) -> None:
    subject_id = factories.make_subject(live_server.app, live_server.users["supervisor"].id, live_server.units["A"],
                                        "GR1001NB", given_name="Nabil", family_name="Brennan")
    supervisor = live_server.users["supervisor"]
    page.goto(f"{live_server.url}/login")
    sign_in_with_keyboard(page, supervisor.username, supervisor.password)

    go_to(page, "Groups")
    add_group(page, "Harbour Syndicate", "Organised-crime group", "The Syndicate")
    go_to(page, "Groups")
    add_group(page, "Northern Front", "Violent extremist group", "NF")

    page.get_by_role("link", name="Link to another group").click()
    page.get_by_label("The other group").select_option(label="Harbour Syndicate (Organised-crime group)")
    page.get_by_label("Level of interplay").select_option(label="Cooperation")
    page.get_by_label("Evidence", exact=True).fill("The syndicate sells the front forged passports.")
    page.get_by_label("Source", exact=True).fill("Police liaison officer")
    page.get_by_role("button", name="Save the link").click()
    summary = page.locator("[data-error-summary]")
    expect(summary).to_be_focused()
    expect(summary.get_by_role("link")).to_have_text(
        ["Form of the cooperation (for cooperation only): Choose the form the cooperation takes."])
    expect(page.get_by_label("Evidence", exact=True)).to_have_value("The syndicate sells the front forged passports.")
    page.get_by_label("Form of the cooperation (for cooperation only)").select_option(
        label="Transfer of know-how or technology")
    page.get_by_role("button", name="Save the link").click()
    expect(page.get_by_test_id("group-links")).to_contain_text(
        "Cooperation: Transfer of know-how or technology")

    page.goto(f"{live_server.url}/subjects/{subject_id}")
    record_tie(page, "Harbour Syndicate (Organised-crime group)", "Member")
    record_tie(page, "Northern Front (Violent extremist group)", "Associate")
    expect(page.get_by_test_id("affiliations")).to_contain_text("2/C/P")
    page.get_by_role("link", name="Record a skill of concern").click()
    page.get_by_label("Skill of concern").select_option(label="Document forgery")
    page.get_by_label("Evidence", exact=True).fill("Convicted in 2020 of making false passports.")
    page.get_by_role("button", name="Save the skill").click()
    expect(page.get_by_test_id("skills")).to_contain_text("Document forgery")

    go_to(page, "Nexus")
    crossover = page.get_by_test_id("nexus-crossover")
    crossover.get_by_role("link", name="1").click()
    expect(page.get_by_test_id("nexus-people")).to_contain_text("Nabil Brennan")
    page.get_by_role("link", name="Back to the nexus picture").click()
    expect(page.get_by_test_id("nexus-skills")).to_contain_text("Document forgery")
    assert_requests_stayed_on_live_server(request_log, live_server)
