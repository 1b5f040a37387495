"""Forms generated from the instrument files: one rating and one evidence field per item."""

from __future__ import annotations

from functools import cache

from wtforms import BooleanField, HiddenField, RadioField, SelectField, StringField, TextAreaField

from app.assessments import tasks
from app.forms import DateField, SelectChoice, WaypointForm
from instruments.loader import Instrument


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
            f"{item.code} {item.title}", choices=[SelectChoice(o.value, o.label) for o in item.options],
            validate_choice=False, default="",
        )
        attrs[f"evidence_{item.code}"] = TextAreaField(f"Evidence for {item.code}", render_kw={"rows": 3})
    attrs["overall_judgement"] = RadioField(
        "Overall judgement", choices=[SelectChoice(o.value, o.label) for o in instrument.overall_judgements],
        validate_choice=False, default="",
    )
    attrs["rationale"] = TextAreaField("Rationale for the overall judgement", render_kw={"rows": 5})
    attrs["person_view"] = TextAreaField("The person's own view", render_kw={"rows": 4})
    attrs["shared_with_person"] = BooleanField("The assessment has been shared with the person")
    attrs["shared_on"] = DateField("Date shared")
    attrs["review_due"] = DateField("Review due by")
    attrs["version"] = HiddenField()
    return attrs


@cache
def screening_form_class(instrument: Instrument) -> type[WaypointForm]:
    attrs: dict[str, object] = {}
    for item in instrument.items():
        attrs[f"item_{item.code}"] = RadioField(
            f"{item.code} {item.title}", choices=[SelectChoice(o.value, o.label) for o in item.options],
            validate_choice=False, default="",
        )
        attrs[f"note_{item.code}"] = TextAreaField(f"What was observed ({item.code})", render_kw={"rows": 2})
    attrs["screened_on"] = DateField("Date of screening")
    attrs["occasion"] = StringField("Occasion", render_kw={"autocomplete": "off"})
    attrs["outcome"] = RadioField(
        "Outcome", choices=[SelectChoice(o.value, o.label) for o in instrument.outcomes], validate_choice=False,
        default="",
    )
    attrs["rationale"] = TextAreaField("Reasons for the outcome", render_kw={"rows": 4})
    return type(f"ScreeningForm_{instrument.id}_{instrument.version}", (WaypointForm,), attrs)


class ReturnForm(WaypointForm):
    comment = TextAreaField("What the author should change", render_kw={"rows": 3})
    version = HiddenField()


class DecisionForm(WaypointForm):
    """Approve, submit or amend: CSRF plus the version the user saw."""

    version = HiddenField()


class ChallengeForm(WaypointForm):
    raised_on = DateField("Date raised")
    raised_by_kind = SelectField("Raised by", choices=[
        SelectChoice("person", "The person"), SelectChoice("lawyer", "Their lawyer or representative"),
        SelectChoice("staff", "A member of staff")], validate_choice=False)
    raised_by_name = StringField("Name of who raised it")
    grounds = TextAreaField("Grounds of the challenge", render_kw={"rows": 4})


class ChallengeDecisionForm(WaypointForm):
    outcome = RadioField("Outcome", choices=[
        SelectChoice("upheld", "Upheld"), SelectChoice("partly_upheld", "Partly upheld"),
        SelectChoice("not_upheld", "Not upheld")], validate_choice=False, default="")
    reason = TextAreaField("Reasons for the decision", render_kw={"rows": 3})


class AccreditationForm(WaypointForm):
    user = SelectField("User", choices=[], validate_choice=False)
    instrument = SelectField("Instrument", choices=[], validate_choice=False)
    valid_until = DateField("Valid until")
