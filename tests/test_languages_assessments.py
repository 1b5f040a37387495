"""Assessments and interventions in the reader's language (issue 16), checked in the test pseudo-language
(tests/pseudo_locale.py: every catalogued message shows inside ⟦ ⟧): a refusal is shown translated but audited
in English, and the autosave script gets its words, translated, from the page."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select, update

from app.audit.models import AuditEvent
from app.auth.models import User
from app.db import db
from tests import factories
from tests.conftest import post_form
from tests.pseudo_locale import PSEUDO, pseudo_config


@pytest.fixture
def app_config(app_config: dict[str, Any], tmp_path: Path) -> dict[str, Any]:
    return {**app_config, **pseudo_config(tmp_path / "pseudo")}


@pytest.fixture
def pseudo_users(app: Flask, users: dict[str, factories.UserInfo]) -> dict[str, factories.UserInfo]:
    """Every user reads the pseudo-language."""
    with app.app_context():
        db.session.execute(update(User).values(language=PSEUDO))
        db.session.commit()
    return users


@pytest.fixture
def accredited(app: Flask, pseudo_users: dict[str, factories.UserInfo]) -> None:
    for key in ("assessor", "supervisor"):
        factories.accredit(app, pseudo_users[key].id)


def _denied(app: Flask) -> AuditEvent:
    with app.app_context():
        event = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "denied")
                                   .order_by(AuditEvent.id.desc())).first()
        assert event is not None
        return event


def test_a_refusal_is_shown_in_the_readers_language_and_audited_in_english(app, login_as, pseudo_users, records,
                                                                            accredited):
    aid = factories.make_assessment(app, pseudo_users["assessor"].id, records["subject_a"])
    client = login_as("supervisor")
    response = post_form(client, f"/assessments/{aid}/discard", {}, token_from=f"/assessments/{aid}")
    assert response.status_code == 302
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "⟦Only the author can discard a draft, and only before it is first submitted.⟧" in page
    reason = _denied(app).details["reason"]
    assert reason == "Only the author can discard a draft, and only before it is first submitted."


def test_an_approval_refused_to_its_author_is_audited_in_english(app, login_as, pseudo_users, records, accredited):
    aid = factories.make_assessment(app, pseudo_users["supervisor"].id, records["subject_a"], submit=True)
    client = login_as("supervisor")
    response = post_form(client, f"/assessments/{aid}/approve", {"version": "3"}, token_from=f"/assessments/{aid}")
    assert response.status_code == 403
    reason = _denied(app).details["reason"]
    assert "⟦" not in reason and "cannot approve an assessment you wrote" in reason


def test_the_autosave_script_takes_its_words_from_the_page(app, login_as, pseudo_users, records, accredited):
    aid = factories.make_assessment(app, pseudo_users["assessor"].id, records["subject_a"])
    client = login_as("assessor")
    page = client.get(f"/assessments/{aid}/edit/overall-judgement").get_data(as_text=True)
    assert 'data-autosave-saving="⟦Saving…⟧"' in page
    assert 'data-autosave-saved="⟦Draft saved automatically at {time} UTC.⟧"' in page
    assert 'data-autosave-failed="⟦Not saved: {reason}⟧"' in page
    script = client.get("/static/js/autosave.js").get_data(as_text=True)
    code = "\n".join(line for line in script.splitlines() if not line.strip().startswith("//"))
    assert "Saving" not in code and "Not saved" not in code and "Save draft" not in code
    refused = post_form(login_as("supervisor"), f"/assessments/{aid}/autosave", {"version": "1"},
                        token_from=f"/assessments/{aid}")
    assert refused.status_code == 403
    assert refused.get_json()["message"].startswith("⟦")
