"""Languages, the shared pages (issue 16): a signed-out visitor reads the sign-in page in their browser's language,
and the sign-in page's own links choose another one for the pages before sign-in (remembered in a cookie).

Needs the French and Arabic catalogues compiled with the core translations (`make` / i18n_tool fill)."""

from __future__ import annotations

from app.i18n import LANGUAGE_COOKIE


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
    assert LANGUAGE_COOKIE in response.headers.get("Set-Cookie", "")
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
