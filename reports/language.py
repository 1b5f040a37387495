"""The language a report is printed in, for its words, its dates and its direction: the request's.

The reports know neither Flask nor the database (tests/test_reports.py), so the app installs its translation
functions here (`install`, done by app/exports when it is imported: Flask-Babel's gettext, ngettext and the
request's locale). Until then, and for a builder called from a script or a unit test, the reports print in
English. The messages are extracted into the app's catalogues like any other: `from reports.language import
gettext as _, ngettext, lazy_gettext as _l`, with the same keywords and named placeholders.

Dates: English keeps the reports' ISO 8601 ("2025-03-04", "2025-03-04 10:15 UTC"); every other language its own
month names in the pages' pattern (app/i18n.py: "04 mars 2025"). A right-to-left language (Arabic) lays the
whole document out from the right: reports.pdf asks `right_to_left()`.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime
from typing import Any

from babel.dates import format_date, format_datetime

# The pages' patterns (app/i18n.py's DAY_PATTERN and MOMENT_PATTERN), kept here so that reports need no app.
DAY_PATTERN = "dd MMM y"
MOMENT_PATTERN = "dd MMM y HH:mm"
RIGHT_TO_LEFT = frozenset({"ar", "fa", "he", "ur"})


def _english(message: str, **variables: Any) -> str:
    return message % variables if variables else message


def _english_plural(singular: str, plural: str, num: int, **variables: Any) -> str:
    variables.setdefault("num", num)
    return (singular if num == 1 else plural) % variables


def _english_locale() -> str:
    return "en"


_gettext: Callable[..., str] = _english
_ngettext: Callable[..., str] = _english_plural
_locale: Callable[[], str] = _english_locale


def install(gettext_: Callable[..., str], ngettext_: Callable[..., str], locale: Callable[[], str]) -> None:
    """Translate the reports with these (Flask-Babel's `gettext`, `ngettext`, and a function giving the current
    locale's code): called once by the app."""
    global _gettext, _ngettext, _locale
    _gettext, _ngettext, _locale = gettext_, ngettext_, locale


def gettext(message: str, **variables: Any) -> str:
    """The message in the current language, its named placeholders filled."""
    return str(_gettext(message, **variables))


def ngettext(singular: str, plural: str, num: int, **variables: Any) -> str:
    """The singular or plural message for `num` (filled in as %(num)d) in the current language."""
    return str(_ngettext(singular, plural, num, **variables))


class LazyText:
    """A message translated when it is turned into a string (module-level text, made before any request)."""

    __slots__ = ("message",)

    def __init__(self, message: str) -> None:
        self.message = message

    def __str__(self) -> str:
        return gettext(self.message)

    def __repr__(self) -> str:
        return f"LazyText({self.message!r})"


def lazy_gettext(message: str) -> LazyText:
    return LazyText(message)


def current() -> str:
    """The current locale's code ("en", "fr", "ar", "en_001"): "en" until the app installs its own."""
    return _locale() or "en"


def base(code: str | None = None) -> str:
    """The language without its region: "en" for "en_001"."""
    return (code or current()).split("_")[0]


def right_to_left(code: str | None = None) -> bool:
    return base(code) in RIGHT_TO_LEFT


def pdf_lang(code: str | None = None) -> str:
    """The document's /Lang (BCP 47: "fr", "ar", "en-001")."""
    return (code or current()).replace("_", "-")


def day(value: date) -> str:
    code = current()
    if base(code) == "en":
        return value.isoformat()
    return str(format_date(value, DAY_PATTERN, locale=code))


def moment_utc(value: datetime) -> str:
    """A date and time in UTC, followed by " UTC" (a naive datetime is taken to be UTC already)."""
    aware = (value if value.tzinfo is not None else value.replace(tzinfo=UTC)).astimezone(UTC)
    code = current()
    if base(code) == "en":
        return aware.strftime("%Y-%m-%d %H:%M UTC")
    return f"{format_datetime(aware, MOMENT_PATTERN, tzinfo=UTC, locale=code)} UTC"


def list_separator() -> str:
    """What separates the items of a list in a line: "; " (the Arabic semicolon in Arabic)."""
    return "؛ " if base() == "ar" else "; "


def comma() -> str:
    """A comma and a space (the Arabic comma in Arabic)."""
    return "، " if base() == "ar" else ", "


def number(value: int) -> str:
    """A count with the language's separators ("1,000", "1 000")."""
    from babel.numbers import format_decimal

    return str(format_decimal(value, locale=current()))
