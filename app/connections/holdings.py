"""What the connections feature holds about a person — affiliations, links with other people, skills of
concern, recruitment targets and keep-apart overrides — registered with the core (app/registry.py) in
`create_app`.

Registered after the interventions, so erased before them: a recruitment target points at its observation.
Erasing a person deletes every link that names them from the other person's record too, and every override
and recruitment target that involved them, so that nothing records who they were."""

from __future__ import annotations

from collections.abc import Iterable

from flask import g, has_app_context
from sqlalchemy import delete, or_, select

from app.auth.models import User
from app.connections import link_queries
from app.connections.models import (
    Affiliation,
    KeepApartOverride,
    LinkStatus,
    PersonLink,
    PersonSkill,
    RecruitmentTarget,
)
from app.db import db
from app.interventions.models import Observation, ObservationCategory
from app.registry import DigestedText, Holding, PersonRegistry, TimelineEntry, bulk, object_id
from app.subjects.models import Subject

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


def subject_access(subject: Subject) -> dict[str, object]:
    sections: dict[str, object] = {}
    sections |= _links_subject_access(subject)
    return sections


def timeline(subject: Subject) -> Iterable[TimelineEntry]:
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
        yield TimelineEntry(link.recorded_at, "link", f"Link recorded: {what}",
                            "Awaiting confirmation by the other person's unit."
                            if link.status == LinkStatus.PENDING else "", link.recorded_by.display_name)
        if link.confirmed_at is not None and link.status != LinkStatus.REFUSED:
            yield TimelineEntry(link.confirmed_at, "link", f"Link confirmed: {what}", by=_name(link.confirmed_by))
        if link.ended_at is not None:
            word = "refused" if link.status == LinkStatus.REFUSED else "ended"
            yield TimelineEntry(link.ended_at, "link", f"Link {word}: {what}", by=_name(link.ended_by))
    for target in db.session.scalars(select(RecruitmentTarget).where(RecruitmentTarget.target_id == subject.id)):
        yield TimelineEntry(target.recorded_at, "recruitment", "Targeted by a recruitment attempt",
                            f"Observed {target.observation.observed_on.isoformat()}.")
        if target.reviewed_at is not None:
            yield TimelineEntry(target.reviewed_at, "recruitment", "Recruitment targeting reviewed",
                                by=_name(target.reviewed_by))


def _name(user: User | None) -> str | None:
    return user.display_name if user is not None else None


def register(registry: PersonRegistry) -> None:
    registry.hold(Holding("connections", TABLES, erase=erase, subject_access=subject_access, timeline=timeline))
    # conn-links
    registry.subject_panels.append(link_queries.subject_panel)
    registry.dashboard_panels.append(link_queries.dashboard_panel)
    registry.observation_forms[ObservationCategory.RECRUITMENT.value] = "links.record_recruitment"
    # The review note of a targeting is shown on its audit event to the target's unit. A link's end or refusal
    # reason is not: it may name the other person, whom that event's readers may not see.
    registry.digested_texts.append(DigestedText("review", "targeting_note_sha256", RecruitmentTarget.review_note,
                                                object_id))
