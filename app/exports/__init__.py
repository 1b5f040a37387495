"""Exports: PDF case summaries, subject-access reports and audit extracts, each asked for with a purpose
and a recipient and recorded in the audit trail."""

from flask_babel import get_locale

from app.i18n import gettext, ngettext
from reports import language as _report_language


def _report_locale() -> str:
    """The request's locale for the reports (none outside a request: the reports then print in English)."""
    locale = get_locale()
    return str(locale) if locale is not None else "en"


# The reports know no Flask: they are translated with the app's catalogues through these, whichever feature
# builds them (a case summary here, the conference minutes, the disclosure register).
_report_language.install(gettext, ngettext, _report_locale)
