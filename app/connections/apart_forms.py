"""The supervisor's forms for a keep-apart awaiting authorisation. They carry values only; app/connections/apart.py
checks every rule."""

from __future__ import annotations

from wtforms import HiddenField, TextAreaField

from app.forms import WaypointForm
from app.i18n import lazy_gettext as _l


class AuthoriseKeepApartForm(WaypointForm):
    version = HiddenField()


class DeclineKeepApartForm(WaypointForm):
    reason = TextAreaField(_l("Why it is declined"), render_kw={"rows": 3})
    version = HiddenField()
