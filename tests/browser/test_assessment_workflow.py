"""Screening, structured assessment and countersignature, in a real browser.

The whole path, in one test, as the people walk it: an administrator accredits the assessor; the assessor
screens a person of HMP Alpha and refers them, starts the structured assessment, tries to submit it half done
(every missing item is listed, and what was typed is kept as a draft), goes on writing until the page saves the
draft by itself, and submits it; a supervisor returns it with a comment, the assessor corrects and resubmits
it, and the supervisor approves it; the assessor amends it, and the supervisor's approval of the amendment
supersedes the first version, which stays readable. Then, on their own: the draft is saved when the page is
hidden, and an amendment written by a supervisor cannot be approved by them (four eyes) and is compared with
the version it amends.

Every page on the way passes axe-core (checked by tests/browser/conftest.py without asking), and nothing is
loaded from anywhere but Waypoint.
"""

from __future__ import annotations

import re
from datetime import timedelta

from playwright.sync_api import Locator, Page, expect

from app.assessments import catalogue
from instruments.loader import Instrument, Item
from tests import factories
from tests.browser.conftest import LiveServer, RequestLog, assert_requests_stayed_on_live_server, axe_check
from tests.browser.test_people_workflow import go_to, server_today, type_real_date
from tests.browser.test_role_navigation import expect_signed_out, sign_in_with_keyboard

REFERENCE = "WP1001AS"
GIVEN = "Idris"
FAMILY = "Marlowe"
FULL_NAME = f"{GIVEN} {FAMILY}"
LIST_NAME = f"{FAMILY}, {GIVEN}"  # how the People list names a person
QUEUE_NAME = f"{FULL_NAME} ({REFERENCE})"  # how the approval queue names them
NEEDED_NAME = f"{LIST_NAME} ({REFERENCE})"  # how the "assessments needed" list names them

SCREENING_OUTCOME = "Refer for structured assessment"
AUTOSAVED_RE = re.compile(r"Draft saved automatically at \d{2}:\d{2}:\d{2} UTC\.")

# The few items rated (all in the first domain) before the first (refused) submission, and the one given evidence.
FIRST_RATINGS = {"EN1": "Present", "EN2": "Partly present"}
FIRST_EVIDENCE = {"EN1": "Wing staff log, 3 March: spends association time distributing the group's leaflets."}


# --- instruments ------------------------------------------------------------------------------------------



def approve_after_confirming(page: Page) -> None:
    """The countersignature sits at the end of the assessment and asks for a confirmation first."""
    page.get_by_role("link", name="Approve this assessment").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Approve the assessment of")
    page.get_by_role("button", name="Approve").click()

def instrument(server: LiveServer, key: tuple[str, str]) -> Instrument:
    with server.app.app_context():
        return catalogue.get(*key)


def item_name(item: Item) -> str:
    """The rating group's legend, which is also its accessible name."""
    return f"{item.code} {item.title}"


def option_label(item: Item, value: str) -> str:
    return next(o.label for o in item.options if o.value == value)


# --- people in the browser ----------------------------------------------------------------------------------


def sign_in(page: Page, server: LiveServer, key: str) -> None:
    user = server.users[key]
    page.goto("/")
    expect_signed_out(page, server)
    sign_in_with_keyboard(page, user.username, user.password)
    expect(page).to_have_url(f"{server.url}/")
    expect(page.get_by_role("heading", level=1)).to_have_text(re.compile(r"^Welcome, "))


def sign_out(page: Page, server: LiveServer) -> None:
    page.get_by_role("button", name="Sign out").click()
    expect_signed_out(page, server)


def open_person(page: Page, server: LiveServer, subject_id: int) -> None:
    go_to(page, "People")
    expect(page).to_have_url(f"{server.url}/subjects")
    page.get_by_role("link", name=LIST_NAME, exact=True).click()
    expect(page).to_have_url(f"{server.url}/subjects/{subject_id}")
    expect(page.get_by_role("heading", level=1)).to_have_text(FULL_NAME)


def group(page: Page, name: str) -> Locator:
    """A radio group (fieldset), by its legend."""
    return page.get_by_role("group", name=name, exact=True)


def choose(page: Page, group_name: str, label: str) -> None:
    radio = group(page, group_name).get_by_role("radio", name=label, exact=True)
    radio.check()
    expect(radio).to_be_checked()


def expect_chosen(page: Page, group_name: str, label: str) -> None:
    radios = group(page, group_name).get_by_role("radio")
    expect(group(page, group_name).get_by_role("radio", name=label, exact=True)).to_be_checked()
    expect(radios.and_(page.locator(":checked"))).to_have_count(1)


def evidence(page: Page, item: Item) -> Locator:
    return page.get_by_label(f"Evidence for {item.code}", exact=True)


def start_assessment(page: Page, server: LiveServer, assessment_title: str) -> str:
    """On the person's page: start the structured assessment; returns the draft's edit URL (its task list)."""
    page.get_by_role("button", name=f"Start “{assessment_title}”").click()
    expect(page).to_have_url(re.compile(re.escape(server.url) + r"/assessments/\d+/edit$"))
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Structured assessment of {FULL_NAME}")
    expect(page.get_by_test_id("instrument-notice")).to_contain_text("not a validated instrument")
    return page.url


OVERALL_SECTION = "Overall judgement, the person's view and review date"


def section_titles(assessment_instrument: Instrument) -> list[str]:
    """The task list's sections: each domain of the instrument, then the overall judgement."""
    return [domain.title for domain in assessment_instrument.domains] + [OVERALL_SECTION]


def expect_task_states(page: Page, states: list[str]) -> None:
    """On the task list: each section's state, in order."""
    expect(page.get_by_test_id("task-list").get_by_role("link")).to_have_count(len(states))
    expect(page.get_by_test_id("task-state")).to_have_text(states)


def open_section(page: Page, edit_url: str, title: str) -> None:
    """From the task list: open one section's page."""
    expect(page).to_have_url(edit_url)
    page.get_by_test_id("task-list").get_by_role("link", name=title, exact=True).click()
    expect(page).to_have_url(re.compile(re.escape(edit_url) + r"/[a-z_-]+$"))
    expect(page.get_by_role("heading", level=2, name=title, exact=True)).to_be_visible()


def check_and_submit(page: Page, edit_url: str) -> None:
    """From the task list: check the answers (nothing missing) and submit."""
    expect(page).to_have_url(edit_url)
    page.get_by_role("link", name="Check your answers").click()
    expect(page).to_have_url(edit_url.removesuffix("/edit") + "/check")
    expect(page.get_by_role("heading", level=1)).to_have_text("Check your answers before submitting")
    expect(page.get_by_test_id("nothing-missing")).to_have_text("Every section is complete.")
    page.get_by_role("button", name="Submit for countersignature").click()


def make_person(server: LiveServer) -> int:
    return factories.make_subject(server.app, server.users["supervisor"].id, server.units["A"], REFERENCE,
                                  given_name=GIVEN, family_name=FAMILY)


# --- 1. the whole path ----------------------------------------------------------------------------------------

RETURN_COMMENT = "IN3: the evidence is hearsay; name the source and the date."
CORRECTED_IN3 = "Wing officer D. Shaw, entry of 12 November: heard him repeat the slogan twice."
AMENDED_IN1 = "Recorded call, 2 June: says an attack on the mosque was deserved."


def test_whole_path_from_screening_through_a_return_to_an_approved_amendment(
    page: Page, live_server: LiveServer, request_log: RequestLog
) -> None:
    """Issue 4's path, all of it through the pages, as the people would walk it in one browser, signing in
    in turn (the administrator and the supervisor with their code): accreditation, screening → referral →
    assessment drafted (autosave observed) → submitted → returned → resubmitted → approved → amended, and
    the amendment approved, which supersedes the first version."""
    today = server_today()
    subject_id = make_person(live_server)
    person_url = f"{live_server.url}/subjects/{subject_id}"
    assessment_instrument = instrument(live_server, factories.ASSESSMENT)
    screening_instrument = instrument(live_server, factories.SCREENING)
    items = assessment_instrument.items()
    by_code = {item.code: item for item in items}
    valid_until = today + timedelta(days=365)

    # 1. The administrator records the assessor's accreditation for the structured assessment.
    page.goto("/")
    expect_signed_out(page, live_server)
    sign_in_with_keyboard(page, live_server.users["admin"].username, live_server.users["admin"].password)
    expect(page).to_have_url(f"{live_server.url}/")
    go_to(page, "Accreditations")
    expect(page).to_have_url(f"{live_server.url}/admin/accreditations")
    expect(page.get_by_role("table", name="Current accreditations")).to_contain_text("No accreditations recorded.")

    page.get_by_label("User", exact=True).select_option(label="Assessor (assessor)")
    page.get_by_label("Instrument", exact=True).select_option(label=assessment_instrument.title)
    type_real_date(page, page.get_by_label("Valid until", exact=True), valid_until)
    page.get_by_role("button", name="Record accreditation").click()

    expect(page).to_have_url(f"{live_server.url}/admin/accreditations")
    expect(page.get_by_role("status")).to_have_text("Accreditation recorded.")
    rows = page.get_by_role("table", name="Current accreditations").locator("tbody").get_by_role("row")
    expect(rows).to_have_count(1)
    expect(rows.first.get_by_role("cell").nth(0)).to_have_text("Assessor (assessor)")
    expect(rows.first.get_by_role("cell").nth(1)).to_have_text(assessment_instrument.id)
    expect(rows.first.get_by_role("cell").nth(2)).to_have_text(f"{valid_until:%d %b %Y}")
    sign_out(page, live_server)

    # 2. The assessor opens the person and records a screening that refers them for assessment.
    sign_in_with_keyboard(page, live_server.users["assessor"].username, live_server.users["assessor"].password)
    expect(page).to_have_url(f"{live_server.url}/")
    open_person(page, live_server, subject_id)
    expect(page.get_by_test_id("assessment-needed")).to_have_count(0)
    expect(page.get_by_test_id("judgement-chart")).to_contain_text("No approved assessment yet")

    page.get_by_role("link", name="Record a screening").click()
    expect(page).to_have_url(f"{person_url}/screenings/new")
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Screening: {FULL_NAME}")

    # The form offers today's date already.
    expect(page.get_by_label("Date of screening")).to_have_value(today.isoformat())
    page.get_by_label("Occasion", exact=True).press_sequentially("Reception")
    for index, indicator in enumerate(screening_instrument.items()):
        answer = "Observed" if index < 2 else "Not observed"
        choose(page, item_name(indicator), answer)
        if answer == "Observed":
            page.get_by_label(f"What was observed ({indicator.code})").fill(
                f"{indicator.code}: seen by reception staff, recorded in the wing log.")
    choose(page, "Outcome", SCREENING_OUTCOME)
    page.get_by_label("Reasons for the outcome").press_sequentially(
        "Two indicators observed on reception; a structured assessment is needed.")
    page.get_by_role("button", name="Save screening").click()

    # Referred: the person is on the "assessment needed" lists.
    expect(page).to_have_url(person_url)
    expect(page.get_by_role("status")).to_have_text(
        "Screening saved. The person is now on the assessment-needed list.")
    expect(page.get_by_test_id("assessment-needed")).to_have_text("Assessment needed")
    expect(page.get_by_role("link", name=f"{today:%d %b %Y}", exact=True)).to_be_visible()

    go_to(page, "Home")
    needed = page.get_by_test_id("assessments-needed")
    expect(needed.get_by_role("link", name=NEEDED_NAME, exact=True)).to_have_attribute(
        "href", f"/subjects/{subject_id}")

    # 3. The assessor starts the assessment: a task list of the instrument's domains and the overall
    # judgement, none started. They open the first domain, rate a few items and go back to the list.
    needed.get_by_role("link", name=NEEDED_NAME, exact=True).click()
    expect(page).to_have_url(person_url)
    edit_url = start_assessment(page, live_server, assessment_instrument.title)
    titles = section_titles(assessment_instrument)
    expect_task_states(page, ["Not started"] * len(titles))
    expect(page.get_by_test_id("tasks-done")).to_contain_text(f"You have completed 0 of {len(titles)} sections.")
    engagement = assessment_instrument.domains[0]
    open_section(page, edit_url, engagement.title)
    expect(page.locator("[data-error-summary]")).to_have_count(0)
    for item in engagement.items:
        expect(group(page, item_name(item)).get_by_role("radio")).to_have_count(len(item.options))
        expect(group(page, item_name(item)).locator(":checked")).to_have_count(0)
        expect(evidence(page, item)).to_have_value("")
        # Required before any submission, and said so on the item itself.
        expect(evidence(page, item)).to_have_accessible_description(re.compile(r"^Required before you submit\."))
        expect(group(page, item_name(item))).to_have_accessible_description(
            re.compile(r"A rating is required before you submit\.$"))
    expect(group(page, item_name(by_code["IN1"]))).to_have_count(0)  # another domain's item: its own page

    for code, label in FIRST_RATINGS.items():
        choose(page, item_name(by_code[code]), label)
    for code, text in FIRST_EVIDENCE.items():
        evidence(page, by_code[code]).press_sequentially(text)
    page.get_by_role("button", name="Save and go back to all sections").click()
    expect(page).to_have_url(edit_url)
    expect(page.get_by_role("status").filter(has_text="Draft saved")).to_have_text("Draft saved.")
    expect_task_states(page, ["In progress"] + ["Not started"] * (len(titles) - 1))

    # The check page lists what is missing; submitting anyway is refused with the whole list, each a link to
    # where it is fixed, in the order of the form.
    page.get_by_role("link", name="Check your answers").click()
    check_url = edit_url.removesuffix("/edit") + "/check"
    expect(page).to_have_url(check_url)
    expect(page.get_by_test_id("still-missing")).to_contain_text("Still missing")
    page.get_by_role("button", name="Submit for countersignature").click()
    expect(page).to_have_url(edit_url.removesuffix("/edit") + "/submit")
    summary = page.locator("[data-error-summary]")
    expect(summary).to_have_role("alert")
    expect(summary).to_be_focused()
    expect(summary.get_by_role("heading")).to_have_text("There is a problem")
    domain_of = {item.code: domain.code for domain in assessment_instrument.domains for item in domain.items}
    base = edit_url.removeprefix(live_server.url)
    expected: list[tuple[str, str]] = []
    for item in items:
        if item.code not in FIRST_RATINGS:
            expected.append((f"{base}/{domain_of[item.code]}#rating_{item.code}",
                             f"Rate {item.code} “{item.title}”."))
        if item.code not in FIRST_EVIDENCE:
            expected.append((f"{base}/{domain_of[item.code]}#evidence_{item.code}",
                             f"Write the evidence for {item.code} “{item.title}”."))
    expected.append((f"{base}/overall-judgement#overall_judgement", "Record your overall judgement."))
    expected.append((f"{base}/overall-judgement#rationale", "Explain the reasons for your overall judgement."))
    problems = summary.get_by_role("link")
    expect(problems).to_have_text([text for _, text in expected])
    assert [problems.nth(i).get_attribute("href") for i in range(len(expected))] == [h for h, _ in expected]
    axe_check(page)  # the refused submission

    # The first missing item's link opens its domain at the field, with what was typed so far kept; the
    # assessor writes it there and goes on to the next domain.
    problems.nth(0).click()
    expect(page).to_have_url(f"{edit_url}/{engagement.code}#evidence_EN2")
    for code, label in FIRST_RATINGS.items():
        expect_chosen(page, item_name(by_code[code]), label)
    expect(evidence(page, by_code["EN1"])).to_have_value(FIRST_EVIDENCE["EN1"])
    evidence(page, by_code["EN2"]).fill("EN2: nothing in the security reports or the wing log since March.")
    page.get_by_role("button", name="Save and continue").click()
    expect(page).to_have_url(f"{edit_url}/{assessment_instrument.domains[1].code}")
    # A rating chosen and a link followed at once, no button pressed: the page saves before it goes.
    choose(page, item_name(by_code["IN1"]), by_code["IN1"].options[0].label)
    page.get_by_role("link", name="All sections").click()
    expect(page).to_have_url(edit_url)
    expect_task_states(page, ["In progress", "In progress"] + ["Not started"] * (len(titles) - 2))

    # 4. The page's timers now run on a clock the test can move on, so that its 30-second autosave comes
    # without waiting. In each domain the assessor rates every item and writes its evidence, and presses
    # nothing: 30 seconds on, the page saves the draft by itself and says so in the status line, which stays
    # in sight at the top of the page however far down they are.
    page.clock.install()
    for domain in assessment_instrument.domains:
        page.goto(edit_url)
        open_section(page, edit_url, domain.title)
        autosave_status = page.locator("[data-autosave-status]")
        expect(autosave_status).to_have_text(re.compile(r"^Last saved at \d{2}:\d{2} UTC\.$"))
        for item in domain.items:
            if item.code not in FIRST_RATINGS:
                choose(page, item_name(item), item.options[0].label)
            if item.code not in FIRST_EVIDENCE and item.code != "EN2":
                evidence(page, item).fill(f"{item.code}: nothing in the security reports or the wing log since "
                                          "March.")
        evidence(page, domain.items[-1]).scroll_into_view_if_needed()
        page.clock.fast_forward("00:30")
        expect(autosave_status).to_have_text(AUTOSAVED_RE)
        expect(autosave_status).to_have_role("status")
        expect(autosave_status).to_be_in_viewport()
    axe_check(page)  # a domain's page with the autosave message

    # Saved indeed: the dashboard lists the draft; it opens on the task list with every domain complete.
    go_to(page, "Home")
    expect(page.get_by_role("heading", name="My draft assessments")).to_be_visible()
    page.get_by_role("link", name=FULL_NAME, exact=True).click()
    expect(page).to_have_url(edit_url)
    expect_task_states(page, ["Complete"] * (len(titles) - 1) + ["Not started"])
    open_section(page, edit_url, assessment_instrument.domains[1].title)
    for item in assessment_instrument.domains[1].items:
        expect(group(page, item_name(item)).locator(":checked")).to_have_count(1)
    expect(evidence(page, by_code["IN3"])).to_have_value("IN3: nothing in the security reports or the wing log "
                                                         "since March.")
    page.get_by_role("link", name="All sections").click()

    # 5. The overall judgement, its rationale and the person's view; then check the answers and submit.
    open_section(page, edit_url, OVERALL_SECTION)
    expect(page.get_by_label("Rationale for the overall judgement")).to_have_accessible_description(
        "Required before you submit.")
    choose(page, "Overall judgement", "Moderate concern")
    page.get_by_label("Rationale for the overall judgement").press_sequentially(
        "Active engagement with the group on the wing, without evidence of intent or capability.")
    page.get_by_label("The person's own view").press_sequentially("He says the leaflets are about charity.")
    page.get_by_role("button", name="Save and check your answers").click()
    expect(page).to_have_url(check_url)
    expect(page.get_by_test_id("nothing-missing")).to_have_text("Every section is complete.")
    expect(page.get_by_text("He says the leaflets are about charity.")).to_be_visible()
    page.get_by_role("button", name="Submit for countersignature").click()

    expect(page).to_have_url(re.compile(re.escape(live_server.url) + r"/assessments/\d+$"))
    assessment_url = page.url
    assert edit_url == f"{assessment_url}/edit"
    expect(page.get_by_role("status")).to_have_text("Assessment submitted for countersignature.")
    expect(page.get_by_test_id("status")).to_have_text("Submitted")
    expect(page.get_by_test_id("overall")).to_have_text("Moderate concern")
    # The author cannot countersign, edit or amend a submitted assessment.
    expect(page.get_by_role("button", name="Approve")).to_have_count(0)
    expect(page.get_by_role("link", name="Approve this assessment")).to_have_count(0)
    expect(page.get_by_role("link", name="Continue editing")).to_have_count(0)
    sign_out(page, live_server)

    # 6. The supervisor finds it waiting and returns it: without a comment that is refused, with one it is done.
    sign_in(page, live_server, "supervisor")
    expect(page.get_by_role("heading", name="Assessments awaiting your approval")).to_be_visible()
    waiting = page.get_by_test_id("awaiting-approval")
    expect(waiting.get_by_role("listitem")).to_have_count(1)
    expect(waiting.get_by_role("listitem")).to_contain_text("by Assessor")
    waiting.get_by_role("link", name=QUEUE_NAME, exact=True).click()
    expect(page).to_have_url(assessment_url)
    expect(page.get_by_role("heading", name="Countersignature")).to_be_visible()

    page.get_by_role("button", name="Return to the author").click()
    expect(page.locator("[data-error-summary]")).to_contain_text("Tell the author what to change")
    expect(page.get_by_test_id("status")).to_have_text("Submitted")
    page.get_by_label("What the author should change").fill(RETURN_COMMENT)
    page.get_by_role("button", name="Return to the author").click()

    expect(page).to_have_url(assessment_url)
    expect(page.get_by_role("status").filter(has_text="Assessment returned")).to_have_text(
        "Assessment returned to its author with your comment.")
    expect(page.get_by_test_id("status")).to_have_text("Draft")
    expect(page.get_by_role("status").filter(has_text="Returned:")).to_have_text(f"Returned: “{RETURN_COMMENT}”")
    expect(page.get_by_role("button", name="Approve")).to_have_count(0)
    expect(page.get_by_role("link", name="Approve this assessment")).to_have_count(0)
    sign_out(page, live_server)

    # 7. The assessor sees the comment on the dashboard, corrects the evidence and submits again.
    sign_in(page, live_server, "assessor")
    returned = page.get_by_test_id("returned-to-me")
    expect(returned).to_contain_text(RETURN_COMMENT)
    returned.get_by_role("link", name=FULL_NAME, exact=True).click()
    expect(page).to_have_url(edit_url)
    expect(page.get_by_role("status").filter(has_text="Returned by")).to_have_text(
        f"Returned by Supervisor: “{RETURN_COMMENT}”")
    expect_task_states(page, ["Complete"] * len(titles))
    open_section(page, edit_url, assessment_instrument.domains[1].title)
    evidence(page, by_code["IN3"]).fill(CORRECTED_IN3)
    page.get_by_role("button", name="Save and go back to all sections").click()
    check_and_submit(page, edit_url)

    expect(page).to_have_url(assessment_url)
    expect(page.get_by_role("status")).to_have_text("Assessment submitted for countersignature.")
    expect(page.get_by_test_id("status")).to_have_text("Submitted")
    sign_out(page, live_server)

    # 8. The supervisor approves the corrected assessment.
    sign_in(page, live_server, "supervisor")
    waiting = page.get_by_test_id("awaiting-approval")
    expect(waiting.get_by_role("listitem")).to_have_count(1)
    waiting.get_by_role("link", name=QUEUE_NAME, exact=True).click()
    expect(page).to_have_url(assessment_url)
    # What changed since the return is shown first, then the whole assessment with the corrected evidence.
    corrected = page.get_by_role("cell", name=re.compile(re.escape(CORRECTED_IN3)))
    expect(page.get_by_test_id("changed-since-return").get_by_role("cell", name=re.compile(re.escape(CORRECTED_IN3))
                                                                       )).to_be_visible()
    expect(corrected).to_have_count(2)
    approve_after_confirming(page)

    expect(page).to_have_url(assessment_url)
    expect(page.get_by_role("status")).to_have_text(
        "Assessment approved. It can no longer be changed; corrections are made by amending it.")
    expect(page.get_by_test_id("status")).to_have_text("Approved")
    expect(page.get_by_text(re.compile(r"approved by Supervisor on "))).to_be_visible()
    expect(page.get_by_role("button", name="Approve")).to_have_count(0)
    expect(page.get_by_role("link", name="Approve this assessment")).to_have_count(0)

    # The person's page: the judgement chart has its first point, and no assessment is needed now.
    page.get_by_role("link", name=f"Back to {FULL_NAME}").click()
    expect(page).to_have_url(person_url)
    chart = page.get_by_test_id("judgement-chart").locator("svg")
    expect(chart).to_have_count(1)
    expect(chart.locator("circle")).to_have_count(1)
    expect(chart).to_have_accessible_name("Overall judgement over time")
    expect(chart).to_have_accessible_description(re.compile(r": Moderate concern$"))
    expect(page.get_by_test_id("assessment-needed")).to_have_count(0)
    expect(page.get_by_text("Assessment needed")).to_have_count(0)

    go_to(page, "Home")
    expect(page.get_by_test_id("awaiting-approval")).to_have_count(0)
    expect(page.get_by_test_id("assessments-needed")).to_have_count(0)
    sign_out(page, live_server)

    # 9. New evidence: the assessor amends the approved assessment. The new draft is prefilled from it.
    changed = by_code["IN1"]
    old_rating, new_rating = changed.options[0].label, option_label(changed, "present")
    assert old_rating != new_rating
    sign_in(page, live_server, "assessor")
    open_person(page, live_server, subject_id)
    page.get_by_role("link", name="Approved", exact=True).click()
    expect(page).to_have_url(assessment_url)
    page.get_by_role("button", name="Amend (new version)").click()

    expect(page).to_have_url(re.compile(re.escape(live_server.url) + r"/assessments/\d+/edit$"))
    amendment_url = page.url.removesuffix("/edit")
    assert amendment_url != assessment_url
    original_path, amendment_path = (url.removeprefix(live_server.url) for url in (assessment_url, amendment_url))
    expect(page.get_by_role("link", name=re.compile(r"^the approved assessment of "))).to_have_attribute(
        "href", original_path)
    expect_task_states(page, ["Complete"] * len(titles))  # prefilled from the approved version
    amendment_edit_url = page.url
    open_section(page, amendment_edit_url, assessment_instrument.domains[1].title)
    expect_chosen(page, item_name(changed), old_rating)
    expect(evidence(page, by_code["IN3"])).to_have_value(CORRECTED_IN3)
    choose(page, item_name(changed), new_rating)
    evidence(page, changed).fill(AMENDED_IN1)
    page.get_by_role("button", name="Save and go back to all sections").click()
    open_section(page, amendment_edit_url, OVERALL_SECTION)
    expect_chosen(page, "Overall judgement", "Moderate concern")
    choose(page, "Overall judgement", "High concern")
    page.get_by_role("button", name="Save and go back to all sections").click()
    check_and_submit(page, amendment_edit_url)

    expect(page).to_have_url(amendment_url)
    expect(page.get_by_role("status")).to_have_text("Assessment submitted for countersignature.")
    expect(page.get_by_test_id("status")).to_have_text("Submitted")
    expect(page.get_by_test_id("overall")).to_have_text("High concern")
    sign_out(page, live_server)

    # 10. The supervisor approves the amendment: it supersedes the first version, which stays readable.
    sign_in(page, live_server, "supervisor")
    page.get_by_test_id("awaiting-approval").get_by_role("link", name=QUEUE_NAME, exact=True).click()
    expect(page).to_have_url(amendment_url)
    approve_after_confirming(page)
    expect(page).to_have_url(amendment_url)
    expect(page.get_by_test_id("status")).to_have_text("Approved")
    expect(page.get_by_test_id("overall")).to_have_text("High concern")

    page.get_by_role("link", name="open it", exact=True).click()
    expect(page).to_have_url(assessment_url)
    expect(page.get_by_test_id("status")).to_have_text("Superseded")
    expect(page.get_by_test_id("overall")).to_have_text("Moderate concern")
    expect(page.get_by_role("button", name="Amend (new version)")).to_have_count(0)
    notice = page.get_by_role("status").filter(has_text="Superseded by")
    expect(notice).to_have_text(
        "Superseded by a later version. This version stays readable. Open the later version")
    expect(notice.get_by_role("link", name="Open the later version")).to_have_attribute("href", amendment_path)

    # The person's page keeps both judgements in the history, and links the current version as approved.
    page.get_by_role("link", name=f"Back to {FULL_NAME}").click()
    expect(page).to_have_url(person_url)
    circles = page.get_by_test_id("judgement-chart").locator("svg circle")
    expect(circles).to_have_count(2)
    expect(circles.nth(0).locator("title")).to_have_text(re.compile(r": Moderate concern$"))
    expect(circles.nth(1).locator("title")).to_have_text(re.compile(r": High concern$"))
    expect(page.get_by_role("link", name="Approved", exact=True)).to_have_attribute("href", amendment_path)
    expect(page.get_by_role("link", name="Superseded", exact=True)).to_have_attribute("href", original_path)

    assert_requests_stayed_on_live_server(request_log, live_server)


# --- 2. autosave when the page is hidden -------------------------------------------------------------------


def test_draft_is_saved_when_the_page_is_hidden_without_pressing_save(
    page: Page, live_server: LiveServer, request_log: RequestLog
) -> None:
    subject_id = make_person(live_server)
    factories.accredit(live_server.app, live_server.users["assessor"].id)
    assessment_instrument = instrument(live_server, factories.ASSESSMENT)
    item = assessment_instrument.item("IN2")
    typed = "Letter to his brother, 12 May: calls the other wing's group “vermin”. Copy on file."

    sign_in(page, live_server, "assessor")
    open_person(page, live_server, subject_id)
    edit_url = start_assessment(page, live_server, assessment_instrument.title)
    open_section(page, edit_url, "Intent")
    section_url = page.url

    field = evidence(page, item)
    field.press_sequentially(typed)
    expect(field).to_have_value(typed)
    autosave_status = page.locator("[data-autosave-status]")
    last_saved = re.compile(r"^Last saved at \d{2}:\d{2} UTC\.$")
    expect(autosave_status).to_have_text(last_saved)

    # The tab is hidden (another window comes to the front): the script saves the draft there and then.
    with page.expect_response(lambda r: r.url.endswith("/autosave?section=intent")
                              and r.request.method == "POST") as saved:
        page.evaluate(
            "() => { Object.defineProperty(document, 'visibilityState', {value: 'hidden', configurable: true});"
            " document.dispatchEvent(new Event('visibilitychange')); }"
        )
    assert saved.value.status == 200
    expect(autosave_status).to_have_text(AUTOSAVED_RE)
    expect(autosave_status).to_have_role("status")
    axe_check(page)  # the form with the autosave message

    # Reloaded, the page shows what was typed, though no button was pressed.
    page.reload()
    expect(page).to_have_url(section_url)
    expect(evidence(page, item)).to_have_value(typed)
    expect(page.locator("[data-autosave-status]")).to_have_text(last_saved)
    expect(page.locator("[data-error-summary]")).to_have_count(0)

    # And the dashboard lists the draft.
    go_to(page, "Home")
    expect(page.get_by_role("heading", name="My draft assessments")).to_be_visible()
    expect(page.get_by_role("link", name=FULL_NAME, exact=True)).to_have_attribute(
        "href", edit_url.removeprefix(live_server.url))

    assert_requests_stayed_on_live_server(request_log, live_server)


# --- 3. amendment, four eyes and comparison ------------------------------------------------------------------


def test_author_cannot_approve_and_amendment_is_compared(
    page: Page, live_server: LiveServer, request_log: RequestLog
) -> None:
    app = live_server.app
    users = live_server.users
    subject_id = make_person(live_server)
    factories.accredit(app, users["assessor"].id)
    factories.accredit(app, users["supervisor"].id)
    original_id = factories.make_assessment(app, users["assessor"].id, subject_id,
                                            approver_id=users["supervisor"].id, judgement="moderate_concern")
    original_url = f"{live_server.url}/assessments/{original_id}"
    assessment_instrument = instrument(live_server, factories.ASSESSMENT)
    items = assessment_instrument.items()
    changed = assessment_instrument.item("IN1")
    old_rating = option_label(changed, "not_present")  # complete_input rates every item with its first option
    new_rating = option_label(changed, "present")

    # 1. The supervisor opens the approved assessment from the person's page and amends it.
    sign_in(page, live_server, "supervisor")
    open_person(page, live_server, subject_id)
    expect(page.get_by_test_id("judgement-chart").locator("svg circle")).to_have_count(1)
    page.get_by_role("link", name="Approved", exact=True).click()
    expect(page).to_have_url(original_url)
    expect(page.get_by_test_id("status")).to_have_text("Approved")
    page.get_by_role("button", name="Amend (new version)").click()

    # The new draft is the supervisor's own, prefilled from the approved version.
    expect(page).to_have_url(re.compile(re.escape(live_server.url) + r"/assessments/\d+/edit$"))
    amendment_url = page.url.removesuffix("/edit")
    assert amendment_url != original_url
    expect(page.get_by_role("link", name=re.compile(r"^the approved assessment of "))).to_have_attribute(
        "href", f"/assessments/{original_id}")
    amendment_edit_url = page.url
    open_section(page, amendment_edit_url, "Intent")
    expect_chosen(page, item_name(changed), old_rating)
    choose(page, item_name(changed), new_rating)
    evidence(page, changed).fill("")
    evidence(page, changed).press_sequentially("Recorded call, 2 June: says an attack on the mosque was deserved.")
    page.get_by_role("button", name="Save and go back to all sections").click()
    open_section(page, amendment_edit_url, OVERALL_SECTION)
    expect_chosen(page, "Overall judgement", "Moderate concern")
    choose(page, "Overall judgement", "High concern")
    page.get_by_role("button", name="Save and go back to all sections").click()
    check_and_submit(page, amendment_edit_url)

    expect(page).to_have_url(amendment_url)
    expect(page.get_by_role("status")).to_have_text("Assessment submitted for countersignature.")
    expect(page.get_by_test_id("status")).to_have_text("Submitted")
    expect(page.get_by_test_id("status").locator("xpath=..")).to_contain_text("by Supervisor")
    expect(page.get_by_test_id("overall")).to_have_text("High concern")

    # 2. Four eyes: the supervisor wrote the amendment, so there is nothing for them to approve or return...
    expect(page.get_by_role("heading", name="Countersignature")).to_have_count(0)
    expect(page.get_by_role("button", name="Approve")).to_have_count(0)
    expect(page.get_by_role("link", name="Approve this assessment")).to_have_count(0)
    expect(page.get_by_role("button", name="Return to the author")).to_have_count(0)
    # ...and sending the approval anyway (with a valid CSRF token) is refused by the server.
    token = page.locator("input[name=csrf_token]").first.get_attribute("value")
    assert token
    refused = page.request.post(f"{amendment_url}/approve", form={"csrf_token": token, "version": "2"},
                                max_redirects=0)
    assert refused.status == 403
    page.reload()
    expect(page.get_by_test_id("status")).to_have_text("Submitted")

    go_to(page, "Home")
    expect(page.get_by_role("heading", name="Assessments awaiting your approval")).to_be_visible()
    expect(page.get_by_test_id("awaiting-approval")).to_have_count(0)
    expect(page.get_by_text("None waiting.").first).to_be_visible()

    # 3. Compare the two versions: the changed rating and the changed judgement are highlighted.
    page.goto(amendment_url)
    expect(page.get_by_role("link", name="open it", exact=True)).to_have_attribute(
        "href", f"/assessments/{original_id}")
    page.get_by_role("link", name="compare the two").click()
    expect(page).to_have_url(f"{original_url}/compare?with={amendment_url.rsplit('/', 1)[1]}")
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Compare two assessments of {FULL_NAME}")
    table = page.get_by_test_id("comparison")
    expect(table.get_by_role("columnheader")).to_have_text(
        ["Item", re.compile(r"^Approved, "), re.compile(r"^Submitted, ")])
    body_rows = table.locator("tbody").get_by_role("row")
    expect(body_rows).to_have_count(len(items) + 3)

    changed_row = body_rows.filter(has=page.get_by_role("rowheader", name=item_name(changed), exact=True))
    expect(changed_row.locator("td")).to_have_count(2)
    expect(changed_row.locator("td").nth(0)).to_contain_text(old_rating)
    expect(changed_row.locator("td").nth(1)).to_contain_text(new_rating)
    expect(changed_row.locator("td").nth(1)).to_contain_text("rating changed")
    expect(changed_row.locator("td.changed")).to_have_count(2)
    # Only that item changed: one "rating changed" badge, and no other item row highlighted.
    expect(table.get_by_text("rating changed", exact=True)).to_have_count(1)
    expect(table.get_by_text("evidence changed", exact=True)).to_have_count(0)
    expect(body_rows.filter(has=page.locator("td.changed"))).to_have_count(2)

    judgement_row = body_rows.filter(has=page.get_by_role("rowheader", name="Overall judgement", exact=True))
    expect(judgement_row.locator("td").nth(0)).to_have_text("Moderate concern")
    expect(judgement_row.locator("td").nth(1)).to_have_text(re.compile(r"^High concern\s+changed$"))
    expect(judgement_row.locator("td.changed")).to_have_count(2)

    assert_requests_stayed_on_live_server(request_log, live_server)
