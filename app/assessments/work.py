"""Open assessment drafts as owned work (app/registry.py's WorkKind): listed for handover on transfer and for the
reassignment of a departed author's work, and handed to a new author who holds a current accreditation for the
draft's instrument. A draft is never ended this way: what it holds (and a returned draft's countersignature
record) stays, so it is always handed on.

The functions behind the work kind check no policy: handover and reassignment check that the acting supervisor
may do it and that the new author will have access (app/policy.py)."""

from __future__ import annotations

from sqlalchemy import Select, select

from app.assessments.models import Assessment, AssessmentStatus
from app.assessments.services import accreditation_problem, instrument_of
from app.audit import trail
from app.auth.models import User
from app.db import bump_version, db, utcnow
from app.errors import Invalid
from app.i18n import day
from app.i18n import gettext as _
from app.i18n import lazy_gettext as _l
from app.registry import WorkItem, WorkKind, count_of
from app.subjects.models import Subject

KIND = "assessment_draft"


def work_item(assessment: Assessment) -> WorkItem:
    instrument, started = instrument_of(assessment).title, day(assessment.created_at)
    if assessment.returned_at is not None:
        title = _("Assessment draft (%(instrument)s, returned), started %(day)s", instrument=instrument, day=started)
    else:
        title = _("Assessment draft (%(instrument)s), started %(day)s", instrument=instrument, day=started)
    return WorkItem(KIND, assessment.id, assessment.subject_id, assessment.author_id, title)


def for_subject(subject: Subject) -> list[WorkItem]:
    found = db.session.scalars(select(Assessment).where(
        Assessment.subject_id == subject.id, Assessment.status == AssessmentStatus.DRAFT.value)
        .order_by(Assessment.id))
    return [work_item(a) for a in found]


def _owned_in_unit(user: User, unit_id: int) -> Select[tuple[Assessment]]:
    return (select(Assessment).join(Subject, Subject.id == Assessment.subject_id)
            .where(Assessment.author_id == user.id, Assessment.status == AssessmentStatus.DRAFT.value,
                   Subject.unit_id == unit_id, Subject.erased_at.is_(None)))


def owned_in_unit(user: User, unit_id: int) -> list[WorkItem]:
    return [work_item(a) for a in db.session.scalars(_owned_in_unit(user, unit_id).order_by(Assessment.id))]


def count_owned_in_unit(user: User, unit_id: int, unowned_only: bool) -> Select[tuple[int]] | None:
    return None if unowned_only else count_of(_owned_in_unit(user, unit_id))  # a draft always has its author


def reassign(item_id: int, new_author: User, _actor: User) -> None:
    """Make `new_author` the draft's author, if accredited for its instrument (else Invalid, naming both)."""
    assessment = db.session.get(Assessment, item_id)
    if assessment is None or assessment.status != AssessmentStatus.DRAFT:
        raise Invalid(_("This assessment is no longer a draft: reload the page."))
    if assessment.author_id == new_author.id:
        return
    instrument = instrument_of(assessment)
    if accreditation_problem(new_author, instrument) is not None:
        raise Invalid(_("%(name)s holds no current accreditation for “%(instrument)s”: choose an accredited case "
                        "worker to take the draft over.", name=new_author.display_name, instrument=instrument.title))
    before = assessment.author_id
    bump_version(assessment, None, _("This assessment was removed while it was being changed."), updated_at=utcnow())
    assessment.author_id = new_author.id
    db.session.flush()
    trail.record("reassign", object_type="assessment", object_id=assessment.id, subject_id=assessment.subject_id,
                 details={"changes": {"author_id": [before, new_author.id]}})


WORK_KIND = WorkKind(KIND, _l("Assessment draft"), for_subject=for_subject, owned_in_unit=owned_in_unit,
                     reassign=reassign, count_owned_in_unit=count_owned_in_unit)
