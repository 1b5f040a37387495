from __future__ import annotations

from wtforms import BooleanField, RadioField, SelectField, StringField, TextAreaField

from app.forms import DateField, SelectChoice, WaypointForm
from app.i18n import lazy_gettext as _l


class ExportForm(WaypointForm):
    purpose = TextAreaField(_l("Purpose of the export"), render_kw={"rows": 2})
    recipient = StringField(_l("Recipient"))
    internal_use = BooleanField(_l("Internal use only (no recipient outside the service)"))


class PersonExportForm(ExportForm):
    """A case summary or subject-access report: sent outside the service, it is a disclosure, so it names its
    legal basis and the recipient's country and goes on the disclosure register."""

    legal_basis = SelectField(_l("Legal basis for sharing it"), choices=[], validate_choice=False)
    country = StringField(_l("Recipient's country"), render_kw={"autocomplete": "off", "maxlength": 2})


class AuditExtractForm(ExportForm):
    actor = StringField(_l("User (username)"), render_kw={"autocomplete": "off"})
    subject_reference = StringField(_l("Person's reference"), render_kw={"autocomplete": "off"})
    # An audit action is a code, the same in every language (as on the audit trail's page): typed, with the
    # actions recorded so far offered as suggestions.
    action = StringField(_l("Action"), render_kw={"autocomplete": "off", "list": "audit-actions"})
    date_from = DateField(_l("From"))
    date_to = DateField(_l("To"))
    format = RadioField(_l("Format"),
                        choices=[SelectChoice("pdf", _l("PDF")), SelectChoice("csv", _l("CSV (spreadsheet)"))],
                        validate_choice=False, default="pdf")
