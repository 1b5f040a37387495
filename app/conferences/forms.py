"""Conference forms: values only; the services check every rule."""

from __future__ import annotations

from wtforms import HiddenField, RadioField, SelectField, StringField, TextAreaField

from app.conferences.models import ATTENDANCE_LABELS, KIND_LABELS, ActionStatus, Attendance, ConferenceKind
from app.forms import DateField, SelectChoice, WaypointForm
from app.i18n import lazy_gettext as _l

KIND_CHOICES = [SelectChoice("", _l("Choose the kind"))] + [
    SelectChoice(k.value, KIND_LABELS[k]) for k in ConferenceKind]
ATTENDANCE_CHOICES = [SelectChoice(a.value, ATTENDANCE_LABELS[a]) for a in Attendance]
OUTCOME_CHOICES = [SelectChoice(ActionStatus.DONE.value, _l("Done")),
                   SelectChoice(ActionStatus.CANCELLED.value, _l("Cancelled (no longer needed)"))]


class ConferenceForm(WaypointForm):
    unit = SelectField(_l("Unit"), choices=[], validate_choice=False)
    held_on = DateField(_l("Date of the conference"))
    kind = SelectField(_l("Kind of conference"), choices=KIND_CHOICES, validate_choice=False)
    chair = SelectField(_l("Chair"), choices=[], validate_choice=False)
    version = HiddenField()


class AttendeeForm(WaypointForm):
    user = SelectField(_l("User of Waypoint"), choices=[], validate_choice=False)
    name = StringField(_l("Name (outside participant)"), render_kw={"autocomplete": "off"})
    agency = StringField(_l("Agency (outside participant)"), render_kw={"autocomplete": "off"})
    role = StringField(_l("Role at the conference"), render_kw={"autocomplete": "off"})
    attendance = RadioField(_l("Attendance"), choices=ATTENDANCE_CHOICES, validate_choice=False,
                            default=Attendance.ATTENDED.value)


class DiscussForm(WaypointForm):
    reference = StringField(_l("Person's reference"), render_kw={"autocomplete": "off", "spellcheck": "false"})


class DecisionForm(WaypointForm):
    presented = TextAreaField(_l("What was presented"), render_kw={"rows": 4})
    notes = TextAreaField(_l("Discussion notes"), render_kw={"rows": 5})
    decision = RadioField(_l("Decision"), choices=[], validate_choice=False, default="")
    rationale = TextAreaField(_l("Rationale for the decision"), render_kw={"rows": 4})
    version = HiddenField()


class DissentForm(WaypointForm):
    attendee = SelectField(_l("Attendee who dissents"), choices=[], validate_choice=False)
    view = TextAreaField(_l("Their view"), render_kw={"rows": 3})


class ActionForm(WaypointForm):
    description = TextAreaField(_l("Action"), render_kw={"rows": 2})
    owner = SelectField(_l("Owner"), choices=[], validate_choice=False)
    due_on = DateField(_l("Due date"))


class CloseActionForm(WaypointForm):
    outcome = RadioField(_l("Outcome"), choices=OUTCOME_CHOICES, validate_choice=False, default="")
    note = TextAreaField(_l("What was done, or why it is cancelled"), render_kw={"rows": 3})
    version = HiddenField()
