"""What every feature's forms share: the base form that refuses control characters in every text field,
typed choices, date parsing, and showing a service's errors."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any

import wtforms
from flask_wtf import FlaskForm
from wtforms.validators import ValidationError

from app.errors import Invalid
from app.i18n import gettext as _
from app.i18n import lazy_gettext as _l
from app.text import control_character_problem

# Dates are typed as text in ISO form (year-month-day), not <input type=date>: a browser's date picker
# silently sends nothing for a date it cannot parse, which would lose what the user typed.
DATE_INPUT = {"autocomplete": "off", "spellcheck": "false"}
# How a date is written, said once: every date field's hint, and the error for what is not a date, quote it.
# The example is the one the services' "enter the date" messages give. Lazy (each in the request's language):
# str() one where a plain string is needed.
DATE_FORMAT = _l("YYYY-MM-DD, for example 2026-11-25")
DATE_HINT = _l("YYYY-MM-DD, for example 2026-11-25.")
NOT_A_DATE = _l("Enter a real date as YYYY-MM-DD, for example 2026-11-25.")

# SelectChoice is new in WTForms 3.3 and missing from its type stubs.
SelectChoice = wtforms.SelectChoice  # type: ignore[attr-defined]


def refuse_control_characters(_form: wtforms.Form, field: wtforms.Field) -> None:
    """A text field holds no control character (app/text.py); a single-line one no tab or line break either."""
    problem = control_character_problem(field.data, multiline=isinstance(field, wtforms.TextAreaField))
    if problem:
        raise ValidationError(problem)


def is_text_field(field: wtforms.Field) -> bool:
    """Text that is typed, stored or echoed: every StringField (text areas, dates and hidden values included)
    but passwords, which are only hashed and never shown, and the CSRF token, which its own check reads."""
    return isinstance(field, wtforms.StringField) and not isinstance(field, wtforms.PasswordField) \
        and field.type != "CSRFTokenField"


class WaypointForm(FlaskForm):
    """Every form's base: whatever validators a field has, each text field also refuses control characters,
    naming the field (its label leads the error summary). A form added later needs nothing more."""

    def validate(self, extra_validators: Mapping[str, Sequence[Any]] | None = None) -> bool:
        extra: dict[str, list[Any]] = {name: list(found) for name, found in (extra_validators or {}).items()}
        for field in self:
            if is_text_field(field):
                extra.setdefault(field.short_name, []).append(refuse_control_characters)
        return bool(super().validate(extra_validators=extra))


class ConfirmForm(WaypointForm):
    """A button that changes state: CSRF-protected, nothing else."""


def parse_date(text: str | None) -> tuple[date | None, str | None]:
    """(date, None) for an ISO date (what <input type=date> sends), (None, None) for nothing typed,
    (None, message) for anything else."""
    value = (text or "").strip()
    if not value:
        return None, None
    try:
        return date.fromisoformat(value), None
    except ValueError:
        return None, str(NOT_A_DATE)


class DateField(wtforms.StringField):
    """A date typed as text in ISO form, with the input attributes every date field has and its hint (the
    field's description, which the `field` macro shows before any hint the page adds); read it with
    `read_date` or `read_dates`, whose error quotes the same format."""

    def __init__(self, label: str | None = None, **kwargs: Any) -> None:
        kwargs.setdefault("render_kw", DATE_INPUT)
        kwargs.setdefault("description", DATE_HINT)
        super().__init__(label, **kwargs)


def read_dates(form: wtforms.Form, *names: str) -> tuple[dict[str, date | None], dict[str, list[str]]]:
    """The dates typed in the named fields (None where nothing is typed), and the problem of each field
    that holds something else, to report with the service's own problems."""
    values: dict[str, date | None] = {}
    problems: dict[str, list[str]] = {}
    for name in names:
        values[name], problem = parse_date(getattr(form, name).data)
        if problem:
            problems[name] = [problem]
    return values, problems


def read_date(form: wtforms.Form, name: str, not_done: str) -> date | None:
    """The date typed in one field, or None; raises Invalid(not_done) naming the field when it holds
    something that is not a date."""
    values, problems = read_dates(form, name)
    if problems:
        raise Invalid(not_done, field_errors=problems)
    return values[name]


def read_date_range(form: wtforms.Form, start: str, end: str
                    ) -> tuple[date | None, date | None, dict[str, list[str]]]:
    """The first and last day typed in two fields (either may be empty), and the problems of each: as
    read_dates, and an end before the start is a problem of the end."""
    values, problems = read_dates(form, start, end)
    first, last = values[start], values[end]
    if first and last and last < first:
        problems[end] = [_("The end date is before the start date.")]
    return first, last, problems


def show_errors(form: FlaskForm, exc: Invalid) -> None:
    """Put a service's errors next to their fields; anything without a field goes in the summary."""
    for name, problems in exc.field_errors.items():
        field = getattr(form, name, None)
        if field is not None:
            field.errors = list(field.errors or []) + [p for p in problems if p not in (field.errors or [])]
        else:
            form.form_errors.extend(problems)
    if not exc.field_errors:
        form.form_errors.append(exc.message)
