"""A server without the reports' fonts (Debian's fonts-dejavu-core): the start-up log warns, and an export
gives a page that says what to install, with nothing exported or recorded."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from app import create_app
from app.audit.models import AuditEvent
from app.db import db
from reports import fonts
from tests.conftest import post_form


@pytest.fixture
def no_fonts(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv(fonts.DIRECTORY_ENV, str(tmp_path))
    monkeypatch.setattr(fonts, "_registered_from", None)  # as in a fresh process
    return tmp_path


def test_start_up_warns_that_exports_need_the_fonts(no_fonts: Path, app_config: dict[str, Any],
                                                    caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, logger="waypoint.exports"):
        application = create_app(app_config)
    application.extensions["waypoint_engine"].dispose()
    assert any("PDF exports will fail" in r.getMessage() and "fonts-dejavu-core" in r.getMessage()
               for r in caplog.records)


def test_export_without_the_fonts_says_what_to_install(app, login_as, records, no_fonts: Path) -> None:
    response = post_form(login_as("assessor"), f"/subjects/{records['subject_a']}/export/case-summary",
                         {"purpose": "Parole board hearing", "legal_basis": "parole_board",
                          "recipient": "Parole Board"})
    assert response.status_code == 503
    page = response.get_data(as_text=True)
    assert "lacks the fonts" in page and "fonts-dejavu-core" in page and "Nothing was exported" in page
    assert "Traceback" not in page
    with app.app_context():
        assert db.session.scalars(select(AuditEvent).where(AuditEvent.action == "export")).all() == []


def test_no_warning_when_the_fonts_are_there(app_config: dict[str, Any], caplog: pytest.LogCaptureFixture) -> None:
    if fonts.fonts_problem() is not None:
        pytest.skip("this machine lacks the fonts")
    with caplog.at_level(logging.WARNING, logger="waypoint.exports"):
        application = create_app(app_config)
    application.extensions["waypoint_engine"].dispose()
    assert not [r for r in caplog.records if "PDF exports" in r.getMessage()]
