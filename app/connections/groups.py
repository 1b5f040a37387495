"""The groups register and the links between groups: kept by supervisors, read by every case role.

A group is reference data (not about a person), so its changes are audited in clear; a group link's evidence
and its end reason go to the trail as digests all the same, since intelligence text may name people. Services
flush, never commit."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, or_, select

from app import policy
from app.audit import trail
from app.auth.models import User
from app.connections.models import CooperationForm, Group, GroupKind, GroupLink, NexusLevel
from app.db import bump_version, db, utcnow
from app.errors import Invalid, NotAllowed
from app.i18n import day
from app.i18n import gettext as _

NAME_MAX = 200
SOURCE_MAX = 200


@dataclass
class GroupValues:
    name: str
    kind: str
    aliases: str = ""
    description: str = ""


def _aliases(text: str) -> str:
    """One alias per line, trimmed, blank lines and repeats dropped (first spelling kept)."""
    seen: dict[str, str] = {}
    for line in text.splitlines():
        alias = " ".join(line.split())
        if alias and alias.casefold() not in seen:
            seen[alias.casefold()] = alias
    return "\n".join(seen.values())


def _check_group(values: GroupValues, group: Group | None) -> GroupValues:
    errors: dict[str, list[str]] = {}
    name = " ".join(values.name.split())
    if not name:
        errors["name"] = [_("Give the group's name.")]
    elif len(name) > NAME_MAX:
        errors["name"] = [_("Use at most %(num)d characters.", num=NAME_MAX)]
    else:
        clash = db.session.scalar(select(Group).where(func.lower(Group.name) == name.lower()))
        if clash is not None and clash is not group:
            errors["name"] = [_("A group named “%(name)s” is already in the register: open it rather than adding it "
                                "again, or add this name as one of its aliases.", name=clash.name)]
    if values.kind not in {k.value for k in GroupKind}:
        errors["kind"] = [_("Choose the kind of group.")]
    if errors:
        raise Invalid(_("The group was not saved."), field_errors=errors)
    return GroupValues(name=name, kind=values.kind, aliases=_aliases(values.aliases),
                       description=values.description.strip())


def create_group(actor: User, values: GroupValues) -> Group:
    if not policy.keeps_groups(actor):
        raise NotAllowed(_("The groups register is kept by supervisors."))
    clean = _check_group(values, None)
    group = Group(name=clean.name, kind=clean.kind, aliases=clean.aliases, description=clean.description,
                  active=True, created_by_id=actor.id, version=1)
    db.session.add(group)
    db.session.flush()
    trail.record("create", object_type="group", object_id=group.id,
                 details={"name": group.name, "kind": group.kind, "aliases": group.alias_list})
    return group


def update_group(actor: User, group: Group, values: GroupValues, expected_version: int) -> Group:
    """Change a group's name, kind, aliases or description; a stale form is refused (optimistic lock)."""
    if not policy.can_keep_group(actor, group):
        raise NotAllowed(_("The groups register is kept by supervisors."))
    clean = _check_group(values, group)
    before = {"name": group.name, "kind": group.kind, "aliases": group.aliases, "description": group.description}
    after = {"name": clean.name, "kind": clean.kind, "aliases": clean.aliases, "description": clean.description}
    bump_version(group, expected_version, _("This group was changed by someone else after you opened it. "
                                            "Nothing was saved."), **after)
    trail.record("update", object_type="group", object_id=group.id,
                 details={"changes": trail.changes(before, after)})
    return group


def set_group_active(actor: User, group: Group, active: bool, expected_version: int) -> None:
    """Deactivate (or reactivate) a group: it stays in the register and on every record, but no new
    affiliation or link can name it while inactive."""
    if not policy.can_keep_group(actor, group):
        raise NotAllowed(_("The groups register is kept by supervisors."))
    if group.active == active:
        return
    bump_version(group, expected_version, _("This group was changed by someone else after you opened it. "
                                            "Nothing was saved."), active=active)
    trail.record("update", object_type="group", object_id=group.id,
                 details={"changes": {"active": [not active, active]}})


# --- links between groups -------------------------------------------------------------------------------


@dataclass
class GroupLinkValues:
    other_group_id: int | None
    level: str
    cooperation_form: str
    since: date | None
    evidence: str
    source: str


def current_link_between(first_id: int, second_id: int) -> GroupLink | None:
    """The current link between two groups, whichever way round it was recorded."""
    return db.session.scalars(select(GroupLink).where(
        GroupLink.ended_on.is_(None),
        or_((GroupLink.group_id == first_id) & (GroupLink.other_group_id == second_id),
            (GroupLink.group_id == second_id) & (GroupLink.other_group_id == first_id))).limit(1)).first()


def _check_link(group: Group, values: GroupLinkValues) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    other = db.session.get(Group, values.other_group_id) if values.other_group_id is not None else None
    if other is None:
        errors["other_group"] = [_("Choose the other group.")]
    elif other.id == group.id:
        errors["other_group"] = [_("A group cannot be linked to itself: choose another group.")]
    elif not other.active:
        errors["other_group"] = [_("%(group)s is no longer active: reactivate it first.", group=other.name)]
    elif current_link_between(group.id, other.id) is not None:
        errors["other_group"] = [_("%(group)s and %(other)s already have a current link: end it before recording a "
                                   "new one (a change of level is a new link).", group=group.name, other=other.name)]
    if values.level not in {lv.value for lv in NexusLevel}:
        errors["level"] = [_("Choose the level: coexistence, cooperation or convergence.")]
    forms = {f.value for f in CooperationForm}
    if values.level == NexusLevel.COOPERATION and values.cooperation_form not in forms:
        errors["cooperation_form"] = [_("Choose the form the cooperation takes.")]
    elif values.level != NexusLevel.COOPERATION and values.cooperation_form:
        errors["cooperation_form"] = [_("Only a cooperation has a form: leave it empty for coexistence or "
                                        "convergence.")]
    if values.since is None:
        errors["since"] = [_("Enter the date since when, for example %(date)s.", date=utcnow().date().isoformat())]
    elif values.since > utcnow().date():
        errors["since"] = [_("The date cannot be in the future.")]
    if not values.evidence.strip():
        errors["evidence"] = [_("Give the evidence for the link.")]
    if not values.source.strip():
        errors["source"] = [_("Say where the evidence comes from.")]
    elif len(values.source) > SOURCE_MAX:
        errors["source"] = [_("Use at most %(num)d characters.", num=SOURCE_MAX)]
    return errors


def link_groups(actor: User, group: Group, values: GroupLinkValues) -> GroupLink:
    """Record that two groups interact at one of the three levels (cooperation with its form)."""
    if not policy.can_keep_group(actor, group):
        raise NotAllowed(_("Links between groups are recorded by supervisors."))
    if not group.active:
        raise Invalid(_("The link was not saved."), field_errors={"other_group": [
            _("%(group)s is no longer active: reactivate it first.", group=group.name)]})
    errors = _check_link(group, values)
    if errors:
        raise Invalid(_("The link was not saved."), field_errors=errors)
    assert values.other_group_id is not None and values.since is not None  # noqa: S101 - checked above
    link = GroupLink(group_id=group.id, other_group_id=values.other_group_id, level=values.level,
                     cooperation_form=values.cooperation_form or None, since=values.since,
                     evidence=values.evidence.strip(), source=values.source.strip(), recorded_by_id=actor.id,
                     version=1)
    db.session.add(link)
    db.session.flush()
    trail.record("create", object_type="group_link", object_id=link.id,
                 details={"group_id": link.group_id, "other_group_id": link.other_group_id, "level": link.level,
                          "cooperation_form": link.cooperation_form, "since": link.since.isoformat(),
                          "group_link_evidence_sha256": trail.digest(link.evidence)})
    return link


def end_group_link(actor: User, link: GroupLink, on: date | None, reason: str, expected_version: int) -> None:
    """End a link between groups with a reason; the link stays as history."""
    if not policy.keeps_groups(actor):
        raise NotAllowed(_("Links between groups are ended by supervisors."))
    if link.ended_on is not None:
        raise Invalid(_("This link has already ended."))
    errors: dict[str, list[str]] = {}
    if on is None:
        errors["on"] = [_("Enter the date it ended, for example %(date)s.", date=utcnow().date().isoformat())]
    elif on > utcnow().date():
        errors["on"] = [_("The date cannot be in the future.")]
    elif on < link.since:
        errors["on"] = [_("The link began on %(date)s: it cannot end before that.", date=day(link.since))]
    if len(reason.strip()) < 5:
        errors["reason"] = [_("Give the reason the link ended.")]
    if errors:
        raise Invalid(_("The link was not ended."), field_errors=errors)
    bump_version(link, expected_version, _("This link was changed by someone else after you opened it. "
                                           "Nothing was saved."),
                 ended_on=on, end_reason=reason.strip(), ended_by_id=actor.id)
    trail.record("end", object_type="group_link", object_id=link.id,
                 details={"on": on.isoformat() if on else None,
                          "group_link_reason_sha256": trail.digest(reason.strip())})


# --- reading ----------------------------------------------------------------------------------------------


def list_groups(kind: str | None = None, active: bool | None = None) -> list[Group]:
    stmt = select(Group)
    if kind:
        stmt = stmt.where(Group.kind == kind)
    if active is not None:
        stmt = stmt.where(Group.active.is_(active))
    return list(db.session.scalars(stmt.order_by(func.lower(Group.name))))


def active_groups() -> list[Group]:
    return list_groups(active=True)


def links_of(group: Group) -> list[GroupLink]:
    """Every link of the group, either way round: current ones first, then history, newest first."""
    links = db.session.scalars(select(GroupLink).where(
        or_(GroupLink.group_id == group.id, GroupLink.other_group_id == group.id))
        .order_by(GroupLink.since.desc(), GroupLink.id.desc()))
    return sorted(links, key=lambda link: link.ended_on is not None)


def current_links() -> list[GroupLink]:
    return list(db.session.scalars(select(GroupLink).where(GroupLink.ended_on.is_(None))
                                   .order_by(GroupLink.level, GroupLink.since.desc(), GroupLink.id)))
