"""The case conferences' section of a signed case package: each decision about the person — the conference's
date and kind, the decision and its rationale — as codes, so that the receiving service words them in its own
terms. Minimised: no attendees, dissent, notes or actions (they name staff and often other people)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from app.conferences import decisions
from app.conferences.models import ConferenceKind
from app.conferences.queries import subject_discussions
from app.registry import PackageSection, PersonRegistry, ReceivedItem
from app.subjects.models import Subject


def build(subject: Subject) -> list[dict[str, Any]] | None:
    decided = [d for d in subject_discussions(subject) if d.decision is not None]
    if not decided:
        return None
    return [{"held_on": d.conference.held_on.isoformat(), "kind": d.conference.kind, "decision": d.decision,
             "rationale": d.rationale} for d in decided]


def _kind(code: str) -> str:
    try:
        return ConferenceKind(code).label
    except ValueError:
        return f"{code} (a code this service does not use)"


def _decision(code: str) -> str:
    return decisions.offered().get(code, f"{code} (a code this service does not use)")


def read(data: Any) -> Sequence[ReceivedItem]:
    return [ReceivedItem(f"Case conference on {sent['held_on']}: {_kind(sent['kind'])}",
                         (("Decision", _decision(sent["decision"])),),
                         (("Rationale", sent["rationale"]),) if sent.get("rationale") else ())
            for sent in data]


def register(registry: PersonRegistry) -> None:
    registry.add_package_section(PackageSection("conference_decisions", "Case conference decisions", build, read))
