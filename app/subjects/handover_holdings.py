"""What handovers hold about a person, registered with the core in `create_app`: how they are erased, shown in
the subject-access report and on the timeline; the supervisors' dashboard panel (incoming handovers, work left
by staff who left); and the signals that open a departure when a user leaves a unit or is disabled."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from flask import Flask
from sqlalchemy import delete, select
from sqlalchemy.orm import joinedload, selectinload

from app import signals
from app.auth.models import User
from app.i18n import gettext as _
from app.i18n import moment, ngettext, number
from app.registry import DigestedText, Holding, Panel, PersonRegistry, PersonRows, TimelineEntry, bulk, object_id
from app.subjects import handover
from app.subjects.handover_models import DepartureReason, Handover, HandoverItem
from app.subjects.models import Subject
from reports import model

HANDOVERS = PersonRows("handovers", lambda subject_id: select(Handover).where(Handover.subject_id == subject_id))


def subject_handovers(subject: Subject) -> list[Handover]:
    return HANDOVERS.read(subject.id, lambda rows: rows.order_by(Handover.created_at, Handover.id).options(
        selectinload(Handover.items), joinedload(Handover.to_unit), joinedload(Handover.created_by),
        joinedload(Handover.acknowledged_by)))


def _name(user: User | None, empty: str | None = None) -> str:
    if user is not None:
        return user.display_name
    return _("Nobody") if empty is None else empty


def handover_line(h: Handover) -> model.HandoverLine:
    acknowledged = "" if h.acknowledged_at is None else \
        _("%(name)s, %(moment)s UTC", name=_name(h.acknowledged_by), moment=moment(h.acknowledged_at))
    return model.HandoverLine(
        created_at=h.created_at, from_unit=h.from_unit.name, to_unit=h.to_unit.name,
        created_by=h.created_by.display_name, note=h.note, acknowledged=acknowledged,
        items=tuple((i.title, i.outcome_label, _name(i.previous_owner), _name(i.new_owner), i.end_reason)
                    for i in h.items))


def subject_access(subject: Subject) -> dict[str, Any]:
    return {"handovers": tuple(handover_line(h) for h in subject_handovers(subject))}


def erase(subject: Subject) -> dict[str, int]:
    handovers = select(Handover.id).where(Handover.subject_id == subject.id)
    bulk(delete(HandoverItem).where(HandoverItem.handover_id.in_(handovers)))
    return {"handovers": bulk(delete(Handover).where(Handover.subject_id == subject.id))}


def timeline(subject: Subject) -> Iterable[TimelineEntry]:
    for h in subject_handovers(subject):
        handed = sum(1 for i in h.items if i.outcome == "reassigned")
        ended = sum(1 for i in h.items if i.outcome == "ended")
        yield TimelineEntry(h.created_at, "handover", _("Handed over to %(unit)s", unit=h.to_unit.name),
                            ngettext("%(num)d open item of work: %(handed)s to a new owner, %(ended)s ended.",
                                     "%(num)d open items of work: %(handed)s to a new owner, %(ended)s ended.",
                                     len(h.items), handed=number(handed), ended=number(ended)),
                            h.created_by.display_name)
        if h.acknowledged_at is not None:
            yield TimelineEntry(h.acknowledged_at, "handover",
                                _("Handover acknowledged by %(unit)s", unit=h.to_unit.name),
                                by=_name(h.acknowledged_by, ""))


def dashboard_panel(user: User) -> Panel | None:
    incoming = handover.incoming(user)
    counted = handover.departures_to_count(user)
    if not incoming and not counted:
        return None

    template = "handover/_dashboard_panel.html"

    def complete() -> Panel | None:
        # Once the page's counts are read: a departure whose work is all reassigned is not listed.
        departures = handover.with_work(counted)
        if not incoming and not departures:
            return None
        return Panel(template, {"incoming": incoming, "departures": departures,
                                "unowned": sum(count for _, count in departures)},
                     subject_ids=tuple(h.subject_id for h in incoming))

    return Panel(template, {}, tallies=tuple(t for _d, c in counted for t in c.tallies), complete=complete)


def _on_user_left_units(_app: Flask, *, user: User, unit_ids: frozenset[int], **_: Any) -> None:
    handover.record_departure(user, unit_ids, DepartureReason.LEFT_UNIT)


def _on_user_disabled(_app: Flask, *, user: User, **_: Any) -> None:
    handover.record_departure(user, user.unit_ids, DepartureReason.DISABLED)


def register(app: Flask, registry: PersonRegistry) -> None:
    registry.hold(Holding("handovers", ("handovers", "handover_items"), erase=erase, subject_access=subject_access,
                          timeline=timeline))
    registry.digested_texts.append(DigestedText("handover", "note_sha256", Handover.note, object_id))
    registry.dashboard_panels.append(dashboard_panel)
    registry.read_sparsely(HANDOVERS)
    signals.user_left_units.connect(_on_user_left_units, sender=app)
    signals.user_disabled.connect(_on_user_disabled, sender=app)
