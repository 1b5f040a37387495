"""Erasure forms: values only; the services check them."""

from __future__ import annotations

from wtforms import StringField, TextAreaField

from app.forms import WaypointForm


class RequestForm(WaypointForm):
    reason = TextAreaField("Reason for erasure", render_kw={"rows": 3})


class ConfirmErasureForm(WaypointForm):
    reference = StringField("Type the person's reference to confirm", render_kw={"autocomplete": "off"})
