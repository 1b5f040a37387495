"""What the connections feature holds about a person — affiliations, links with other people, skills of
concern, recruitment targets and keep-apart overrides — registered with the core (app/registry.py) in
`create_app`.

Registered after the interventions, so erased before them: a recruitment target points at its observation.
Erasing a person deletes every link that names them from the other person's record too, and every override
and recruitment target that involved them, so that nothing records who they were."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import delete, or_, select

from app.connections import apart
from app.connections.models import Affiliation, KeepApartOverride, PersonLink, PersonSkill, RecruitmentTarget
from app.interventions.models import Observation
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
    return {**apart.subject_access(subject)}


def timeline(subject: Subject) -> Iterable[TimelineEntry]:
    yield from apart.timeline(subject)


def register(registry: PersonRegistry) -> None:
    registry.hold(Holding("connections", TABLES, erase=erase, subject_access=subject_access, timeline=timeline))
    register_apart(registry)


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
