"""A case worker downloads a case summary: asked for purpose and recipient, gets a real PDF."""

from __future__ import annotations

import io

from playwright.sync_api import Page, expect
from pypdf import PdfReader

from tests import factories
from tests.browser.conftest import LiveServer, RequestLog, assert_requests_stayed_on_live_server
from tests.browser.test_role_navigation import sign_in_with_keyboard


def test_assessor_downloads_a_case_summary_after_giving_purpose_and_recipient(
    page: Page, live_server: LiveServer, request_log: RequestLog
) -> None:
    users = live_server.users
    subject_id = factories.make_subject(live_server.app, users["assessor"].id, live_server.units["A"], "K7001AB",
                                        given_name="Łukasz", family_name="Ødegård")
    page.goto("/login")
    sign_in_with_keyboard(page, "assessor", users["assessor"].password)
    page.goto(f"/subjects/{subject_id}")
    page.get_by_role("link", name="Case summary (PDF)").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Case summary")

    # Without a purpose nothing is exported, and the page says why.
    page.get_by_role("button", name="Download PDF").click()
    expect(page.locator("[data-error-summary]")).to_contain_text("Say what the export is for")

    page.get_by_label("Purpose of the export").fill("Multi-agency meeting on 3 December")
    page.get_by_role("textbox", name="Recipient", exact=True).fill("MAPPA coordinator, Eastern area")
    page.get_by_label("Legal basis for sharing it").select_option(label="Multi-agency public protection arrangements")
    with page.expect_download() as download_info:
        page.get_by_role("button", name="Download PDF").click()
    download = download_info.value
    assert download.suggested_filename.startswith("case-summary-K7001AB-")
    reader = PdfReader(io.BytesIO(download.path().read_bytes()))
    text = "\n".join(p.extract_text() or "" for p in reader.pages)
    assert "Łukasz Ødegård" in text and "K7001AB" in text and "MAPPA coordinator" in text
    assert f"Page 1 of {len(reader.pages)}" in text
    assert_requests_stayed_on_live_server(request_log, live_server)
