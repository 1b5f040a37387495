"""Erasure forms: values only; the services check them."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import StringField, TextAreaField


class RequestForm(FlaskForm):
    reason = TextAreaField("Reason for erasure", render_kw={"rows": 3})


class ConfirmErasureForm(FlaskForm):
    reference = StringField("Type the person's reference to confirm", render_kw={"autocomplete": "off"})
