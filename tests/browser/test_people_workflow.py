"""A person's record from start to hand-over, in a real browser: a supervisor of HMP Alpha adds someone
(first with mistakes the form must explain), finds them by part of their name, sees their overdue review
on the dashboard, and transfers them to Bravo Probation Region on release. From then on the supervisor no
longer sees them, and the case worker of the probation region does, with the movement in the history.
Every page on the way passes axe-core, and nothing is loaded from anywhere but Waypoint."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta

from playwright.sync_api import Locator, Page, expect

from tests.browser.conftest import LiveServer, RequestLog, assert_requests_stayed_on_live_server
from tests.browser.test_role_navigation import expect_signed_out, sign_in_with_keyboard

REFERENCE = "ZO4711AB"
GIVEN = "Zoë"
FAMILY = "Ødegård"
FULL_NAME = f"{GIVEN} {FAMILY}"
LIST_NAME = f"{FAMILY}, {GIVEN}"  # how the People list and the dashboard name a person
SEARCH = "ødeg"  # lower case, and only part of the family name
DATE_OF_BIRTH = date(1990, 4, 27)
TRANSFER_REASON = "Released on licence to the Bravo area."

def server_today() -> date:
    """Waypoint's "today" (it dates reviews and moves in UTC)."""
    return datetime.now(UTC).date()


def on_page(day: date) -> str:
    """How a page shows a date in English (app/i18n.py `|day`, "dd MMM y": "02 Dec 2027")."""
    return f"{day:%d %b %Y}"


def type_date(page: Page, field: Locator, year: int, month: int, day: int) -> None:
    """Type a date as Waypoint asks for it (year-month-day, as text). Takes numbers rather than a date so
    that impossible dates can be typed."""
    field.press_sequentially(f"{year:04d}-{month:02d}-{day:02d}")


def type_real_date(page: Page, field: Locator, value: date) -> None:
    type_date(page, field, value.year, value.month, value.day)
    expect(field).to_have_value(value.isoformat())


def go_to(page: Page, nav_link: str) -> None:
    page.locator("#main-nav").get_by_role("link", name=nav_link, exact=True).click()


def overdue_count(page: Page, server: LiveServer) -> int:
    go_to(page, "Home")
    expect(page).to_have_url(f"{server.url}/")
    counter = page.get_by_test_id("overdue-count")
    expect(counter).to_have_text(re.compile(r"^\s*\d+\s*$"))
    return int(counter.inner_text())


def search_people(page: Page, server: LiveServer, text: str) -> None:
    go_to(page, "People")
    expect(page).to_have_url(f"{server.url}/subjects")
    search_box = page.get_by_role("searchbox", name="Name or reference")
    search_box.press_sequentially(text)
    search_box.press("Enter")
    expect(page).to_have_url(re.compile(re.escape(f"{server.url}/subjects?") + r".*\bq="))
    expect(search_box).to_have_value(text)


def test_supervisor_adds_a_person_finds_them_and_transfers_them_to_probation_on_release(
    page: Page, live_server: LiveServer, request_log: RequestLog
) -> None:
    today = server_today()
    review_due = today - timedelta(days=30)
    supervisor = live_server.users["supervisor"]
    assessor_b = live_server.users["assessor_b"]

    # 1. The supervisor of HMP Alpha signs in and lands on the dashboard.
    page.goto("/")
    sign_in_with_keyboard(page, supervisor.username, supervisor.password)
    expect(page).to_have_url(f"{live_server.url}/")
    expect(page.get_by_test_id("dashboard-counts")).to_be_visible()
    overdue_before = overdue_count(page, live_server)

    # 2. People → "Add a person": the empty form.
    go_to(page, "People")
    page.get_by_role("link", name="Add a person").click()
    expect(page).to_have_url(f"{live_server.url}/subjects/new")
    expect(page.get_by_role("heading", level=1)).to_have_text("Add a person")
    expect(page.locator("[data-error-summary]")).to_have_count(0)

    reference = page.get_by_label("Reference number")
    given_name = page.get_by_label("Given name(s)")
    family_name = page.get_by_label("Family name")
    date_of_birth = page.get_by_label("Date of birth")
    unit = page.get_by_label("Unit", exact=True)
    status = page.get_by_label("Custody or supervision status")
    offence = page.get_by_label("Index offence category")
    next_review = page.get_by_label("Next review due")

    # The supervisor works in one unit only: it is chosen already.
    expect(unit).to_have_value(str(live_server.units["A"]))
    expect(unit.locator("option:checked")).to_have_text("HMP Alpha")

    # First attempt: no given name, and 30 February as the date of birth.
    reference.press_sequentially(REFERENCE)
    family_name.press_sequentially(FAMILY)
    type_date(page, date_of_birth, 1990, 2, 30)
    status.select_option(label="Sentenced (in custody)")
    offence.select_option(label="Robbery")
    type_real_date(page, next_review, review_due)
    page.get_by_role("button", name="Create record").click()

    # Nothing is saved; the summary comes first, has focus, and links to each field with a problem.
    expect(page).to_have_url(f"{live_server.url}/subjects/new")
    summary = page.locator("[data-error-summary]")
    expect(summary).to_have_role("alert")
    expect(summary).to_be_focused()
    expect(summary.get_by_role("heading")).to_have_text("There is a problem")
    problems = summary.get_by_role("link")
    expect(problems).to_have_text([
        "Given name(s): Enter the given name.",
        # A date that does not exist is named as such, and what was typed stays in the field.
        re.compile(r"^Date of birth: Enter a real date"),
    ])
    expect(problems.nth(0)).to_have_attribute("href", "#given_name")
    expect(problems.nth(1)).to_have_attribute("href", "#date_of_birth")
    # Each field says what is wrong with it, to screen readers too.
    expect(given_name).to_have_attribute("aria-invalid", "true")
    expect(given_name).to_have_accessible_description(re.compile("Enter the given name"))
    expect(date_of_birth).to_have_attribute("aria-invalid", "true")
    expect(date_of_birth).to_have_accessible_description(re.compile("Enter a real date"))
    expect(date_of_birth).to_have_value("1990-02-30")
    # What was typed correctly is still there.
    expect(reference).to_have_value(REFERENCE)
    expect(family_name).to_have_value(FAMILY)
    expect(unit).to_have_value(str(live_server.units["A"]))
    expect(status.locator("option:checked")).to_have_text("Sentenced (in custody)")
    expect(offence.locator("option:checked")).to_have_text("Robbery")
    expect(next_review).to_have_value(review_due.isoformat())
    expect(reference).not_to_have_attribute("aria-invalid", "true")

    # Follow the summary's link to the given name, fix it, then the date of birth, and save.
    problems.nth(0).click()
    expect(given_name).to_be_focused()
    page.keyboard.type(GIVEN)
    expect(given_name).to_have_value(GIVEN)
    date_of_birth.fill("")
    type_real_date(page, date_of_birth, DATE_OF_BIRTH)
    page.get_by_role("button", name="Create record").click()

    # 3. The new record, in HMP Alpha, with its review overdue.
    # (The browser keeps the "#given_name" of the summary link across the redirect, as HTTP says it should.)
    expect(page).to_have_url(re.compile(re.escape(live_server.url) + r"/subjects/\d+(#given_name)?$"))
    person_url = page.url.split("#")[0]
    expect(page.get_by_role("status")).to_have_text(f"Record for {FULL_NAME} created.")
    expect(page).to_have_title(f"{FULL_NAME} · Waypoint")
    expect(page.get_by_role("heading", level=1)).to_have_text(FULL_NAME)
    expect(page.get_by_test_id("unit")).to_have_text("HMP Alpha (Prison)")
    expect(page.get_by_test_id("summary")).to_contain_text(REFERENCE)
    expect(page.get_by_test_id("summary")).to_contain_text(f"Overdue {on_page(review_due)}")
    expect(page.get_by_role("link", name="Transfer")).to_be_visible()

    # Found on the People list by a lower-case part of a name written with non-ASCII letters.
    search_people(page, live_server, SEARCH)
    results = page.get_by_role("table", name="People matching the search")
    person_path = person_url.removeprefix(live_server.url)
    expect(results.get_by_role("link", name=LIST_NAME)).to_have_attribute("href", person_path)
    expect(results.get_by_role("row").filter(has_text=LIST_NAME)).to_contain_text("HMP Alpha")

    # 4. The dashboard counts the overdue review and lists the person under it.
    assert overdue_count(page, live_server) == overdue_before + 1
    expect(page.get_by_role("table", name="Reviews overdue").get_by_role("link", name=LIST_NAME)).to_be_visible()

    # 5. Transfer to the probation region on release.
    page.get_by_role("table", name="Reviews overdue").get_by_role("link", name=LIST_NAME).click()
    expect(page).to_have_url(person_url)
    page.get_by_role("link", name="Transfer").click()
    expect(page).to_have_url(f"{person_url}/transfer")
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Transfer {FULL_NAME}")

    page.get_by_label("Move to unit").select_option(label="Bravo Probation Region (Probation region)")
    page.get_by_label("Status after the move").select_option(label="Released on licence")
    type_real_date(page, page.get_by_label("Date of the move"), today)
    type_real_date(page, page.get_by_label("Release date (only for a release on licence)"), today)
    page.get_by_label("Reason").press_sequentially(TRANSFER_REASON)
    page.get_by_role("button", name="Record the transfer").click()

    # The supervisor is not in unit B, so the record is no longer theirs to see: back to the People list.
    expect(page).to_have_url(f"{live_server.url}/subjects")
    expect(page.get_by_role("status")).to_have_text("Transfer to Bravo Probation Region recorded.")
    expect(page.get_by_role("link", name=LIST_NAME)).to_have_count(0)

    assert overdue_count(page, live_server) == overdue_before
    expect(page.get_by_role("link", name=LIST_NAME)).to_have_count(0)

    search_people(page, live_server, SEARCH)
    expect(page.get_by_test_id("no-results")).to_contain_text(f"No one you can see matches “{SEARCH}”")
    expect(page.get_by_role("link", name=LIST_NAME)).to_have_count(0)

    # The record's address, kept from before, no longer opens it.
    response = page.goto(person_url)
    assert response is not None and response.status == 404
    expect(page.get_by_role("heading", level=1)).to_have_text("Page not found")
    expect(page.get_by_text(FAMILY)).to_have_count(0)

    # 6. The assessor of Bravo Probation Region now has the person, with the move in the history.
    page.get_by_role("button", name="Sign out").click()
    expect_signed_out(page, live_server)
    sign_in_with_keyboard(page, assessor_b.username, assessor_b.password)
    expect(page).to_have_url(f"{live_server.url}/")

    go_to(page, "People")
    row = page.get_by_role("row").filter(has=page.get_by_role("link", name=LIST_NAME))
    expect(row).to_have_count(1)
    expect(row).to_contain_text("Bravo Probation Region")
    expect(row).to_contain_text("Released on licence")

    row.get_by_role("link", name=LIST_NAME).click()
    expect(page).to_have_url(person_url)
    expect(page.get_by_role("heading", level=1)).to_have_text(FULL_NAME)
    expect(page.get_by_test_id("unit")).to_have_text("Bravo Probation Region (Probation region)")
    expect(page.get_by_test_id("summary").locator("dt:text-is('Release date') + dd")).to_have_text(on_page(today))
    movements = page.get_by_role("table", name="Movement history")
    expect(movements.get_by_role("columnheader")).to_have_text(["Date", "From", "To", "Reason"])
    movement_rows = movements.locator("tbody").get_by_role("row")
    expect(movement_rows).to_have_count(1)
    expect(movement_rows.first.get_by_role("cell")).to_have_text(
        [on_page(today), "HMP Alpha", "Bravo Probation Region", TRANSFER_REASON]
    )

    assert_requests_stayed_on_live_server(request_log, live_server)
