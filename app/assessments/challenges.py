"""Challenges (complaints) against an assessment and the supervisor's decision on each."""

from __future__ import annotations

from datetime import date

from app import policy
from app.assessments.models import Assessment, Challenge, ChallengeOutcome
from app.assessments.refusals import Refused
from app.audit import trail
from app.auth.models import User
from app.db import db, utcnow
from app.errors import Invalid
from app.i18n import gettext as _
from app.i18n import lazy_gettext as _l

RAISED_BY = {"person", "lawyer", "staff"}


def record(actor: User, assessment: Assessment, raised_on: date | None, raised_by_kind: str, raised_by_name: str,
           grounds: str) -> Challenge:
    if not policy.can_record_challenge(actor, assessment):
        raise Refused(_l("A challenge is recorded against an approved assessment of a person in your scope."))
    errors: dict[str, list[str]] = {}
    if raised_on is None:
        errors["raised_on"] = [_("Enter the date the challenge was raised.")]
    elif raised_on > utcnow().date():
        errors["raised_on"] = [_("The date raised cannot be in the future.")]
    if raised_by_kind not in RAISED_BY:
        errors["raised_by_kind"] = [_("Choose who raised it.")]
    if not raised_by_name.strip():
        errors["raised_by_name"] = [_("Enter the name of who raised it.")]
    if len(grounds.strip()) < 10:
        errors["grounds"] = [_("Record the grounds of the challenge in their words or a fair summary.")]
    if errors:
        raise Invalid(_("The challenge was not recorded."), field_errors=errors)
    assert raised_on is not None  # noqa: S101 - checked above
    challenge = Challenge(assessment_id=assessment.id, raised_on=raised_on, raised_by_kind=raised_by_kind,
                          raised_by_name=raised_by_name.strip()[:200], grounds=grounds.strip(),
                          recorded_by_id=actor.id)
    db.session.add(challenge)
    db.session.flush()
    trail.record("create", object_type="challenge", object_id=challenge.id, subject_id=assessment.subject_id,
                 details={"assessment_id": assessment.id, "raised_by_kind": raised_by_kind})
    return challenge


def decide(actor: User, challenge: Challenge, outcome: str, reason: str) -> None:
    if not policy.can_decide_challenge(actor, challenge.assessment):
        raise Refused(_l("Only a supervisor of the person's unit records the outcome of a challenge."))
    if challenge.outcome is not None:
        raise Invalid(_("The outcome of this challenge is already recorded."))
    errors: dict[str, list[str]] = {}
    if outcome not in {o.value for o in ChallengeOutcome}:
        errors["outcome"] = [_("Choose upheld, partly upheld or not upheld.")]
    if len(reason.strip()) < 10:
        errors["reason"] = [_("Give the reasons for the decision.")]
    if errors:
        raise Invalid(_("The decision was not recorded."), field_errors=errors)
    challenge.outcome = outcome
    challenge.outcome_reason = reason.strip()
    challenge.decided_by_id = actor.id
    challenge.decided_at = utcnow()
    db.session.flush()
    trail.record("decide", object_type="challenge", object_id=challenge.id,
                 subject_id=challenge.assessment.subject_id, details={"outcome": outcome})
