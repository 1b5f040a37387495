"""Forms generated from the instrument files: one rating and one evidence field per item."""

from __future__ import annotations

from functools import cache
from typing import cast

from markupsafe import Markup, escape
from wtforms import BooleanField, HiddenField, RadioField, SelectField, StringField, TextAreaField

from app.assessments import tasks
from app.forms import DateField, SelectChoice, WaypointForm
from app.i18n import lazy_gettext as _l
from instruments.loader import Instrument, Item, Option


class _ItemLabel:
    """An item's label ("IN1 Title"), read when the page is rendered: the form class is built once and serves
    every language."""

    def __init__(self, item: Item) -> None:
        self.item = item

    def __str__(self) -> str:
        return f"{self.item.code} {self.item.title}"

    def __html__(self) -> Markup:
        return escape(str(self))


class _OptionLabel:
    """An option's label, read when the page is rendered (see _ItemLabel)."""

    def __init__(self, option: Option) -> None:
        self.option = option

    def __str__(self) -> str:
        return str(self.option.label)

    def __html__(self) -> Markup:
        return escape(str(self))


@cache
def assessment_form_class(instrument: Instrument, section: str | None = None) -> type[WaypointForm]:
    """A form class for this exact instrument version (built once, then reused): the whole assessment, or the
    fields of one section of its task list (app/assessments/tasks.py) and the version."""
    attrs = _assessment_fields(instrument)
    if section is not None:
        keep = set(tasks.section(instrument, section).fields) | {"version"}
        attrs = {name: value for name, value in attrs.items() if name in keep}
    suffix = f"_{section}".replace("-", "_") if section else ""
    return type(f"AssessmentForm_{instrument.id}_{instrument.version}{suffix}", (WaypointForm,), attrs)


def _assessment_fields(instrument: Instrument) -> dict[str, object]:
    attrs: dict[str, object] = {}
    for item in instrument.items():
        attrs[f"rating_{item.code}"] = RadioField(
            cast(str, _ItemLabel(item)), choices=[SelectChoice(o.value, _OptionLabel(o)) for o in item.options],
            validate_choice=False, default="",
        )
        attrs[f"evidence_{item.code}"] = TextAreaField(_l("Evidence for %(code)s", code=item.code),
                                                       render_kw={"rows": 3})
    attrs["overall_judgement"] = RadioField(
        _l("Overall judgement"),
        choices=[SelectChoice(o.value, _OptionLabel(o)) for o in instrument.overall_judgements],
        validate_choice=False, default="",
    )
    attrs["rationale"] = TextAreaField(_l("Rationale for the overall judgement"), render_kw={"rows": 5})
    attrs["person_view"] = TextAreaField(_l("The person's own view"), render_kw={"rows": 4})
    attrs["shared_with_person"] = BooleanField(_l("The assessment has been shared with the person"))
    attrs["shared_on"] = DateField(_l("Date shared"))
    attrs["review_due"] = DateField(_l("Review due by"))
    attrs["version"] = HiddenField()
    return attrs


@cache
def screening_form_class(instrument: Instrument) -> type[WaypointForm]:
    attrs: dict[str, object] = {}
    for item in instrument.items():
        attrs[f"item_{item.code}"] = RadioField(
            cast(str, _ItemLabel(item)), choices=[SelectChoice(o.value, _OptionLabel(o)) for o in item.options],
            validate_choice=False, default="",
        )
        attrs[f"note_{item.code}"] = TextAreaField(_l("What was observed (%(code)s)", code=item.code),
                                                   render_kw={"rows": 2})
    attrs["screened_on"] = DateField(_l("Date of screening"))
    attrs["occasion"] = StringField(_l("Occasion"), render_kw={"autocomplete": "off"})
    attrs["outcome"] = RadioField(
        _l("Outcome"), choices=[SelectChoice(o.value, _OptionLabel(o)) for o in instrument.outcomes],
        validate_choice=False, default="",
    )
    attrs["rationale"] = TextAreaField(_l("Reasons for the outcome"), render_kw={"rows": 4})
    return type(f"ScreeningForm_{instrument.id}_{instrument.version}", (WaypointForm,), attrs)


class ReturnForm(WaypointForm):
    comment = TextAreaField(_l("What the author should change"), render_kw={"rows": 3})
    version = HiddenField()


class DecisionForm(WaypointForm):
    """Approve, submit or amend: CSRF plus the version the user saw."""

    version = HiddenField()


class ChallengeForm(WaypointForm):
    raised_on = DateField(_l("Date raised"))
    raised_by_kind = SelectField(_l("Raised by"), choices=[
        SelectChoice("person", _l("The person")), SelectChoice("lawyer", _l("Their lawyer or representative")),
        SelectChoice("staff", _l("A member of staff"))], validate_choice=False)
    raised_by_name = StringField(_l("Name of who raised it"))
    grounds = TextAreaField(_l("Grounds of the challenge"), render_kw={"rows": 4})


class ChallengeDecisionForm(WaypointForm):
    outcome = RadioField(_l("Outcome"), choices=[
        SelectChoice("upheld", _l("Upheld")), SelectChoice("partly_upheld", _l("Partly upheld")),
        SelectChoice("not_upheld", _l("Not upheld"))], validate_choice=False, default="")
    reason = TextAreaField(_l("Reasons for the decision"), render_kw={"rows": 3})


class AccreditationForm(WaypointForm):
    user = SelectField(_l("User"), choices=[], validate_choice=False)
    instrument = SelectField(_l("Instrument"), choices=[], validate_choice=False)
    valid_until = DateField(_l("Valid until"))
