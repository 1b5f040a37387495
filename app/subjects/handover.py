"""Handover on transfer, and the reassignment of the work a departed user left in a unit.

Both act only through the registered work kinds (app/registry.py's WorkKind), so every kind of owned work is
covered: a transfer hands each open item to someone who will have access in the receiving unit, or ends it with
a reason, and is refused while any item would be left with someone who cannot open the person's record. Services
flush and never commit; every change is audited (notes and reasons by digest only)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.orm import contains_eager, joinedload

from app import policy
from app.audit import trail
from app.auth.models import Unit, User
from app.db import built_once, db, utcnow
from app.errors import Invalid, NotAllowed
from app.i18n import gettext as _
from app.registry import WorkItem, read_tallies, registry
from app.subjects import moves, services
from app.subjects.handover_models import Departure, DepartureReason, Handover, HandoverItem, HandoverOutcome
from app.subjects.models import Movement, Subject
from app.subjects.work import StrandedCount, has_access, key, open_work, stranded_in_unit, stranded_tallies
from app.text import control_character_problem

MAX_NOTE = 4000
MIN_REASON = 5


@dataclass(frozen=True)
class Decision:
    """What becomes of one item: a new owner (the current one: kept), or ended with `end_reason`."""

    owner_id: int | None = None
    end_reason: str | None = None


@dataclass(frozen=True)
class Move:
    to_unit_id: int
    to_status: str
    moved_on: date | None
    reason: str
    release_date: date | None = None
    confirmation: moves.Confirmation | None = None  # a supervisor's, for a move over a keep-apart


def owner_field(item: WorkItem) -> str:
    return f"owner_{key(item)}"


def reason_field(item: WorkItem) -> str:
    return f"reason_{key(item)}"


def _check_decision(item: WorkItem, decision: Decision, unit: Unit, errors: dict[str, list[str]]) -> None:
    if decision.end_reason is not None:
        problem = control_character_problem(decision.end_reason, multiline=True)
        if registry().work_kind(item.kind).end is None:
            errors[owner_field(item)] = [_("This work cannot be ended: choose who takes it over.")]
        elif problem:
            errors[reason_field(item)] = [problem]
        elif len(decision.end_reason.strip()) < MIN_REASON:
            errors[reason_field(item)] = [_("Say why it ends (a few words at least).")]
    elif decision.owner_id is not None and decision.owner_id != item.owner_id \
            and not has_access(decision.owner_id, unit.id):
        errors[owner_field(item)] = [_("Choose a case worker of %(unit)s: they will have access to the person.",
                                       unit=unit.name)]


def check_decisions(items: list[WorkItem], decisions: dict[str, Decision], unit: Unit | None
                    ) -> dict[str, list[str]]:
    """The problems with the decisions taken for the items (owners who will not have access, missing reasons)."""
    errors: dict[str, list[str]] = {}
    if unit is not None:
        for item in items:
            if (decision := decisions.get(key(item))) is not None:
                _check_decision(item, decision, unit, errors)
    return errors


def _note_problems(note: str) -> dict[str, list[str]]:
    problem = control_character_problem(note, multiline=True)
    if problem:
        return {"handover_note": [problem]}
    if len(note) > MAX_NOTE:
        return {"handover_note": [_("Keep the note to at most %(num)s characters.", num=MAX_NOTE)]}
    return {}


def _nothing_to_hand_over(items: list[WorkItem], decisions: dict[str, Decision], note: str
                          ) -> dict[str, list[str]]:
    """A change of status within the unit hands nothing over: a choice or a note made for it is refused rather
    than silently dropped."""
    errors = {owner_field(i): [_("The person stays in this unit: leave the work with its owner.")]
              for i in items if key(i) in decisions}
    if note.strip():
        errors["handover_note"] = [_("A note for the receiving team goes with a move to another unit only.")]
    return errors


def _apply(actor: User, item: WorkItem, decision: Decision | None, still_open: dict[str, WorkItem]) -> HandoverItem:
    kind = registry().work_kind(item.kind)
    row = HandoverItem(kind=item.kind, item_id=item.id, title=item.title[:300], previous_owner_id=item.owner_id,
                       new_owner_id=item.owner_id, outcome=HandoverOutcome.KEPT.value)
    if decision is not None and decision.end_reason is not None and kind.end is not None:
        kind.end(item.id, decision.end_reason, actor)
        row.outcome, row.new_owner_id, row.end_reason = HandoverOutcome.ENDED.value, None, decision.end_reason.strip()
    elif decision is not None and decision.owner_id is not None and decision.owner_id != item.owner_id:
        new_owner = db.session.get(User, decision.owner_id)
        assert new_owner is not None  # noqa: S101 - checked by check_decisions
        try:
            kind.reassign(item.id, new_owner, actor)
        except Invalid as exc:  # the kind's own rule (an accreditation, say): shown on the item's row
            raise Invalid(exc.message, field_errors={owner_field(item): [exc.message]}) from exc
        row.outcome, row.new_owner_id = HandoverOutcome.REASSIGNED.value, new_owner.id
    elif key(item) not in still_open or still_open[key(item)].owner_id != item.owner_id:
        row.outcome, row.new_owner_id = HandoverOutcome.RELEASED.value, None
    return row


def _orphans(subject: Subject, unit: Unit) -> dict[str, list[str]]:
    """Every open item still owned by someone without access to the person in the new unit."""
    errors: dict[str, list[str]] = {}
    for item in open_work(subject):
        if item.owner_id is not None and not has_access(item.owner_id, unit.id):
            owner = db.session.get(User, item.owner_id)
            if owner is not None:
                problem = _("%(name)s will not have access to the person in %(unit)s: choose who takes this over "
                            "there, or end it with a reason.", name=owner.display_name, unit=unit.name)
            else:
                problem = _("Its owner will not have access to the person in %(unit)s: choose who takes this over "
                            "there, or end it with a reason.", unit=unit.name)
            errors[owner_field(item)] = [problem]
    return errors


def transfer_with_handover(actor: User, subject: Subject, move: Move, decisions: dict[str, Decision],
                           note: str) -> tuple[Movement, Handover | None]:
    """Record the move and, when it is to another unit, its handover: each open item of work handed to the new
    owner chosen, ended with its reason, or kept, and the note for the receiving team.

    Raises Invalid with every problem at once (the move's own and each item's) — including any item that would
    be left with someone without access in the new unit. Part of the move may then already be flushed: the
    caller rolls the transaction back, as a request that fails does."""
    unit = db.session.get(Unit, move.to_unit_id)
    moving = unit is not None and unit.id != subject.unit_id
    items = open_work(subject)
    from_unit_id = subject.unit_id
    errors = check_decisions(items, decisions, unit) if moving else _nothing_to_hand_over(items, decisions, note)
    errors = {**errors, **_note_problems(note)}
    items = items if moving else []
    try:
        movement = services.transfer(actor, subject, move.to_unit_id, move.to_status, move.moved_on, move.reason,
                                     release_date=move.release_date, confirmation=move.confirmation)
    except moves.MoveNeedsConfirmation as exc:
        # Nothing was saved: the warning goes back to the form as it is, with the handover's problems beside it.
        exc.field_errors = {**errors, **exc.field_errors}
        raise
    except Invalid as exc:
        raise Invalid(exc.message, field_errors={**errors, **exc.field_errors}) from exc
    if errors:
        raise Invalid(_("The transfer was not recorded."), field_errors=errors)
    if not moving:
        return movement, None
    assert unit is not None  # noqa: S101 - moving
    still_open = {key(i): i for i in open_work(subject)}
    rows = [_apply(actor, item, decisions.get(key(item)), still_open) for item in items]
    orphans = _orphans(subject, unit)
    if orphans:
        raise Invalid(_("The transfer was not recorded: some work would be left with someone who cannot open the "
                        "person's record."), field_errors=orphans)
    handover = Handover(subject_id=subject.id, movement_id=movement.id, from_unit_id=from_unit_id, to_unit_id=unit.id,
                        note=note.strip(), created_by_id=actor.id, items=rows)
    db.session.add(handover)
    db.session.flush()
    trail.record("handover", object_type="handover", object_id=handover.id, subject_id=subject.id,
                 details={"from_unit_id": from_unit_id, "to_unit_id": unit.id, "movement_id": movement.id,
                          "note_sha256": trail.digest(handover.note) if handover.note else None,
                          "items": [{"kind": r.kind, "id": r.item_id, "outcome": r.outcome,
                                     "from": r.previous_owner_id, "to": r.new_owner_id} for r in rows]})
    return movement, handover


def acknowledge(actor: User, handover: Handover) -> None:
    """The receiving unit's supervisor has read the handover; acknowledging twice changes nothing."""
    if not policy.can_acknowledge_handover(actor, handover):
        raise NotAllowed("Only a supervisor of the receiving unit can acknowledge a handover.")  # audited as written
    if handover.acknowledged_at is not None:
        return
    handover.acknowledged_by_id, handover.acknowledged_at = actor.id, utcnow()
    db.session.flush()
    trail.record("acknowledge", object_type="handover", object_id=handover.id, subject_id=handover.subject_id)


def incoming(user: User) -> list[Handover]:
    """The handovers into the user's units that no supervisor has acknowledged yet, oldest first."""
    if not policy.is_supervisor(user):
        return []
    return list(db.session.scalars(built_once(_incoming, user.role), policy.viewer_params(user)).unique())


def _incoming(role: str) -> Select[tuple[Handover]]:
    return (select(Handover).join(Subject, Subject.id == Handover.subject_id)
            .where(policy.handovers_visible_to_viewer(role), Handover.to_unit_id.in_(policy.VIEWER_UNITS),
                   Handover.acknowledged_at.is_(None), Subject.erased_at.is_(None))
            .order_by(Handover.created_at, Handover.id)
            # What the dashboard shows of each, in the same statement.
            .options(contains_eager(Handover.subject), joinedload(Handover.from_unit),
                     joinedload(Handover.created_by), joinedload(Handover.items)))


# --- departures: the work a user left in a unit ----------------------------------------------------------------


def record_departure(user: User, unit_ids: frozenset[int] | set[int], reason: DepartureReason) -> list[Departure]:
    """Open a departure for each unit where the user leaves work nobody else can do (none where they leave none)."""
    opened = []
    for unit_id in sorted(unit_ids):
        if stranded_in_unit(user, unit_id):
            departure = Departure(user_id=user.id, unit_id=unit_id, reason=reason.value)
            db.session.add(departure)
            opened.append(departure)
    db.session.flush()
    for departure in opened:
        trail.record("create", object_type="departure", object_id=departure.id,
                     details={"user_id": user.id, "unit_id": departure.unit_id, "reason": reason.value})
    return opened


def departure_work(departure: Departure) -> list[WorkItem]:
    return stranded_in_unit(departure.user, departure.unit_id)


def departures_to_count(user: User) -> list[tuple[Departure, StrandedCount]]:
    """The departures of the supervisor's units not yet cleared, each with the count of its work still to
    reassign, whose Tallies are not yet read (a page reads them with its other counts)."""
    if not policy.is_supervisor(user):
        return []
    found = list(db.session.scalars(built_once(_departures_to_count, user.role, user.is_active),
                                    policy.viewer_params(user)))
    return list(zip(found, stranded_tallies([(departure.user, departure.unit_id) for departure in found]),
                    strict=True))


def _departures_to_count(role: str, active: bool) -> Select[tuple[Departure]]:
    return (select(Departure).where(policy.departures_visible_to_viewer(role, active), Departure.cleared_at.is_(None))
            .order_by(Departure.departed_at, Departure.id)
            .options(joinedload(Departure.user), joinedload(Departure.unit)))


def open_departures(user: User) -> list[tuple[Departure, int]]:
    """The departures of the supervisor's units with work still to reassign, and how many items each has. One
    whose work is all reassigned elsewhere (or whose user came back) is not shown; a read writes nothing, so it
    is closed by the next reassignment of its work."""
    counted = departures_to_count(user)
    read_tallies(tally for _departure, count in counted for tally in count.tallies)
    return with_work(counted)


def with_work(counted: list[tuple[Departure, StrandedCount]]) -> list[tuple[Departure, int]]:
    """Those of `counted` (their tallies read) that still have work to reassign, with how many items."""
    return [(departure, count.value) for departure, count in counted if count.value]


def _clear(departure: Departure) -> None:
    departure.cleared_at = utcnow()
    db.session.flush()
    trail.record("update", object_type="departure", object_id=departure.id,
                 details={"changes": {"cleared": [False, True]}})


def reassign_departed_work(actor: User, departure: Departure, decisions: dict[str, Decision]) -> int:
    """Give the chosen items of the departed user's work in the unit their new owners (or end them); items left
    without a decision stay listed. Raises Invalid with every problem, changing nothing. Returns how many
    changed; the departure closes when nothing is left."""
    if not policy.can_reassign_departed_work(actor, departure):
        raise NotAllowed(_("Only a supervisor of the unit can reassign this work."))
    items = departure_work(departure)
    chosen = [i for i in items if (d := decisions.get(key(i))) is not None
              and (d.end_reason is not None or (d.owner_id is not None and d.owner_id != i.owner_id))]
    errors = check_decisions(chosen, decisions, departure.unit)
    if not chosen and not errors:
        errors["form"] = [_("Choose a new owner (or end with a reason) for at least one item.")]
    if errors:
        raise Invalid(_("Nothing was reassigned."), field_errors=errors)
    still_open = {key(i): i for i in items}
    outcomes: list[dict[str, Any]] = []
    for item in chosen:
        row = _apply(actor, item, decisions[key(item)], still_open)
        outcomes.append({"kind": item.kind, "id": item.id, "subject_id": item.subject_id, "outcome": row.outcome,
                         "to": row.new_owner_id})
    trail.record("reassign", object_type="departure", object_id=departure.id,
                 details={"items": outcomes, "subject_ids": sorted({o["subject_id"] for o in outcomes})})
    if not departure_work(departure):
        _clear(departure)
    return len(chosen)
