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
    lazy_label,
)
from app.forms import DateField, SelectChoice, WaypointForm
from app.i18n import lazy_gettext as _l


def _choices(prompt: Any, enum: Iterable[Any]) -> list[SelectChoice]:
    return [SelectChoice("", prompt)] + [SelectChoice(m.value, lazy_label(m)) for m in enum]


KIND_CHOICES = _choices(_l("Choose the kind"), GroupKind)


class GroupForm(WaypointForm):
    name = StringField(_l("Name"), render_kw={"autocomplete": "off"})
    kind = SelectField(_l("Kind"), choices=KIND_CHOICES, validate_choice=False)
    aliases = TextAreaField(_l("Other names it goes by, one per line"), render_kw={"rows": 3})
    description = TextAreaField(_l("Description"), render_kw={"rows": 4})
    version = HiddenField()


class VersionForm(WaypointForm):
    """A button that changes a versioned record (deactivate, reactivate)."""

    version = HiddenField()


class GroupLinkForm(WaypointForm):
    other_group = SelectField(_l("The other group"), choices=[], validate_choice=False)
    level = SelectField(_l("Level of interplay"), choices=_choices(_l("Choose the level"), NexusLevel),
                        validate_choice=False)
    cooperation_form = SelectField(_l("Form of the cooperation (for cooperation only)"),
                                   choices=[SelectChoice("", _l("Not a cooperation"))]
                                   + [SelectChoice(f.value, lazy_label(f)) for f in CooperationForm],
                                   validate_choice=False)
    since = DateField(_l("Since"))
    evidence = TextAreaField(_l("Evidence"), render_kw={"rows": 4})
    source = StringField(_l("Source"), render_kw={"autocomplete": "off"})


class EndLinkForm(WaypointForm):
    on = DateField(_l("Date it ended"))
    reason = TextAreaField(_l("Reason"), render_kw={"rows": 3})
    version = HiddenField()


class EndForm(WaypointForm):
    reason = TextAreaField(_l("Reason"), render_kw={"rows": 3})
    version = HiddenField()


class AffiliationForm(WaypointForm):
    group = SelectField(_l("Group"), choices=[], validate_choice=False)
    role = SelectField(_l("Role in the group"), choices=_choices(_l("Choose the role"), AffiliationRole),
                       validate_choice=False)
    evidence = TextAreaField(_l("Evidence"), render_kw={"rows": 4})
    source = StringField(_l("Source"), render_kw={"autocomplete": "off"})
    learnt_on = DateField(_l("Date learnt"))
    review_on = DateField(_l("Review date"))
    source_grade = SelectField(_l("Source evaluation"), choices=_choices(_l("Choose 1, 2 or 3"), SourceGrade),
                               validate_choice=False)
    intelligence_grade = SelectField(_l("Intelligence assessment"),
                                     choices=_choices(_l("Choose A to E"), IntelligenceGrade),
                                     validate_choice=False)
    handling_code = SelectField(_l("Handling code"), choices=_choices(_l("Choose P or C"), HandlingCode),
                                validate_choice=False)


class SkillForm(WaypointForm):
    skill = SelectField(_l("Skill of concern"), choices=_choices(_l("Choose the skill"), Skill),
                        validate_choice=False)
    evidence = TextAreaField(_l("Evidence"), render_kw={"rows": 4})
    learnt_on = DateField(_l("Date learnt"))
