"""The pages issue 15 added to assessments and screening, walked in Chromium (each checked by axe-core as it is
visited): the screening form's one-step "Not observed", a draft's discard confirmation, and the supervisor's
resubmission with what changed since the return, the countersignature at its end and the approval's
confirmation."""

from __future__ import annotations

import re

from flask import g
from playwright.sync_api import Page, expect

from tests import factories
from tests.browser.conftest import LiveServer
from tests.browser.test_role_navigation import sign_in_with_keyboard


def test_screening_none_observed_and_discarding_a_draft(page: Page, live_server: LiveServer) -> None:
    users = live_server.users
    factories.accredit(live_server.app, users["assessor"].id)
    subject_id = factories.make_subject(live_server.app, users["assessor"].id, live_server.units["A"], "K7101AB")
    draft = factories.make_assessment(live_server.app, users["assessor"].id, subject_id)
    page.goto("/login")
    sign_in_with_keyboard(page, "assessor", users["assessor"].password)

    page.goto(f"/subjects/{subject_id}/screenings/new")
    page.get_by_role("button", name="Mark every unanswered item “Not observed”").click()
    expect(page.get_by_text("Check them, then save the screening.")).to_be_visible()
    expect(page.get_by_role("radio", name="Not observed").first).to_be_checked()

    page.goto(f"/subjects/{subject_id}")
    expect(page.get_by_test_id("continue-draft")).to_be_visible()
    page.goto(f"/assessments/{draft}")
    page.get_by_role("link", name="Discard this draft").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Discard this draft?")
    page.get_by_role("button", name="Discard the draft").click()
    expect(page.get_by_text("Draft discarded.")).to_be_visible()


def test_supervisor_reads_the_changes_then_approves_at_the_end_after_confirming(page: Page,
                                                                                live_server: LiveServer) -> None:
    from app.assessments import services
    from app.assessments.models import Assessment
    from app.auth.models import User
    from app.db import db

    app, users = live_server.app, live_server.users
    factories.accredit(app, users["assessor"].id)
    subject_id = factories.make_subject(app, users["assessor"].id, live_server.units["A"], "K7102AB")
    aid = factories.make_assessment(app, users["assessor"].id, subject_id, submit=True)
    with app.test_request_context():
        supervisor, author = db.session.get(User, users["supervisor"].id), db.session.get(User, users["assessor"].id)
        a = db.session.get(Assessment, aid)
        assert supervisor is not None and author is not None and a is not None
        g.user = supervisor
        services.return_to_author(supervisor, a, "EN1: say who saw it.", a.version)
        g.user = author
        data = factories.complete_input(app)
        data.evidence["EN1"] = "Seen by two officers on 3 March."
        services.save_draft(author, a, data, a.version)
        services.submit(author, a, a.version)
        db.session.commit()

    page.goto("/login")
    sign_in_with_keyboard(page, "supervisor", users["supervisor"].password)
    page.goto(f"/assessments/{aid}")
    changes = page.get_by_test_id("changed-since-return")
    expect(changes).to_contain_text("Seen by two officers on 3 March.")
    expect(page.get_by_test_id("returns")).to_contain_text("EN1: say who saw it.")
    page.get_by_role("link", name="Approve this assessment").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Approve the assessment of")
    page.get_by_role("button", name="Approve").click()
    expect(page.get_by_test_id("status")).to_have_text("Approved")
    expect(page.get_by_test_id("authorship")).to_have_text(re.compile(r"^Written by Assessor, approved by Supervisor"))
