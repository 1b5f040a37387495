"""An intervention from referral to outcomes, in a real browser, as the probation officer of HMP Alpha does it:
they refer a person to mentoring (first with mistakes the form must explain), move it through accepted to
active with the status form (which offers only the steps the lifecycle allows), record three sessions in a
row with "Save and record another" (each form prefilled from the last; an engagement rating for a missed
session is refused), and close it with an outcome for each goal. The person's page then shows the
intervention with its attendance and engagement chart, and a timeline with every step, newest first. An
observation recorded afterwards appears on the person's page and at the top of the timeline.

Every page on the way passes axe-core, and nothing is loaded from anywhere but Waypoint.
"""

from __future__ import annotations

import re
from datetime import date, timedelta

from playwright.sync_api import Locator, Page, expect

from app.interventions.models import ENGAGEMENT_ANCHORS
from tests import factories
from tests.browser.conftest import LiveServer, RequestLog, assert_requests_stayed_on_live_server
from tests.browser.test_people_workflow import go_to, server_today
from tests.browser.test_role_navigation import expect_signed_out, sign_in_with_keyboard

REFERENCE = "IV2024NH"
GIVEN = "Noor"
FAMILY = "Haddad"
FULL_NAME = f"{GIVEN} {FAMILY}"
LIST_NAME = f"{FAMILY}, {GIVEN}"  # how the People list names a person

TYPE = "Mentoring"
PROVIDER = "Pathways Mentoring Trust"
OWNER_OPTION = "Probation (Probation officer)"  # the officer themselves, as the owner list names them
GOALS = ("Attend every session on time", "Name one new source of support outside the group")
SUMMARY = "Attended steadily after one missed session; now meets his mentor without prompting."
OBSERVATION_SOURCE = "Approved premises key worker"
OBSERVATION_TEXT = "Volunteered to help run the residents' cooking evening and stayed to clear up."

ATTENDED = "Attended"
MISSED = "Missed, without an acceptable reason"  # the fourth attendance choice
ATTENDANCE_ORDER = (ATTENDED, "Attended, late", "Missed, with an acceptable reason", MISSED,
                    "Cancelled by the provider")
ENGAGEMENT_GROUP = "Engagement (only if they attended)"


def on_timeline(day: date) -> str:
    """How the person's timeline dates an entry."""
    return day.strftime("%d %b %Y")


def on_page(day: date) -> str:
    """How a page shows a date in English (app/i18n.py `|day`, "dd MMM y": "02 Dec 2027")."""
    return f"{day:%d %b %Y}"


def retype_date(page: Page, field: Locator, value: date) -> None:
    """Replace what the field holds (a prefilled date) with `value`, typed as year-month-day."""
    field.focus()
    page.keyboard.press("Control+a")
    page.keyboard.type(value.isoformat())
    expect(field).to_have_value(value.isoformat())


def expect_flash(page: Page, text: str) -> None:
    expect(page.get_by_role("status")).to_have_text(text)


def expect_error_summary(page: Page, links: list[str], hrefs: list[str]) -> Locator:
    """The summary comes first, has focus, and links to each field with a problem."""
    summary = page.locator("[data-error-summary]")
    expect(summary).to_have_role("alert")
    expect(summary).to_be_focused()
    expect(summary.get_by_role("heading")).to_have_text("There is a problem")
    problems = summary.get_by_role("link")
    expect(problems).to_have_text(links)
    for index, href in enumerate(hrefs):
        expect(problems.nth(index)).to_have_attribute("href", href)
    return problems


def status_options(page: Page) -> Locator:
    return page.get_by_label("New status").locator("option")


def change_status(page: Page, to: str, on: date) -> None:
    page.get_by_label("New status").select_option(label=to)
    date_field = page.get_by_label("Date", exact=True)
    expect(date_field).to_have_value("")
    date_field.press_sequentially(on.isoformat())
    expect(date_field).to_have_value(on.isoformat())
    page.get_by_role("button", name="Change status").click()


def attendance_radio(page: Page, label: str) -> Locator:
    return page.get_by_role("group", name="Attendance").get_by_role("radio", name=label, exact=True)


def engagement_radio(page: Page, rating: int) -> Locator:
    return page.get_by_role("group", name=ENGAGEMENT_GROUP).get_by_role("radio", name=ENGAGEMENT_ANCHORS[rating])


def expect_session_form(page: Page, server: LiveServer, intervention_path: str, held_on: date,
                        attendance: str) -> Locator:
    """An empty session form, prefilled with a date and an attendance; the date field has focus."""
    expect(page).to_have_url(f"{server.url}{intervention_path}/sessions/new")
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Record a session: {TYPE}, {FULL_NAME}")
    expect(page.locator("[data-error-summary]")).to_have_count(0)
    held = page.get_by_label("Date of the session")
    expect(held).to_be_focused()
    expect(held).to_have_value(held_on.isoformat())
    expect(attendance_radio(page, attendance)).to_be_checked()
    expect(page.get_by_role("group", name="Attendance").locator("input:checked")).to_have_count(1)
    # "Not rated" is chosen beside an absence only; beside an attendance no rating is chosen until one is
    # picked (and "Not rated" can be chosen again to take a rating back)
    not_rated = page.get_by_role("group", name=ENGAGEMENT_GROUP).get_by_role("radio", name=re.compile("^Not rated"))
    if attendance in ATTENDANCE_ORDER[:2]:
        expect(page.get_by_role("group", name=ENGAGEMENT_GROUP).locator("input:checked")).to_have_count(0)
    else:
        expect(not_rated).to_be_checked()
    return held


def choose_attendance_with_arrows(page: Page, current: str, wanted: str) -> None:
    """Move through the radio group with the arrow keys, as a keyboard user does."""
    attendance_radio(page, current).focus()
    steps = ATTENDANCE_ORDER.index(wanted) - ATTENDANCE_ORDER.index(current)
    for _ in range(abs(steps)):
        page.keyboard.press("ArrowDown" if steps > 0 else "ArrowUp")
    expect(attendance_radio(page, wanted)).to_be_focused()
    expect(attendance_radio(page, wanted)).to_be_checked()


def test_probation_officer_refers_runs_sessions_and_closes_an_intervention_with_outcomes(
    page: Page, live_server: LiveServer, request_log: RequestLog
) -> None:
    today = server_today()
    referred_on = today - timedelta(days=30)
    accepted_on = today - timedelta(days=27)
    started_on = today - timedelta(days=23)
    # Past dates in increasing order. The second is typed over the suggestion (a week after the first);
    # the third over a suggestion that a week after the second would put in the future, so it is today.
    session_days = (today - timedelta(days=20), today - timedelta(days=5), today - timedelta(days=2))
    officer = live_server.users["probation"]
    subject_id = factories.make_subject(live_server.app, officer.id, live_server.units["A"], REFERENCE,
                                        given_name=GIVEN, family_name=FAMILY)
    person_path = f"/subjects/{subject_id}"
    person_url = f"{live_server.url}{person_path}"

    # 1. The probation officer of HMP Alpha signs in with the keyboard.
    page.goto("/")
    expect_signed_out(page, live_server)
    sign_in_with_keyboard(page, officer.username, officer.password)
    expect(page).to_have_url(f"{live_server.url}/")
    expect(page.get_by_role("heading", level=1)).to_have_text(re.compile(r"^Welcome, "))

    # 2. People → the person → "Refer to an intervention".
    go_to(page, "People")
    expect(page).to_have_url(f"{live_server.url}/subjects")
    page.get_by_role("link", name=LIST_NAME).click()
    expect(page).to_have_url(person_url)
    expect(page.get_by_role("heading", level=1)).to_have_text(FULL_NAME)
    expect(page.get_by_text("No interventions yet.")).to_be_visible()
    expect(page.get_by_text("No observations recorded.")).to_be_visible()

    page.get_by_role("link", name="Refer to an intervention").click()
    expect(page).to_have_url(f"{person_url}/interventions/new")
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Refer {FULL_NAME} to an intervention")
    expect(page.locator("[data-error-summary]")).to_have_count(0)
    intervention_type = page.get_by_label("Type of intervention")
    provider = page.get_by_label("Provider")
    owner = page.get_by_label("Owner")
    referral_date = page.get_by_label("Date of referral")
    goals = page.get_by_label("Goals, one per line")
    # The officer is the owner unless they choose someone else; the referral is dated today.
    expect(owner.locator("option:checked")).to_have_text(OWNER_OPTION)
    expect(referral_date).to_have_value(today.isoformat())

    # First attempt: the type and the date, but no provider and no goals.
    intervention_type.select_option(label=TYPE)
    retype_date(page, referral_date, referred_on)
    page.get_by_role("button", name="Save referral").click()

    expect(page).to_have_url(f"{person_url}/interventions/new")
    problems = expect_error_summary(
        page,
        ["Provider: Name the provider (organisation or team).",
         "Goals, one per line: Write at least one goal: what should change for the person."],
        ["#provider", "#goals"],
    )
    expect(provider).to_have_attribute("aria-invalid", "true")
    expect(provider).to_have_accessible_description(re.compile(r"Name the provider"))
    expect(goals).to_have_attribute("aria-invalid", "true")
    expect(goals).to_have_accessible_description(re.compile(r"Write at least one goal"))
    # What was chosen and typed is still there.
    expect(intervention_type.locator("option:checked")).to_have_text(TYPE)
    expect(owner.locator("option:checked")).to_have_text(OWNER_OPTION)
    expect(referral_date).to_have_value(referred_on.isoformat())
    expect(referral_date).not_to_have_attribute("aria-invalid", "true")

    # Follow the summary's links, type the provider and the two goals (one per line), and save.
    problems.nth(0).click()
    expect(provider).to_be_focused()
    page.keyboard.type(PROVIDER)
    problems.nth(1).click()
    expect(goals).to_be_focused()
    page.keyboard.type(GOALS[0])
    page.keyboard.press("Enter")
    page.keyboard.type(GOALS[1])
    expect(provider).to_have_value(PROVIDER)
    expect(goals).to_have_value("\n".join(GOALS))
    page.get_by_role("button", name="Save referral").click()

    # 3. The intervention's page: referred, with its two goals and no sessions.
    # (The browser keeps the summary link's "#goals" across the redirect, as HTTP says it should.)
    expect(page).to_have_url(re.compile(re.escape(live_server.url) + r"/interventions/\d+(#goals)?$"))
    intervention_url = page.url.split("#")[0]
    intervention_path = intervention_url.removeprefix(live_server.url)
    expect_flash(page, f"Referral to {TYPE} recorded.")
    expect(page).to_have_title(f"{TYPE}: {FULL_NAME} · Waypoint")
    expect(page.get_by_role("heading", level=1)).to_have_text(f"{TYPE}: {FULL_NAME}")
    expect(page.get_by_test_id("status")).to_have_text("Referred")
    expect(page.get_by_text(f"· {PROVIDER} · owner Probation")).to_be_visible()
    expect(page.get_by_text(f"{on_page(referred_on)} by Probation")).to_be_visible()
    goal_list = page.get_by_role("heading", name="Goals", exact=True).locator("xpath=following-sibling::ol[1]")
    expect(goal_list.get_by_role("listitem")).to_have_text(list(GOALS))
    expect(page.get_by_test_id("attendance-rate")).to_have_text("no sessions yet")
    expect(page.get_by_text("No sessions recorded.")).to_be_visible()
    # Sessions are for an active intervention; closing with outcomes too.
    expect(page.get_by_role("link", name="Record a session")).to_have_count(0)
    expect(page.get_by_role("link", name="Close with outcomes")).to_have_count(0)
    # Only the steps the lifecycle allows from "referred" are offered: it cannot jump to active or completed.
    expect(status_options(page)).to_have_text(["Accepted", "Declined", "Withdrawn"])

    # 4. Accepted, then active, each with its date.
    change_status(page, "Accepted", accepted_on)
    expect(page).to_have_url(intervention_url)
    expect_flash(page, "Status changed to accepted.")
    expect(page.get_by_test_id("status")).to_have_text("Accepted")
    expect(page.get_by_text(on_page(accepted_on), exact=True)).to_be_visible()
    expect(status_options(page)).to_have_text(["Active", "Withdrawn"])
    expect(page.get_by_role("link", name="Record a session")).to_have_count(0)

    change_status(page, "Active", started_on)
    expect(page).to_have_url(intervention_url)
    expect_flash(page, "Status changed to active.")
    expect(page.get_by_test_id("status")).to_have_text("Active")
    expect(page.get_by_text(on_page(started_on), exact=True)).to_be_visible()
    # Completed is not a status to pick: it is reached only by closing with outcomes.
    expect(status_options(page)).to_have_text(["Withdrawn"])
    expect(page.get_by_role("link", name="Close with outcomes")).to_be_visible()

    # 5. Session 1: nothing before it, so today and "Attended" are suggested. Attended, engagement 3.
    page.get_by_role("link", name="Record a session").click()
    held = expect_session_form(page, live_server, intervention_path, today, ATTENDED)
    retype_date(page, held, session_days[0])
    engagement_radio(page, 3).check()
    page.get_by_label("Notes").press_sequentially("Introductions; agreed the ground rules.")
    page.get_by_role("button", name="Save and record another").click()

    # Session 2: a week after the first and "Attended" are suggested. It was missed, without a good reason.
    expect_flash(page, f"Session of {on_page(session_days[0])} saved.")
    held = expect_session_form(page, live_server, intervention_path, session_days[0] + timedelta(days=7),
                               ATTENDED)
    retype_date(page, held, session_days[1])
    choose_attendance_with_arrows(page, ATTENDED, MISSED)
    # The mistake, once: an engagement rating for a session the person did not attend.
    engagement_radio(page, 2).check()
    page.get_by_role("button", name="Save and record another").click()

    expect(page).to_have_url(f"{live_server.url}{intervention_path}/sessions/new")
    expect_error_summary(
        page, [f"{ENGAGEMENT_GROUP}: Engagement is rated only when the person attended."], ["#engagement"])
    engagement_group = page.get_by_role("group", name=ENGAGEMENT_GROUP)
    expect(engagement_group).to_have_accessible_description(
        re.compile(r"Engagement is rated only when the person attended"))
    # Nothing was saved, and what was typed and chosen is kept.
    expect(page.get_by_label("Date of the session")).to_have_value(session_days[1].isoformat())
    expect(attendance_radio(page, MISSED)).to_be_checked()
    expect(engagement_radio(page, 2)).to_be_checked()

    # The rating is kept, and a chosen radio button cannot be un-chosen (the group has no "not rated"
    # choice), so the officer starts the session again from the intervention's page.
    page.get_by_role("link", name="Back to the intervention").click()
    expect(page).to_have_url(intervention_url)
    expect(page.get_by_test_id("attendance-rate")).to_have_text("100% (1 of 1)")
    page.get_by_role("link", name="Record a session").click()
    held = expect_session_form(page, live_server, intervention_path, session_days[0] + timedelta(days=7),
                               ATTENDED)
    retype_date(page, held, session_days[1])
    choose_attendance_with_arrows(page, ATTENDED, MISSED)
    page.get_by_label("Next steps").press_sequentially("Mentor to phone him before the next session.")
    page.get_by_role("button", name="Save and record another").click()

    # Session 3: a week after the second would be in the future, so today is suggested; and the last
    # attendance, "missed". Attended, engagement 4; saved, back to the intervention.
    expect_flash(page, f"Session of {on_page(session_days[1])} saved.")
    assert session_days[1] + timedelta(days=7) > today
    held = expect_session_form(page, live_server, intervention_path, today, MISSED)
    retype_date(page, held, session_days[2])
    choose_attendance_with_arrows(page, MISSED, ATTENDED)
    engagement_radio(page, 4).check()
    page.get_by_role("button", name="Save", exact=True).click()

    expect(page).to_have_url(intervention_url)
    expect_flash(page, f"Session of {on_page(session_days[2])} saved.")
    sessions = page.get_by_role("table", name="Sessions")
    session_rows = sessions.locator("tbody").get_by_role("row")
    expect(session_rows).to_have_count(3)
    expect(session_rows.nth(0).get_by_role("cell").nth(0)).to_have_text(on_page(session_days[2]))
    expect(session_rows.nth(0).get_by_role("cell").nth(1)).to_have_text(ATTENDED)
    expect(session_rows.nth(0).get_by_role("cell").nth(2)).to_have_text("4")
    expect(session_rows.nth(1).get_by_role("cell")).to_have_text(
        [on_page(session_days[1]), MISSED, "—", "", "Mentor to phone him before the next session."])
    expect(session_rows.nth(2).get_by_role("cell")).to_have_text(
        [on_page(session_days[0]), ATTENDED, "3", "Introductions; agreed the ground rules.", ""])
    expect(page.get_by_test_id("attendance-rate")).to_have_text("67% (2 of 3)")
    # the two rated sessions' dots (the legend's dot sits in its own group), and the missed one on the axis
    expect(page.get_by_test_id("engagement-chart").locator("svg > circle")).to_have_count(2)
    expect(page.get_by_test_id("engagement-chart").locator(f"svg [data-mark='missed'][data-date='{session_days[1]}']")
           ).to_have_count(1)

    # 6. Close with outcomes: each goal rated, and a summary.
    page.get_by_role("link", name="Close with outcomes").click()
    expect(page).to_have_url(f"{intervention_url}/close")
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Close with outcomes: {TYPE}")
    end_date = page.get_by_label("End date")
    expect(end_date).to_have_value(today.isoformat())
    goal_groups = [page.get_by_role("group", name=f"Goal {n}: {text}") for n, text in enumerate(GOALS, start=1)]
    for group in goal_groups:
        expect(group.get_by_role("radio")).to_have_count(3)
        expect(group.locator("input:checked")).to_have_count(0)
    goal_groups[0].get_by_role("radio", name="Achieved", exact=True).check()
    goal_groups[1].get_by_role("radio", name="Partly achieved", exact=True).check()
    page.get_by_label("End-of-intervention summary").press_sequentially(SUMMARY)
    page.get_by_role("button", name="Complete the intervention").click()

    expect(page).to_have_url(intervention_url)
    expect_flash(page, "Intervention completed with its outcomes.")
    expect(page.get_by_test_id("status")).to_have_text("Completed")
    expect(goal_list.get_by_role("listitem")).to_have_text(
        [f"{GOALS[0]} — Achieved", f"{GOALS[1]} — Partly achieved"])
    expect(page.get_by_text(SUMMARY)).to_be_visible()
    expect(page.get_by_test_id("attendance-rate")).to_have_text("67% (2 of 3)")
    chart = page.get_by_test_id("engagement-chart")
    expect(chart.locator("svg > circle")).to_have_count(2)
    expect(chart.locator("svg > circle")).to_have_text(
        [f"{session_days[0].isoformat()}: 3", f"{session_days[2].isoformat()}: 4"])
    # Closed: nothing more to record or change.
    expect(page.get_by_role("link", name="Record a session")).to_have_count(0)
    expect(page.get_by_role("link", name="Close with outcomes")).to_have_count(0)
    expect(page.get_by_label("New status")).to_have_count(0)

    # 7. The person's page: the intervention, its chart, and a timeline of every step, newest first.
    page.get_by_role("link", name=f"Back to {FULL_NAME}").click()
    expect(page).to_have_url(person_url)
    interventions = page.get_by_role("table", name="Interventions")
    expect(interventions.locator("tbody").get_by_role("row")).to_have_count(1)
    expect(interventions.locator("tbody").get_by_role("row").first.get_by_role("cell")).to_have_text(
        [f"{TYPE} · {PROVIDER}", "Completed", "Probation", "67% (2 of 3)"])
    expect(interventions.get_by_role("link", name=TYPE)).to_have_attribute("href", intervention_path)
    # the two rated sessions' dots (the legend's dot sits in its own group), and the missed one on the axis
    expect(page.get_by_test_id("engagement-chart").locator("svg > circle")).to_have_count(2)
    expect(page.get_by_test_id("engagement-chart").locator(f"svg [data-mark='missed'][data-date='{session_days[1]}']")
           ).to_have_count(1)

    timeline = page.get_by_test_id("timeline").get_by_role("listitem")
    titles = [
        f"{TYPE} completed",  # today
        "Record created",  # today, before the browser started
        f"{TYPE} session: attended, engagement 4",
        f"{TYPE} session: missed, without an acceptable reason",
        f"{TYPE} session: attended, engagement 3",
        f"{TYPE} started",
        f"{TYPE} accepted",
        f"Referred to {TYPE}",
    ]
    days = [today, today, *reversed(session_days), started_on, accepted_on, referred_on]
    expect(timeline.locator("strong")).to_have_text(titles)
    expect(timeline.locator("span.small")).to_have_text([on_timeline(day) for day in days])
    expect(timeline.last).to_contain_text(f"Provider: {PROVIDER}")
    expect(timeline.last).to_contain_text("by Probation")

    # 8. An observation: on the person's page, and at the top of the timeline.
    page.get_by_role("link", name="Record an observation").click()
    expect(page).to_have_url(f"{person_url}/observations/new")
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Record an observation: {FULL_NAME}")
    expect(page.get_by_label("Date observed")).to_have_value(today.isoformat())
    page.get_by_label("Category").select_option(label="Positive engagement")
    page.get_by_label("Source").press_sequentially(OBSERVATION_SOURCE)
    page.get_by_label("What was observed").press_sequentially(OBSERVATION_TEXT)
    page.get_by_role("button", name="Save observation").click()

    expect(page).to_have_url(person_url)
    expect_flash(page, "Observation recorded.")
    observations = page.get_by_test_id("observations").get_by_role("listitem")
    expect(observations).to_have_count(1)
    expect(observations.first.locator("strong")).to_have_text(f"{on_page(today)} · Positive engagement")
    expect(observations.first).to_contain_text(f"(source: {OBSERVATION_SOURCE}; recorded by Probation)")
    expect(observations.first).to_contain_text(OBSERVATION_TEXT)
    expect(timeline.locator("strong")).to_have_text(["Observation: Positive engagement", *titles])
    expect(timeline.first).to_contain_text(f"Source: {OBSERVATION_SOURCE}")
    expect(timeline.first).to_contain_text("by Probation")
    expect(timeline.first.locator("span.small")).to_have_text(on_timeline(today))

    assert_requests_stayed_on_live_server(request_log, live_server)
