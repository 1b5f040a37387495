from __future__ import annotations

from wtforms import BooleanField, RadioField, SelectField, StringField, TextAreaField

from app.forms import DateField, SelectChoice, WaypointForm


class ExportForm(WaypointForm):
    purpose = TextAreaField("Purpose of the export", render_kw={"rows": 2})
    recipient = StringField("Recipient")
    internal_use = BooleanField("Internal use only (no recipient outside the service)")


class PersonExportForm(ExportForm):
    """A case summary or subject-access report: sent outside the service, it is a disclosure, so it names its
    legal basis and the recipient's country and goes on the disclosure register."""

    legal_basis = SelectField("Legal basis for sharing it", choices=[], validate_choice=False)
    country = StringField("Recipient's country", render_kw={"autocomplete": "off", "maxlength": 2})


class AuditExtractForm(ExportForm):
    actor = StringField("User (username)", render_kw={"autocomplete": "off"})
    subject_reference = StringField("Person's reference", render_kw={"autocomplete": "off"})
    action = SelectField("Action", choices=[], validate_choice=False)
    date_from = DateField("From")
    date_to = DateField("To")
    format = RadioField("Format", choices=[SelectChoice("pdf", "PDF"), SelectChoice("csv", "CSV (spreadsheet)")],
                        validate_choice=False, default="pdf")
