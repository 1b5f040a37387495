"""Oversight in the reader's language (issue 16): alerts' summaries, stored in English, are shown translated and
read back exactly in English; audit actions and kinds of object are shown by label while the trail keeps the
codes; a linked person out of reach is named in the reader's language; what is audited stays English."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from flask_babel import force_locale
from sqlalchemy import select

from app.audit import labels, review
from app.audit.models import AuditEvent
from app.auth.models import User
from app.db import db
from app.oversight import alerts
from app.oversight.models import Alert, AlertKind, shown_summary
from app.subjects.models import BreakGlassAccess, Subject
from tests.pseudo_locale import PSEUDO, pseudo_config

OPEN, CLOSE = "⟦", "⟧"


@pytest.fixture
def app_config(app_config: dict[str, Any], tmp_path: Path) -> dict[str, Any]:
    return {**app_config, **pseudo_config(tmp_path / "pseudo"), "ALERT_FAILED_LOGINS": 1, "ALERT_VIEW_THRESHOLD": 1}


def _raised(app, records, users) -> list[Alert]:
    with app.test_request_context():
        assessor = db.session.get(User, users["assessor"].id)
        subject = db.session.scalar(select(Subject).where(Subject.reference == "A1000AA"))
        access = db.session.get(BreakGlassAccess, records["access"])
        raised = [*alerts.after_subject_view(assessor), alerts.after_break_glass(assessor, subject, access),
                  *alerts.after_failed_login("nobody", "10.1.2.3", None),
                  *alerts.after_failed_login(assessor.username, "", assessor)]
        db.session.commit()
        return [db.session.get(Alert, a.id) for a in raised]


def test_every_alert_summary_reads_back_as_stored_in_english_and_translated_otherwise(app, records, users):
    found = _raised(app, records, users)
    assert {a.kind for a in found} == {k.value for k in AlertKind}
    with app.test_request_context():
        for alert in db.session.scalars(select(Alert)):
            with force_locale("en"):
                assert alert.shown_summary == alert.summary
            with force_locale(PSEUDO):
                shown = alert.shown_summary
                assert shown.startswith(OPEN) and shown.endswith(CLOSE), shown


def test_a_summary_cleared_at_erasure_or_unknown_is_shown_as_stored(app):
    with app.test_request_context(), force_locale(PSEUDO):
        assert shown_summary("break_glass", "(about a record since erased)").startswith(OPEN)
        assert shown_summary("unusual_access", "written by hand") == "written by hand"


def test_actions_and_objects_are_shown_by_label_and_kept_as_codes(app, records, login_as):
    page = login_as("supervisor").get("/audit/events").get_data(as_text=True)
    assert 'data-action="break_glass"' in page and "Break-glass access" in page
    with app.test_request_context(), force_locale(PSEUDO):
        assert labels.action_label("login_failed") == f"{OPEN}Failed sign-in{CLOSE}"
        assert labels.object_label("subject") == f"{OPEN}person{CLOSE}"
        assert labels.action_label("brand_new") == "brand_new"
        assert labels.role_label("supervisor") and labels.role_label("retired_role") == "retired_role"
    with app.app_context():
        assert db.session.scalar(select(AuditEvent.action).where(AuditEvent.action == "break_glass")) == "break_glass"


def test_the_details_summary_keeps_names_and_values_as_stored(app):
    with app.test_request_context(), force_locale("en"):
        summary = review.details_summary({"changes": {"status": ["a", "b"]}, "reason": "x" * 300})
        assert summary.startswith("changed: status; reason: xxx") and summary.endswith("…")
        assert len(summary) <= 165


def test_a_person_out_of_reach_is_named_in_the_readers_language(app, records):
    from app import policy

    with app.test_request_context():
        subject = db.session.scalar(select(Subject).where(Subject.reference == "A1000AA"))
        with force_locale("en"):
            assert policy.describe_linked_person(None, subject) == "a person in another unit"
        with force_locale(PSEUDO):
            assert policy.describe_linked_person(None, subject) == f"{OPEN}a person in another unit{CLOSE}"
