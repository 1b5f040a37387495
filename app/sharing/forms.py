"""Sharing forms: values only; the services check every rule. Choices of legal bases, exemptions, sections and
units are set by the routes from the service's data."""

from __future__ import annotations

from flask_wtf.file import FileField
from wtforms import HiddenField, RadioField, SelectField, SelectMultipleField, StringField, TextAreaField

from app.exports.forms import ExportForm
from app.forms import DateField, SelectChoice, WaypointForm
from app.i18n import lazy_gettext as _l
from app.sharing.models import DECISION_LABELS, KIND_LABELS, Decision, DisclosureKind

DECISION_CHOICES = [SelectChoice(d.value, DECISION_LABELS[d]) for d in Decision if d != Decision.PENDING]
COUNTRY_HINT = _l("Two letters (ISO 3166), for example GB, FR, NL.")


class PartyFields(WaypointForm):
    agency = StringField(_l("Agency"))
    person = StringField(_l("Person at the agency (optional)"))
    country = StringField(_l("Country"), render_kw={"maxlength": 2, "autocomplete": "off", "class": "w-auto"})
    legal_basis = SelectField(_l("Legal basis"), choices=[], validate_choice=False)


class PackageForm(PartyFields):
    purpose = TextAreaField(_l("Purpose of the disclosure"), render_kw={"rows": 2})
    sections = SelectMultipleField(_l("What to send"), choices=[], validate_choice=False)


class OtherDisclosureForm(PartyFields):
    purpose = TextAreaField(_l("Purpose of the disclosure"), render_kw={"rows": 2})
    kind = RadioField(_l("What kind of information"), choices=[
        SelectChoice(DisclosureKind.CASE_SUMMARY.value, KIND_LABELS[DisclosureKind.CASE_SUMMARY]),
        SelectChoice(DisclosureKind.OTHER.value, KIND_LABELS[DisclosureKind.OTHER])], validate_choice=False)
    description = TextAreaField(_l("What was shared"), render_kw={"rows": 2})
    sha256 = StringField(_l("SHA-256 of the file sent (optional)"), render_kw={"autocomplete": "off",
                                                                          "spellcheck": "false"})
    answers = SelectField(_l("In answer to"), choices=[], validate_choice=False)


class RequestForm(PartyFields):
    legal_basis = SelectField(_l("Legal basis claimed by the requester"), choices=[], validate_choice=False)
    asked_for = TextAreaField(_l("What is asked for, and why"), render_kw={"rows": 3})
    received_on = DateField(_l("Received on"))
    due_on = DateField(_l("Answer due by"))


class DecisionForm(WaypointForm):
    decision = RadioField(_l("Decision"), choices=DECISION_CHOICES, validate_choice=False)
    reason = TextAreaField(_l("Reason"), render_kw={"rows": 3})
    responded_on = DateField(_l("Answer sent on"))
    version = HiddenField()


class WithholdForm(WaypointForm):
    exemption = SelectField(_l("Exemption"), choices=[], validate_choice=False)
    reason = TextAreaField(_l("Why the exemption applies"), render_kw={"rows": 3})
    version = HiddenField()


class ReceiveForm(WaypointForm):
    unit = SelectField(_l("Receiving unit"), choices=[], validate_choice=False)
    package = FileField(_l("Case package file (.json)"))


class ConfirmReceiveForm(WaypointForm):
    """The second step for a reference already on record: the verified package travels in a hidden field and
    is verified again on submission (nothing from the first step is trusted)."""

    unit = HiddenField()
    package_text = HiddenField()
    confirmed_reference = StringField(_l("Type the reference to confirm it is the same person"))


class RegisterExportForm(ExportForm):
    format = RadioField(_l("Format"), choices=[SelectChoice("pdf", _l("PDF")),
                                               SelectChoice("csv", _l("CSV (spreadsheet)"))],
                        validate_choice=False, default="pdf")
