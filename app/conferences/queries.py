"""Reading conferences: the unit's list, a person's decisions, an owner's open actions (the dashboard panel, in
one query), and conference actions as a kind of owned work (app/registry.py WorkKind)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import cast

from sqlalchemy import Select, func, select
from sqlalchemy.orm import aliased, contains_eager, selectinload

from app import policy
from app.auth.models import Unit, User
from app.conferences import decisions, services
from app.conferences.models import ActionStatus, Conference, ConferenceAction, Discussion, Dissent
from app.db import built_once, db, utcnow
from app.errors import NotAllowed
from app.i18n import day
from app.i18n import gettext as _
from app.i18n import lazy_gettext as _l
from app.registry import Panel, PersonRows, WorkItem, WorkKind, count_of
from app.subjects.models import Subject

WORK_KIND = "conference_action"


@dataclass(frozen=True)
class ConferenceRow:
    conference: Conference
    people: int
    open_actions: int


def unit_conferences(user: User) -> list[ConferenceRow]:
    """The conferences of the user's units, newest first, with how many people were discussed and how many of
    their actions are open (counts only: the list names nobody)."""
    people = (select(Discussion.conference_id, func.count().label("n")).group_by(Discussion.conference_id)
              .subquery())
    actions = (select(Discussion.conference_id, func.count().label("n"))
               .join(ConferenceAction, ConferenceAction.discussion_id == Discussion.id)
               .where(ConferenceAction.status == ActionStatus.OPEN.value)
               .group_by(Discussion.conference_id).subquery())
    rows = db.session.execute(
        select(Conference, func.coalesce(people.c.n, 0), func.coalesce(actions.c.n, 0))
        .outerjoin(people, people.c.conference_id == Conference.id)
        .outerjoin(actions, actions.c.conference_id == Conference.id)
        .where(policy.conferences_visible_to(user))
        .order_by(Conference.held_on.desc(), Conference.id.desc())
        .options(selectinload(Conference.unit), selectinload(Conference.chair))).tuples()
    return [ConferenceRow(c, int(p), int(a)) for c, p, a in rows]


DISCUSSIONS = PersonRows("conference_discussions", lambda subject_id: select(Discussion).where(
    Discussion.subject_id == subject_id))


def subject_discussions(subject: Subject, *, with_attendees: bool = False) -> list[Discussion]:
    """Every conference discussion of the person, newest conference first, in three statements however many
    there are: the discussions with their conference, its unit and chair and who decided; their dissents with
    the attendee who dissented; their actions with their owners. `with_attendees` reads each conference's
    attendees too (the subject-access report lists them; the page does not)."""
    def finish(rows: Select[tuple[Discussion]]) -> Select[tuple[Discussion]]:
        chair, decided_by = aliased(User), aliased(User)
        options = [contains_eager(Discussion.conference).contains_eager(Conference.unit),
                   contains_eager(Discussion.conference).contains_eager(Conference.chair.of_type(chair)),
                   contains_eager(Discussion.decided_by.of_type(decided_by)),
                   selectinload(Discussion.dissents).joinedload(Dissent.attendee, innerjoin=True),
                   selectinload(Discussion.actions).joinedload(ConferenceAction.owner, innerjoin=True)]
        if with_attendees:
            options.append(contains_eager(Discussion.conference).selectinload(Conference.attendees))
        return (rows.join(Conference, Conference.id == Discussion.conference_id)
                .join(Unit, Unit.id == Conference.unit_id).join(chair, chair.id == Conference.chair_id)
                .outerjoin(decided_by, decided_by.id == Discussion.decided_by_id)
                .order_by(Conference.held_on.desc(), Discussion.id.desc())
                .options(*options))

    if with_attendees:
        return list(db.session.scalars(finish(DISCUSSIONS.rows(subject.id))))
    return DISCUSSIONS.read(subject.id, finish)


def owned_open_actions(user: User) -> list[ConferenceAction]:
    """The user's open actions about people they may open, soonest due first: one query (the dashboard)."""
    return list(db.session.scalars(built_once(_open_actions_of, user.role), policy.viewer_params(user)))


def _open_actions_of(role: str) -> Select[tuple[ConferenceAction]]:
    return (select(ConferenceAction)
            .join(Discussion, Discussion.id == ConferenceAction.discussion_id)
            .join(Subject, Subject.id == Discussion.subject_id)
            .join(Conference, Conference.id == Discussion.conference_id)
            .where(ConferenceAction.owner_id == policy.VIEWER_ID, ConferenceAction.status == ActionStatus.OPEN.value,
                   policy.subjects_visible_to_viewer(role))
            .order_by(ConferenceAction.due_on, ConferenceAction.id)
            .options(contains_eager(ConferenceAction.discussion).contains_eager(Discussion.subject),
                     contains_eager(ConferenceAction.discussion).contains_eager(Discussion.conference)))


# --- panels ---------------------------------------------------------------------------------------------


def subject_panel(user: User, subject: Subject) -> Panel | None:
    """The person's conference decisions and their actions. Shown on the person's page to whoever may open it;
    a conference of another unit is named by its kind and date only (its other people are not shown)."""
    return Panel("conferences/_subject_panel.html", {
        "subject": subject, "discussions": subject_discussions(subject), "today": utcnow().date(),
        "label": decisions.label,
        "can_open": {d.id: policy.can_view_discussion(user, d) for d in subject_discussions(subject)},
    }, subject_ids=(subject.id,))


def dashboard_panel(user: User) -> Panel | None:
    actions = owned_open_actions(user)
    return Panel("conferences/_dashboard_panel.html", {"actions": actions, "today": utcnow().date()},
                 subject_ids=tuple(a.discussion.subject_id for a in actions))


# --- conference actions as owned work -----------------------------------------------------------------------


def _item(action: ConferenceAction, subject_id: int, held_on: date) -> WorkItem:
    text = action.description if len(action.description) <= 60 else action.description[:59] + "…"
    return WorkItem(kind=WORK_KIND, id=action.id, subject_id=subject_id, owner_id=action.owner_id,
                    title=_("Conference action of %(date)s: %(text)s", date=day(held_on), text=text), due=action.due_on)


def _open_actions_query(*where: object) -> Select[tuple[ConferenceAction, int, date]]:
    return (select(ConferenceAction, Discussion.subject_id, Conference.held_on)
            .join(Discussion, Discussion.id == ConferenceAction.discussion_id)
            .join(Conference, Conference.id == Discussion.conference_id)
            .join(Subject, Subject.id == Discussion.subject_id)
            .where(ConferenceAction.status == ActionStatus.OPEN.value, *where))  # type: ignore[arg-type]


def _open_actions(*where: object) -> list[WorkItem]:
    rows = db.session.execute(
        _open_actions_query(*where).order_by(ConferenceAction.due_on, ConferenceAction.id)).tuples()
    return [_item(action, subject_id, held_on) for action, subject_id, held_on in rows]


def work_for_subject(subject: Subject) -> Sequence[WorkItem]:
    return _open_actions(Discussion.subject_id == subject.id)


def work_owned_in_unit(user: User, unit_id: int) -> Sequence[WorkItem]:
    return _open_actions(ConferenceAction.owner_id == user.id, Subject.unit_id == unit_id)


def count_work_owned_in_unit(user: User, unit_id: int, unowned_only: bool) -> Select[tuple[int]] | None:
    if unowned_only:
        return None  # these all have `user` as owner
    return count_of(_open_actions_query(ConferenceAction.owner_id == user.id, Subject.unit_id == unit_id))


def _action(item_id: int) -> ConferenceAction:
    action = db.session.get(ConferenceAction, item_id)
    if action is None:
        raise NotAllowed("No such conference action.")
    return action


def reassign_work(item_id: int, new_owner: User, actor: User) -> None:
    services.reassign_action(actor, _action(item_id), new_owner)


def end_work(item_id: int, reason: str, actor: User) -> None:
    services.end_action(actor, _action(item_id), reason)


WORK = WorkKind(name=WORK_KIND, label=cast(str, _l("Conference actions")), for_subject=work_for_subject,
                owned_in_unit=work_owned_in_unit, reassign=reassign_work, end=end_work,
                count_owned_in_unit=count_work_owned_in_unit)
