"""Sharing forms: values only; the services check every rule. Choices of legal bases, exemptions, sections and
units are set by the routes from the service's data."""

from __future__ import annotations

from flask_wtf.file import FileField
from wtforms import HiddenField, RadioField, SelectField, SelectMultipleField, StringField, TextAreaField

from app.exports.forms import ExportForm
from app.forms import DateField, SelectChoice, WaypointForm
from app.sharing.models import Decision, DisclosureKind

DECISION_CHOICES = [SelectChoice(d.value, d.label) for d in Decision if d != Decision.PENDING]
COUNTRY_HINT = "Two letters (ISO 3166), for example GB, FR, NL."


class PartyFields(WaypointForm):
    agency = StringField("Agency")
    person = StringField("Person at the agency (optional)")
    country = StringField("Country", render_kw={"maxlength": 2, "autocomplete": "off", "class": "w-auto"})
    legal_basis = SelectField("Legal basis", choices=[], validate_choice=False)


class PackageForm(PartyFields):
    purpose = TextAreaField("Purpose of the disclosure", render_kw={"rows": 2})
    sections = SelectMultipleField("What to send", choices=[], validate_choice=False)


class OtherDisclosureForm(PartyFields):
    purpose = TextAreaField("Purpose of the disclosure", render_kw={"rows": 2})
    kind = RadioField("What kind of information", choices=[
        SelectChoice(DisclosureKind.CASE_SUMMARY.value, DisclosureKind.CASE_SUMMARY.label),
        SelectChoice(DisclosureKind.OTHER.value, DisclosureKind.OTHER.label)], validate_choice=False)
    description = TextAreaField("What was shared", render_kw={"rows": 2})
    sha256 = StringField("SHA-256 of the file sent (optional)", render_kw={"autocomplete": "off",
                                                                          "spellcheck": "false"})
    answers = SelectField("In answer to", choices=[], validate_choice=False)


class RequestForm(PartyFields):
    legal_basis = SelectField("Legal basis claimed by the requester", choices=[], validate_choice=False)
    asked_for = TextAreaField("What is asked for, and why", render_kw={"rows": 3})
    received_on = DateField("Received on")
    due_on = DateField("Answer due by")


class DecisionForm(WaypointForm):
    decision = RadioField("Decision", choices=DECISION_CHOICES, validate_choice=False)
    reason = TextAreaField("Reason", render_kw={"rows": 3})
    responded_on = DateField("Answer sent on")
    version = HiddenField()


class WithholdForm(WaypointForm):
    exemption = SelectField("Exemption", choices=[], validate_choice=False)
    reason = TextAreaField("Why the exemption applies", render_kw={"rows": 3})
    version = HiddenField()


class ReceiveForm(WaypointForm):
    unit = SelectField("Receiving unit", choices=[], validate_choice=False)
    package = FileField("Case package file (.json)")


class ConfirmReceiveForm(WaypointForm):
    """The second step for a reference already on record: the verified package travels in a hidden field and
    is verified again on submission (nothing from the first step is trusted)."""

    unit = HiddenField()
    package_text = HiddenField()
    confirmed_reference = StringField("Type the reference to confirm it is the same person")


class RegisterExportForm(ExportForm):
    format = RadioField("Format", choices=[SelectChoice("pdf", "PDF"), SelectChoice("csv", "CSV (spreadsheet)")],
                        validate_choice=False, default="pdf")
