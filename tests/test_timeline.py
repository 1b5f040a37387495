"""The person's timeline: every step of an assessment (submissions and returns included) and of an
intervention, each with who took it."""

from __future__ import annotations

import re
from datetime import timedelta

from flask import Flask, g

from app.db import db, utcnow
from tests import factories
from tests.conftest import post_form

ENTRY_RE = re.compile(r'<li class="list-group-item">\s*<div[^>]*><strong>([^<]*)</strong>.*?</li>', re.S)
BY_RE = re.compile(r"by ([^<]+)</div>")


def timeline_entries(page: str) -> list[tuple[str, str | None]]:
    """(title, who) of each step on the person's page, newest first."""
    timeline = page[page.index('data-testid="timeline"'):]
    timeline = timeline[:timeline.index("</ol>")]
    entries = []
    for match in ENTRY_RE.finditer(timeline):
        by = BY_RE.search(match.group(0))
        entries.append((match.group(1), by.group(1).strip() if by else None))
    return entries


def return_assessment(app: Flask, supervisor_id: int, assessment_id: int, comment: str) -> None:
    from app.assessments import services
    from app.assessments.models import Assessment
    from app.auth.models import User

    with app.app_context():
        supervisor, assessment = db.session.get(User, supervisor_id), db.session.get(Assessment, assessment_id)
        assert supervisor is not None and assessment is not None
        g.user = supervisor
        services.return_to_author(supervisor, assessment, comment, assessment.version)
        db.session.commit()


def test_timeline_lists_each_submission_and_return_of_an_assessment_with_who_took_it(app, login_as, users,
                                                                                      records):
    from app.assessments import services
    from app.assessments.models import Assessment
    from app.auth.models import User

    sid = records["subject_a"]
    for key in ("assessor", "supervisor"):
        factories.accredit(app, users[key].id)
    aid = factories.make_assessment(app, users["assessor"].id, sid, submit=True)
    return_assessment(app, users["supervisor"].id, aid, "The evidence for IN2 is missing a date.")
    with app.app_context():
        author, approver = db.session.get(User, users["assessor"].id), db.session.get(User, users["supervisor"].id)
        assessment = db.session.get(Assessment, aid)
        assert author is not None and approver is not None and assessment is not None
        g.user = author
        services.submit(author, assessment, assessment.version)
        db.session.commit()  # each step is a request of its own
        g.user = approver
        services.approve(approver, assessment, assessment.version)
        db.session.commit()
    entries = timeline_entries(login_as("assessor").get(f"/subjects/{sid}").get_data(as_text=True))
    steps = [e for e in entries if e[0].startswith("Assessment")]
    assert steps == [
        ("Assessment approved", "Supervisor"),
        ("Assessment submitted for countersignature", "Assessor"),
        ("Assessment returned to its author", "Supervisor"),
        ("Assessment submitted for countersignature", "Assessor"),
        ("Assessment started", "Assessor"),
    ]


def test_timeline_says_who_referred_accepted_started_and_recorded_each_intervention_step(app, login_as, users,
                                                                                          records):
    sid = records["subject_a"]
    # referred by the assessor, owned (accepted and started) by the probation officer
    iv_id = factories.make_intervention(app, users["assessor"].id, sid, users["probation"].id)
    factories.add_session(app, users["supervisor"].id, iv_id, days_ago=3)
    owner = login_as("probation")
    with app.app_context():
        from app.interventions.models import Intervention

        iv = db.session.get(Intervention, iv_id)
        assert iv is not None
        version = iv.version
    withdrawn = post_form(owner, f"/interventions/{iv_id}/status", {
        "to_status": "withdrawn", "on": (utcnow().date() - timedelta(days=1)).isoformat(),
        "reason": "Moved to another programme.", "version": str(version)}, token_from=f"/interventions/{iv_id}")
    assert withdrawn.status_code == 302
    entries = timeline_entries(login_as("assessor").get(f"/subjects/{sid}").get_data(as_text=True))
    steps = [e for e in entries if e[0] != "Record created"]  # the record was made today, after the steps
    assert steps == [
        ("Mentoring withdrawn", "Probation"),
        ("Mentoring session: attended, engagement 3", "Supervisor"),
        ("Mentoring started", "Probation"),
        ("Mentoring accepted", "Probation"),
        ("Referred to Mentoring", "Assessor"),
    ]
