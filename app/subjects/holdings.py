"""What the people feature holds about a person besides the record itself — movements, case owners,
break-glass accesses, alert flags — registered with the core (app/registry.py) in `create_app`: how each is
erased, shown in the subject-access report and on the timeline; and how the core finds people by id or
reference."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from flask import Flask
from sqlalchemy import delete, inspect, select
from sqlalchemy.orm import joinedload, selectinload
from sqlalchemy.orm.attributes import set_committed_value

from app import signals
from app.auth.models import User
from app.db import db
from app.i18n import gettext as _
from app.registry import (
    REMOVED_TEXT,
    DigestedText,
    Holding,
    Mention,
    PersonRegistry,
    PersonRows,
    TimelineEntry,
    bulk,
    dated,
    id_in_details,
)
from app.subjects import moves, services, work
from app.subjects.models import Allocation, BreakGlassAccess, CustodyStatus, Movement, Subject, SubjectAlert
from reports import model


def _name(user: User | None, empty: str | None = None) -> str:
    if user is not None:
        return user.display_name
    return _("Unallocated") if empty is None else empty


def status_label(value: str) -> str:
    try:
        return CustodyStatus(value).label
    except ValueError:
        return value


def identity(subject: Subject) -> model.Identity:
    return model.Identity(
        reference=subject.reference, full_name=subject.full_name, date_of_birth=subject.date_of_birth,
        unit=subject.unit.name, custody_status=subject.status_label,
        case_owner=subject.case_owner.display_name if subject.case_owner else _("Unallocated"),
        index_offence=subject.offence_label, sentence_date=subject.sentence_date,
        release_date=subject.release_date, next_review_due=subject.next_review_due,
        alerts=tuple(a.label for a in subject.alerts), location=subject.location_label,
    )


def subject_access(subject: Subject) -> dict[str, object]:
    """The record (with its alert flags), its movements, case owners and break-glass accesses."""
    movements = db.session.scalars(select(Movement).where(Movement.subject_id == subject.id)
                                   .order_by(Movement.moved_on, Movement.id)
                                   .options(selectinload(Movement.from_unit), selectinload(Movement.to_unit),
                                            selectinload(Movement.recorded_by)))
    allocations = db.session.scalars(select(Allocation).where(Allocation.subject_id == subject.id)
                                     .order_by(Allocation.allocated_at, Allocation.id)
                                     .options(selectinload(Allocation.owner), selectinload(Allocation.previous_owner),
                                              selectinload(Allocation.allocated_by)))
    break_glass = db.session.scalars(select(BreakGlassAccess).where(BreakGlassAccess.subject_id == subject.id)
                                     .order_by(BreakGlassAccess.granted_at, BreakGlassAccess.id)
                                     .options(selectinload(BreakGlassAccess.user),
                                              selectinload(BreakGlassAccess.reviewed_by)))
    return {
        "identity": identity(subject),
        "movements": tuple(model.MovementLine(m.moved_on, m.from_unit.name, m.to_unit.name, m.reason,
                                              status_label(m.from_status), status_label(m.to_status),
                                              _name(m.recorded_by, ""))
                           for m in movements),
        "allocations": tuple(model.AllocationLine(a.allocated_at, _name(a.owner), _name(a.previous_owner),
                                                  _name(a.allocated_by, _("system")), a.note)
                             for a in allocations),
        "break_glass": tuple(model.BreakGlassLine(b.granted_at, b.user.display_name, b.reason, b.expires_at,
                                                  _name(b.reviewed_by, "") or None, b.reviewed_at)
                             for b in break_glass),
    }


def erase(subject: Subject) -> dict[str, int]:
    """Delete the person's movements, case-owner history, break-glass accesses and alert flags (the subject
    row itself is anonymised by the erasure, which keeps it for the audit trail to point at)."""
    counts = {}
    for kind, table in (("movements", Movement), ("allocations", Allocation), ("break_glass", BreakGlassAccess),
                        ("alert_flags", SubjectAlert)):
        counts[kind] = bulk(delete(table).where(table.subject_id == subject.id))
    return counts


# Most people never change unit or status (a movement), and one never allocated has no allocation.
MOVEMENTS = PersonRows("movements", lambda subject_id: select(Movement).where(Movement.subject_id == subject_id))
ALLOCATIONS = PersonRows("allocations", lambda subject_id: select(Allocation).where(
    Allocation.subject_id == subject_id))


def subject_movements(subject: Subject) -> list[Movement]:
    """The person's movements, oldest first, each with its units and who recorded it. Read once: the person's
    relationship is filled with them, so the page's list of movements does not read them again."""
    if "movements" not in inspect(subject).unloaded:
        return list(subject.movements)
    movements = MOVEMENTS.read(subject.id, lambda rows: rows.order_by(Movement.recorded_at, Movement.id).options(
        joinedload(Movement.from_unit), joinedload(Movement.to_unit), joinedload(Movement.recorded_by)))
    set_committed_value(subject, "movements", movements)
    return movements


def timeline(subject: Subject) -> Iterable[TimelineEntry]:
    movements = subject_movements(subject)
    yield TimelineEntry(subject.created_at, "record", _("Record created"),
                        _("in %(unit)s", unit=subject.unit.name) if not movements else "")
    for m in movements:
        title = _("Transferred to %(unit)s", unit=m.to_unit.name) if m.to_unit_id != m.from_unit_id \
            else _("Status changed")
        detail = _("%(before)s → %(after)s. %(reason)s", before=CustodyStatus(m.from_status).label,
                   after=CustodyStatus(m.to_status).label, reason=m.reason)
        yield TimelineEntry(dated(m.moved_on, m.recorded_at), "transfer", title, detail,
                            m.recorded_by.display_name if m.recorded_by else None)
    for a in ALLOCATIONS.read(subject.id, lambda rows: rows.order_by(Allocation.allocated_at, Allocation.id).options(
            joinedload(Allocation.owner), joinedload(Allocation.allocated_by))):
        title = _("Allocated to %(name)s", name=a.owner.display_name) if a.owner else _("Case owner removed")
        yield TimelineEntry(a.allocated_at, "allocation", title, allocation_note(a.note),
                            a.allocated_by.display_name if a.allocated_by else None)


def allocation_note(note: str) -> str:
    """An allocation's note as shown: the notes Waypoint itself writes are stored in English (work.py matches
    one of them) and shown in the reader's language; what a supervisor wrote is shown as written."""
    written: dict[str, str] = {services.OWNER_LEFT_THE_UNIT: _("Owner removed from the unit."),
               work.REASSIGNED_NOTE: _("Reassigned by a supervisor.")}
    if note in written:
        return written[note]
    if note.startswith(services.HANDED_OVER_PREFIX) and note.endswith("."):
        return str(_("Handed over on transfer to %(unit)s.", unit=note[len(services.HANDED_OVER_PREFIX):-1]))
    return note


def timeline_with_locations(subject: Subject) -> Iterable[TimelineEntry]:
    """The record's own entries and its location changes (app/subjects/moves.py)."""
    yield from timeline(subject)
    yield from moves.timeline(subject)


class People:
    """How the core (the audit review) finds the people its events point at."""

    def load(self, ids: Iterable[int]) -> list[Subject]:
        wanted = sorted(set(ids))
        return list(db.session.scalars(select(Subject).where(Subject.id.in_(wanted)))) if wanted else []

    def id_for_reference(self, reference: str) -> int | None:
        return db.session.scalar(select(Subject.id).where(Subject.reference == reference))


def _on_user_left_units(_app: Flask, *, actor: User, user: User, unit_ids: frozenset[int], **_: Any) -> None:
    services.release_caseload(actor, user, unit_ids)


def register(app: Flask, registry: PersonRegistry) -> None:
    registry.history_kinds.add((moves.LOCATION_OBJECT, "update"))
    registry.hold(Holding("subjects", ("movements", "allocations", "break_glass_accesses", "subject_alerts"),
                          erase=erase, subject_access=subject_access, timeline=timeline_with_locations))
    # Another person's break-glass reason may name this one ("sibling of A1000AA").
    registry.mentions.append(Mention(BreakGlassAccess.reason, REMOVED_TEXT))
    registry.digested_texts.append(DigestedText("break_glass", "reason_sha256", BreakGlassAccess.reason,
                                                id_in_details("break_glass_id")))
    registry.read_sparsely(MOVEMENTS, ALLOCATIONS)
    registry.people = People()
    registry.register_work(work.WORK_KIND)
    # Someone removed from a unit keeps no case there: their caseload goes back to its supervisors.
    signals.user_left_units.connect(_on_user_left_units, sender=app)
