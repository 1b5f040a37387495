"""Interventions as owned work (app/registry.py's WorkKind): listed for handover on transfer and for the
reassignment of a departed user's work, handed to a new owner or withdrawn, each change audited.

The functions behind the work kind check no policy: handover and reassignment check, for every item at once,
that the acting supervisor may do it and that the new owner will have access (app/policy.py)."""

from __future__ import annotations

from sqlalchemy import Select, select

from app import policy
from app.assessments.refusals import Refused
from app.audit import trail
from app.auth.models import User
from app.db import bump_version, db, utcnow
from app.errors import Invalid
from app.i18n import day
from app.i18n import gettext as _
from app.i18n import lazy_gettext as _l
from app.interventions.models import OPEN_STATUSES, Intervention, InterventionStatus
from app.registry import WorkItem, WorkKind, count_of
from app.subjects.models import Subject

KIND = "intervention"


def work_item(intervention: Intervention) -> WorkItem:
    title = _("%(type)s (%(status)s), referred %(day)s, provider %(provider)s", type=intervention.type_label,
              status=intervention.status_label.lower(), day=day(intervention.referred_on),
              provider=intervention.provider)
    return WorkItem(KIND, intervention.id, intervention.subject_id, intervention.owner_id, title)


def for_subject(subject: Subject) -> list[WorkItem]:
    found = db.session.scalars(select(Intervention).where(
        Intervention.subject_id == subject.id, Intervention.status.in_(OPEN_STATUSES)).order_by(Intervention.id))
    return [work_item(i) for i in found]


def _owned_in_unit(user: User, unit_id: int) -> Select[tuple[Intervention]]:
    return (select(Intervention).join(Subject, Subject.id == Intervention.subject_id)
            .where(Intervention.owner_id == user.id, Intervention.status.in_(OPEN_STATUSES),
                   Subject.unit_id == unit_id, Subject.erased_at.is_(None)))


def owned_in_unit(user: User, unit_id: int) -> list[WorkItem]:
    return [work_item(i) for i in db.session.scalars(_owned_in_unit(user, unit_id).order_by(Intervention.id))]


def count_owned_in_unit(user: User, unit_id: int, unowned_only: bool) -> Select[tuple[int]] | None:
    return None if unowned_only else count_of(_owned_in_unit(user, unit_id))  # these all have `user` as owner


def _open(intervention_id: int) -> Intervention:
    intervention = db.session.get(Intervention, intervention_id)
    if intervention is None or not intervention.is_open:
        raise Invalid(_("This intervention is no longer open: reload the page."))
    return intervention


def change_owner(intervention: Intervention, new_owner: User, expected_version: int | None = None) -> None:
    """Make `new_owner` the owner (the caller checked that they may be), audited with the change."""
    before = intervention.owner_id
    if before == new_owner.id:
        return
    bump_version(intervention, expected_version,
                 _("This intervention was changed by someone else after you opened it. Nothing was saved."))
    intervention.owner_id = new_owner.id
    db.session.flush()
    trail.record("reassign", object_type="intervention", object_id=intervention.id,
                 subject_id=intervention.subject_id, details={"changes": {"owner_id": [before, new_owner.id]}})


def reassign_owner(actor: User, intervention: Intervention, owner_id: int | None, expected_version: int) -> None:
    """A supervisor's change of owner: an open intervention of their unit, to an active case worker there."""
    if not policy.can_reassign_intervention(actor, intervention):
        raise Refused(_l("Only a supervisor of the person's unit can change the owner of an open intervention."))
    owner = db.session.get(User, owner_id) if owner_id is not None else None
    if owner is None or owner.id == intervention.owner_id \
            or not policy.can_own_work_in(owner, intervention.subject.unit_id):
        raise Invalid(_("The owner was not changed."), field_errors={
            "owner": [_("Choose a new owner: a case worker of the person's unit other than the owner now.")]})
    change_owner(intervention, owner, expected_version)


def reassign(item_id: int, new_owner: User, _actor: User) -> None:
    change_owner(_open(item_id), new_owner)


def end(item_id: int, reason: str, _actor: User) -> None:
    """Withdraw the intervention today, with the reason (kept on the intervention, not in the trail)."""
    intervention = _open(item_id)
    bump_version(intervention, None, _("This intervention was removed while it was being changed."))
    before = intervention.status
    intervention.status = InterventionStatus.WITHDRAWN.value
    intervention.ended_on, intervention.ended_at = utcnow().date(), utcnow()
    intervention.end_reason = reason.strip()
    db.session.flush()
    trail.record("update", object_type="intervention", object_id=intervention.id,
                 subject_id=intervention.subject_id,
                 details={"changes": {"status": [before, InterventionStatus.WITHDRAWN.value]},
                          "on": utcnow().date().isoformat(), "reason_sha256": trail.digest(intervention.end_reason)})


WORK_KIND = WorkKind(KIND, _l("Intervention"), for_subject=for_subject, owned_in_unit=owned_in_unit,
                     reassign=reassign, end=end, count_owned_in_unit=count_owned_in_unit)
