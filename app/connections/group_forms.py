"""Forms of the groups register, group links, affiliations and skills: values only, the services check every
rule. Each grading field is a select with the 3×5×2 convention's own labels."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from wtforms import HiddenField, SelectField, StringField, TextAreaField

from app.connections.models import (
    AffiliationRole,
    CooperationForm,
    GroupKind,
    HandlingCode,
    IntelligenceGrade,
    NexusLevel,
    Skill,
    SourceGrade,
)
from app.forms import DateField, SelectChoice, WaypointForm


def _choices(prompt: str, enum: Iterable[Any]) -> list[SelectChoice]:
    return [SelectChoice("", prompt)] + [SelectChoice(m.value, m.label) for m in enum]


KIND_CHOICES = _choices("Choose the kind", GroupKind)


class GroupForm(WaypointForm):
    name = StringField("Name", render_kw={"autocomplete": "off"})
    kind = SelectField("Kind", choices=KIND_CHOICES, validate_choice=False)
    aliases = TextAreaField("Other names it goes by, one per line", render_kw={"rows": 3})
    description = TextAreaField("Description", render_kw={"rows": 4})
    version = HiddenField()


class VersionForm(WaypointForm):
    """A button that changes a versioned record (deactivate, reactivate)."""

    version = HiddenField()


class GroupLinkForm(WaypointForm):
    other_group = SelectField("The other group", choices=[], validate_choice=False)
    level = SelectField("Level of interplay", choices=_choices("Choose the level", NexusLevel),
                        validate_choice=False)
    cooperation_form = SelectField("Form of the cooperation (for cooperation only)",
                                   choices=[SelectChoice("", "Not a cooperation")]
                                   + [SelectChoice(f.value, f.label) for f in CooperationForm],
                                   validate_choice=False)
    since = DateField("Since")
    evidence = TextAreaField("Evidence", render_kw={"rows": 4})
    source = StringField("Source", render_kw={"autocomplete": "off"})


class EndLinkForm(WaypointForm):
    on = DateField("Date it ended")
    reason = TextAreaField("Reason", render_kw={"rows": 3})
    version = HiddenField()


class EndForm(WaypointForm):
    reason = TextAreaField("Reason", render_kw={"rows": 3})
    version = HiddenField()


class AffiliationForm(WaypointForm):
    group = SelectField("Group", choices=[], validate_choice=False)
    role = SelectField("Role in the group", choices=_choices("Choose the role", AffiliationRole),
                       validate_choice=False)
    evidence = TextAreaField("Evidence", render_kw={"rows": 4})
    source = StringField("Source", render_kw={"autocomplete": "off"})
    learnt_on = DateField("Date learnt")
    review_on = DateField("Review date")
    source_grade = SelectField("Source evaluation", choices=_choices("Choose 1, 2 or 3", SourceGrade),
                               validate_choice=False)
    intelligence_grade = SelectField("Intelligence assessment",
                                     choices=_choices("Choose A to E", IntelligenceGrade), validate_choice=False)
    handling_code = SelectField("Handling code", choices=_choices("Choose P or C", HandlingCode),
                                validate_choice=False)


class SkillForm(WaypointForm):
    skill = SelectField("Skill of concern", choices=_choices("Choose the skill", Skill), validate_choice=False)
    evidence = TextAreaField("Evidence", render_kw={"rows": 4})
    learnt_on = DateField("Date learnt")
