"""Forms for links between people and recruitment attempts: values only, the services check every rule."""

from __future__ import annotations

from wtforms import HiddenField, RadioField, SelectField, SelectMultipleField, StringField, TextAreaField

from app.connections.models import (
    HandlingCode,
    IntelligenceGrade,
    KeepApartLevel,
    LinkKind,
    SourceGrade,
    lazy_label,
)
from app.forms import DateField, SelectChoice, WaypointForm
from app.i18n import lazy_gettext as _l

KIND_CHOICES = [SelectChoice("", _l("Choose the kind of link"))] + [SelectChoice(k.value, lazy_label(k))
                                                                    for k in LinkKind]
LEVEL_CHOICES = [SelectChoice("", _l("Only for a keep-apart"))] + [SelectChoice(lv.value, lazy_label(lv))
                                                                     for lv in KeepApartLevel]
SOURCE_CHOICES = [SelectChoice(s.value, lazy_label(s)) for s in SourceGrade]
INTELLIGENCE_CHOICES = [SelectChoice(i.value, lazy_label(i)) for i in IntelligenceGrade]
HANDLING_CHOICES = [SelectChoice(h.value, lazy_label(h)) for h in HandlingCode]


class GradingFields(WaypointForm):
    """The 3×5×2 grading every piece of intelligence about a person carries."""

    review_on = DateField(_l("Review on (optional)"))
    source_grade = RadioField(_l("Source evaluation"), choices=SOURCE_CHOICES, validate_choice=False, default="")
    intelligence_grade = RadioField(_l("Intelligence assessment"), choices=INTELLIGENCE_CHOICES,
                                    validate_choice=False, default="")
    handling_code = RadioField(_l("Handling code"), choices=HANDLING_CHOICES, validate_choice=False, default="")


class LinkForm(GradingFields):
    kind = SelectField(_l("Kind of link"), choices=KIND_CHOICES, validate_choice=False)
    keep_apart_level = SelectField(_l("Keep apart: how far"), choices=LEVEL_CHOICES, validate_choice=False)
    other_id = SelectField(_l("The other person"), choices=[], validate_choice=False)
    other_reference = StringField(_l("Or their exact reference number"), render_kw={"autocomplete": "off"})
    evidence = TextAreaField(_l("Evidence"), render_kw={"rows": 3})
    source = StringField(_l("Source"), render_kw={"autocomplete": "off"})
    learnt_on = DateField(_l("Learnt on"))


class RecruitmentForm(GradingFields):
    """A recruitment attempt: the observation's own fields (named as on the observation form, so that what
    was typed there carries over), the targets, the group and the grading."""

    step = HiddenField(default="targets")
    observed_on = DateField(_l("Date observed"))
    source = StringField(_l("Source"), render_kw={"autocomplete": "off"})
    text = TextAreaField(_l("What was observed"), render_kw={"rows": 4})
    target_ids = SelectMultipleField(_l("People targeted"), choices=[], validate_choice=False)
    target_references = TextAreaField(_l("Or their exact reference numbers, one per line (people in another unit)"),
                                      render_kw={"rows": 2})
    group_id = SelectField(_l("Group, if known"), choices=[], validate_choice=False)


class EndLinkForm(WaypointForm):
    reason = TextAreaField(_l("Why the link ends"), render_kw={"rows": 3})
    version = HiddenField()


class DecideLinkForm(WaypointForm):
    decision = RadioField(_l("Decision"), choices=[SelectChoice("confirm", _l("Confirm the link")),
                                                   SelectChoice("refuse", _l("Refuse it"))],
                          validate_choice=False, default="")
    reason = TextAreaField(_l("Reason (needed to refuse)"), render_kw={"rows": 2})
    version = HiddenField()


class ReviewTargetForm(WaypointForm):
    note = TextAreaField(_l("What was done"), render_kw={"rows": 3})
