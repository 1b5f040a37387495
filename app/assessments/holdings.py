"""What the assessments feature holds about a person — screenings with their answers, assessments with their
ratings, and challenges — registered with the core (app/registry.py) in `create_app`: how it is erased, shown
in the subject-access report and on the timeline, and the panels it adds to the pages."""

from __future__ import annotations

from collections.abc import Iterable
from contextlib import suppress
from datetime import date, datetime

from sqlalchemy import delete, select, update
from sqlalchemy.orm import joinedload

from app import policy
from app.assessments import catalogue, queries, services, work
from app.assessments.models import (
    Assessment,
    AssessmentRating,
    AssessmentReturn,
    Challenge,
    ChallengeOutcome,
    Screening,
    ScreeningResponse,
)
from app.audit import history
from app.auth.models import User
from app.i18n import gettext as _
from app.registry import FirstValue, Holding, PersonRegistry, PersonRows, TimelineEntry, bulk, dated
from app.subjects.models import Subject
from reports import model


def assessment_section(a: Assessment) -> model.AssessmentSection:
    instrument = catalogue.get(a.instrument_id, a.instrument_version)
    items = []
    for domain in instrument.domains:
        for item in domain.items:
            rating = a.rating_for(item.code)
            label = instrument.option_label(item.code, rating.rating) if rating and rating.rating else _("Not rated")
            items.append(model.RatedItem(domain.title, item.code, item.title, label,
                                         rating.evidence if rating else ""))
    judgement = next((o.label for o in instrument.overall_judgements if o.value == a.overall_judgement),
                     _("Not recorded"))
    return model.AssessmentSection(
        instrument=_("%(instrument)s (version %(version)s)", instrument=instrument.title, version=instrument.version),
        status_notice=instrument.status_notice,
        status=a.status_enum.label, author=a.author.display_name,
        approved_by=a.approved_by.display_name if a.approved_by else None,
        approved_on=a.approved_at.date() if a.approved_at else None, items=tuple(items),
        overall_judgement=judgement, rationale=a.rationale, person_view=a.person_view,
        shared_with_person=a.shared_with_person, shared_on=a.shared_on, review_due=a.review_due,
        return_comment=a.return_comment, returned_by=a.returned_by.display_name if a.returned_by else None,
        returned_on=a.returned_at.date() if a.returned_at else None,
        returns=tuple(model.ReturnLine(r.returned_at.date(), r.returned_by.display_name, r.comment)
                      for r in a.returns),
    )


CHALLENGES = PersonRows("challenges", lambda subject_id: select(Challenge).join(
    Assessment, Assessment.id == Challenge.assessment_id).where(Assessment.subject_id == subject_id))


def _subject_challenges(subject: Subject) -> list[Challenge]:
    return CHALLENGES.read(subject.id, lambda rows: rows.order_by(Challenge.raised_on).options(
        joinedload(Challenge.recorded_by), joinedload(Challenge.decided_by)))


def challenges(subject: Subject) -> tuple[model.ChallengeLine, ...]:
    return tuple(model.ChallengeLine(
        raised_on=c.raised_on, raised_by=_("%(name)s (%(who)s)", name=c.raised_by_name, who=c.raised_by_label),
        grounds=c.grounds,
        outcome=ChallengeOutcome(c.outcome).label if c.outcome else None, outcome_reason=c.outcome_reason,
        decided_by=c.decided_by.display_name if c.decided_by else None,
        decided_on=c.decided_at.date() if c.decided_at else None,
    ) for c in _subject_challenges(subject))


def screening_line(s: Screening) -> model.ScreeningLine:
    """A screening with its occasion and every answer (the option's label) and note, in the instrument's order."""
    instrument = catalogue.find(s.instrument_id, s.instrument_version)
    answers = []
    for r in s.responses:
        question, answer = r.item_code, r.value
        if instrument is not None:
            question = catalogue.item_title(instrument, r.item_code) or r.item_code
            with suppress(KeyError):  # an answer the instrument no longer lists prints as stored
                answer = instrument.option_label(r.item_code, r.value)
        answers.append(model.ScreeningAnswer(r.item_code, question, answer, r.note))
    title = _("%(instrument)s (version %(version)s)", instrument=instrument.title, version=s.instrument_version) \
        if instrument is not None else f"{s.instrument_id} {s.instrument_version}"
    return model.ScreeningLine(
        screened_on=s.screened_on, instrument=title,
        outcome=_("Referred for assessment") if s.outcome == "refer_for_assessment" else _("No concern identified"),
        rationale=s.rationale, author=s.author.display_name, occasion=s.occasion, answers=tuple(answers))


def subject_access(subject: Subject) -> dict[str, object]:
    return {"screenings": tuple(screening_line(s) for s in queries.subject_screenings(subject)),
            "assessments": tuple(assessment_section(a) for a in queries.subject_assessments(subject)),
            "challenges": challenges(subject)}


def erase(subject: Subject) -> dict[str, int]:
    """Delete the person's challenges, assessments (approved ones too: the erasure marks itself in progress,
    which the database's immutability triggers allow) with their ratings and returns, and screenings with
    their answers."""
    sid = subject.id
    assessments = select(Assessment.id).where(Assessment.subject_id == sid)
    screenings = select(Screening.id).where(Screening.subject_id == sid)
    counts = {"challenges": bulk(delete(Challenge).where(Challenge.assessment_id.in_(assessments)))}
    bulk(delete(AssessmentRating).where(AssessmentRating.assessment_id.in_(assessments)))
    bulk(delete(AssessmentReturn).where(AssessmentReturn.assessment_id.in_(assessments)))
    bulk(update(Assessment).where(Assessment.subject_id == sid).values(supersedes_id=None, superseded_by_id=None))
    counts["assessments"] = bulk(delete(Assessment).where(Assessment.subject_id == sid))
    bulk(delete(ScreeningResponse).where(ScreeningResponse.screening_id.in_(screenings)))
    counts["screenings"] = bulk(delete(Screening).where(Screening.subject_id == sid))
    return counts


def _decisions(subject: Subject) -> list[tuple[str, str, datetime, str | None]]:
    """Every submission and return of the person's assessments, oldest first, as (action, assessment id,
    when, by whom). The assessment keeps only its latest submission and return; the audit trail, written in
    the same transaction as each, keeps all of them."""
    return [(s.action, s.object_id or "", s.occurred_at, s.actor_name)
            for s in history.steps_of(subject.id, "assessment", "submit", "return")]


def timeline(subject: Subject) -> Iterable[TimelineEntry]:
    for s in queries.subject_screenings(subject):
        title = _("Screening: referred for assessment") if s.outcome == "refer_for_assessment" \
            else _("Screening: no concern identified")
        yield TimelineEntry(dated(s.screened_on, s.created_at), "screening", title, s.occasion,
                            s.author.display_name)
    assessments = {str(a.id): a for a in queries.subject_assessments(subject)}
    for a in assessments.values():
        what = f"{a.instrument_id} {a.instrument_version}"
        yield TimelineEntry(a.created_at, "assessment", _("Assessment started") if not a.supersedes_id
                            else _("Amendment started"), what, a.author.display_name)
        if a.approved_at:
            yield TimelineEntry(a.approved_at, "assessment", _("Assessment approved"), what,
                                a.approved_by.display_name if a.approved_by else None)
    for action, assessment_id, when, by in _decisions(subject):
        decided = assessments.get(assessment_id)
        if decided is None:  # a draft discarded since: its submissions went with it
            continue
        title = (_("Assessment submitted for countersignature") if action == "submit"
                 else _("Assessment returned to its author"))
        yield TimelineEntry(when, "assessment", title, f"{decided.instrument_id} {decided.instrument_version}", by)
    for c in _subject_challenges(subject):
        yield TimelineEntry(c.recorded_at, "challenge", _("Challenge recorded against an assessment"), "",
                            c.recorded_by.display_name)
        if c.decided_at and c.outcome:
            yield TimelineEntry(c.decided_at, "challenge", _CHALLENGE_DECIDED[c.outcome](), "",
                                c.decided_by.display_name if c.decided_by else None)


# "Challenge upheld", … on the timeline, one whole message per outcome.
_CHALLENGE_DECIDED = {
    "upheld": lambda: _("Challenge upheld"),
    "partly_upheld": lambda: _("Challenge partly upheld"),
    "not_upheld": lambda: _("Challenge not upheld"),
}


def accreditation_reads(user: User, _subject_id: int) -> list[FirstValue[date]]:
    """The person's page offers to start each current assessment instrument the viewer is accredited for: it reads
    the viewer's accreditations in its first statement (app/registry.py FirstValue)."""
    if not policy.works_cases(user):
        return []
    return [services.accredited_until(user, instrument.id) for instrument in catalogue.current("assessment")]


def register(registry: PersonRegistry) -> None:
    registry.history_kinds.update({("assessment", "submit"), ("assessment", "return")})
    registry.hold(Holding(
        "assessments", ("screenings", "screening_responses", "assessments", "assessment_ratings",
                        "assessment_returns", "challenges"),
        erase=erase, subject_access=subject_access, timeline=timeline))
    registry.subject_panels.append(queries.subject_panel)
    registry.dashboard_panels.append(queries.dashboard_panel)
    registry.read_sparsely(CHALLENGES)
    registry.first_reads.append(accreditation_reads)
    registry.register_work(work.WORK_KIND)
