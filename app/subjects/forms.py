"""Subject forms. They carry values only; the services check every rule in one pass."""

from __future__ import annotations

from wtforms import BooleanField, HiddenField, SelectField, SelectMultipleField, StringField, TextAreaField

from app.forms import DateField, SelectChoice, WaypointForm
from app.subjects.models import AlertCode, CustodyStatus, OffenceCategory

STATUS_CHOICES = [SelectChoice("", "Choose a status")] + [SelectChoice(s.value, s.label) for s in CustodyStatus]
OFFENCE_CHOICES = [SelectChoice("", "Choose a category")] + [
    SelectChoice(c.value, c.label) for c in OffenceCategory
]
ALERT_CHOICES = [SelectChoice(a.value, a.label) for a in AlertCode]


class SubjectForm(WaypointForm):
    reference = StringField("Reference number", render_kw={"autocomplete": "off", "spellcheck": "false"})
    given_name = StringField("Given name(s)", render_kw={"autocomplete": "off"})
    family_name = StringField("Family name", render_kw={"autocomplete": "off"})
    date_of_birth = DateField("Date of birth")
    unit = SelectField("Unit", choices=[], validate_choice=False)
    status = SelectField("Custody or supervision status", choices=STATUS_CHOICES, validate_choice=False)
    index_offence_category = SelectField("Index offence category", choices=OFFENCE_CHOICES, validate_choice=False)
    sentence_date = DateField("Sentence date")
    release_date = DateField("Release date")
    next_review_due = DateField("Next review due")
    alerts = SelectMultipleField("Alerts", choices=ALERT_CHOICES, validate_choice=False)
    version = HiddenField()


class ConfirmMoveForm(WaypointForm):
    """What a move that meets a keep-apart needs from a supervisor; the page shows it only after warning them.
    `warned_move` carries back which move the warning was about, so a confirmation never covers another."""

    warned_move = HiddenField()
    confirm_move = BooleanField("I confirm that this move goes ahead despite the keep-apart")
    move_reason = TextAreaField("Why the move must go ahead", render_kw={"rows": 2})


class LocationForm(ConfirmMoveForm):
    wing = StringField("Wing", render_kw={"autocomplete": "off", "maxlength": 40})
    landing = StringField("Landing", render_kw={"autocomplete": "off", "maxlength": 40})
    cell = StringField("Cell", render_kw={"autocomplete": "off", "maxlength": 40})
    version = HiddenField()


class TransferForm(ConfirmMoveForm):
    to_unit = SelectField("Move to unit", choices=[], validate_choice=False)
    to_status = SelectField("Status after the move", choices=STATUS_CHOICES, validate_choice=False)
    moved_on = DateField("Date of the move")
    release_date = DateField("Release date (only for a release on licence)")
    reason = TextAreaField("Reason", render_kw={"rows": 3})


class AllocateForm(WaypointForm):
    owner = SelectField("Case owner", choices=[], validate_choice=False)
    note = TextAreaField("Note (optional)", render_kw={"rows": 2})


class BreakGlassForm(WaypointForm):
    reference = StringField("Exact reference number", render_kw={"autocomplete": "off", "spellcheck": "false"})
    reason = TextAreaField("Why you need this record now", render_kw={"rows": 3})
