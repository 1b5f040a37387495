"""Languages, the shared pages (issue 16): a signed-out visitor reads the sign-in page in their browser's language,
and the sign-in page's own links choose another one for the pages before sign-in (remembered in a cookie).

Needs the French and Arabic catalogues compiled with the core translations (`make` / i18n_tool fill)."""

from __future__ import annotations

from sqlalchemy import update

from app.auth.models import User
from app.db import db
from app.i18n import LANGUAGE_COOKIE
from tests.conftest import post_form


def test_a_french_browser_gets_the_french_sign_in_page(client) -> None:
    page = client.get("/login", headers={"Accept-Language": "fr-FR, fr;q=0.9, en;q=0.5"}).get_data(as_text=True)
    assert '<html lang="fr" dir="ltr">' in page
    assert "Se connecter à Waypoint" in page and "Sign in to Waypoint" not in page
    # Each offered language is named in itself, with its own lang and hreflang.
    assert 'lang="ar" hreflang="ar">العربية</a>' in page
    assert 'lang="en" hreflang="en">English</a>' in page


def test_the_sign_in_page_links_choose_the_language_before_sign_in(client) -> None:
    french_browser = {"Accept-Language": "fr"}
    response = client.get("/login?lang=ar", headers=french_browser)
    page = response.get_data(as_text=True)
    assert '<html lang="ar" dir="rtl">' in page and "تسجيل الدخول" in page
    [cookie] = [c for c in response.headers.getlist("Set-Cookie") if c.startswith(f"{LANGUAGE_COOKIE}=")]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Secure" not in cookie  # CONTROLS: cookie flags
    # Remembered: the next pages before sign-in, and the error pages, are in Arabic whatever the browser says.
    assert '<html lang="ar" dir="rtl">' in client.get("/login", headers=french_browser).get_data(as_text=True)
    assert '<html lang="ar" dir="rtl">' in client.get("/no-such-page", headers=french_browser).get_data(as_text=True)
    # A language the service does not offer is ignored.
    assert '<html lang="ar"' in client.get("/login?lang=xx", headers=french_browser).get_data(as_text=True)
    english = client.get("/login?lang=en", headers=french_browser).get_data(as_text=True)
    assert '<html lang="en" dir="ltr">' in english and "Sign in to Waypoint" in english


def test_a_signed_in_user_reads_their_own_language_not_the_cookie(login_as) -> None:
    signed_in = login_as("probation")
    signed_in.set_cookie(LANGUAGE_COOKIE, "ar")
    page = signed_in.get("/account", headers={"Accept-Language": "ar"}).get_data(as_text=True)
    assert '<html lang="en"' in page


def test_the_admin_pages_in_arabic_right_to_left(app, users, login_as) -> None:
    with app.app_context():
        db.session.execute(update(User).where(User.id == users["admin"].id).values(language="ar"))
        db.session.commit()
    admin = login_as("admin")
    post_form(app.test_client(), "/login", {"username": "probation", "password": "wrong"})  # a failed sign-in
    for path in ("/", "/admin/users", "/admin/units", "/admin/units/new", "/admin/users/new",
                 f"/admin/users/{users['probation'].id}"):
        page = admin.get(path).get_data(as_text=True)
        assert '<html lang="ar" dir="rtl">' in page, path
        assert "تسجيل الخروج" in page and "Sign out" not in page, path
    # The role and the unit kind are read in Arabic; what is stored stays a code.
    assert "ضابط المراقبة" in admin.get("/admin/users").get_data(as_text=True)
    assert "مؤسسة عقابية" in admin.get("/admin/units").get_data(as_text=True)
    failures = admin.get(f"/admin/users/{users['probation'].id}").get_data(as_text=True)
    assert "محاولة تسجيل دخول فاشلة واحدة خلال آخر 15 دقيقة." in failures


def test_a_translated_refusal_of_the_admin_services(app, users, login_as) -> None:
    with app.app_context():
        db.session.execute(update(User).where(User.id == users["admin"].id).values(language="fr"))
        db.session.commit()
    admin = login_as("admin")
    response = post_form(admin, "/admin/units/new", {"code": "x", "name": "", "kind": "prison"})
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "Sign out" not in page and "Enter the unit&#39;s name." not in page
    assert "Saisissez le nom de l&#39;unité.</a>" in page  # the error summary's link to the field
    assert "Erreur\u00a0:</span> Saisissez le nom de l&#39;unité." in page  # the field's own error


def test_the_language_cookie_is_secure_where_the_session_cookie_is(app) -> None:
    app.config["SESSION_COOKIE_SECURE"] = True  # production
    response = app.test_client().get("/login?lang=fr")
    [cookie] = [c for c in response.headers.getlist("Set-Cookie") if c.startswith(f"{LANGUAGE_COOKIE}=")]
    assert "Secure" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_messages_follow_a_forced_language_and_a_refresh_as_flask_babel_does(app) -> None:
    """app.i18n looks the catalogue up once per request (speed, issue 18): it must still follow force_locale (the
    audit's and the packages' English) and refresh() (the account page's new language), as Flask-Babel does."""
    import flask_babel
    from flask import render_template_string

    from app import i18n

    with app.test_request_context("/login", headers={"Accept-Language": "fr"}):
        assert i18n.gettext("Sign in to Waypoint") == flask_babel.gettext("Sign in to Waypoint") \
            == "Se connecter à Waypoint"
        with flask_babel.force_locale("en"):
            assert i18n.gettext("Sign in to Waypoint") == "Sign in to Waypoint"
            assert render_template_string("{{ _('Sign in to Waypoint') }}") == "Sign in to Waypoint"
        assert i18n.gettext("Sign in to Waypoint") == "Se connecter à Waypoint"
        assert render_template_string("{{ _('Sign in to Waypoint') }}") == "Se connecter à Waypoint"
        assert str(i18n.lazy_gettext("Sign in to Waypoint")) == "Se connecter à Waypoint"
        # The account page saves the new language, then refresh()es: the next lookup chooses anew.
        app.extensions["babel"].locale_selector = lambda: "ar"
        try:
            flask_babel.refresh()
            assert i18n.gettext("Sign in to Waypoint") == flask_babel.gettext("Sign in to Waypoint") != \
                "Se connecter à Waypoint"
        finally:
            app.extensions["babel"].locale_selector = i18n.select_locale


def test_page_messages_escape_their_values_and_count_their_plurals(app) -> None:
    from flask import render_template_string

    with app.test_request_context("/login", headers={"Accept-Language": "en"}):
        page = render_template_string("{{ _('%(date)s: by %(recruiter)s', date='1 May', recruiter='<b>X</b>') }}|"
                                      "{{ ngettext('%(num)d open item', '%(num)d open items', 2) }}|"
                                      "{% trans n=1 %}{{ n }} apple{% pluralize %}{{ n }} apples{% endtrans %}")
    assert page == "1 May: by &lt;b&gt;X&lt;/b&gt;|2 open items|1 apple"
