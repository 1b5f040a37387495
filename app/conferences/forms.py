"""Conference forms: values only; the services check every rule."""

from __future__ import annotations

from wtforms import HiddenField, RadioField, SelectField, StringField, TextAreaField

from app.conferences.models import ActionStatus, Attendance, ConferenceKind
from app.forms import DateField, SelectChoice, WaypointForm

KIND_CHOICES = [SelectChoice("", "Choose the kind")] + [SelectChoice(k.value, k.label) for k in ConferenceKind]
ATTENDANCE_CHOICES = [SelectChoice(a.value, a.label) for a in Attendance]
OUTCOME_CHOICES = [SelectChoice(ActionStatus.DONE.value, "Done"),
                   SelectChoice(ActionStatus.CANCELLED.value, "Cancelled (no longer needed)")]


class ConferenceForm(WaypointForm):
    unit = SelectField("Unit", choices=[], validate_choice=False)
    held_on = DateField("Date of the conference")
    kind = SelectField("Kind of conference", choices=KIND_CHOICES, validate_choice=False)
    chair = SelectField("Chair", choices=[], validate_choice=False)
    version = HiddenField()


class AttendeeForm(WaypointForm):
    user = SelectField("User of Waypoint", choices=[], validate_choice=False)
    name = StringField("Name (outside participant)", render_kw={"autocomplete": "off"})
    agency = StringField("Agency (outside participant)", render_kw={"autocomplete": "off"})
    role = StringField("Role at the conference", render_kw={"autocomplete": "off"})
    attendance = RadioField("Attendance", choices=ATTENDANCE_CHOICES, validate_choice=False,
                            default=Attendance.ATTENDED.value)


class DiscussForm(WaypointForm):
    reference = StringField("Person's reference", render_kw={"autocomplete": "off", "spellcheck": "false"})


class DecisionForm(WaypointForm):
    presented = TextAreaField("What was presented", render_kw={"rows": 4})
    notes = TextAreaField("Discussion notes", render_kw={"rows": 5})
    decision = RadioField("Decision", choices=[], validate_choice=False, default="")
    rationale = TextAreaField("Rationale for the decision", render_kw={"rows": 4})
    version = HiddenField()


class DissentForm(WaypointForm):
    attendee = SelectField("Attendee who dissents", choices=[], validate_choice=False)
    view = TextAreaField("Their view", render_kw={"rows": 3})


class ActionForm(WaypointForm):
    description = TextAreaField("Action", render_kw={"rows": 2})
    owner = SelectField("Owner", choices=[], validate_choice=False)
    due_on = DateField("Due date")


class CloseActionForm(WaypointForm):
    outcome = RadioField("Outcome", choices=OUTCOME_CHOICES, validate_choice=False, default="")
    note = TextAreaField("What was done, or why it is cancelled", render_kw={"rows": 3})
    version = HiddenField()
