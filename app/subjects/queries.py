"""Reading subjects: the unit list with filters and keyset pagination, search, caseload and dashboards.
(The timeline and the pages' panels are in app/registry.py, where every feature registers its own.)"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from sqlalchemy import Date, Integer, Select, bindparam, exists, func, literal, or_, select, tuple_, union_all
from sqlalchemy.orm import contains_eager, joinedload, selectinload

from app import policy
from app.auth.models import Role, User
from app.db import built_once, db, known_for_request, per_request, utcnow
from app.i18n import gettext as _
from app.ids import parse_id
from app.registry import Tally
from app.subjects.models import BreakGlassAccess, Subject, SubjectAlert

PAGE_SIZE = 25
DUE_SOON_DAYS = 14


@dataclass
class ListFilters:
    q: str = ""
    unit_id: int | None = None
    status: str = ""
    review: str = ""  # "overdue" | "due_soon" | "none" | ""
    owner: str = ""  # "me" | "unallocated" | a user id | ""
    alert: str = ""

    def as_args(self) -> dict[str, Any]:
        return {k: v for k, v in self.__dict__.items() if v not in ("", None)}


@dataclass
class SubjectPage:
    rows: list[Subject]
    next_cursor: str | None
    filters: ListFilters


def _encode_cursor(subject: Subject) -> str:
    raw = json.dumps([subject.family_name, subject.given_name, subject.id]).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _decode_cursor(cursor: str) -> tuple[str, str, int] | None:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        family, given, ident = json.loads(raw)
    except (ValueError, TypeError):
        return None
    found = parse_id(str(ident))  # not an id a BIGINT holds: no cursor, like any other garbage
    return (str(family), str(given), found) if found is not None else None


def _like_escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _filtered(user: User, filters: ListFilters, today: date) -> Select[tuple[Subject]]:
    stmt = select(Subject).where(policy.subjects_visible_to(user))
    if filters.q.strip():
        term = filters.q.strip()
        stmt = stmt.where(or_(
            Subject.reference.like(_like_escape(term.upper()) + "%", escape="\\"),
            Subject.name_search.like("%" + _like_escape(term.casefold()) + "%", escape="\\"),
        ))
    if filters.unit_id is not None:
        stmt = stmt.where(Subject.unit_id == filters.unit_id)
    if filters.status:
        stmt = stmt.where(Subject.status == filters.status)
    if filters.review == "overdue":
        stmt = stmt.where(Subject.next_review_due < today)
    elif filters.review == "due_soon":
        stmt = stmt.where(Subject.next_review_due.between(today, today + timedelta(days=DUE_SOON_DAYS)))
    elif filters.review == "none":
        stmt = stmt.where(Subject.next_review_due.is_(None))
    if filters.owner == "me":
        stmt = stmt.where(Subject.case_owner_id == user.id)
    elif filters.owner == "unallocated":
        stmt = stmt.where(Subject.case_owner_id.is_(None))
    elif filters.owner.isdigit():
        stmt = stmt.where(Subject.case_owner_id == int(filters.owner))
    if filters.alert:
        stmt = stmt.where(exists().where(SubjectAlert.subject_id == Subject.id, SubjectAlert.code == filters.alert))
    return stmt


def list_subjects(user: User, filters: ListFilters, cursor: str | None = None,
                  page_size: int = PAGE_SIZE) -> SubjectPage:
    """One page of the subjects the user may see, in name order, after `cursor` (keyset pagination:
    each page costs the same however deep it is)."""
    stmt = _filtered(user, filters, utcnow().date())
    after = _decode_cursor(cursor) if cursor else None
    if after is not None:
        stmt = stmt.where(tuple_(Subject.family_name, Subject.given_name, Subject.id) > tuple_(*map(literal, after)))
    stmt = (stmt.order_by(Subject.family_name, Subject.given_name, Subject.id).limit(page_size + 1)
            .options(selectinload(Subject.alerts), joinedload(Subject.case_owner), joinedload(Subject.unit)))
    rows = list(db.session.scalars(stmt))
    next_cursor = _encode_cursor(rows[page_size - 1]) if len(rows) > page_size else None
    return SubjectPage(rows[:page_size], next_cursor, filters)


def caseload(user: User) -> list[Subject]:
    """The subjects the user owns, soonest review first."""
    return list(db.session.scalars(built_once(_caseload), {"viewer_id": user.id}))


def _caseload() -> Select[tuple[Subject]]:
    return (select(Subject).where(Subject.case_owner_id == policy.VIEWER_ID)
            .order_by(Subject.next_review_due.is_(None), Subject.next_review_due, Subject.family_name)
            .options(joinedload(Subject.unit), selectinload(Subject.alerts)))


@dataclass
class Dashboard:
    caseload: Tally  # read with the dashboard panels' tallies (registry.panels_for_dashboard)
    overdue: list[Subject]
    due_soon: list[Subject]
    scope_label: str
    break_glass_to_review: list[BreakGlassAccess] = field(default_factory=list)

    @property
    def caseload_count(self) -> int:
        if self.caseload.value is None:
            raise RuntimeError("the caseload tally was not read (registry.panels_for_dashboard reads it)")
        return self.caseload.value


DASHBOARD_LIST = 50  # people at most in each of the two review lists
NEEDED_LIST = 100  # people at most in the list of assessments needed (it shows names and dates only)
OVERDUE, DUE_SOON, NEEDED, BREAK_GLASS = 1, 2, 3, 4  # the dashboard's lists, as its statement tags them


def _assessments_needed_of(role: str, what: Any) -> Select[Any]:
    return (select(what).where(policy.subjects_visible_to_viewer(role), Subject.assessment_needed_since.is_not(None))
            .order_by(Subject.assessment_needed_since, Subject.id).limit(NEEDED_LIST))


def _assessments_needed(role: str) -> Select[Any]:
    return _assessments_needed_of(role, Subject)


def assessments_needed(user: User) -> list[Subject]:
    """People referred by a screening and not yet assessed: the unit's list (supervisors) or the user's units
    and caseload (case workers), longest waiting first. Read with the review lists when the dashboard shows
    them (`dashboard`)."""
    return per_request(("assessments_needed", user.id), lambda: list(db.session.scalars(
        built_once(_assessments_needed, user.role), policy.viewer_params(user))))


def _review_lists(role: str) -> Select[Any]:
    """The dashboard's lists in one statement, for a viewer of `role` (bound by `dashboard`): each list's people
    chosen by its own limited subquery and tagged with it, and for a supervisor the break-glass accesses awaiting
    their review, each with its person. The review tables show each one's unit, case owner and alerts, joined
    into the same read."""
    today, soon_until = bindparam("today", type_=Date), bindparam("soon_until", type_=Date)
    scope = policy.subjects_visible_to_viewer(role) if role == Role.SUPERVISOR \
        else Subject.case_owner_id == policy.VIEWER_ID
    overdue_ids = (select(Subject.id).where(scope, Subject.next_review_due < today)
                   .order_by(Subject.next_review_due).limit(DASHBOARD_LIST))
    soon_ids = (select(Subject.id).where(scope, Subject.next_review_due.between(today, soon_until))
                .order_by(Subject.next_review_due).limit(DASHBOARD_LIST))
    no_access = literal(None, Integer).label("access_id")
    lists = [select(ids.subquery().c.id, literal(tag).label("list"), no_access)  # a subquery each (SQLite)
             for tag, ids in ((OVERDUE, overdue_ids), (DUE_SOON, soon_ids),
                              (NEEDED, _assessments_needed_of(role, Subject.id)))]
    if role == Role.SUPERVISOR:
        lists.append(select(BreakGlassAccess.subject_id, literal(BREAK_GLASS), BreakGlassAccess.id)
                     .where(policy.break_glass_reviewable_by_viewer(role), BreakGlassAccess.reviewed_at.is_(None)))
    picks = union_all(*lists).subquery()
    return (select(Subject, picks.c.list, BreakGlassAccess).join(picks, picks.c.id == Subject.id)
            .outerjoin(BreakGlassAccess, BreakGlassAccess.id == picks.c.access_id).order_by(Subject.next_review_due)
            .options(joinedload(Subject.unit), joinedload(Subject.case_owner), joinedload(Subject.alerts),
                     contains_eager(BreakGlassAccess.subject), joinedload(BreakGlassAccess.user)))


def dashboard(user: User) -> Dashboard:
    """Case workers: their caseload's reviews. Supervisors: their units' reviews and the break-glass
    accesses to their units' records that await review. The caseload's size is a tally, read with the panels'."""
    today = utcnow().date()
    is_supervisor = policy.is_supervisor(user)
    listed = db.session.execute(built_once(_review_lists, user.role), {
        **policy.viewer_params(user), "today": today, "soon_until": today + timedelta(days=DUE_SOON_DAYS),
    }).unique().all()
    overdue = [s for s, tag, _access in listed if tag == OVERDUE]
    due_soon = [s for s, tag, _access in listed if tag == DUE_SOON]
    known_for_request(("assessments_needed", user.id), sorted(
        (s for s, tag, _access in listed if tag == NEEDED), key=lambda s: (s.assessment_needed_since, s.id)))
    caseload = Tally(built_once(_caseload_count), {"viewer_id": user.id})
    scope_label = str(_("your units") if is_supervisor else _("your caseload"))
    result = Dashboard(caseload, overdue, due_soon, scope_label)
    result.break_glass_to_review = sorted((access for _s, _tag, access in listed if access is not None),
                                          key=lambda a: (a.granted_at, a.id), reverse=True)
    return result


def _caseload_count() -> Select[tuple[int]]:
    return select(func.count()).select_from(Subject).where(Subject.case_owner_id == policy.VIEWER_ID)


def unit_break_glass_for_subject(subject: Subject) -> list[BreakGlassAccess]:
    return list(db.session.scalars(
        select(BreakGlassAccess).where(BreakGlassAccess.subject_id == subject.id)
        .order_by(BreakGlassAccess.granted_at.desc()).options(joinedload(BreakGlassAccess.user))
    ))
