"""Forms for links between people and recruitment attempts: values only, the services check every rule."""

from __future__ import annotations

from wtforms import HiddenField, RadioField, SelectField, SelectMultipleField, StringField, TextAreaField

from app.connections.models import HandlingCode, IntelligenceGrade, KeepApartLevel, LinkKind, SourceGrade
from app.forms import DateField, SelectChoice, WaypointForm

KIND_CHOICES = [SelectChoice("", "Choose the kind of link")] + [SelectChoice(k.value, k.label) for k in LinkKind]
LEVEL_CHOICES = [SelectChoice("", "Only for a keep-apart")] + [SelectChoice(lv.value, lv.label)
                                                                 for lv in KeepApartLevel]
SOURCE_CHOICES = [SelectChoice(s.value, s.label) for s in SourceGrade]
INTELLIGENCE_CHOICES = [SelectChoice(i.value, i.label) for i in IntelligenceGrade]
HANDLING_CHOICES = [SelectChoice(h.value, h.label) for h in HandlingCode]


class GradingFields(WaypointForm):
    """The 3×5×2 grading every piece of intelligence about a person carries."""

    review_on = DateField("Review on (optional)")
    source_grade = RadioField("Source evaluation", choices=SOURCE_CHOICES, validate_choice=False, default="")
    intelligence_grade = RadioField("Intelligence assessment", choices=INTELLIGENCE_CHOICES, validate_choice=False,
                                    default="")
    handling_code = RadioField("Handling code", choices=HANDLING_CHOICES, validate_choice=False, default="")


class LinkForm(GradingFields):
    kind = SelectField("Kind of link", choices=KIND_CHOICES, validate_choice=False)
    keep_apart_level = SelectField("Keep apart: how far", choices=LEVEL_CHOICES, validate_choice=False)
    other_id = SelectField("The other person", choices=[], validate_choice=False)
    other_reference = StringField("Or their exact reference number", render_kw={"autocomplete": "off"})
    evidence = TextAreaField("Evidence", render_kw={"rows": 3})
    source = StringField("Source", render_kw={"autocomplete": "off"})
    learnt_on = DateField("Learnt on")


class RecruitmentForm(GradingFields):
    """A recruitment attempt: the observation's own fields (named as on the observation form, so that what
    was typed there carries over), the targets, the group and the grading."""

    step = HiddenField(default="targets")
    observed_on = DateField("Date observed")
    source = StringField("Source", render_kw={"autocomplete": "off"})
    text = TextAreaField("What was observed", render_kw={"rows": 4})
    target_ids = SelectMultipleField("People targeted", choices=[], validate_choice=False)
    target_references = TextAreaField("Or their exact reference numbers, one per line (people in another unit)",
                                      render_kw={"rows": 2})
    group_id = SelectField("Group, if known", choices=[], validate_choice=False)


class EndLinkForm(WaypointForm):
    reason = TextAreaField("Why the link ends", render_kw={"rows": 3})
    version = HiddenField()


class DecideLinkForm(WaypointForm):
    decision = RadioField("Decision", choices=[SelectChoice("confirm", "Confirm the link"),
                                               SelectChoice("refuse", "Refuse it")],
                          validate_choice=False, default="")
    reason = TextAreaField("Reason (needed to refuse)", render_kw={"rows": 2})
    version = HiddenField()


class ReviewTargetForm(WaypointForm):
    note = TextAreaField("What was done", render_kw={"rows": 3})
