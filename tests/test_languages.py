"""Choosing the language (issue 16): each user's own on their account page, the service's default for the rest,
the browser's before sign-in; `lang` and `dir` on every page; and the data (audit actions, CSV columns) the same
in every language."""

from __future__ import annotations

import csv
import io

import pytest
from sqlalchemy import select

from app import create_app
from app.audit.models import AuditEvent
from app.auth.models import User
from app.db import db
from config import ConfigError, config_for
from tests.conftest import csrf_token, post_form


def language_of(app, username: str) -> str | None:
    with app.app_context():
        return db.session.scalar(select(User.language).where(User.username == username))


def test_the_account_page_offers_each_language_named_in_itself_and_the_services_default(login_as):
    page = login_as("assessor").get("/account").get_data(as_text=True)
    for code, name in (("en", "English"), ("fr", "Français"), ("ar", "العربية")):
        assert f'<option lang="{code}" value="{code}">{name}</option>' in page
    assert "The service&#39;s language (English)" in page
    assert "Change your password" in page and "Two-step sign-in" in page


def test_a_user_who_chooses_french_reads_every_page_in_french_from_the_next_one(app, login_as):
    client = login_as("assessor")
    response = post_form(client, "/account", {"language": "fr"}, token_from="/account")
    assert response.status_code == 302
    assert language_of(app, "assessor") == "fr"
    for path in ("/account", "/", "/subjects"):
        page = client.get(path).get_data(as_text=True)
        assert '<html lang="fr" dir="ltr">' in page, path
    with app.app_context():
        event = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "account_language")).one()
        assert event.details == {"from": None, "to": "fr"}


def test_arabic_lays_the_page_out_right_to_left_with_bootstraps_rtl_stylesheet(app, login_as):
    client = login_as("probation")
    post_form(client, "/account", {"language": "ar"}, token_from="/account")
    page = client.get("/").get_data(as_text=True)
    assert '<html lang="ar" dir="rtl">' in page
    assert "vendor/bootstrap/bootstrap.rtl.min.css" in page
    assert "bootstrap.min.css" not in page
    stylesheet = client.get("/static/vendor/bootstrap/bootstrap.rtl.min.css")
    assert stylesheet.status_code == 200 and b"Bootstrap" in stylesheet.data[:200]


def test_a_language_the_service_does_not_offer_is_refused_and_nothing_changes(app, login_as):
    client = login_as("assessor")
    post_form(client, "/account", {"language": "fr"}, token_from="/account")
    response = post_form(client, "/account", {"language": "de"}, token_from="/account")
    assert response.status_code == 400
    assert "Not a valid choice" in response.get_data(as_text=True) \
        or "choix" in response.get_data(as_text=True).lower()
    assert language_of(app, "assessor") == "fr"


def test_choosing_the_services_language_again_clears_the_users_own(app, login_as):
    client = login_as("assessor")
    post_form(client, "/account", {"language": "ar"}, token_from="/account")
    post_form(client, "/account", {"language": ""}, token_from="/account")
    assert language_of(app, "assessor") is None
    assert '<html lang="en" dir="ltr">' in client.get("/").get_data(as_text=True)


def test_a_user_who_chose_no_language_reads_the_services_default(app_config, users, login_as):
    french_service = create_app({**app_config, "BABEL_DEFAULT_LOCALE": "fr"})
    client = french_service.test_client()
    from tests.conftest import login

    login(client, users["assessor"].username, users["assessor"].password)
    assert '<html lang="fr" dir="ltr">' in client.get("/").get_data(as_text=True)
    french_service.extensions["waypoint_engine"].dispose()


def test_before_sign_in_the_page_is_in_the_browsers_language_among_those_offered(client):
    arabic = client.get("/login", headers={"Accept-Language": "ar-SA,ar;q=0.9,en;q=0.5"}).get_data(as_text=True)
    assert '<html lang="ar" dir="rtl">' in arabic
    french = client.get("/login", headers={"Accept-Language": "fr-BE, fr;q=0.9"}).get_data(as_text=True)
    assert '<html lang="fr" dir="ltr">' in french
    german = client.get("/login", headers={"Accept-Language": "de-DE"}).get_data(as_text=True)
    assert '<html lang="en" dir="ltr">' in german


def test_the_users_own_choice_wins_over_the_browsers(app, login_as):
    client = login_as("assessor")
    post_form(client, "/account", {"language": "fr"}, token_from="/account")
    page = client.get("/", headers={"Accept-Language": "ar"}).get_data(as_text=True)
    assert '<html lang="fr" dir="ltr">' in page


def test_a_service_language_waypoint_does_not_speak_stops_start_up(monkeypatch):
    monkeypatch.setenv("WAYPOINT_LANGUAGE", "xx")
    with pytest.raises(ConfigError, match="WAYPOINT_LANGUAGE='xx'"):
        config_for("testing").settings()
    monkeypatch.setenv("WAYPOINT_LANGUAGE", "ar")
    assert config_for("testing").settings()["BABEL_DEFAULT_LOCALE"] == "ar"


def _audit_csv(client) -> list[list[str]]:
    response = post_form(client, "/audit/extract", {"purpose": "Quarterly access review", "internal_use": "y",
                                                    "format": "csv"}, token_from="/audit/extract")
    assert response.mimetype == "text/csv"
    return list(csv.reader(io.StringIO(response.data.decode("utf-8-sig"))))


def test_codes_stay_codes_the_audit_extract_csv_is_the_same_in_every_language(app, login_as, records):
    client = login_as("supervisor")
    english = _audit_csv(client)
    post_form(client, "/account", {"language": "ar"}, token_from="/account")
    arabic = _audit_csv(client)
    assert arabic[0] == english[0]  # the columns
    actions = {row[english[0].index("action")] for row in arabic[1:]} if "action" in english[0] else set()
    assert actions and all(a.isascii() and a == a.lower() for a in actions)
    assert csrf_token  # the helper is shared with the other tests
