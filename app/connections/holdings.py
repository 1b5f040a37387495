"""What the connections feature holds about a person — affiliations, links with other people, skills of
concern, recruitment targets and keep-apart overrides — registered with the core (app/registry.py) in
`create_app`.

Registered after the interventions, so erased before them: a recruitment target points at its observation.
Erasing a person deletes every link that names them from the other person's record too, and every override
and recruitment target that involved them, so that nothing records who they were."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from flask import g, has_app_context
from sqlalchemy import delete, or_, select

from app import policy
from app.auth.models import User
from app.connections import affiliations, apart, link_queries
from app.connections.models import (
    Affiliation,
    GroupLink,
    KeepApartOverride,
    LinkStatus,
    PersonLink,
    PersonSkill,
    RecruitmentTarget,
)
from app.db import utcnow
from app.i18n import day
from app.i18n import gettext as _
from app.interventions.models import Observation, ObservationCategory
from app.registry import DigestedText, Holding, Panel, PersonRegistry, TimelineEntry, bulk, object_id
from app.subjects.models import Subject
from reports import model

TABLES = ("affiliations", "person_links", "person_skills", "recruitment_targets", "keep_apart_overrides")


def erase(subject: Subject) -> dict[str, int]:
    links = select(PersonLink.id).where(or_(PersonLink.subject_id == subject.id, PersonLink.other_id == subject.id))
    observations = select(Observation.id).where(Observation.subject_id == subject.id)
    counts = {
        "recruitment targets": bulk(delete(RecruitmentTarget).where(or_(
            RecruitmentTarget.target_id == subject.id, RecruitmentTarget.observation_id.in_(observations),
            RecruitmentTarget.link_id.in_(links)))),
        "keep-apart overrides": bulk(delete(KeepApartOverride).where(or_(
            KeepApartOverride.subject_id == subject.id, KeepApartOverride.link_id.in_(links)))),
    }
    counts["links"] = bulk(delete(PersonLink).where(
        or_(PersonLink.subject_id == subject.id, PersonLink.other_id == subject.id)))
    counts["affiliations"] = bulk(delete(Affiliation).where(Affiliation.subject_id == subject.id))
    counts["skills"] = bulk(delete(PersonSkill).where(PersonSkill.subject_id == subject.id))
    return counts


# --- affiliations and skills (conn-groups) ---------------------------------------------------------------------


def _ended(ended_at: datetime | None, by: User | None, reason: str) -> str:
    if by is not None:
        return str(_("Ended %(date)s by %(name)s: %(reason)s", date=day(ended_at), name=by.display_name,
                     reason=reason))
    return str(_("Ended %(date)s: %(reason)s", date=day(ended_at), reason=reason))


def affiliation_line(a: Affiliation) -> model.AffiliationLine:
    return model.AffiliationLine(
        group=f"{a.group.name} ({a.group.kind_label})", role=a.role_label, grading=a.grading, evidence=a.evidence,
        source=a.source, learnt_on=a.learnt_on, review_on=a.review_on, recorded_by=a.recorded_by.display_name,
        ended=_ended(a.ended_at, a.ended_by, a.end_reason) if a.ended_at else "")


def skill_line(s: PersonSkill) -> model.SkillLine:
    return model.SkillLine(skill=s.skill_label, evidence=s.evidence, learnt_on=s.learnt_on,
                           recorded_by=s.recorded_by.display_name,
                           ended=_ended(s.ended_at, s.ended_by, s.end_reason) if s.ended_at else "")


def affiliation_lines(subject: Subject, *, current_only: bool) -> tuple[model.AffiliationLine, ...]:
    return tuple(affiliation_line(a) for a in affiliations.subject_affiliations(subject)
                 if not (current_only and a.ended_at))


def skill_lines(subject: Subject, *, current_only: bool) -> tuple[model.SkillLine, ...]:
    return tuple(skill_line(s) for s in affiliations.subject_skills(subject) if not (current_only and s.ended_at))


def groups_subject_access(subject: Subject) -> dict[str, object]:
    return {"affiliations": affiliation_lines(subject, current_only=False),
            "skills": skill_lines(subject, current_only=False)}


def groups_timeline(subject: Subject) -> Iterable[TimelineEntry]:
    for a in affiliations.subject_affiliations(subject):
        yield TimelineEntry(a.recorded_at, "affiliation",
                            _("Affiliation recorded: %(role)s of %(group)s", role=a.role_label.lower(),
                              group=a.group.name),
                            _("Learnt %(date)s. Grading %(grading)s. Source: %(source)s.", date=day(a.learnt_on),
                              grading=a.grading, source=a.source),
                            a.recorded_by.display_name)
        if a.ended_at:
            yield TimelineEntry(a.ended_at, "affiliation", _("Affiliation with %(group)s ended", group=a.group.name),
                                a.end_reason, a.ended_by.display_name if a.ended_by else None)
    for s in affiliations.subject_skills(subject):
        yield TimelineEntry(s.recorded_at, "skill", _("Skill of concern recorded: %(skill)s", skill=s.skill_label),
                            _("Learnt %(date)s.", date=day(s.learnt_on)), s.recorded_by.display_name)
        if s.ended_at:
            yield TimelineEntry(s.ended_at, "skill", _("Skill of concern ended: %(skill)s", skill=s.skill_label),
                                s.end_reason, s.ended_by.display_name if s.ended_by else None)


def groups_panel(user: User, subject: Subject) -> Panel | None:
    """"Groups and skills" on the person's page: current ties (an overdue review flagged) and skills, with the
    add and end actions for those who may record them; ended ones in a collapsed history."""
    ties = affiliations.subject_affiliations(subject)
    skills = affiliations.subject_skills(subject)
    return Panel("connections/groups_subject_panel.html", {
        "subject": subject, "today": utcnow().date(),
        "current": [a for a in ties if a.ended_at is None], "ended": [a for a in ties if a.ended_at],
        "skills": [s for s in skills if s.ended_at is None], "ended_skills": [s for s in skills if s.ended_at],
        "can_record": policy.can_record_affiliation(user, subject),
    }, subject_ids=(subject.id,))


def _register_groups(registry: PersonRegistry) -> None:
    registry.subject_panels.append(groups_panel)
    for action, key, column in (
            ("create", "affiliation_evidence_sha256", Affiliation.evidence),
            ("end", "affiliation_reason_sha256", Affiliation.end_reason),
            ("create", "skill_evidence_sha256", PersonSkill.evidence),
            ("end", "skill_reason_sha256", PersonSkill.end_reason),
            ("create", "group_link_evidence_sha256", GroupLink.evidence),
            ("end", "group_link_reason_sha256", GroupLink.end_reason)):
        registry.digested_texts.append(DigestedText(action, key, column, object_id))


# --- the holding ------------------------------------------------------------------------------------------------


def subject_access(subject: Subject) -> dict[str, object]:
    return {**apart.subject_access(subject), **groups_subject_access(subject), **_links_subject_access(subject)}


def timeline(subject: Subject) -> Iterable[TimelineEntry]:
    yield from apart.timeline(subject)
    yield from groups_timeline(subject)
    yield from _links_timeline(subject)


# --- conn-links: links between people and recruitment targets ------------------------------------------------


def _requester() -> User | None:
    """Who the report is made for: the other people of a link are described as they may see them."""
    return g.get("user") if has_app_context() else None


def _links_subject_access(subject: Subject) -> dict[str, object]:
    viewer = _requester()
    return {"person_links": link_queries.link_lines(viewer, subject),
            "recruitment_targets": link_queries.targeted_lines(viewer, subject)}


def _links_timeline(subject: Subject) -> Iterable[TimelineEntry]:
    """A link's steps on the person's timeline, naming no other person (a timeline is read by whoever may
    see this person, who may not see the other)."""
    for link in link_queries.links_of(subject):
        what = link_queries.relation(link, subject)
        yield TimelineEntry(link.recorded_at, "link", _("Link recorded: %(link)s", link=what),
                            _("Awaiting confirmation by the other person's unit.")
                            if link.status == LinkStatus.PENDING else "", link.recorded_by.display_name)
        if link.confirmed_at is not None and link.status != LinkStatus.REFUSED:
            yield TimelineEntry(link.confirmed_at, "link", _("Link confirmed: %(link)s", link=what),
                                by=_name(link.confirmed_by))
        if link.ended_at is not None:
            title = (_("Link refused: %(link)s", link=what) if link.status == LinkStatus.REFUSED
                     else _("Link ended: %(link)s", link=what))
            yield TimelineEntry(link.ended_at, "link", title, by=_name(link.ended_by))
    for target in link_queries.targeted_by(subject):
        yield TimelineEntry(target.recorded_at, "recruitment", _("Targeted by a recruitment attempt"),
                            _("Observed %(date)s.", date=day(target.observation.observed_on)))
        if target.reviewed_at is not None:
            yield TimelineEntry(target.reviewed_at, "recruitment", _("Recruitment targeting reviewed"),
                                by=_name(target.reviewed_by))


def _name(user: User | None) -> str | None:
    return user.display_name if user is not None else None


def register(registry: PersonRegistry) -> None:
    """The connections' holding, then each part's panels, hooks and digested texts: groups and skills, links and
    recruitment, keep-apart (the order of their panels on the pages)."""
    registry.hold(Holding("connections", TABLES, erase=erase, subject_access=subject_access, timeline=timeline))
    registry.read_sparsely(affiliations.AFFILIATIONS_NEAR, affiliations.SKILLS, link_queries.LINKS_NEAR,
                           link_queries.TARGETED, apart.OVERRIDES)
    _register_groups(registry)
    register_links(registry)
    register_apart(registry)


def register_links(registry: PersonRegistry) -> None:
    """conn-links: the person's links and the targeted-for-recruitment counts; the observation page hands a
    recruitment attempt to the fuller form that names its targets."""
    registry.subject_panels.append(link_queries.subject_panel)
    registry.dashboard_panels.append(link_queries.dashboard_panel)
    registry.observation_forms[ObservationCategory.RECRUITMENT.value] = "links.record_recruitment"
    # The review note of a targeting is shown on its audit event to the target's unit. A link's end or refusal
    # reason is not: it may name the other person, whom that event's readers may not see.
    registry.digested_texts.append(DigestedText("review", "targeting_note_sha256", RecruitmentTarget.review_note,
                                                object_id))


def register_apart(registry: PersonRegistry) -> None:
    """conn-apart: every move is checked against the keep-aparts in force; the person's keep-aparts on their page
    and the supervisors' keep-aparts awaiting authorisation on the dashboard; the reasons the trail digests."""
    registry.move_guards.append(apart.GUARD_REGISTRATION)
    registry.subject_panels.append(apart.subject_panel)
    registry.dashboard_panels.append(apart.dashboard_panel)
    registry.digested_texts.append(
        DigestedText("override_keep_apart", "reason_sha256", KeepApartOverride.reason, object_id))
    registry.digested_texts.append(
        DigestedText("decline_keep_apart", "reason_sha256", PersonLink.end_reason, object_id))
