from __future__ import annotations

from wtforms import BooleanField, RadioField, SelectField, StringField, TextAreaField

from app.forms import DateField, SelectChoice, WaypointForm


class ExportForm(WaypointForm):
    purpose = TextAreaField("Purpose of the export", render_kw={"rows": 2})
    recipient = StringField("Recipient")
    internal_use = BooleanField("Internal use only (no recipient outside the service)")


class AuditExtractForm(ExportForm):
    actor = StringField("User (username)", render_kw={"autocomplete": "off"})
    subject_reference = StringField("Person's reference", render_kw={"autocomplete": "off"})
    action = SelectField("Action", choices=[], validate_choice=False)
    date_from = DateField("From")
    date_to = DateField("To")
    format = RadioField("Format", choices=[SelectChoice("pdf", "PDF"), SelectChoice("csv", "CSV (spreadsheet)")],
                        validate_choice=False, default="pdf")
