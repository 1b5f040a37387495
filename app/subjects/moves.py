"""A person's location within their unit (wing, landing, cell), and the check every move passes: the features
that guard moves (keep-apart, registered in `create_app`) are asked what the move meets, and a move that meets
anything goes ahead only with a supervisor's confirmation and reason.

Services here flush and never commit; every change is audited with its field-level changes."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from app import policy
from app.audit import history, trail
from app.auth.models import User
from app.db import bump_version
from app.errors import Invalid, NotAllowed
from app.i18n import gettext as _
from app.registry import Move, MoveConflict, TimelineEntry, registry
from app.subjects.models import Subject, location_text

LOCATION_FIELDS = ("wing", "landing", "cell")
LOCATION_MAX = 40  # the columns' length
MIN_REASON = 10
LOCATION_OBJECT = "subject_location"


@dataclass(frozen=True)
class Location:
    """A place within a unit, as typed; `normalised()` trims it and makes empty parts None."""

    wing: str | None = None
    landing: str | None = None
    cell: str | None = None

    def normalised(self) -> Location:
        def clean(value: str | None) -> str | None:
            return " ".join((value or "").split()) or None

        return Location(clean(self.wing), clean(self.landing), clean(self.cell))

    def as_fields(self) -> dict[str, str | None]:
        return {"wing": self.wing, "landing": self.landing, "cell": self.cell}

    def same_place(self, other: Location) -> bool:
        return all((a or "").casefold() == (b or "").casefold()
                   for a, b in zip(self.as_fields().values(), other.as_fields().values(), strict=True))


def location_of(subject: Subject) -> Location:
    return Location(subject.wing, subject.landing, subject.cell)


@dataclass(frozen=True)
class Confirmation:
    """A supervisor's go-ahead for a move that meets a conflict: the tick, the reason, and the move the warning
    they saw was about (a confirmation never covers a move they were not warned of)."""

    confirmed: bool = False
    reason: str = ""
    warned_move: str = ""


class MoveNeedsConfirmation(Invalid):
    """The move meets conflicts: nothing was saved. `can_confirm` says whether the user may confirm it."""

    def __init__(self, message: str, conflicts: Sequence[MoveConflict], *, can_confirm: bool, warned_move: str,
                 field_errors: dict[str, list[str]] | None = None) -> None:
        super().__init__(message, field_errors=field_errors)
        self.conflicts = list(conflicts)
        self.can_confirm = can_confirm
        self.warned_move = warned_move


def move_key(move: Move) -> str:
    """The move as the form's hidden field carries it back: what the user typed, nothing more."""
    return "|".join([move.kind, str(move.unit_id), move.wing or "", move.landing or "", move.cell or ""])


def check_move(actor: User, subject: Subject, move: Move, confirmation: Confirmation) -> list[MoveConflict]:
    """The conflicts the move meets, once a supervisor of the person's unit has confirmed them with a reason;
    raises MoveNeedsConfirmation (writing nothing but the audited read of the people the warning names)
    otherwise. Call it after the move's own values are valid and before anything is changed."""
    conflicts = registry().move_conflicts(actor, subject, move)
    if not conflicts:
        return []
    trail.record_view({i for c in conflicts for i in c.named_ids}, object_type="move_conflicts",
                      object_id=subject.id)
    can_confirm = policy.can_confirm_conflicting_move(actor, subject)
    if not can_confirm:
        raise MoveNeedsConfirmation(_("This move meets a keep-apart: only a supervisor of the person's unit can "
                                      "confirm it. Nothing was saved."), conflicts, can_confirm=False,
                                    warned_move=move_key(move))
    if confirmation.warned_move != move_key(move):
        raise MoveNeedsConfirmation(_("This move meets a keep-apart. Nothing was saved: read the conflicts below; "
                                      "to go ahead, confirm the move and give the reason."), conflicts,
                                    can_confirm=True, warned_move=move_key(move))
    errors: dict[str, list[str]] = {}
    if not confirmation.confirmed:
        errors["confirm_move"] = [_("Tick to confirm that the move goes ahead despite the keep-apart.")]
    if len(confirmation.reason.strip()) < MIN_REASON:
        errors["move_reason"] = [_("Give the reason the move must go ahead (at least %(num)s characters).",
                                   num=MIN_REASON)]
    if errors:
        raise MoveNeedsConfirmation(_("The move was not saved: it meets a keep-apart."), conflicts, can_confirm=True,
                                    warned_move=move_key(move), field_errors=errors)
    return conflicts


def confirm(actor: User, subject: Subject, move: Move, conflicts: Sequence[MoveConflict],
            confirmation: Confirmation) -> None:
    """Record the confirmation of the conflicts `check_move` returned, once the move is made."""
    if conflicts:
        registry().confirm_move(actor, subject, move, conflicts, confirmation.reason.strip())


def validate_location(location: Location) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    for name, value in location.as_fields().items():
        if value is not None and len(value) > LOCATION_MAX:
            errors[name] = [_("Use at most %(num)s characters.", num=LOCATION_MAX)]
    if location.landing and not location.wing:
        errors.setdefault("wing", []).append(_("A landing is on a wing: give the wing too."))
    if location.cell and not location.landing:
        errors.setdefault("landing", []).append(_("A cell is on a landing: give the landing too."))
    return errors


def change_location(actor: User, subject: Subject, typed: Location, expected_version: int,
                    confirmation: Confirmation | None = None) -> None:
    """Move the person within their unit (or clear where they are, with every part empty), from the record as
    it was at `expected_version`. Raises Invalid for a bad location, MoveNeedsConfirmation when the move meets
    a keep-apart that is not confirmed, Conflict when someone changed the record meanwhile."""
    if not policy.can_change_location(actor, subject):
        raise NotAllowed(_("Only the staff of the person's prison can change where they are."))
    location = typed.normalised()
    errors = validate_location(location)
    if not errors and location.same_place(location_of(subject)):
        errors["wing"] = [_("That is where the person is now: give the new location.")]
    if errors:
        raise Invalid(_("The location was not changed."), field_errors=errors)
    move = Move("location", subject.unit_id, location.wing, location.landing, location.cell)
    conflicts = check_move(actor, subject, move, confirmation or Confirmation())
    before = location_of(subject).as_fields()
    bump_version(subject, expected_version,
                 _("%(name)s's record was changed by someone else while you were moving them.",
                   name=subject.full_name),
                 **location.as_fields())
    trail.record("update", object_type=LOCATION_OBJECT, object_id=subject.id, subject_id=subject.id,
                 details={"changes": trail.changes(before, location.as_fields()), "location": location.as_fields(),
                          "version": subject.version,
                          "confirmed_conflicts": len(conflicts)})
    confirm(actor, subject, move, conflicts, confirmation or Confirmation())


def timeline(subject: Subject) -> Iterable[TimelineEntry]:
    """Location changes, read from their audit events (the trail is their history)."""
    for event in history.steps_of(subject.id, LOCATION_OBJECT, "update"):
        after = event.details.get("location") or {}
        place = location_text(after.get("wing"), after.get("landing"), after.get("cell"))
        yield TimelineEntry(event.occurred_at, "location", _("Location changed") if place else _("Location cleared"),
                            _("Now %(location)s.", location=place) if place else "", event.actor_username)
