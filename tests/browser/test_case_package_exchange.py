"""A supervisor sends a person's case package and receives it back: the download, the upload, the confirmation
of a person already on record, the received history shown read-only, and the register; every page axe-checked."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

from playwright.sync_api import Page, expect

from tests import factories
from tests.browser.conftest import LiveServer, RequestLog, assert_requests_stayed_on_live_server
from tests.browser.test_role_navigation import sign_in_with_keyboard
from tests.sharing_helpers import install_keys, trust


def test_a_supervisor_sends_a_case_package_and_receives_it_with_its_provenance(
    page: Page, live_server: LiveServer, request_log: RequestLog, tmp_path: Path
) -> None:
    users = live_server.users
    public = install_keys(live_server.app, tmp_path)
    trust(live_server.app, "Partner service", public)
    subject_id = factories.make_subject(live_server.app, users["supervisor"].id, live_server.units["A"], "K7002AB",
                                        given_name="Łukasz", family_name="Ødegård")
    page.goto("/login")
    sign_in_with_keyboard(page, "supervisor", users["supervisor"].password)
    page.goto(f"/subjects/{subject_id}")
    page.get_by_role("link", name="Send a case package").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Send a case package")

    # Without a legal basis nothing is sent, and what was typed stays.
    page.get_by_label("Agency", exact=True).fill("Police nationale, SDAT")
    page.get_by_label("Country").fill("FR")
    page.get_by_label("Purpose of the disclosure").fill("Joint risk assessment before release")
    page.get_by_role("button", name="Sign and download").click()
    expect(page.locator("[data-error-summary]")).to_contain_text("Choose the legal basis")
    expect(page.get_by_label("Agency", exact=True)).to_have_value("Police nationale, SDAT")

    page.get_by_label("Legal basis").select_option("court_order")
    with page.expect_download() as download_info:
        page.get_by_role("button", name="Sign and download").click()
    archive = zipfile.ZipFile(io.BytesIO(download_info.value.path().read_bytes()))
    package_name = next(n for n in archive.namelist() if n.endswith(".json"))
    package_file = tmp_path / package_name
    package_file.write_bytes(archive.read(package_name))

    page.goto("/sharing/register")
    expect(page.get_by_test_id("disclosures")).to_contain_text("Police nationale, SDAT")
    page.get_by_role("link", name="Receive a case package").click()
    page.get_by_label("Case package file (.json)").set_input_files(str(package_file))
    page.get_by_role("button", name="Verify and receive").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Is this the same person?")
    page.get_by_label("Type the reference to confirm it is the same person").fill("K7002AB")
    page.get_by_role("button", name="Add the history to this record").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Łukasz Ødegård")
    received = page.get_by_test_id("received-package")
    expect(received).to_contain_text("Received, read-only")
    expect(received).to_contain_text("Partner service")
    expect(received).to_contain_text("Identity as sent")
    assert_requests_stayed_on_live_server(request_log, live_server)
