"""Instruments and configured lists in several languages: a text is a string or a mapping of language code to
string; the schema and the loaders accept the mapping, refuse a bad one with the place named, fall back to the
file's own language, and pages and the case summary show the reader's language. Codes stay codes."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest
import yaml
from flask import Flask, g
from flask_babel import force_locale
from pypdf import PdfReader
from sqlalchemy import select

from app.assessments import catalogue
from app.assessments.models import Assessment, InstrumentVersion
from app.conferences import decisions
from app.db import db
from app.sharing.legal_bases import LegalBasesError
from app.sharing.legal_bases import load as load_legal_bases
from config import ConfigError
from instruments import DEFAULT_DIRECTORY, load_directory, load_file
from tests import factories
from tests.conftest import post_form
from tests.test_instruments import minimal_assessment, minimal_screening, refusal, write

ROOT = Path(__file__).resolve().parents[1]
SCREENING_11 = DEFAULT_DIRECTORY / "wp-reception-screening-1.1.yaml"
ASSESSMENT_11 = DEFAULT_DIRECTORY / "wp-structured-assessment-1.1.yaml"
ASSESSMENT = ("wp-structured-assessment", "1.1")
LANGUAGES = {"en", "fr", "ar"}
REGISTERED_1_0 = {"wp-reception-screening": "fa73defd766d16a77b8c096d1bb476af1619eaa60f60363ff117f197762b532c",
                  "wp-structured-assessment": "6f8588047f7b6509812bbf4d615312ae3cff9ce44d3e8de6d1e2eabfdee6e44d"}


def three(en: str, fr: str, ar: str) -> dict[str, str]:
    return {"en": en, "fr": fr, "ar": ar}


def multilingual_screening() -> dict[str, Any]:
    document = minimal_screening()
    document["title"] = three("Test screening", "Repérage d'essai", "فرز تجريبي")
    document["rating_scale"][0]["label"] = three("Not observed", "Non observé", "غير ملاحَظ")
    document["rating_scale"][0]["description"] = {"en": "Nothing seen.", "fr": "Rien n'a été vu."}
    document["domains"][0]["title"] = three("First", "Premier", "الأول")
    document["domains"][0]["items"][0]["title"] = three("One", "Un", "واحد")
    document["domains"][0]["items"][0]["guidance"] = {"en": "Look for one.", "fr": "Recherchez un."}
    return document


def texts_of(node: Any, place: str = "") -> list[tuple[str, Any]]:
    """Every mapping of languages in a loaded YAML document, with its place."""
    found: list[tuple[str, Any]] = []
    if isinstance(node, dict):
        if node and set(node) <= LANGUAGES and "en" in node:
            return [(place, node)]
        for key, value in node.items():
            found += texts_of(value, f"{place}.{key}")
    elif isinstance(node, list):
        for index, value in enumerate(node):
            found += texts_of(value, f"{place}[{index}]")
    return found


# --- the schema and the loader -------------------------------------------------------------------------------


def test_texts_may_be_strings_or_mappings_of_languages(app: Flask, tmp_path: Path) -> None:
    instrument = load_file(write(tmp_path, "multi.yaml", multilingual_screening()))
    item = instrument.item("AB1")
    assert instrument.language == "en"
    with app.test_request_context(), force_locale("fr"):
        assert (instrument.title, instrument.domains[0].title, item.title) == ("Repérage d'essai", "Premier", "Un")
        assert item.guidance == "Recherchez un."
        assert instrument.option_label("AB1", "not_observed") == "Non observé"
        assert instrument.domains[1].title == "Second"  # a plain string reads the same in every language
    with app.test_request_context(), force_locale("ar"):
        assert (instrument.title, item.title, item.options[0].label) == ("فرز تجريبي", "واحد", "غير ملاحَظ")
    with app.test_request_context(), force_locale("en"):
        assert (instrument.title, item.title) == ("Test screening", "One")
    assert item.title_text.in_language("fr") == "Un"  # every language is kept
    assert [o.value for o in item.options] == ["not_observed", "observed"]  # codes are codes


def test_a_missing_language_falls_back_to_the_files_own(app: Flask, tmp_path: Path) -> None:
    english = load_file(write(tmp_path, "en.yaml", multilingual_screening()))
    french_file = minimal_assessment() | {"language": "fr", "title": {"fr": "Évaluation d'essai", "en": "Test"}}
    french_file["domains"][0]["items"][0]["title"] = {"fr": "Un"}
    french = load_file(write(tmp_path, "fr.yaml", french_file))
    with app.test_request_context(), force_locale("ar"):
        assert english.item("AB1").guidance == "Look for one."  # no Arabic: the file's English
        assert english.items()[0].options[0].description == "Nothing seen."
        assert french.title == "Évaluation d'essai" and french.item("AB1").title == "Un"
    with app.test_request_context(), force_locale("en"):
        assert french.title == "Test" and french.item("AB1").title == "Un"


@pytest.mark.parametrize(("change", "expected"), [
    (lambda d: d.update(title={"fr": "Repérage"}), "multi.yaml: title: no text in 'en', the file's language "
                                                   "(given: 'fr')"),
    (lambda d: d["domains"][1]["items"][0].update(guidance={"fr": "Deux"}),
     "domains[1].items[0].guidance: no text in 'en', the file's language (given: 'fr')"),
    (lambda d: d.update(language="ar"),
     "rating_scale[0].description: no text in 'ar', the file's language (given: 'en', 'fr')"),
    (lambda d: d.update(title={"EN": "Test"}), "multi.yaml: title: 'EN' does not match '^[a-z]{2,3}$'"),
    (lambda d: d.update(title={"en": "Test", "french": "Essai"}), "title: 'french' does not match"),
    (lambda d: d.update(title={"en": "Test", "fr\n": "Essai"}),
     "title.fr\n: 'fr\\n' is not a language code (2 or 3 lower-case letters)"),
    (lambda d: d.update(title={"en": "Test", "fr": ""}), "title.fr: '' should be non-empty"),
    (lambda d: d.update(title={"en": "Test", "fr": 5}), "title.fr: 5 is not of type 'string'"),
    (lambda d: d.update(title={}), "title: {} should be non-empty"),
    (lambda d: d.update(title=["Test"]), "title: ['Test'] is not of type 'string', 'object'"),
    (lambda d: d.update(language="English"), "language: 'English' does not match '^[a-z]{2,3}$'"),
    (lambda d: d.update(language="fr\n"), "language: 'fr\\n' is not a language code"),
    (lambda d: d["rating_scale"][0].update(label={"en": "Seen", "fr": "É" * 81}),
     "rating_scale[0].label.fr: '" + "É" * 81 + "' is too long"),
    (lambda d: d["domains"][0]["items"][0].update(title={"en": "One", "ar": "و" * 121}),
     "domains[0].items[0].title.ar: '" + "و" * 121 + "' is too long"),
], ids=["no-default", "no-default-deep", "default-elsewhere", "upper-case", "word", "line-break", "empty",
        "not-text", "no-language", "list", "bad-language", "language-line-break", "label-too-long",
        "title-too-long"])
def test_a_bad_text_is_refused_naming_the_place(tmp_path: Path, change: Any, expected: str) -> None:
    document = multilingual_screening()
    change(document)
    message = refusal(write(tmp_path, "multi.yaml", document))
    assert expected in message, message


def test_an_english_text_keeps_its_length_limit_in_a_mapping(tmp_path: Path) -> None:
    document = multilingual_screening()
    document["title"] = {"en": "T" * 201, "fr": "Repérage"}
    assert "title.en: '" + "T" * 201 + "' is too long" in refusal(write(tmp_path, "long.yaml", document))


# --- the shipped instruments --------------------------------------------------------------------------------


@pytest.mark.parametrize("path", [SCREENING_11, ASSESSMENT_11], ids=["screening", "assessment"])
def test_version_1_1_is_version_1_0_in_english_and_complete_in_french_and_arabic(path: Path) -> None:
    new = yaml.safe_load(path.read_text(encoding="utf-8"))
    old = yaml.safe_load(path.with_name(path.name.replace("-1.1", "-1.0")).read_text(encoding="utf-8"))
    texts = texts_of(new)
    assert len(texts) > 30
    for place, text in texts:
        assert set(text) == LANGUAGES, place
        assert all(value.strip() for value in text.values()), place
        assert text["fr"] != text["en"] or text["en"] in ("Engagement", "Coexistence", "Convergence"), place

    def english(node: Any) -> Any:
        if isinstance(node, dict):
            if set(node) == LANGUAGES:
                return node["en"]
            return {key: english(value) for key, value in node.items() if key != "language"}
        if isinstance(node, list):
            return [english(value) for value in node]
        return node

    assert english(new) == old | {"version": "1.1"}
    assert new["language"] == "en"


def test_the_shipped_1_0_files_are_unchanged_so_work_pinned_to_them_still_starts() -> None:
    """catalogue.py refuses a file changed under a registered version (installations registered these hashes on
    first use): the translations are version 1.1, and 1.0 keeps its bytes."""
    loaded = load_directory(DEFAULT_DIRECTORY)
    assert set(loaded) == {("wp-reception-screening", "1.0"), ("wp-reception-screening", "1.1"),
                           ("wp-structured-assessment", "1.0"), ("wp-structured-assessment", "1.1")}
    assert loaded[("wp-reception-screening", "1.0")].content_hash == REGISTERED_1_0["wp-reception-screening"]
    assert loaded[("wp-structured-assessment", "1.0")].content_hash == REGISTERED_1_0["wp-structured-assessment"]


def test_new_work_uses_the_translated_version_and_stores_codes(app: Flask, users: Any, records: Any) -> None:
    factories.accredit(app, users["assessor"].id)
    with app.app_context():
        assert [i.key for i in catalogue.current("assessment")] == [ASSESSMENT]
        assert [i.key for i in catalogue.current("screening")] == [("wp-reception-screening", "1.1")]
    aid = make_assessment_11(app, users, records)
    with app.app_context():
        assessment = db.session.get(Assessment, aid)
        assert assessment is not None and assessment.instrument_version == "1.1"
        assert {r.rating for r in assessment.ratings} <= {"not_present", "none"}
        assert assessment.overall_judgement == "moderate_concern"
        registered = db.session.scalar(select(InstrumentVersion).where(InstrumentVersion.version == "1.1",
                                                                       InstrumentVersion.kind == "assessment"))
        assert registered is not None
        assert registered.title == "Waypoint structured assessment (demonstration — not a validated instrument)"


# --- pages and the case summary -----------------------------------------------------------------------------


def make_assessment_11(app: Flask, users: Any, records: Any) -> int:
    """An approved assessment of subject A with version 1.1, written by the assessor."""
    from app.assessments import services
    from app.auth.models import User
    from app.subjects.models import Subject

    data = factories.complete_input(app)
    with app.app_context():
        author = db.session.get(User, users["assessor"].id)
        approver = db.session.get(User, users["supervisor"].id)
        subject = db.session.get(Subject, records["subject_a"])
        assert author is not None and approver is not None and subject is not None
        g.user = author
        a = services.start(author, subject, catalogue.get(*ASSESSMENT))
        services.save_draft(author, a, data, a.version)
        services.submit(author, a, a.version)
        g.user = approver
        services.approve(approver, a, a.version)
        db.session.commit()
        return a.id


def reads_in(app: Flask, user_id: int, language: str) -> None:
    from app.auth.models import User

    with app.app_context():
        user = db.session.get(User, user_id)
        assert user is not None
        user.language = language
        db.session.commit()


def test_the_assessment_page_shows_the_instrument_in_the_readers_language(app: Flask, users: Any, records: Any,
                                                                         login_as: Any) -> None:
    factories.accredit(app, users["assessor"].id)
    aid = make_assessment_11(app, users, records)
    reads_in(app, users["assessor"].id, "fr")
    client = login_as("assessor")
    french = client.get(f"/assessments/{aid}").get_data(as_text=True)
    assert "Place de la cause dans la vie quotidienne" in french
    assert "Lien avec la criminalité organisée" in french and "Préoccupation modérée" in french
    assert "Place of the cause in daily life" not in french
    reads_in(app, users["assessor"].id, "ar")
    arabic = client.get(f"/assessments/{aid}").get_data(as_text=True)
    assert "مكانة القضية في الحياة اليومية" in arabic and "Place of the cause" not in arabic
    reads_in(app, users["assessor"].id, "en")
    english = client.get(f"/assessments/{aid}").get_data(as_text=True)
    assert "Place of the cause in daily life" in english and "Préoccupation" not in english


def test_the_screening_form_asks_in_the_readers_language(app: Flask, users: Any, records: Any,
                                                         login_as: Any) -> None:
    reads_in(app, users["assessor"].id, "fr")
    page = login_as("assessor").get(f"/subjects/{records['subject_a']}/screenings/new").get_data(as_text=True)
    assert "Soutien à la violence contre un groupe" in page and "Non observé" in page
    assert "Orienter vers une évaluation structurée" in page
    assert 'value="not_observed"' in page and 'value="refer_for_assessment"' in page  # the codes are posted


def test_the_case_summary_prints_the_instrument_in_the_readers_language(app: Flask, users: Any, records: Any,
                                                                        login_as: Any) -> None:
    factories.accredit(app, users["assessor"].id)
    make_assessment_11(app, users, records)
    reads_in(app, users["assessor"].id, "fr")
    response = post_form(login_as("assessor"), f"/subjects/{records['subject_a']}/export/case-summary",
                         {"purpose": "Parole board hearing on 12 January", "legal_basis": "parole_board",
                          "recipient": "Parole Board, case manager J. Smith"})
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    text = " ".join(" ".join(page.extract_text() or "" for page in PdfReader(io.BytesIO(response.data)).pages)
                    .split())
    assert "Place de la cause dans la vie quotidienne" in text
    assert "Préoccupation modérée" in text
    assert "Place of the cause in daily life" not in text


def test_a_screening_made_with_1_0_still_reads_back(app: Flask, users: Any, records: Any, login_as: Any) -> None:
    screening_id = factories.make_screening(app, users["assessor"].id, records["subject_a"])
    reads_in(app, users["assessor"].id, "fr")
    page = login_as("assessor").get(f"/screenings/{screening_id}").get_data(as_text=True)
    assert "Support for violence against a group" in page  # 1.0 is English only, as it always was


# --- legal bases --------------------------------------------------------------------------------------------


def test_the_shipped_legal_bases_are_in_three_languages(app: Flask) -> None:
    shipped = ROOT / "config" / "legal_bases.yaml"
    bases = load_legal_bases(shipped)
    document = yaml.safe_load(shipped.read_text(encoding="utf-8"))
    for entry in document["legal_bases"] + document["exemptions"]:
        assert set(entry["title"]) == LANGUAGES, entry["code"]
    with app.test_request_context(), force_locale("fr"):
        assert bases.basis_title("court_order") == "Décision d'une juridiction"
        assert bases.exemption_title("national_security").startswith("Sécurité nationale")
        assert bases.basis_title("gone_code") == "gone_code"
    with app.test_request_context(), force_locale("ar"):
        assert bases.basis_title("consent") == "الموافقة الصريحة للشخص"
    with app.test_request_context(), force_locale("en"):
        assert bases.basis_title("parole_board") == "Parole board proceedings"
    assert [b.code for b in bases.bases][:2] == ["led_art8_law_enforcement", "led_art35_third_country"]


@pytest.mark.parametrize(("text", "expected"), [
    ("legal_bases:\n  - code: a_b\n    title: {fr: Une}\nexemptions:\n  - code: c_d\n    title: Three\n",
     "legal_bases[0].title: no title in 'en', the file's language (given: 'fr')"),
    ("language: fr\nlegal_bases:\n  - code: a_b\n    title: {en: One}\nexemptions:\n  - code: c_d\n"
     "    title: {fr: Trois}\n", "legal_bases[0].title: no title in 'fr'"),
    ("legal_bases:\n  - code: a_b\n    title: {en: One, FR: Un}\nexemptions:\n  - code: c_d\n    title: Three\n",
     "legal_bases[0].title: 'FR' does not match"),
    ("legal_bases:\n  - code: a_b\n    title: {en: One, fr: ''}\nexemptions:\n  - code: c_d\n    title: Three\n",
     "legal_bases[0].title.fr: '' is too short"),
    ("language: French\nlegal_bases:\n  - code: a_b\n    title: One\nexemptions:\n  - code: c_d\n"
     "    title: Three\n", "language: 'French' does not match"),
])
def test_a_bad_legal_basis_title_is_refused(tmp_path: Path, text: str, expected: str) -> None:
    path = tmp_path / "bases.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(LegalBasesError) as caught:
        load_legal_bases(path)
    assert expected in str(caught.value) and str(path) in str(caught.value)


# --- conference decisions -----------------------------------------------------------------------------------


def test_the_configured_decisions_are_in_three_languages_and_stored_as_codes(app: Flask) -> None:
    with app.test_request_context(), force_locale("fr"):
        offered = decisions.offered()
        assert list(offered) == ["continue_monitoring", "refer_to_intervention", "start_assessment", "escalate",
                                 "close"]
        assert offered["continue_monitoring"] == "Poursuivre le suivi"
        assert decisions.label("close") == "Clôturer le dossier"
    with app.test_request_context(), force_locale("ar"):
        assert decisions.label("start_assessment") == "بدء تقييم"
    with app.test_request_context(), force_locale("en"):
        assert decisions.label("escalate") == "Escalate"
        assert decisions.label(None) == "Not decided yet"
        assert decisions.label("mappa_level_2") == "Mappa level 2 (no longer offered)"


def test_a_decisions_file_gives_labels_by_language(tmp_path: Path, db_url: str) -> None:
    from app import create_app

    path = tmp_path / "decisions.txt"
    path.write_text("# the service's list\nmonitor = Continue monitoring\nmonitor[fr] = Poursuivre le suivi\n"
                    "monitor[ar] = مواصلة المتابعة\nrefer = Refer to Prevent\n", encoding="utf-8")
    app = create_app({"SQLALCHEMY_DATABASE_URI": db_url, "CONFERENCE_DECISIONS_FILE": str(path)})
    try:
        with app.test_request_context(), force_locale("fr"):
            assert decisions.offered() == {"monitor": "Poursuivre le suivi", "refer": "Refer to Prevent"}
        with app.test_request_context(), force_locale("ar"):
            assert decisions.label("monitor") == "مواصلة المتابعة"
        with app.test_request_context(), force_locale("en"):
            assert decisions.offered() == {"monitor": "Continue monitoring", "refer": "Refer to Prevent"}
    finally:
        app.extensions["waypoint_engine"].dispose()


@pytest.mark.parametrize(("text", "expected"), [
    ("close = Close\nclose[FR] = Clore\n", "line 2: 'FR' is not a language code"),
    ("close = Close\nclose[fr] = Clore\nclose[fr] = Fermer\n", "line 3: decision code 'close' is given twice "
                                                              "in 'fr' (first on line 2)"),
    ("close = Close\nclose = End\n", "line 2: decision code 'close' is given twice"),
    ("close[fr] = Clore\n", "decision 'close' needs a label in 'en', the service's language (given: 'fr')"),
    ("close[fr = Clore\n", "line 1: write each decision as “code = Label”"),
    ("close = Close\nclose[fr] =\n", "decision 'close' needs a label of 1 to 100 characters"),
])
def test_a_bad_decisions_file_is_refused_naming_the_line(tmp_path: Path, text: str, expected: str) -> None:
    path = tmp_path / "decisions.txt"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        decisions.check(decisions._parse_file(str(path), "en"), str(path), "en")
    assert expected in str(caught.value) and str(path) in str(caught.value)


def test_a_configured_list_in_several_languages_must_hold_the_services_language() -> None:
    with pytest.raises(ConfigError, match="decision 'close' needs a label in 'fr'"):
        decisions.check((("close", {"en": "Close"}),), "CONFERENCE_DECISIONS", "fr")
    with pytest.raises(ConfigError, match="'FR' is not a language code"):
        decisions.check((("close", {"en": "Close", "FR": "Clore"}),), "CONFERENCE_DECISIONS", "en")
    found = decisions.check((("close", "Clore"), ("open", {"fr": "Ouvrir", "en": "Open"})), "X", "fr")
    assert found["close"].in_language("ar") == "Clore" and found["open"].in_language("ar") == "Ouvrir"
