"""On a phone (390 px wide) no page scrolls sideways: a table stacks or scrolls inside its own box, and the
header covers nothing. Each role walks its main pages, with data on them, in a 390 px viewport."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import LiveServer
from tests.browser.test_role_navigation import sign_in_with_keyboard
from tests.conftest import make_assessed, make_records

WIDTH = 390


def main_pages(role: str, r: dict[str, int]) -> list[str]:
    """The pages a person of the role uses most, every one that has a table among them."""
    subject = r["subject_a"]
    case_work = ["/", "/subjects", "/caseload", f"/subjects/{subject}", f"/assessments/{r['approved']}",
                 f"/screenings/{r['screening']}", f"/interventions/{r['intervention']}"]
    return {
        "assessor": case_work,
        "probation": [*case_work, f"/assessments/{r['draft']}/edit"],
        "supervisor": [*case_work, f"/assessments/{r['approved']}/compare?with={r['draft']}", "/observations",
                       "/alerts", "/assessments/consistency", "/retention", "/audit/events", "/audit/verification",
                       "/groups", "/nexus"],
        "admin": ["/", "/admin/users", "/admin/units", "/admin/accreditations", "/audit/events",
                  f"/admin/users/{r['assessor_id']}"],
    }[role]


def sideways(page: Page) -> dict[str, float]:
    """How far the page reaches past the viewport, where the header ends and the content begins, and the
    tables that scroll in their box (and of those, any that the keyboard cannot reach)."""
    return page.evaluate("""() => ({
      scrollWidth: document.documentElement.scrollWidth,
      headerBottom: document.querySelector('header').getBoundingClientRect().bottom + window.scrollY,
      mainTop: document.querySelector('main').getBoundingClientRect().top + window.scrollY,
      unreachable: [...document.querySelectorAll('.table-responsive')]
        .filter(box => box.scrollWidth > box.clientWidth && box.getAttribute('tabindex') !== '0').length,
      scrolling: [...document.querySelectorAll('.table-responsive')]
        .filter(box => box.scrollWidth > box.clientWidth).length,
    })""")


@pytest.mark.parametrize("role", ["assessor", "probation", "supervisor", "admin"])
def test_no_main_page_scrolls_sideways_at_390_px(page: Page, live_server: LiveServer, role: str) -> None:
    users = live_server.users
    records = make_records(live_server.app, users, live_server.units)
    records = {**records, **make_assessed(live_server.app, users, records), "assessor_id": users["assessor"].id}
    page.set_viewport_size({"width": WIDTH, "height": 844})
    page.goto("/login")
    sign_in_with_keyboard(page, role, users[role].password)
    too_wide: dict[str, float] = {}
    scrolled = 0
    for path in main_pages(role, records):
        response = page.goto(path)
        assert response is not None and response.status == 200, path
        expect(page.locator("main h1")).to_be_visible()
        measured = sideways(page)
        if measured["scrollWidth"] > WIDTH:
            too_wide[path] = measured["scrollWidth"]
        assert measured["headerBottom"] <= measured["mainTop"], f"the header covers the top of {path}"
        # A table that scrolls in its box can be scrolled with the keyboard (the box takes focus).
        assert measured["unreachable"] == 0, f"a table on {path} scrolls but its box takes no focus"
        scrolled += measured["scrolling"]
    assert not too_wide, f"pages wider than {WIDTH} px: {too_wide}"
    assert scrolled, "no table was wide enough to scroll in its box: the walk proves less than it says"
