"""The consistency view: judgements and returns per unit and per assessor, for supervisors."""

from __future__ import annotations

from app.assessments.models import Assessment
from app.db import db
from tests import factories
from tests.conftest import post_form


def test_consistency_view_counts_judgements_and_returns_per_unit_and_assessor(app, login_as, users, records):
    for key in ("assessor", "probation", "supervisor"):
        factories.accredit(app, users[key].id)
    sid = records["subject_a"]
    factories.make_assessment(app, users["assessor"].id, sid, approver_id=users["supervisor"].id,
                              judgement="high_concern")
    factories.make_assessment(app, users["probation"].id, sid, approver_id=users["supervisor"].id,
                              judgement="low_concern")
    returned = factories.make_assessment(app, users["assessor"].id, sid, submit=True)
    supervisor = login_as("supervisor")
    with app.app_context():
        version = db.session.get(Assessment, returned).version  # type: ignore[union-attr]
    post_form(supervisor, f"/assessments/{returned}/return", {"comment": "Evidence for IN2 missing.",
                                                              "version": str(version)},
              token_from=f"/assessments/{returned}")
    text = supervisor.get("/assessments/consistency").get_data(as_text=True)
    by_assessor = text[text.index("By assessor"):]
    assessor_row = by_assessor[by_assessor.index('fw-normal">Assessor</th>'):]
    assessor_row = assessor_row[:assessor_row.index("</tr>")]
    assert "50% (1 of 2)" in assessor_row  # one of two submissions returned
    assert "High concern" in text and "Low concern" in text
    unit_row = text[text.index('fw-normal">HMP Alpha</th>'):]
    assert "33% (1 of 3)" in unit_row[:unit_row.index("</tr>")]


def test_consistency_view_shows_nothing_of_other_units(app, login_as, users, records):
    factories.accredit(app, users["assessor_b"].id)
    factories.make_assessment(app, users["assessor_b"].id, records["subject_b"], submit=True)
    text = login_as("supervisor").get("/assessments/consistency").get_data(as_text=True)
    assert "Assessor B" not in text and "Bravo" not in text
