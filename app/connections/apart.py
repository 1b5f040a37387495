"""Keep-apart that works (DESIGN §10): a keep-apart link between two people has a level (cell, landing, wing,
establishment; each forbids every narrower one), is recorded by a case worker and enforced only once a supervisor
of either person's unit has authorised it. Every move of a person — a location change within the unit, a transfer
to another — is checked against the keep-aparts in force (a `MoveGuard` the people feature asks without naming
this one); a supervisor's confirmation of a move that meets one is a `KeepApartOverride` row with its reason.

A person the user may not see is never named: the conflict is "a keep-apart conflict with a person in that unit",
and lists and panels say "a person in another unit". Services flush and never commit; every change is audited,
reasons only as digests."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date

from sqlalchemy import Select, and_, or_, select
from sqlalchemy.orm import aliased, joinedload

from app import policy
from app.audit import trail
from app.auth.models import Unit, User
from app.connections.link_queries import links_of
from app.connections.models import (
    HandlingCode,
    IntelligenceGrade,
    KeepApartLevel,
    KeepApartOverride,
    LinkKind,
    LinkStatus,
    PersonLink,
    SourceGrade,
)
from app.db import built_once, bump_version, db, utcnow
from app.errors import Invalid, NotAllowed
from app.i18n import gettext as _
from app.i18n import lazy_gettext as _l
from app.registry import Move, MoveConflict, MoveGuard, Panel, PersonRows, TimelineEntry
from app.subjects.models import AlertCode, Subject
from reports import model

GUARD = "keep_apart"
OUT_OF_SCOPE = _l("a person in another unit")
OUT_OF_SCOPE_CONFLICT = _l("A keep-apart conflict with a person in that unit.")
MIN_REASON = 10
TEXT_MAX = 4000
# Narrowest first: a level forbids itself and every level before it.
LEVELS = tuple(KeepApartLevel)
PLACE_PARTS = {KeepApartLevel.ESTABLISHMENT: 0, KeepApartLevel.WING: 1, KeepApartLevel.LANDING: 2,
               KeepApartLevel.CELL: 3}


@dataclass(frozen=True)
class KeepApartValues:
    """A keep-apart as recorded: its level and the graded intelligence behind it."""

    level: str
    evidence: str
    source: str
    learnt_on: date | None
    source_grade: str
    intelligence_grade: str
    handling_code: str
    review_on: date | None = None


# --- recording, authorising, declining ---------------------------------------------------------------


def _validate(values: KeepApartValues, subject: Subject, other: Subject | None) -> dict[str, list[str]]:
    today = utcnow().date()
    errors: dict[str, list[str]] = {}
    if other is None:
        errors["other"] = [_("Choose the person to keep apart from.")]
    elif other.id == subject.id:
        errors["other"] = [_("A person cannot be kept apart from themselves.")]
    elif current_between(subject.id, other.id) is not None:
        errors["other"] = [_("These two people already have a current keep-apart: end it before recording "
                             "another.")]
    if values.level not in {v.value for v in KeepApartLevel}:
        errors["level"] = [_("Choose how far apart they must be kept.")]
    for name, missing in (("evidence", _("Give the evidence.")), ("source", _("Give the source."))):
        text = getattr(values, name).strip()
        if not text:
            errors[name] = [missing]
        elif len(text) > TEXT_MAX:
            errors[name] = [_("Use at most %(num)d characters.", num=TEXT_MAX)]
    if values.learnt_on is None:
        errors["learnt_on"] = [_("Enter the date it was learnt, for example %(date)s.", date="2026-11-25")]
    elif values.learnt_on > today:
        errors["learnt_on"] = [_("The date it was learnt cannot be in the future.")]
    if values.review_on is not None and values.review_on <= today:
        errors["review_on"] = [_("The review date must be after today.")]
    for name, enum in (("source_grade", SourceGrade), ("intelligence_grade", IntelligenceGrade),
                       ("handling_code", HandlingCode)):
        if getattr(values, name) not in {v.value for v in enum}:
            errors[name] = [_("Choose a grade from the list.")]
    return errors


def create_keep_apart(actor: User, subject: Subject, other: Subject | None, values: KeepApartValues) -> PersonLink:
    """Record that `subject` and `other` must be kept apart at a level. It is not enforced until a supervisor
    authorises it; to a person out of the actor's scope it waits, as any link does, for a supervisor of that
    person's unit to confirm it. Raises Invalid with every problem at once."""
    if not policy.can_edit_subject(actor, subject):
        raise NotAllowed(_("You can record keep-aparts only for the people of your units or caseload."))
    errors = _validate(values, subject, other)
    if errors:
        raise Invalid(_("The keep-apart was not recorded."), field_errors=errors)
    assert other is not None and values.learnt_on is not None  # noqa: S101 - validated above
    link = PersonLink(
        subject_id=subject.id, other_id=other.id, kind=LinkKind.KEEP_APART.value,
        status=(LinkStatus.ACTIVE if policy.in_scope(actor, other) else LinkStatus.PENDING).value,
        keep_apart_level=values.level, evidence=values.evidence.strip(), source=values.source.strip(),
        learnt_on=values.learnt_on, review_on=values.review_on, source_grade=values.source_grade,
        intelligence_grade=values.intelligence_grade, handling_code=values.handling_code, recorded_by_id=actor.id,
        version=1)
    db.session.add(link)
    db.session.flush()
    trail.record("create", object_type="person_link", object_id=link.id, subject_id=subject.id,
                 details={"kind": link.kind, "level": link.keep_apart_level, "status": link.status,
                          "subject_ids": [other.id]})
    return link


def current_between(first_id: int, second_id: int) -> PersonLink | None:
    """The current (not ended, not refused) keep-apart between two people, either way round."""
    return db.session.scalars(select(PersonLink).where(
        PersonLink.kind == LinkKind.KEEP_APART.value,
        PersonLink.status.in_([LinkStatus.ACTIVE.value, LinkStatus.PENDING.value]), PersonLink.ended_at.is_(None),
        or_(and_(PersonLink.subject_id == first_id, PersonLink.other_id == second_id),
            and_(PersonLink.subject_id == second_id, PersonLink.other_id == first_id)))).first()


def _changed_meanwhile(link: PersonLink) -> str:
    return str(_("This keep-apart was changed by someone else meanwhile: read it again before deciding."))


def authorise(actor: User, link: PersonLink, expected_version: int) -> None:
    """From now on the keep-apart is enforced on every move of either person."""
    if not policy.can_authorise_keep_apart(actor, link):
        raise NotAllowed(_("Only a supervisor of either person's unit can authorise this keep-apart."))
    now = utcnow()
    bump_version(link, expected_version, _changed_meanwhile(link), authorised_by_id=actor.id, authorised_at=now)
    trail.record("authorise_keep_apart", object_type="person_link", object_id=link.id, subject_id=link.subject_id,
                 details={"kind": link.kind, "level": link.keep_apart_level, "subject_ids": [link.other_id],
                          "version": link.version})


def decline(actor: User, link: PersonLink, reason: str, expected_version: int) -> None:
    """The keep-apart is refused, with the reason, and never enforced; its row stays as history."""
    if not policy.can_authorise_keep_apart(actor, link):
        raise NotAllowed(_("Only a supervisor of either person's unit can decline this keep-apart."))
    reason = reason.strip()
    if len(reason) < MIN_REASON:
        raise Invalid(_("The keep-apart was not declined."), field_errors={
            "reason": [_("Give the reason it is declined (at least %(num)d characters).", num=MIN_REASON)]})
    if len(reason) > TEXT_MAX:
        raise Invalid(_("The keep-apart was not declined."),
                      field_errors={"reason": [_("Use at most %(num)d characters.", num=TEXT_MAX)]})
    bump_version(link, expected_version, _changed_meanwhile(link), status=LinkStatus.REFUSED.value,
                 ended_at=utcnow(), ended_by_id=actor.id, end_reason=reason)
    trail.record("decline_keep_apart", object_type="person_link", object_id=link.id, subject_id=link.subject_id,
                 details={"kind": link.kind, "level": link.keep_apart_level, "subject_ids": [link.other_id],
                          "reason_sha256": trail.digest(reason), "version": link.version})


def awaiting_authorisation(user: User) -> list[PersonLink]:
    """The keep-aparts the supervisor may authorise, oldest first."""
    return list(db.session.scalars(built_once(_awaiting_authorisation, user.role), policy.viewer_params(user)))


def _awaiting_authorisation(role: str) -> Select[tuple[PersonLink]]:
    return (select(PersonLink).where(policy.keep_aparts_authorisable_by_viewer(role))
            .options(joinedload(PersonLink.subject), joinedload(PersonLink.other), joinedload(PersonLink.recorded_by))
            .order_by(PersonLink.recorded_at, PersonLink.id))


def in_force(subject_id: int) -> list[PersonLink]:
    """The authorised, current keep-aparts of a person (with people not erased): what every move is checked
    against."""
    mine = or_(PersonLink.subject_id == subject_id, PersonLink.other_id == subject_id)
    first, second = aliased(Subject), aliased(Subject)
    return list(db.session.scalars(
        select(PersonLink).join(first, PersonLink.subject).join(second, PersonLink.other)
        .where(mine, PersonLink.kind == LinkKind.KEEP_APART.value, PersonLink.status == LinkStatus.ACTIVE.value,
               PersonLink.authorised_at.is_not(None), PersonLink.ended_at.is_(None),
               first.erased_at.is_(None), second.erased_at.is_(None))
        .order_by(PersonLink.id)))


def other_of(link: PersonLink, subject_id: int) -> Subject:
    return link.other if link.subject_id == subject_id else link.subject


def person_label(user: User, person: Subject) -> str:
    """How a page names a person: by name and reference to someone who may see them, else not at all."""
    if policy.can_view_subject(user, person):
        return f"{person.full_name} ({person.reference})"
    return str(OUT_OF_SCOPE)


# --- the check on every move ------------------------------------------------------------------------


def _parts(unit_id: int, wing: str | None, landing: str | None, cell: str | None) -> tuple[str | None, ...]:
    return (str(unit_id), *((v or "").casefold() or None for v in (wing, landing, cell)))


def shares(level: KeepApartLevel, mine: tuple[str | None, ...], theirs: tuple[str | None, ...]) -> bool:
    """Whether two places are the same at `level`: the same unit, and the same wing, landing and cell as far
    down as the level goes (a part not known is never the same)."""
    depth = PLACE_PARTS[level] + 1
    return all(a is not None and a == b for a, b in zip(mine[:depth], theirs[:depth], strict=True))


def _conflict(level: KeepApartLevel, other: Subject, move: Move, unit: Unit) -> str:
    """The conflict with a person the user may see, in one sentence: who, the level, where both would be."""
    names = {"name": other.full_name, "reference": other.reference, "unit": unit.name, "wing": move.wing,
             "landing": move.landing, "cell": move.cell}
    message: str
    if level == KeepApartLevel.ESTABLISHMENT:
        message = _("Keep apart from %(name)s (%(reference)s), establishment level: both would be in %(unit)s.",
                    **names)
    elif level == KeepApartLevel.WING:
        message = _("Keep apart from %(name)s (%(reference)s), wing level: both would be on wing %(wing)s.", **names)
    elif level == KeepApartLevel.LANDING:
        message = _("Keep apart from %(name)s (%(reference)s), landing level: both would be on landing %(landing)s "
                    "of wing %(wing)s.", **names)
    else:
        message = _("Keep apart from %(name)s (%(reference)s), cell level: both would be in cell %(cell)s (wing "
                    "%(wing)s, landing %(landing)s).", **names)
    return message


def move_conflicts(user: User, subject: Subject, move: Move) -> list[MoveConflict]:
    """The authorised keep-aparts the move would break, each worded for what the user may see."""
    unit = db.session.get(Unit, move.unit_id)
    if unit is None:
        return []
    mine = _parts(move.unit_id, move.wing, move.landing, move.cell)
    found = []
    for link in in_force(subject.id):
        other = other_of(link, subject.id)
        level = KeepApartLevel(link.keep_apart_level or "")
        if not shares(level, mine, _parts(other.unit_id, other.wing, other.landing, other.cell)):
            continue
        if policy.can_view_subject(user, other):
            found.append(MoveConflict(GUARD, link.id, _conflict(level, other, move, unit), (other.id,)))
        else:
            found.append(MoveConflict(GUARD, link.id, str(OUT_OF_SCOPE_CONFLICT)))
    return found


def confirm_move(user: User, subject: Subject, move: Move, conflicts: Sequence[MoveConflict], reason: str) -> None:
    """A KeepApartOverride per keep-apart the supervisor lets the move break, audited with the reason's digest.
    Called once the move is made (a transfer's supervisor may no longer supervise the person): the move's own
    check (`app.subjects.moves.check_move`) has asked `policy.can_confirm_conflicting_move` before it."""
    for conflict in conflicts:
        link = db.session.get(PersonLink, conflict.key)
        assert link is not None and link.keep_apart_level is not None  # noqa: S101 - found in this request
        override = KeepApartOverride(subject_id=subject.id, link_id=link.id, move=move.kind,
                                     level=link.keep_apart_level, reason=reason, confirmed_by_id=user.id)
        db.session.add(override)
        db.session.flush()
        trail.record("override_keep_apart", object_type="keep_apart_override", object_id=override.id,
                     subject_id=subject.id, details={"link_id": link.id, "move": move.kind, "level": override.level,
                              "subject_ids": [other_of(link, subject.id).id],
                              "reason_sha256": trail.digest(reason)})


GUARD_REGISTRATION = MoveGuard(GUARD, move_conflicts, confirm_move)


# --- what pages show ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class KeepApartRow:
    link: PersonLink
    other: str  # as the viewer may see them
    other_id: int | None  # only when the viewer may see them
    where: str  # the other person's location, only when the viewer may see them
    enforced: bool


def current_for(user: User, subject: Subject) -> list[KeepApartRow]:
    """The person's current keep-aparts (enforced, or awaiting authorisation), as the user may see them."""
    links = sorted((link for link in links_of(subject) if link.kind == LinkKind.KEEP_APART
                    and link.status == LinkStatus.ACTIVE and link.ended_at is None), key=lambda link: link.id)
    rows = []
    for link in links:
        other = other_of(link, subject.id)
        if other.erased_at is not None:
            continue
        visible = policy.can_view_subject(user, other)
        rows.append(KeepApartRow(
            link, person_label(user, other), other.id if visible else None,
            (f"{other.unit.name}" + (f", {other.location_label}" if other.location_label else "")) if visible else "",
            link.authorised_at is not None))
    return rows


def subject_panel(user: User, subject: Subject) -> Panel | None:
    rows = current_for(user, subject)
    alert = AlertCode.KEEP_APART.value in subject.alert_codes
    if not rows and not alert:
        return None
    return Panel("connections/apart_subject_panel.html", {
        "subject": subject, "rows": rows, "alert": alert,
        "can_authorise": [r.link.id for r in rows if policy.can_authorise_keep_apart(user, r.link)],
    }, subject_ids=tuple(r.other_id for r in rows if r.other_id is not None))


def dashboard_panel(user: User) -> Panel | None:
    if not policy.is_supervisor(user):
        return None
    links = awaiting_authorisation(user)
    return Panel("connections/apart_dashboard_panel.html", {"rows": [awaiting_row(user, link) for link in links]},
                 subject_ids=tuple(sorted(_visible_people(user, links))))


@dataclass(frozen=True)
class AwaitingRow:
    link: PersonLink
    first: str
    first_id: int | None
    second: str
    second_id: int | None


def awaiting_row(user: User, link: PersonLink) -> AwaitingRow:
    def seen(person: Subject) -> int | None:
        return person.id if policy.can_view_subject(user, person) else None

    return AwaitingRow(link, person_label(user, link.subject), seen(link.subject), person_label(user, link.other),
                       seen(link.other))


def awaiting_rows(user: User) -> tuple[list[AwaitingRow], set[int]]:
    links = awaiting_authorisation(user)
    return [awaiting_row(user, link) for link in links], _visible_people(user, links)


def _visible_people(user: User, links: Iterable[PersonLink]) -> set[int]:
    return {p.id for link in links for p in (link.subject, link.other) if policy.can_view_subject(user, p)}


# --- the person's record: timeline and subject access ---------------------------------------------------


def timeline(subject: Subject) -> Iterable[TimelineEntry]:
    """Authorisations and declines of the person's keep-aparts, and the moves confirmed over them. The other
    person is not named: the timeline is read by everyone who sees this person, in scope of the other or not."""
    for link in (link for link in links_of(subject) if link.kind == LinkKind.KEEP_APART):
        if link.authorised_at is not None and link.authorised_by is not None:
            yield TimelineEntry(link.authorised_at, "keep_apart", _("Keep-apart authorised"), link.level_label,
                                link.authorised_by.display_name)
        if link.status == LinkStatus.REFUSED and link.ended_at is not None and link.authorised_at is None:
            # Not the reason: written by a supervisor of either person's unit, it may name the other person.
            yield TimelineEntry(link.ended_at, "keep_apart", _("Keep-apart declined"), link.level_label,
                                link.ended_by.display_name if link.ended_by else None)
    for override in _overrides(subject):
        yield TimelineEntry(override.confirmed_at, "keep_apart", _("Move confirmed over a keep-apart"),
                            _("%(move)s, %(level)s level. %(reason)s", move=_move_label(override.move),
                              level=_level_word(override.level), reason=override.reason),
                            override.confirmed_by.display_name)


OVERRIDES = PersonRows("keep_apart_overrides", lambda subject_id: select(KeepApartOverride).where(
    KeepApartOverride.subject_id == subject_id))


def _overrides(subject: Subject) -> list[KeepApartOverride]:
    return OVERRIDES.read(subject.id, lambda rows: rows.options(joinedload(KeepApartOverride.confirmed_by))
                          .order_by(KeepApartOverride.confirmed_at, KeepApartOverride.id))


_MOVES = {"location": _l("Location change"), "transfer": _l("Transfer")}
# A level in a sentence ("cell level").
_LEVEL_WORDS = {"cell": _l("cell"), "landing": _l("landing"), "wing": _l("wing"), "establishment": _l("establishment")}


def _move_label(move: str) -> str:
    return str(_MOVES.get(move, move))


def _level_word(level: str) -> str:
    return str(_LEVEL_WORDS.get(level, level))


def subject_access(subject: Subject) -> dict[str, object]:
    """The moves confirmed over a keep-apart of the person's (the other person is not named in the person's
    report: they have rights of their own)."""
    return {"keep_apart_overrides": tuple(
        model.KeepApartOverrideLine(o.confirmed_at, _move_label(o.move), KeepApartLevel(o.level).label,
                                    o.confirmed_by.display_name, o.reason)
        for o in _overrides(subject))}
