"""Languages (DESIGN §12): which language a page is in, its direction, and text that carries its own
translations (instrument files, configured lists).

Every word a user reads goes through the Flask-Babel catalogues in app/translations: in Python
`from app.i18n import gettext as _, lazy_gettext as _l, ngettext` (lazy at import time: form labels, enum
labels), in templates `_()`, `ngettext()` and `{% trans %}`. These are Flask-Babel's own functions with one
difference: the catalogue of the request's language is looked up once per request, not once per message (see
`_translations`). What is stored, audited and exported as data stays
in codes. The language of a request is, in order: the signed-in user's own choice (their account page), the
service's default (WAYPOINT_LANGUAGE); before sign-in, the language picked on the sign-in page (its `lang`
parameter, remembered in the LANGUAGE_COOKIE), else the browser's Accept-Language among the languages the service
offers.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from typing import Any

import flask_babel
from flask import Flask, current_app, g, has_app_context, has_request_context, request
from flask_babel import format_date, format_datetime, format_decimal, get_locale
from flask_babel.speaklater import LazyString
from jinja2 import pass_context
from jinja2.runtime import Context
from markupsafe import Markup, escape

# The languages Waypoint ships, by code, each named in itself (how a language is offered in a list).
LANGUAGES: dict[str, str] = {"en": "English", "fr": "Français", "ar": "العربية"}
# The language picked on the sign-in page, for the pages before sign-in (set by app/auth/routes.py).
LANGUAGE_COOKIE = "waypoint_lang"
RIGHT_TO_LEFT = frozenset({"ar", "fa", "he", "ur"})
# A test-only language (tests/pseudo_locale.py): every translated string wrapped in these markers, so that a
# page's text that did not go through a catalogue shows up unmarked.
PSEUDO_OPEN, PSEUDO_CLOSE = "⟦", "⟧"


def offered(app: Flask | None = None) -> dict[str, str]:
    """The languages this installation offers: code → name in itself (LANGUAGES in config)."""
    app = app or current_app
    return dict(app.config["LANGUAGES"])


def select_locale() -> str:
    """Flask-Babel's locale selector, called once per request at the first translated string."""
    languages = offered()
    user = g.get("user") if has_request_context() else None
    if user is not None:
        chosen = getattr(user, "language", None)
        if chosen in languages:
            return str(chosen)
        return str(current_app.config["BABEL_DEFAULT_LOCALE"])
    if has_request_context():
        for picked in (request.args.get("lang"), request.cookies.get(LANGUAGE_COOKIE)):
            if picked in languages:
                return str(picked)
        best = request.accept_languages.best_match(list(languages))
        if best:
            return best
    return str(current_app.config["BABEL_DEFAULT_LOCALE"])


def language() -> str:
    """The current language's code ("en", "fr", "ar"): the request's, else the service default."""
    locale = get_locale()
    if locale is not None:
        return str(locale)
    return str(current_app.config["BABEL_DEFAULT_LOCALE"]) if has_app_context() else "en"


def is_pseudo() -> bool:
    return has_app_context() and language() == current_app.config.get("PSEUDO_LOCALE")


def direction(code: str | None = None) -> str:
    """"rtl" or "ltr" for a language (the current one by default)."""
    code = code or language()
    return "rtl" if code.split("_")[0] in RIGHT_TO_LEFT else "ltr"


def html_lang(code: str | None = None) -> str:
    """The value of a page's `lang` attribute (BCP 47: "fr", "ar", "en-001")."""
    return (code or language()).replace("_", "-")


def localized(value: Any, fallback: str | None = None) -> str:
    """Text that carries its own translations: a plain string (one language) or a mapping of language code to
    string. The current language's text, else the fallback language's (an instrument file's own `language`),
    else the service default's, else the first given. In the test pseudo-locale the text is wrapped in its
    markers, as a catalogue's would be."""
    if isinstance(value, Mapping):
        current = language()
        default = str(current_app.config["BABEL_DEFAULT_LOCALE"]) if has_app_context() else "en"
        text = None
        for code in (current, current.split("_")[0], fallback, default):
            if code and value.get(code):
                text = value[code]
                break
        if text is None:
            text = next((v for v in value.values() if v), "")
    else:
        text = "" if value is None else value
    if is_pseudo() and text:
        return f"{PSEUDO_OPEN}{text}{PSEUDO_CLOSE}"
    return str(text)


class LocalText:
    """Text that carries its own translations (an instrument's question, a configured label): shown in the
    current language whenever it is rendered or turned into a string, so one object loaded at start-up serves
    every user in theirs. `values` is a plain string or a mapping of language code to string; `fallback` the
    language to use when the current one is missing (the file's own)."""

    __slots__ = ("fallback", "values")

    def __init__(self, values: str | Mapping[str, str], fallback: str | None = None) -> None:
        self.values = values
        self.fallback = fallback

    def __str__(self) -> str:
        return localized(self.values, self.fallback)

    def __html__(self) -> Markup:
        return escape(str(self))

    def __format__(self, spec: str) -> str:
        return format(str(self), spec)

    def __bool__(self) -> bool:
        return bool(self.values)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, LocalText):
            return self.values == other.values and self.fallback == other.fallback
        return NotImplemented

    def __hash__(self) -> int:
        values = self.values if isinstance(self.values, str) else tuple(sorted(self.values.items()))
        return hash((values, self.fallback))

    def __repr__(self) -> str:
        return f"LocalText({self.values!r}, {self.fallback!r})"

    def in_language(self, code: str) -> str:
        """The text in one language (or its fallback), whatever the request's."""
        if isinstance(self.values, str):
            return self.values
        return self.values.get(code) or self.values.get(self.fallback or "") or next(iter(self.values.values()), "")


# How a day and a moment are shown: the same pattern in every language (CLDR symbols), its month names and
# digits the language's own. Forms still take dates as YYYY-MM-DD (app/forms.py); CSV and JSON keep ISO.
DAY_PATTERN = "dd MMM y"
MOMENT_PATTERN = "dd MMM y HH:mm"
TIME_PATTERN = "HH:mm"


def _shown_once(pattern: str, value: date | datetime) -> str:
    """`value` formatted with `pattern` in the current language, each distinct value once per request: a page
    shows the same days many times (a list of reviews, a timeline) and Flask-Babel finds the locale, the time
    zone and the pattern again for every one (about 45 µs). Kept by the catalogue in use, so a language forced
    for part of the request (`force_locale`) gets its own."""
    if not has_app_context():
        return _format(pattern, value)
    shown: dict[tuple[int, str, date | datetime], str] = g.setdefault("_waypoint_dates", {})
    key = (id(_translations()), pattern, value)
    text = shown.get(key)
    if text is None:
        text = shown[key] = _format(pattern, value)
    return text


def _format(pattern: str, value: date | datetime) -> str:
    return str(format_date(value, pattern) if pattern == DAY_PATTERN else format_datetime(value, pattern))


def day(value: date | datetime | None, empty: str = "") -> str:
    """A date in the current language ("02 Dec 2026", "02 déc. 2026"); `empty` when there is none."""
    if value is None:
        return empty
    return _shown_once(DAY_PATTERN, value)


def moment(value: datetime | None, empty: str = "") -> str:
    """A date and time (UTC, as stored) in the current language."""
    if value is None:
        return empty
    return _shown_once(MOMENT_PATTERN, value)


def clock(value: datetime | None, empty: str = "") -> str:
    """A time of day (UTC) in the current language's digits."""
    if value is None:
        return empty
    return _shown_once(TIME_PATTERN, value)


def day_from_iso(value: object, empty: str = "") -> str:
    """A date kept as text, YYYY-MM-DD (a snapshot, a received package, an audited change), shown as `day`;
    `empty` when there is none, and the text as kept when it is no date."""
    if not value:
        return empty
    try:
        return day(date.fromisoformat(str(value)))
    except ValueError:
        return str(value)


def number(value: float | int | None, empty: str = "") -> str:
    """A number with the current language's separators and digits."""
    if value is None:
        return empty
    return str(format_decimal(value))


# --- messages ------------------------------------------------------------------------------------------------
# Flask-Babel finds the catalogue anew for every message (the context, the domain, the locale and its name, a
# cache keyed by them): about 25 µs a message in Python and 40 in a template, where a page shows hundreds. The
# catalogue found is kept for the rest of the request where Flask-Babel keeps its own per-request state
# (`g._flask_babel.babel_translations`, which its `force_locale` clears and restores and its `refresh` deletes,
# so a forced or changed language is still followed; tests/test_languages_core.py checks both).


def _translations() -> Any:
    if not has_app_context():
        return flask_babel.get_translations()  # outside an application: the messages as written
    state = g.get("_flask_babel")
    found = getattr(state, "babel_translations", None)
    if found is None:
        found = flask_babel.get_translations()
        g._flask_babel.babel_translations = found
    return found


def gettext(string: str, **variables: Any) -> str:
    text: str = _translations().ugettext(string)
    return text % variables if variables else text


def ngettext(singular: str, plural: str, num: int, **variables: Any) -> str:
    variables.setdefault("num", num)
    text: str = _translations().ungettext(singular, plural, num)
    return text % variables


def pgettext(context: str, string: str, **variables: Any) -> str:
    text: str = _translations().upgettext(context, string)
    return text % variables if variables else text


def npgettext(context: str, singular: str, plural: str, num: int, **variables: Any) -> str:
    variables.setdefault("num", num)
    text: str = _translations().unpgettext(context, singular, plural, num)
    return text % variables


def lazy_gettext(string: str, **variables: Any) -> LazyString:
    return LazyString(gettext, string, **variables)


def lazy_pgettext(context: str, string: str, **variables: Any) -> LazyString:
    return LazyString(pgettext, context, string, **variables)


def _marked(context: Context, text: str) -> str:
    return Markup(text) if context.eval_ctx.autoescape else text  # noqa: S704 - catalogue text, as jinja2.ext.i18n marks it


@pass_context
def _page_gettext(context: Context, string: str, **variables: Any) -> str:
    return _marked(context, _translations().ugettext(string)) % variables


@pass_context
def _page_ngettext(context: Context, singular: str, plural: str, num: int, **variables: Any) -> str:
    variables.setdefault("num", num)
    return _marked(context, _translations().ungettext(singular, plural, num)) % variables


@pass_context
def _page_pgettext(context: Context, message_context: str, string: str, **variables: Any) -> str:
    variables.setdefault("context", message_context)
    return _marked(context, _translations().upgettext(message_context, string)) % variables


@pass_context
def _page_npgettext(context: Context, message_context: str, singular: str, plural: str, num: int,
                    **variables: Any) -> str:
    variables.setdefault("context", message_context)
    variables.setdefault("num", num)
    return _marked(context, _translations().unpgettext(message_context, singular, plural, num)) % variables


def init_app(app: Flask) -> None:
    from app.extensions import babel

    babel.init_app(app, locale_selector=select_locale)
    # In place of the callables Flask-Babel gives jinja2.ext.i18n (newstyle: the same escaping and formatting),
    # without its lookup per message nor two more calls through the template context.
    app.jinja_env.globals.update(_=_page_gettext, gettext=_page_gettext, ngettext=_page_ngettext,
                                 pgettext=_page_pgettext, npgettext=_page_npgettext)
    # {% trans %} blocks are written over several lines; their msgid is the text with whitespace collapsed.
    app.jinja_env.policies["ext.i18n.trimmed"] = True
    app.jinja_env.globals.update(html_lang=html_lang, text_direction=direction, localized=localized,
                                 current_language=language)
    app.jinja_env.filters.update(localized=localized, day=day, moment=moment, clock=clock, number=number)

