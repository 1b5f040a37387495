"""The PDFs speak the reader's language (issue 16): every word of every PDF goes through the catalogues (the
pseudo-language of tests/pseudo_locale.py shows none outside its markers but the stored data), a case summary
asked for in French has French headings, and one asked for in Arabic is laid out from the right: its headings
read back as Arabic and end at the right margin.

The world is the read-audit walk's (tests/test_read_audit.py): the same people, a conference with minutes and
a disclosure register with an entry. The French and Arabic tests read the compiled catalogues
(app/translations, filled from the translators' work and compiled by `make`)."""

from __future__ import annotations

import io
import unicodedata
from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask
from pypdf import PdfReader
from reportlab.pdfbase.pdfmetrics import stringWidth
from sqlalchemy import select, update

from app.audit.models import AuditEvent
from app.auth.models import User
from app.db import db
from reports import styles
from reports.fonts import register_fonts
from tests.conftest import DatabaseFactory, post_form
from tests.pseudo_locale import PSEUDO, Checker, stored_text, walked_world
from tests.test_read_audit import World

REQUEST = {"purpose": "Case review meeting", "internal_use": "y"}
# Who asks for each PDF (the supervisor may export every one of them), and what the form is given.
PDFS: dict[str, tuple[str, dict[str, str]]] = {
    "case summary": ("/subjects/{subject_id}/export/case-summary", REQUEST),
    "subject-access report": ("/subjects/{subject_id}/export/subject-access", REQUEST),
    "audit extract": ("/audit/extract", {**REQUEST, "format": "pdf", "subject_reference": "A1000AA"}),
    "conference minutes": ("/conferences/{conference_id}/minutes", REQUEST),
    "disclosure register": ("/sharing/register/export", {**REQUEST, "format": "pdf"}),
}
# The case summary's headings, in French and in Arabic.
FRENCH = ("Identité et situation", "Dates de réexamen", "Dernière évaluation validée", "Interventions",
          "Contestations")
ARABIC = ("الهوية والوضع", "مواعيد المراجعة", "آخر تقييم معتمد", "التدخلات", "الطعون")
ENGLISH = ("Identity and status", "Review dates", "Latest approved assessment", "Challenges")


@pytest.fixture(scope="module")
def world(databases: DatabaseFactory, request: pytest.FixtureRequest) -> Iterator[World]:
    if request.config.getoption("--db") != "sqlite":
        pytest.skip("PDFs print alike on every database: made on SQLite")
    with walked_world(databases, "waypoint-pseudo-reports-") as world:
        yield world


def speak(app: Flask, language: str) -> None:
    with app.app_context():
        db.session.execute(update(User).values(language=language))
        db.session.commit()


def export(world: World, name: str) -> bytes:
    path, data = PDFS[name]
    response = post_form(world.client("supervisor"), path.format(**world.values), data)
    assert response.status_code == 200 and response.mimetype == "application/pdf", (name, response.status_code)
    return bytes(response.data)


def audit_codes(app: Flask) -> set[str]:
    """What the audit extract prints as the audit trail holds it: actions, roles, object types, and the
    details' keys and values (codes, the same in every language)."""
    found: set[str] = set()
    with app.app_context():
        for event in db.session.scalars(select(AuditEvent)):
            found.update(v for v in (event.action, event.actor_role, event.object_type, event.actor_username) if v)
            for key, value in (event.details or {}).items():
                found.add(key)
                if key == "changes" and isinstance(value, (dict, list)):
                    found.update(str(field) for field in value)
                elif isinstance(value, str):
                    found.add(value)
    return found


def test_every_pdf_shows_only_catalogued_words_and_stored_data(world: World) -> None:
    app = world.app
    speak(app, PSEUDO)
    with app.app_context():
        configured = [app.config["PROTECTIVE_MARKING"], app.config["SERVICE_NAME"], *app.config["LANGUAGES"].values(),
                      REQUEST["purpose"]]
        data = stored_text(db.session, configured)
    found: dict[str, list[str]] = {}
    for name in PDFS:
        pdf = export(world, name)
        extra = audit_codes(app) if name == "audit extract" else set()
        words = Checker(data | extra).unmarked_in_pdf(pdf)
        if words:
            found[name] = words
    assert found == {}, "\n".join(f"{name}: {words}" for name, words in found.items())


def page_text(pdf: bytes) -> str:
    return " ".join(" ".join(page.extract_text() or "" for page in PdfReader(io.BytesIO(pdf)).pages).split())


def runs(pdf: bytes, page: int = 0) -> list[tuple[str, float, float]]:
    """The text runs drawn on a page, with the x at which each starts and its font size."""
    found: list[tuple[str, float, float]] = []

    def visit(text: str, cm: list[float], tm: list[float], font: Any, size: float) -> None:
        if text.strip():
            found.append((text.strip(), tm[4] * cm[0] + cm[4], size * tm[0] * cm[0]))

    PdfReader(io.BytesIO(pdf)).pages[page].extract_text(visitor_text=visit)
    return found


def test_the_case_summary_in_french_has_french_headings(world: World) -> None:
    speak(world.app, "fr")
    printed = page_text(export(world, "case summary"))
    for heading in FRENCH:
        assert heading in printed, heading
    for heading in ENGLISH:
        assert heading not in printed, heading
    assert "Généré par" in printed and "Page 1 sur" in printed


def test_the_case_summary_in_arabic_reads_arabic_from_the_right(world: World) -> None:
    speak(world.app, "ar")
    pdf = export(world, "case summary")
    reader = PdfReader(io.BytesIO(pdf))
    assert reader.trailer["/Root"]["/Lang"] == "ar"
    drawn = runs(pdf)
    typed = [(unicodedata.normalize("NFKC", text), x, size) for text, x, size in drawn]
    register_fonts()
    right = styles.PORTRAIT.width - styles.PORTRAIT.margin
    for heading in ARABIC[:3]:  # on the first page
        matches = [(text, x, size) for (text, x, size), (shown, _, _) in zip(typed, drawn, strict=True)
                   if text == heading]
        assert matches, (heading, [t for t, _, _ in typed])
        shown = next(s for (s, _, _), (t, _, _) in zip(drawn, typed, strict=True) if t == heading)
        _, x, size = matches[0]
        end = x + stringWidth(shown, styles.H1.fontName, size)
        assert abs(end - right) < 2, (heading, x, end, right)  # ends at the right margin
    printed = page_text(pdf)
    for heading in ENGLISH:
        assert heading not in printed, heading


def test_the_case_summary_in_english_keeps_its_headings_at_the_left(world: World) -> None:
    speak(world.app, "en")
    pdf = export(world, "case summary")
    assert PdfReader(io.BytesIO(pdf)).trailer["/Root"]["/Lang"] == "en"
    starts = {text: x for text, x, _ in runs(pdf)}
    assert abs(starts["Identity and status"] - styles.PORTRAIT.margin) < 1
