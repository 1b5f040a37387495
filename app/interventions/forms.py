"""Intervention and observation forms; values only, the services check every rule."""

from __future__ import annotations

from markupsafe import Markup, escape
from wtforms import HiddenField, RadioField, SelectField, SelectMultipleField, StringField, TextAreaField

from app.forms import DateField, SelectChoice, WaypointForm
from app.i18n import lazy_gettext as _l
from app.interventions.models import (
    ENGAGEMENT_ANCHORS,
    Attendance,
    GoalOutcome,
    InterventionType,
    ObservationCategory,
)


class _Label:
    """An enum member's label, read when the page is rendered (choices are made once, at import)."""

    def __init__(self, member: Attendance | GoalOutcome | InterventionType | ObservationCategory) -> None:
        self.member = member

    def __str__(self) -> str:
        return self.member.label

    def __html__(self) -> Markup:
        return escape(self.member.label)


TYPE_CHOICES = [SelectChoice("", _l("Choose a type"))] + [SelectChoice(t.value, _Label(t)) for t in InterventionType]
ATTENDANCE_CHOICES = [SelectChoice(a.value, _Label(a)) for a in Attendance]
# "Not rated" can be chosen to take back a rating picked by mistake (a radio cannot be unticked).
ENGAGEMENT_CHOICES = [SelectChoice("", _l("Not rated (they did not attend)"))] + [
    SelectChoice(str(k), v) for k, v in ENGAGEMENT_ANCHORS.items()]
CATEGORY_CHOICES = [SelectChoice("", _l("Choose a category"))] + [
    SelectChoice(c.value, _Label(c)) for c in ObservationCategory]


class ReferralForm(WaypointForm):
    type = SelectField(_l("Type of intervention"), choices=TYPE_CHOICES, validate_choice=False)
    provider = StringField(_l("Provider"))
    owner = SelectField(_l("Owner"), choices=[], validate_choice=False)
    referred_on = DateField(_l("Date of referral"))
    goals = TextAreaField(_l("Goals, one per line"), render_kw={"rows": 4})
    item_codes = SelectMultipleField(_l("Factors it addresses"), choices=[], validate_choice=False)


class TransitionForm(WaypointForm):
    to_status = SelectField(_l("New status"), choices=[], validate_choice=False)
    on = DateField(_l("Date"))
    reason = TextAreaField(_l("Reason (needed to withdraw or decline)"), render_kw={"rows": 2})
    version = HiddenField()


class SessionForm(WaypointForm):
    held_on = DateField(_l("Date of the session"))
    attendance = RadioField(_l("Attendance"), choices=ATTENDANCE_CHOICES, validate_choice=False, default="")
    engagement = RadioField(_l("Engagement (only if they attended)"), choices=ENGAGEMENT_CHOICES, validate_choice=False,
                            default="")
    notes = TextAreaField(_l("Notes"), render_kw={"rows": 3})
    next_steps = TextAreaField(_l("Next steps"), render_kw={"rows": 2})


class CloseForm(WaypointForm):
    on = DateField(_l("End date"))
    summary = TextAreaField(_l("End-of-intervention summary"), render_kw={"rows": 5})
    version = HiddenField()


class ObservationForm(WaypointForm):
    observed_on = DateField(_l("Date observed"))
    category = SelectField(_l("Category"), choices=CATEGORY_CHOICES, validate_choice=False)
    source = StringField(_l("Source"), render_kw={"autocomplete": "off"})
    text = TextAreaField(_l("What was observed"), render_kw={"rows": 4})


def close_form_class(goals: list[tuple[int, str]]) -> type[CloseForm]:
    """CloseForm with one outcome choice per goal (goal id, goal text)."""
    attrs = {
        f"goal_{goal_id}": RadioField(text, choices=[SelectChoice(o.value, _Label(o)) for o in GoalOutcome],
                                      validate_choice=False, default="")
        for goal_id, text in goals
    }
    return type("CloseFormWithGoals", (CloseForm,), attrs)


class ReassignOwnerForm(WaypointForm):
    owner = SelectField(_l("New owner"), choices=[], validate_choice=False)
    version = HiddenField()
