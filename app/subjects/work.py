"""Case ownership as owned work (app/registry.py's WorkKind), and what handover and reassignment share: who may
take work over in a unit, and which of a departed user's work is stranded.

A case owner removed from a unit is released at once (access must end with the membership, see
`services.release_caseload`): the person is left unallocated, and until someone is allocated the case is still
listed among the work that user left there, as unowned, for the unit's supervisors to reassign."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import cast

from sqlalchemy import Select, and_, exists, select
from sqlalchemy.orm import aliased

from app import policy
from app.audit import trail
from app.auth.models import User, user_units
from app.db import bump_version, db
from app.errors import Invalid
from app.i18n import gettext as _
from app.i18n import lazy_gettext as _l
from app.registry import Tally, WorkItem, WorkKind, count_of, registry
from app.subjects import services
from app.subjects.models import Allocation, Subject

KIND = "caseload"
REASSIGNED_NOTE = "Reassigned by a supervisor."  # stored in English, shown translated (holdings.allocation_note)


def work_item(subject: Subject, owner_id: int | None) -> WorkItem:
    return WorkItem(KIND, subject.id, subject.id, owner_id, _("Case ownership of %(name)s", name=subject.full_name))


def for_subject(subject: Subject) -> list[WorkItem]:
    return [work_item(subject, subject.case_owner_id)] if subject.case_owner_id is not None else []


def _owned_in_unit(user: User, unit_id: int, unowned_only: bool = False) -> Select[tuple[Subject]]:
    later = aliased(Allocation)
    released = exists().where(
        Allocation.subject_id == Subject.id, Allocation.previous_owner_id == user.id, Allocation.owner_id.is_(None),
        Allocation.note == services.OWNER_LEFT_THE_UNIT,
        ~exists().where(and_(later.subject_id == Allocation.subject_id, later.id > Allocation.id)))
    unowned = Subject.case_owner_id.is_(None) & released
    return select(Subject).where(Subject.unit_id == unit_id, Subject.erased_at.is_(None),
                                 unowned if unowned_only else (Subject.case_owner_id == user.id) | unowned)


def owned_in_unit(user: User, unit_id: int) -> list[WorkItem]:
    """The cases the user owns in the unit, and those released when they left it that nobody has taken since."""
    owned = db.session.scalars(_owned_in_unit(user, unit_id)
                               .order_by(Subject.family_name, Subject.given_name, Subject.id))
    return [work_item(s, s.case_owner_id) for s in owned]


def count_owned_in_unit(user: User, unit_id: int, unowned_only: bool) -> Select[tuple[int]] | None:
    return count_of(_owned_in_unit(user, unit_id, unowned_only))


def _subject(subject_id: int) -> Subject:
    subject = db.session.get(Subject, subject_id)
    if subject is None or subject.erased_at is not None:
        raise Invalid(_("This record is no longer open: reload the page."))
    return subject


def _allocate(subject: Subject, owner_id: int | None, actor: User, note: str) -> None:
    before = subject.case_owner_id
    db.session.add(Allocation(subject_id=subject.id, owner_id=owner_id, previous_owner_id=before,
                              allocated_by_id=actor.id, note=note))
    subject.case_owner_id = owner_id
    bump_version(subject, None, _("%(name)s's record was removed while it was being changed.",
                                  name=subject.full_name))
    trail.record("allocate", object_type="subject", object_id=subject.id, subject_id=subject.id,
                 details={"changes": {"case_owner_id": [before, owner_id]}, "version": subject.version})


def reassign(item_id: int, new_owner: User, actor: User) -> None:
    subject = _subject(item_id)
    if subject.case_owner_id != new_owner.id:
        _allocate(subject, new_owner.id, actor, REASSIGNED_NOTE)


def end(item_id: int, reason: str, actor: User) -> None:
    """Leave the case unallocated, with the reason on the case-owner history."""
    subject = _subject(item_id)
    if subject.case_owner_id is not None:
        _allocate(subject, None, actor, reason.strip())


# The label is lazy (read in the reader's language when shown); it renders as a str wherever it is used.
WORK_KIND = WorkKind(KIND, cast(str, _l("Case ownership")), for_subject=for_subject, owned_in_unit=owned_in_unit,
                     reassign=reassign, end=end, count_owned_in_unit=count_owned_in_unit)


# --- shared by handover and reassignment ---------------------------------------------------------------------


def key(item: WorkItem) -> str:
    """The item's name in a form: its kind and id."""
    return f"{item.kind}_{item.id}"


def owners_in(unit_id: int) -> list[User]:
    """Who may take over work about the people of the unit (policy.can_own_work_in), by name."""
    found = db.session.scalars(
        select(User).join(user_units, user_units.c.user_id == User.id)
        .where(user_units.c.unit_id == unit_id, User.is_active.is_(True), User.role.in_(sorted(policy.CASE_ROLES)))
        .order_by(User.display_name, User.id))
    return [u for u in found if policy.can_own_work_in(u, unit_id)]


def has_access(owner_id: int | None, unit_id: int) -> bool:
    owner = db.session.get(User, owner_id) if owner_id is not None else None
    return owner is not None and policy.can_own_work_in(owner, unit_id)


def open_work(subject: Subject) -> list[WorkItem]:
    """Every open piece of owned work about the person, of every registered kind."""
    return [item for kind in registry().work_kinds for item in kind.for_subject(subject)]


def stranded_in_unit(user: User, unit_id: int) -> list[WorkItem]:
    """The work `user` owns (or owned until they left) about people of the unit that nobody there can now work:
    unowned, or owned by them while they have no access (left, disabled, no longer a case worker)."""
    return [item for kind in registry().work_kinds for item in kind.owned_in_unit(user, unit_id)
            if not has_access(item.owner_id, unit_id)]


@dataclass(frozen=True)
class StrandedCount:
    """How many items `stranded_in_unit` lists for one departed user and unit: what is listed in Python (a kind
    that cannot count in SQL) plus Tallies to be read, in one statement with the others of the page."""

    listed: int
    tallies: tuple[Tally, ...]

    @property
    def value(self) -> int:
        if any(tally.value is None for tally in self.tallies):
            raise RuntimeError("the departed work's tallies were not read (registry.read_tallies)")
        return self.listed + sum(tally.value or 0 for tally in self.tallies)


def stranded_tallies(departed: Sequence[tuple[User, int]]) -> list[StrandedCount]:
    """For each (user, unit_id), the count of what `stranded_in_unit(user, unit_id)` lists, with its Tallies not
    yet read. The items of `owned_in_unit` are owned by `user` or by nobody: all are stranded when `user` may no
    longer work in the unit, else only the unowned ones."""
    counted: list[StrandedCount] = []
    for user, unit_id in departed:
        tallies: list[Tally] = []
        listed = 0
        unowned_only = policy.can_own_work_in(user, unit_id)
        for kind in registry().work_kinds:
            if kind.count_owned_in_unit is None:
                listed += sum(1 for item in kind.owned_in_unit(user, unit_id) if not has_access(item.owner_id, unit_id))
            elif (query := kind.count_owned_in_unit(user, unit_id, unowned_only)) is not None:
                tallies.append(Tally(query))
        counted.append(StrandedCount(listed, tuple(tallies)))
    return counted
