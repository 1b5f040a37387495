"""Reading interventions and observations: attendance and engagement statistics, caseload alerts, and the
subject-page and dashboard panels (registered in app/interventions/holdings.py)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Date,
    Integer,
    Row,
    ScalarSelect,
    Select,
    and_,
    bindparam,
    case,
    func,
    literal,
    or_,
    select,
    true,
    union,
    union_all,
)
from sqlalchemy.orm import contains_eager, joinedload, selectinload

from app import policy
from app.auth.models import User
from app.db import built_once, db, per_request, utcnow
from app.i18n import gettext as _
from app.i18n import number
from app.ids import parse_id
from app.interventions.models import (
    Attendance,
    Intervention,
    InterventionSession,
    InterventionStatus,
    Observation,
)
from app.registry import Panel
from app.subjects.models import Subject
from reports.charts import AxisMark, EngagementPoint, engagement_svg

MISSED = (Attendance.MISSED_ACCEPTABLE.value, Attendance.MISSED_UNACCEPTABLE.value)
MISSED_WINDOW_DAYS = 30
QUIET_DAYS = 21
OBSERVATIONS_PAGE_SIZE = 50
DASHBOARD_OBSERVATION_DAYS = 14
DASHBOARD_OBSERVATIONS = 10
# Each list of intervention work on the dashboard shows this many; the intervention work page shows all.
DASHBOARD_WORK = 10


@dataclass(frozen=True)
class AttendanceRate:
    """Sessions attended (on time or late) out of those the person was expected at: sessions the provider
    cancelled are not counted against them."""

    present: int
    expected: int

    @property
    def percent(self) -> int | None:
        return None if self.expected == 0 else round(100 * self.present / self.expected)

    @property
    def text(self) -> str:
        if self.percent is None:
            return str(_("no sessions yet"))
        return str(_("%(percent)s%% (%(present)s of %(expected)s)", percent=number(self.percent),
                     present=number(self.present), expected=number(self.expected)))


def attendance_rate(sessions: Sequence[InterventionSession]) -> AttendanceRate:
    expected = [s for s in sessions if s.attendance != Attendance.CANCELLED_BY_PROVIDER]
    return AttendanceRate(sum(1 for s in expected if Attendance(s.attendance).present), len(expected))


def engagement_points(intervention: Intervention) -> list[EngagementPoint]:
    return [EngagementPoint(s.held_on, s.engagement - 1, str(s.engagement))
            for s in intervention.sessions if s.engagement is not None]


def engagement_marks(intervention: Intervention) -> list[AxisMark]:
    """The sessions without a rating because they did not take place, for the chart's time axis."""
    return [AxisMark(s.held_on, "cancelled" if s.attendance == Attendance.CANCELLED_BY_PROVIDER else "missed",
                     s.attendance_label.lower())
            for s in intervention.sessions if not Attendance(s.attendance).present]


def mean_engagement(sessions: Sequence[InterventionSession]) -> float | None:
    rated = [s.engagement for s in sessions if s.engagement is not None]
    return round(sum(rated) / len(rated), 1) if rated else None


def subject_interventions(subject: Subject) -> list[Intervention]:
    return per_request(("interventions", subject.id), lambda: list(db.session.scalars(
        built_once(_interventions_of), {"subject_id": subject.id}).unique()))


def _interventions_of() -> Select[tuple[Intervention]]:
    # The goals (a few each) are joined into the interventions' statement; the sessions (dozens) have their own.
    return (select(Intervention).where(Intervention.subject_id == bindparam("subject_id"))
            .order_by(Intervention.referred_on.desc(), Intervention.id.desc())
            .options(selectinload(Intervention.sessions).joinedload(InterventionSession.recorded_by),
                     joinedload(Intervention.owner), joinedload(Intervention.created_by),
                     joinedload(Intervention.goals)))


def subject_observations(subject: Subject, since: date | None = None) -> list[Observation]:
    """The person's observations, newest first (all of them read once per page: the panel and the timeline
    both show them)."""
    return per_request(("observations", subject.id, since), lambda: list(db.session.scalars(
        built_once(_observations_of, since is not None),
        {"subject_id": subject.id} if since is None else {"subject_id": subject.id, "since": since})))


def _observations_of(since: bool) -> Select[tuple[Observation]]:
    stmt = select(Observation).where(Observation.subject_id == bindparam("subject_id"))
    if since:
        stmt = stmt.where(Observation.observed_on >= bindparam("since", type_=Date))
    return stmt.order_by(Observation.observed_on.desc(), Observation.id.desc()).options(
        joinedload(Observation.recorded_by))


@dataclass(frozen=True)
class ObservationPage:
    rows: list[Observation]
    next_cursor: str | None  # the position of the last row shown, when older observations exist


def _observation_cursor(observation: Observation) -> str:
    return f"{observation.observed_on.isoformat()}.{observation.id}"


def _parse_observation_cursor(cursor: str) -> tuple[date, int] | None:
    day, _dot, ident = cursor.partition(".")
    found = parse_id(ident)  # not an id a BIGINT holds: no cursor, like any other garbage
    try:
        return (date.fromisoformat(day), found) if found is not None else None
    except ValueError:
        return None


def unit_observations(user: User, before: str | None = None,
                      page_size: int = OBSERVATIONS_PAGE_SIZE) -> ObservationPage:
    """Supervisors: the observations of their units' people, newest first, one page at a time after the
    `before` cursor. Keyset pagination on (date, id): every page costs what the first does, and every
    observation is reachable, however old; none is cut off."""
    stmt = select(Observation).join(Subject, Subject.id == Observation.subject_id)
    stmt = policy.scope_to_units(stmt, Subject.unit_id, user)
    after = _parse_observation_cursor(before) if before else None
    if after is not None:
        day, ident = after
        stmt = stmt.where(or_(Observation.observed_on < day,
                              and_(Observation.observed_on == day, Observation.id < ident)))
    rows = list(db.session.scalars(
        stmt.order_by(Observation.observed_on.desc(), Observation.id.desc()).limit(page_size + 1)
        .options(selectinload(Observation.subject), selectinload(Observation.recorded_by))))
    next_cursor = _observation_cursor(rows[page_size - 1]) if len(rows) > page_size else None
    return ObservationPage(rows[:page_size], next_cursor)


def recent_unit_observations(user: User, days: int = DASHBOARD_OBSERVATION_DAYS,
                             limit: int = DASHBOARD_OBSERVATIONS) -> tuple[list[Observation], bool]:
    """The newest `limit` observations of the user's units within `days` days, and whether there are more."""
    rows = list(db.session.scalars(built_once(_recent_observations, user.role, limit + 1), {
        **policy.viewer_params(user), "since": utcnow().date() - timedelta(days=days)}))
    return rows[:limit], len(rows) > limit


def _recent_observations(role: str, limit: int) -> Select[tuple[Observation]]:
    return (select(Observation).join(Subject, Subject.id == Observation.subject_id)
            .where(policy.units_visible_to_viewer(role, Subject.unit_id),
                   Observation.observed_on >= bindparam("since", type_=Date))
            .order_by(Observation.observed_on.desc(), Observation.id.desc()).limit(limit)
            .options(contains_eager(Observation.subject)))  # the person from the join, not a second statement


@dataclass
class CaseloadInterventions:
    active: list[Intervention]
    missed: list[InterventionSession]
    quiet: list[Intervention]
    of_units: bool = False  # the user's units' work (supervisors), not only their own and their caseload's
    # How many there are of each, when the lists show only the first ones (the dashboard), counted by the read
    # that chose them. None: the lists are whole (the intervention work page).
    totals: dict[str, int] | None = None

    def total(self, name: str) -> int:
        """How many there are of the list `name` ("active", "missed", "quiet"), shown or not."""
        if self.totals is None:
            return len(getattr(self, name))
        return self.totals[name]


def caseload_interventions(user: User, today: date | None = None, *, of_units: bool = False,
                           limit: int | None = None) -> CaseloadInterventions:
    """For the people on the user's caseload and the interventions they own (or, `of_units`, for every person
    of the user's units): active interventions (longest running first), missed sessions in the last 30 days
    (newest first), and active interventions without a session for 21 days (longest without first). With
    `limit`, each list holds its first `limit` and `totals` says how many there are (a supervisor's units have
    hundreds: the dashboard shows the first ones, the intervention work page all)."""
    today = today or utcnow().date()
    params = {**policy.viewer_params(user), "quiet_since": today - timedelta(days=QUIET_DAYS),
              "missed_since": today - timedelta(days=MISSED_WINDOW_DAYS)}
    if limit is not None:
        rows = db.session.execute(built_once(_first_of_each, user.role, of_units, limit), params).all()
        return _lists_of_first(rows, limit, of_units)
    found_rows = db.session.execute(built_once(_active_work, user.role, of_units), params).all()
    found = [intervention for intervention, _last in found_rows]
    last_held: dict[int, date] = {intervention.id: last for intervention, last in found_rows if last is not None}

    def quiet_day(intervention: Intervention) -> date | None:
        return last_held.get(intervention.id) or intervention.started_on

    quiet_since = params["quiet_since"]
    quiet = sorted((i for i in found if (day_ := quiet_day(i)) is not None and day_ < quiet_since),
                   key=lambda i: (quiet_day(i), i.id))
    missed = list(db.session.scalars(built_once(_missed_sessions, user.role, of_units), params))
    return CaseloadInterventions(found, missed, quiet, of_units)


def _mine(of_units: bool) -> ColumnElement[bool]:
    """The viewer's own work: the interventions they own and those of the people on their caseload; with
    `of_units`, every intervention (the scope, policy.subjects_visible_to_viewer, is then the whole of it)."""
    if of_units:
        return true()
    # An OR of the two conditions, across the joined tables or with a subquery, made PostgreSQL read every active
    # intervention in the country (bench/README.md); a union of the two, each read through its own index, does
    # not, and needs no separate statement for the caseload's ids.
    return Intervention.id.in_(union(
        select(Intervention.id).where(Intervention.owner_id == policy.VIEWER_ID),
        select(Intervention.id).join(Subject, Subject.id == Intervention.subject_id)
        .where(Subject.case_owner_id == policy.VIEWER_ID)))


def _last_session() -> ScalarSelect[date]:
    """Each active intervention's last session day (for the quiet ones), read through the index on (intervention,
    day); a quiet one is one whose last session, or start, is before `quiet_since`."""
    return (select(func.max(InterventionSession.held_on))
            .where(InterventionSession.intervention_id == Intervention.id).scalar_subquery())


def _active(role: str, of_units: bool, *what: Any) -> Select[Any]:
    """`what` of the viewer's active interventions (the join to Subject is there for the scope)."""
    return (select(*what).join(Subject, Subject.id == Intervention.subject_id)
            .where(_mine(of_units), policy.subjects_visible_to_viewer(role),
                   Intervention.status == InterventionStatus.ACTIVE.value))


def _missed_of(role: str, of_units: bool) -> Select[tuple[int]]:
    return (select(InterventionSession.id)
            .join(Intervention, Intervention.id == InterventionSession.intervention_id)
            .join(Subject, Subject.id == Intervention.subject_id)
            .where(_mine(of_units), policy.subjects_visible_to_viewer(role), InterventionSession.attendance.in_(MISSED),
                   InterventionSession.held_on >= bindparam("missed_since", type_=Date)))


def _active_work(role: str, of_units: bool) -> Select[tuple[Intervention, date]]:
    # contains_eager fills each row's subject (and session's intervention) from the joins rather than from one more
    # query per relationship.
    return (_active(role, of_units, Intervention, _last_session())
            .order_by(Intervention.started_on, Intervention.id).options(contains_eager(Intervention.subject)))


def _missed_sessions(role: str, of_units: bool) -> Select[tuple[InterventionSession]]:
    return (select(InterventionSession).join(Intervention, Intervention.id == InterventionSession.intervention_id)
            .join(Subject, Subject.id == Intervention.subject_id)
            .where(InterventionSession.id.in_(_missed_of(role, of_units))).order_by(*NEWEST_FIRST)
            .options(contains_eager(InterventionSession.intervention).contains_eager(Intervention.subject)))


NEWEST_FIRST = (InterventionSession.held_on.desc(), InterventionSession.id.desc())


def _first_of_each(role: str, of_units: bool, limit: int) -> Select[Any]:
    """The first `limit` of each list and how many each has, in one statement: the set of active interventions
    (and of missed sessions) is read once, ranked and counted by window functions beside the rows shown, not
    once for the list and again for its count (on a prison's hundreds of interventions the counts were half
    the dashboard's database time, bench/README.md); the interventions chosen and the missed sessions chosen
    come in one union, each row an intervention and, for a missed session, the session."""
    # Materialised: each intervention's last session is looked up once, not once per window that uses it (an
    # inlined subquery made PostgreSQL repeat the correlated lookup four times per row).
    active = (_active(role, of_units, Intervention.id, Intervention.started_on, _last_session().label("last_held"))
              .cte("active_work").prefix_with("MATERIALIZED", dialect="postgresql"))
    since = func.coalesce(active.c.last_held, active.c.started_on)
    quiet_flag = case((since < bindparam("quiet_since", type_=Date), 1), else_=0)
    ranked = select(
        active.c.id, active.c.last_held, quiet_flag.label("quiet"),
        func.row_number().over(order_by=(active.c.started_on, active.c.id)).label("active_rank"),
        func.row_number().over(partition_by=quiet_flag, order_by=(since, active.c.id)).label("quiet_rank"),
        func.count().over().label("active_total"), func.sum(quiet_flag).over().label("quiet_total"),
    ).subquery()
    missed_ranked = _missed_of(role, of_units).add_columns(
        InterventionSession.intervention_id, func.row_number().over(order_by=NEWEST_FIRST).label("rank"),
        func.count().over().label("total")).subquery()
    no_session = literal(None, Integer)
    picks = union_all(
        select(ranked.c.id.label("intervention_id"), no_session.label("session_id"), ranked.c.last_held,
               ranked.c.quiet, ranked.c.active_rank.label("rank"), ranked.c.active_total.label("total"),
               ranked.c.quiet_total)
        .where(or_(ranked.c.active_rank <= limit, and_(ranked.c.quiet == 1, ranked.c.quiet_rank <= limit))),
        select(missed_ranked.c.intervention_id, missed_ranked.c.id, literal(None, Date), literal(0, Integer),
               missed_ranked.c.rank, missed_ranked.c.total, literal(0, Integer))
        .where(missed_ranked.c.rank <= limit),
    ).subquery()
    return (select(Intervention, InterventionSession, picks.c.last_held, picks.c.quiet, picks.c.total,
                   picks.c.quiet_total)
            .join(picks, picks.c.intervention_id == Intervention.id)
            .join(Subject, Subject.id == Intervention.subject_id)
            .outerjoin(InterventionSession, InterventionSession.id == picks.c.session_id)
            .order_by(picks.c.session_id.is_not(None), picks.c.rank)
            .options(contains_eager(Intervention.subject), contains_eager(InterventionSession.intervention)))


def _lists_of_first(rows: Sequence[Row[Any]], limit: int, of_units: bool) -> CaseloadInterventions:
    chosen = [(i, last, is_quiet, total, quiet_total) for i, missed, last, is_quiet, total, quiet_total in rows
              if missed is None]
    last_held = {i.id: last for i, last, _quiet, _a, _q in chosen if last is not None}

    def quiet_day(intervention: Intervention) -> date:
        return last_held.get(intervention.id) or intervention.started_on or date.min

    found = [i for i, _last, _quiet, _a, _q in chosen]
    quiet = sorted((i for i, _last, is_quiet, _a, _q in chosen if is_quiet), key=lambda i: (quiet_day(i), i.id))
    active_total, quiet_total = (int(chosen[0][3]), int(chosen[0][4] or 0)) if chosen else (0, 0)
    missed = [(session, total) for _i, session, _last, _quiet, total, _q in rows if session is not None]
    return CaseloadInterventions(
        found[:limit], [session for session, _total in missed], quiet[:limit], of_units,
        totals={"active": active_total, "quiet": quiet_total, "missed": int(missed[0][1]) if missed else 0})


# --- panels ------------------------------------------------------------------------------------------------


def subject_panel(user: User, subject: Subject) -> Panel | None:
    interventions = subject_interventions(subject)
    return Panel("interventions/_subject_panel.html", {
        "subject": subject,
        "interventions": [(i, attendance_rate(i.sessions), engagement_svg(engagement_points(i), ident=f"eng-{i.id}",
                                                                          title=_("Engagement: %(type)s",
                                                                                  type=i.type_label),
                                                                          marks=engagement_marks(i)))
                          for i in interventions],
        "observations": subject_observations(subject),
        "can_refer": policy.can_refer(user, subject),
        "can_observe": policy.can_record_observation(user, subject),
    }, subject_ids=(subject.id,))


def dashboard_panel(user: User) -> Panel | None:
    observations: list[Observation] = []
    more = False
    if policy.is_supervisor(user):
        # The list names people and what was observed about them: the dashboard's view event names them too.
        observations, more = recent_unit_observations(user)
    # A supervisor answers for the intervention work of their units, most of which they neither own nor hold
    # on a caseload: their panel shows the units' (and says so); a case worker's shows their own.
    work = caseload_interventions(user, of_units=policy.is_supervisor(user), limit=DASHBOARD_WORK)
    shown = [i.subject_id for i in work.active + work.quiet] + [s.intervention.subject_id for s in work.missed] \
        + [o.subject_id for o in observations]
    return Panel("interventions/_dashboard_panel.html", {
        "work": work, "observations": observations, "more_observations": more,
        "observation_days": DASHBOARD_OBSERVATION_DAYS,
    }, subject_ids=tuple(shown))
