"""Alerts for supervisors: unusual access, break-glass access and bursts of failed sign-ins, the queue
they wait in, and their acknowledgement.

Who sees an alert: its `unit_id` says whose supervisors. An alert about a user's behaviour is raised once
per unit of that user (a user of two units gives two alerts, one in each unit's queue), so that the queue
is a plain indexed `unit_id IN (...)`, what a supervisor sees does not change when the user later moves,
and each unit's supervisors answer for their own staff. An alert with no unit (failed sign-ins that name no
known account, or an account with no unit) is in every supervisor's queue. Nobody sees or acknowledges an
alert about themselves: another supervisor does, as with break-glass reviews.

The hooks below hear the triggering events (subject views, break-glass, failed sign-ins) through the signals
of app/signals.py, to which app/oversight/holdings.py subscribes them in `create_app`; they flush, never
commit, so an alert stands or falls with the request that raised it.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

from flask import current_app
from sqlalchemy import ColumnElement, Select, bindparam, func, select, update
from sqlalchemy.orm import selectinload

from app import policy
from app.audit import trail
from app.audit.models import AuditEvent
from app.auth.models import User
from app.db import built_once, db, utcnow
from app.errors import Conflict, Invalid, NotAllowed
from app.i18n import gettext as _
from app.oversight.models import Alert, AlertKind
from app.registry import FirstValue, Panel, Tally
from app.subjects.models import BreakGlassAccess, Subject

NOTE_MIN_WORDS = 3
NOTE_MAX_CHARS = 2000
SUMMARY_MAX_CHARS = 300
OPEN_QUEUE_LIMIT = 200
ACKNOWLEDGED_SHOWN = 50


def _who(user: User) -> str:
    return f"{user.display_name} ({user.username})"


def _minutes(window: timedelta) -> int:
    return int(window.total_seconds() // 60)


def _clip(text: str) -> str:
    return text if len(text) <= SUMMARY_MAX_CHARS else text[: SUMMARY_MAX_CHARS - 1] + "…"


def _units_of(user: User | None) -> list[int | None]:
    """The units whose supervisors hear about `user`; [None] (every supervisor) when there are none."""
    units: list[int | None] = [*sorted(user.unit_ids)] if user is not None else []
    return units or [None]


def _units_with_open(kind: AlertKind, *conditions: ColumnElement[bool]) -> set[int | None]:
    """The units that already have an unacknowledged alert of `kind` matching `conditions`."""
    return set(db.session.scalars(
        select(Alert.unit_id).where(Alert.kind == kind.value, Alert.acknowledged_at.is_(None), *conditions)
    ))


# Summaries are stored in English, as written below; app/oversight/models.py `shown_summary` reads them back to
# show them in the reader's language: change the two together (tests/test_languages_oversight.py).
def _raise(kind: AlertKind, units: Iterable[int | None], *, summary: str, user_id: int | None = None,
           subject_id: int | None = None, details: dict[str, Any] | None = None) -> list[Alert]:
    alerts = [Alert(kind=kind.value, unit_id=unit_id, user_id=user_id, subject_id=subject_id,
                    summary=_clip(summary), details=details or {})
              for unit_id in units]
    db.session.add_all(alerts)
    db.session.flush()
    return alerts


# --- raising ------------------------------------------------------------------------------------------------


def _views_since() -> Select[tuple[int]]:
    """How many views of a person's record an actor made since a moment. Views of a person's record only: a list,
    a dashboard or a form records its view under an object type of its own (app.audit.trail.record_view), so
    opening the unit list twice is not fifty people's records."""
    return select(func.count()).select_from(AuditEvent).where(
        AuditEvent.actor_id == bindparam("views_actor_id"), AuditEvent.action == "view",
        AuditEvent.object_type == "subject", AuditEvent.occurred_at >= bindparam("views_since"))


def recent_views(actor: User) -> FirstValue[int]:
    """The count of the actor's views of a person's record within ALERT_VIEW_WINDOW."""
    return FirstValue(("recent_views", actor.id), "recent_views", _views_since, {
        "views_actor_id": actor.id, "views_since": utcnow() - current_app.config["ALERT_VIEW_WINDOW"]})


def recent_views_read(actor: User, _subject_id: int) -> list[FirstValue[int]]:
    """The person's page reads the count in its first statement (app/registry.py FirstValue)."""
    return [recent_views(actor)]


def after_subject_view(actor: User) -> list[Alert]:
    """Called for every view of a subject's page, after its audit event is queued. Raises an unusual-access
    alert when the actor's views within ALERT_VIEW_WINDOW reach ALERT_VIEW_THRESHOLD, unless their unit
    already has an unacknowledged one about them raised within the window. One COUNT per view."""
    cfg = current_app.config
    window: timedelta = cfg["ALERT_VIEW_WINDOW"]
    threshold: int = cfg["ALERT_VIEW_THRESHOLD"]
    since = utcnow() - window
    # On the person's page the count was read with the page's first statement (recent_views_read).
    views = (recent_views(actor).read() or 0) + 1  # this view's event is queued, written when the request commits
    if views < threshold:
        return []
    covered = _units_with_open(AlertKind.UNUSUAL_ACCESS, Alert.user_id == actor.id, Alert.raised_at >= since)
    units = [u for u in _units_of(actor) if u not in covered]
    if not units:
        return []
    return _raise(
        AlertKind.UNUSUAL_ACCESS, units, user_id=actor.id,
        summary=f"{_who(actor)} opened people's records {views} times within {_minutes(window)} minutes.",
        details={"views": views, "window_minutes": _minutes(window), "threshold": threshold},
    )


def after_break_glass(actor: User, subject: Subject, access: BreakGlassAccess) -> Alert:
    """Called for every break-glass access: an alert for the supervisors of the subject's unit."""
    [alert] = _raise(
        AlertKind.BREAK_GLASS, [subject.unit_id], user_id=actor.id, subject_id=subject.id,
        summary=f"{_who(actor)} opened the record of {subject.reference} by break-glass. Reason: {access.reason}",
        details={"break_glass_id": access.id},  # the reason is in the summary, which erasure can clear
    )
    return alert


def _failed_sign_ins(*conditions: ColumnElement[bool], since: datetime) -> int:
    count = db.session.scalar(
        select(func.count()).select_from(AuditEvent)
        .where(AuditEvent.action == "login_failed", AuditEvent.occurred_at >= since, *conditions)
    )
    return int(count or 0) + 1  # the current failure's event is still queued


def after_failed_login(username: str, ip: str, user: User | None) -> list[Alert]:
    """Called after a failed sign-in has been audited. Raises a failed-logins alert when the audited
    failures (throttled refusals included) within LOGIN_WINDOW reach ALERT_FAILED_LOGINS

    - from one address: one alert without a unit (every supervisor), as such bursts usually try many
      accounts;
    - for one username: one alert per unit of the account when it exists (no unit: every supervisor).

    Not repeated while an unacknowledged alert for the same address or username is open in that unit.
    """
    cfg = current_app.config
    window: timedelta = cfg["LOGIN_WINDOW"]
    threshold: int = cfg["ALERT_FAILED_LOGINS"]
    since = utcnow() - window
    raised: list[Alert] = []
    if ip:
        failures = _failed_sign_ins(AuditEvent.ip == ip, since=since)
        if failures >= threshold and None not in _units_with_open(
                AlertKind.FAILED_LOGINS, Alert.details["address"].as_string() == ip):
            raised += _raise(
                AlertKind.FAILED_LOGINS, [None],
                summary=f"{failures} failed sign-ins from the address {ip} within {_minutes(window)} minutes.",
                details={"address": ip, "failures": failures, "window_minutes": _minutes(window)},
            )
    failures = _failed_sign_ins(AuditEvent.actor_username == username, since=since)
    if failures >= threshold:
        covered = _units_with_open(AlertKind.FAILED_LOGINS, Alert.details["username"].as_string() == username)
        units = [u for u in _units_of(user) if u not in covered]
        account = _who(user) if user is not None else f"the unknown username “{username}”"
        if units:
            raised += _raise(
                AlertKind.FAILED_LOGINS, units, user_id=user.id if user is not None else None,
                summary=f"{failures} failed sign-ins for {account} within {_minutes(window)} minutes.",
                details={"username": username, "failures": failures, "window_minutes": _minutes(window),
                         "known_account": user is not None},
            )
    return raised


# --- the queue ----------------------------------------------------------------------------------------------


def open_alerts(user: User, limit: int = OPEN_QUEUE_LIMIT) -> list[Alert]:
    """The unacknowledged alerts the user may acknowledge, newest first."""
    return list(db.session.scalars(
        select(Alert).where(policy.alerts_visible_to(user), Alert.acknowledged_at.is_(None))
        .order_by(Alert.raised_at.desc(), Alert.id.desc()).limit(limit)
        .options(selectinload(Alert.unit))
    ))


def open_count_tally(user: User) -> Tally:
    """How many alerts of the user's queue are not acknowledged yet (the dashboard reads it as a tally)."""
    return Tally(built_once(_open_count, user.role), policy.viewer_params(user))


def _open_count(role: str) -> Select[tuple[int]]:
    return select(func.count()).select_from(Alert).where(policy.alerts_visible_to_viewer(role),
                                                          Alert.acknowledged_at.is_(None))


def open_count(user: User) -> int:
    tally = open_count_tally(user)
    return int(db.session.scalar(tally.query, tally.params) or 0)


def acknowledged_alerts(user: User, limit: int = ACKNOWLEDGED_SHOWN) -> list[Alert]:
    """The most recently acknowledged alerts of the user's queue."""
    return list(db.session.scalars(
        select(Alert).where(policy.alerts_visible_to(user), Alert.acknowledged_at.is_not(None))
        .order_by(Alert.acknowledged_at.desc(), Alert.id.desc()).limit(limit)
        .options(selectinload(Alert.unit), selectinload(Alert.acknowledged_by))
    ))


def acknowledge(actor: User, alert: Alert, note: str) -> None:
    """Record that `actor` has dealt with the alert, with their note, and audit it as `acknowledge`. The note
    stays on the alert (erasure of the person it is about clears it); the event holds its digest.

    Raises NotAllowed outside the actor's queue, Invalid without a note of a few words, and Conflict when
    someone acknowledged it first (their note stands; nothing is overwritten).
    """
    if not policy.can_acknowledge_alert(actor, alert):
        raise NotAllowed(_("Only a supervisor of the alert's unit, not the person it is about, can acknowledge it."))
    text = note.strip()
    if len(text.split()) < NOTE_MIN_WORDS:
        raise Invalid(_("The alert was not acknowledged."), field_errors={
            "note": [_("Say in a few words (at least %(num)s) what you checked or did.", num=NOTE_MIN_WORDS)]})
    if len(text) > NOTE_MAX_CHARS:
        raise Invalid(_("The alert was not acknowledged."), field_errors={
            "note": [_("Use at most %(num)s characters.", num=NOTE_MAX_CHARS)]})
    result = db.session.execute(
        update(Alert).where(Alert.id == alert.id, Alert.acknowledged_at.is_(None))
        .values(acknowledged_by_id=actor.id, acknowledged_at=utcnow(), note=text)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:  # type: ignore[attr-defined]
        raise Conflict(_("Someone else acknowledged this alert first."))
    db.session.refresh(alert)
    trail.record("acknowledge", object_type="alert", object_id=alert.id, subject_id=alert.subject_id,
                 details={"kind": alert.kind, "unit_id": alert.unit_id, "note_sha256": trail.digest(text)})


def dashboard_panel(user: User) -> Panel | None:
    if not policy.is_supervisor(user):
        return None
    return Panel("oversight/_dashboard_panel.html", {"open_count": open_count_tally(user)})
