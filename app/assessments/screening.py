"""Screening: a short instrument completed on reception or on a trigger.

The screener answers each indicator and decides the outcome with a rationale: the count of indicators
observed is shown as an aid, never turned into the outcome. `refer_for_assessment` puts the person on
the unit's "assessment needed" list.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

from app import policy
from app.assessments import catalogue
from app.assessments.models import Screening, ScreeningResponse
from app.assessments.refusals import Refused
from app.audit import trail
from app.auth.models import User
from app.db import db, utcnow
from app.errors import Invalid
from app.i18n import gettext as _
from app.i18n import lazy_gettext as _l
from app.subjects.models import Subject
from instruments.loader import Instrument

# The option code meaning "checked, and no sign of it": the screening form offers to give it to every item
# still unanswered in one step, when every item of the instrument has it.
NOT_OBSERVED = "not_observed"


def none_observed_answers(instrument: Instrument) -> dict[str, str] | None:
    """Each item's "not observed" option, or None when some item has no such option (no shortcut then)."""
    answers = {}
    for item in instrument.items():
        if NOT_OBSERVED not in {o.value for o in item.options}:
            return None
        answers[item.code] = NOT_OBSERVED
    return answers


@dataclass
class ScreeningValues:
    instrument_id: str
    instrument_version: str
    screened_on: date | None
    occasion: str
    outcome: str
    rationale: str
    answers: dict[str, str] = field(default_factory=dict)  # item code -> option value
    notes: dict[str, str] = field(default_factory=dict)  # item code -> what was observed


def record_screening(actor: User, subject: Subject, values: ScreeningValues) -> Screening:
    """Save a complete screening; every problem is reported at once (Invalid)."""
    if not policy.can_screen(actor, subject):
        raise Refused(_l("You can screen only the people of your units or caseload."))
    try:
        instrument = catalogue.get(values.instrument_id, values.instrument_version)
    except KeyError as exc:
        raise Invalid(_("That screening instrument is not available.")) from exc
    if instrument.kind != "screening":
        raise Invalid(_("That instrument is not a screening."))
    errors: dict[str, list[str]] = {}
    for item in instrument.items():
        answer = values.answers.get(item.code, "")
        if answer not in {o.value for o in item.options}:
            errors[f"item_{item.code}"] = [_("Answer “%(item)s”.", item=item.title)]
    if values.screened_on is None:
        errors["screened_on"] = [_("Enter the date of the screening, for example 2026-11-25.")]
    elif values.screened_on > utcnow().date() + timedelta(days=1):
        errors["screened_on"] = [_("The screening date cannot be in the future.")]
    if not values.occasion.strip():
        errors["occasion"] = [_("Say what prompted the screening, for example reception or a named incident.")]
    if values.outcome not in {o.value for o in instrument.outcomes}:
        errors["outcome"] = [_("Choose the outcome.")]
    if len(values.rationale.strip()) < 10:
        errors["rationale"] = [_("Give the reasons for the outcome in a sentence or more.")]
    if errors:
        raise Invalid(_("The screening was not saved."), field_errors=errors)
    assert values.screened_on is not None  # noqa: S101 - checked above
    catalogue.register(db.session, instrument)
    screening = Screening(
        subject_id=subject.id, instrument_id=instrument.id, instrument_version=instrument.version,
        author_id=actor.id, screened_on=values.screened_on, occasion=values.occasion.strip(),
        outcome=values.outcome, rationale=values.rationale.strip(),
        responses=[ScreeningResponse(item_code=item.code, value=values.answers[item.code],
                                     note=values.notes.get(item.code, "").strip()) for item in instrument.items()],
    )
    db.session.add(screening)
    if values.outcome == "refer_for_assessment" and subject.assessment_needed_since is None:
        subject.assessment_needed_since = utcnow()
    db.session.flush()
    trail.record("create", object_type="screening", object_id=screening.id, subject_id=subject.id,
                 details={"instrument": f"{instrument.id} {instrument.version}", "outcome": values.outcome})
    return screening


def record_view(actor: User, screening: Screening) -> None:
    trail.record("view", object_type="screening", object_id=screening.id, subject_id=screening.subject_id)
