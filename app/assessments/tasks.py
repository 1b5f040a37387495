"""The assessment form as a task list: one section per domain of the instrument and one for the overall
judgement, each with its state computed from what is saved.

A section's missing items are the submission rules themselves (services.completeness_problems), taken for
the section's fields, so that the task list, the check page and a refused submission never disagree.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from functools import cache

from app.assessments import services
from app.assessments.models import Assessment
from app.i18n import gettext as _
from app.i18n import lazy_gettext as _l
from instruments.loader import Instrument, Item

# Domain codes match ^[a-z][a-z0-9_]*$ (instruments/schema.json), so a code with a hyphen never collides.
OVERALL = "overall-judgement"
OVERALL_FIELDS = ("overall_judgement", "rationale", "person_view", "shared_with_person", "shared_on", "review_due")


class TaskState(StrEnum):
    NOT_STARTED = "not_started"
    IN_PROGRESS = "in_progress"
    COMPLETE = "complete"

    @property
    def label(self) -> str:
        return str(_TASK_STATE_LABELS[self])


_TASK_STATE_LABELS = {TaskState.NOT_STARTED: _l("Not started"), TaskState.IN_PROGRESS: _l("In progress"),
                      TaskState.COMPLETE: _l("Complete")}


@dataclass(frozen=True)
class Section:
    code: str
    title: str
    description: str
    items: tuple[Item, ...]

    @property
    def fields(self) -> tuple[str, ...]:
        """The form fields this section's page edits."""
        if self.code == OVERALL:
            return OVERALL_FIELDS
        return tuple(f"{kind}_{item.code}" for item in self.items for kind in ("rating", "evidence"))


@dataclass(frozen=True)
class Task:
    section: Section
    state: TaskState
    missing: tuple[tuple[str, str], ...]  # (field, what to do), in the order of the page


def sections(instrument: Instrument) -> list[Section]:
    """Every domain in the order of the file, then the overall judgement."""
    found = [Section(d.code, d.title, d.description, d.items) for d in instrument.domains]
    found.append(Section(OVERALL, _("Overall judgement, the person's view and review date"),
                         _("Your professional judgement, with its reasons. Waypoint does not calculate it from the "
                           "ratings."), ()))
    return found


def section(instrument: Instrument, code: str) -> Section:
    """The section of that code; KeyError when the instrument has none."""
    for candidate in sections(instrument):
        if candidate.code == code:
            return candidate
    raise KeyError(code)


def section_of_field(instrument: Instrument, name: str) -> Section:
    """The section whose page holds a form field (where a missing item is fixed)."""
    for candidate in sections(instrument):
        if name in candidate.fields:
            return candidate
    raise KeyError(name)


def _started(assessment: Assessment, sec: Section) -> bool:
    if sec.code == OVERALL:
        # The review date is filled in when the draft starts, so it does not count as a start.
        return bool(assessment.overall_judgement or assessment.rationale or assessment.person_view
                    or assessment.shared_with_person)
    for item in sec.items:
        rating = assessment.rating_for(item.code)
        if rating is not None and (rating.rating or rating.evidence.strip()):
            return True
    return False


def tasks(assessment: Assessment) -> list[Task]:
    """Each section with its state: complete when nothing the submission needs is missing from it, in
    progress when something of it is saved, not started otherwise."""
    problems = services.completeness_problems(assessment)
    found = []
    for sec in sections(services.instrument_of(assessment)):
        missing = tuple((name, message) for name in sec.fields for message in problems.get(name, []))
        if not missing:
            state = TaskState.COMPLETE
        elif _started(assessment, sec):
            state = TaskState.IN_PROGRESS
        else:
            state = TaskState.NOT_STARTED
        found.append(Task(sec, state, missing))
    return found


@cache
def required_fields(instrument: Instrument) -> frozenset[str]:
    """The fields a submission cannot go without, read from the submission rules themselves: what they ask of
    a draft in which nothing is written. (The date shared is asked for only once the assessment is shared.)"""
    blank = Assessment(instrument_id=instrument.id, instrument_version=instrument.version, ratings=[],
                       overall_judgement="", rationale="", person_view="", shared_with_person=False,
                       shared_on=None, review_due=None)
    return frozenset(services.completeness_problems(blank))
