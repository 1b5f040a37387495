"""What every feature's forms share: typed choices, date parsing, and showing a service's errors."""

from __future__ import annotations

from datetime import date

import wtforms
from flask_wtf import FlaskForm

from app.errors import Invalid

# Dates are typed as text in ISO form (year-month-day), not <input type=date>: a browser's date picker
# silently sends nothing for a date it cannot parse, which would lose what the user typed.
DATE_INPUT = {"autocomplete": "off", "spellcheck": "false"}

# SelectChoice is new in WTForms 3.3 and missing from its type stubs.
SelectChoice = wtforms.SelectChoice  # type: ignore[attr-defined]


class ConfirmForm(FlaskForm):
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
        return None, "Enter a real date as year-month-day, for example 2026-11-25."


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
