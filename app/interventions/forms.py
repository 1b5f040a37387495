"""Intervention and observation forms; values only, the services check every rule."""

from __future__ import annotations

from wtforms import HiddenField, RadioField, SelectField, SelectMultipleField, StringField, TextAreaField

from app.forms import DateField, SelectChoice, WaypointForm
from app.interventions.models import (
    ENGAGEMENT_ANCHORS,
    Attendance,
    InterventionType,
    ObservationCategory,
)

TYPE_CHOICES = [SelectChoice("", "Choose a type")] + [SelectChoice(t.value, t.label) for t in InterventionType]
ATTENDANCE_CHOICES = [SelectChoice(a.value, a.label) for a in Attendance]
# "Not rated" can be chosen to take back a rating picked by mistake (a radio cannot be unticked).
ENGAGEMENT_CHOICES = [SelectChoice("", "Not rated (they did not attend)")] + [
    SelectChoice(str(k), v) for k, v in ENGAGEMENT_ANCHORS.items()]
CATEGORY_CHOICES = [SelectChoice("", "Choose a category")] + [
    SelectChoice(c.value, c.label) for c in ObservationCategory]


class ReferralForm(WaypointForm):
    type = SelectField("Type of intervention", choices=TYPE_CHOICES, validate_choice=False)
    provider = StringField("Provider")
    owner = SelectField("Owner", choices=[], validate_choice=False)
    referred_on = DateField("Date of referral")
    goals = TextAreaField("Goals, one per line", render_kw={"rows": 4})
    item_codes = SelectMultipleField("Factors it addresses", choices=[], validate_choice=False)


class TransitionForm(WaypointForm):
    to_status = SelectField("New status", choices=[], validate_choice=False)
    on = DateField("Date")
    reason = TextAreaField("Reason (needed to withdraw or decline)", render_kw={"rows": 2})
    version = HiddenField()


class SessionForm(WaypointForm):
    held_on = DateField("Date of the session")
    attendance = RadioField("Attendance", choices=ATTENDANCE_CHOICES, validate_choice=False, default="")
    engagement = RadioField("Engagement (only if they attended)", choices=ENGAGEMENT_CHOICES, validate_choice=False,
                            default="")
    notes = TextAreaField("Notes", render_kw={"rows": 3})
    next_steps = TextAreaField("Next steps", render_kw={"rows": 2})


class CloseForm(WaypointForm):
    on = DateField("End date")
    summary = TextAreaField("End-of-intervention summary", render_kw={"rows": 5})
    version = HiddenField()


class ObservationForm(WaypointForm):
    observed_on = DateField("Date observed")
    category = SelectField("Category", choices=CATEGORY_CHOICES, validate_choice=False)
    source = StringField("Source", render_kw={"autocomplete": "off"})
    text = TextAreaField("What was observed", render_kw={"rows": 4})


def close_form_class(goals: list[tuple[int, str]]) -> type[CloseForm]:
    """CloseForm with one outcome choice per goal (goal id, goal text)."""
    from app.interventions.models import GoalOutcome

    attrs = {
        f"goal_{goal_id}": RadioField(text, choices=[SelectChoice(o.value, o.label) for o in GoalOutcome],
                                      validate_choice=False, default="")
        for goal_id, text in goals
    }
    return type("CloseFormWithGoals", (CloseForm,), attrs)


class ReassignOwnerForm(WaypointForm):
    owner = SelectField("New owner", choices=[], validate_choice=False)
    version = HiddenField()
