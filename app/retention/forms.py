"""Erasure forms: values only; the services check them."""

from __future__ import annotations

from wtforms import StringField, TextAreaField

from app.forms import WaypointForm
from app.i18n import lazy_gettext as _l


class RequestForm(WaypointForm):
    reason = TextAreaField(_l("Reason for erasure"), render_kw={"rows": 3})


class ConfirmErasureForm(WaypointForm):
    reference = StringField(_l("Type the person's reference to confirm"), render_kw={"autocomplete": "off"})
