"""The case conferences' section of a signed case package: each decision about the person — the conference's
date and kind, the decision and its rationale — as codes, so that the receiving service words them in its own
terms. Minimised: no attendees, dissent, notes or actions (they name staff and often other people)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any, cast

from app.conferences import decisions
from app.conferences.models import ConferenceKind
from app.conferences.queries import subject_discussions
from app.i18n import day
from app.i18n import gettext as _
from app.i18n import lazy_gettext as _l
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
        return _unknown(code)


def _unknown(code: str) -> str:
    return str(_("%(code)s (a code this service does not use)", code=code))


def _decision(code: str) -> str:
    offered = decisions.offered()
    return str(offered[code]) if code in offered else _unknown(code)


def _day(text: str) -> str:
    try:
        return day(date.fromisoformat(text))
    except (TypeError, ValueError):
        return str(text)


def read(data: Any) -> Sequence[ReceivedItem]:
    return [ReceivedItem(_("Case conference on %(date)s: %(kind)s", date=_day(sent["held_on"]),
                           kind=_kind(sent["kind"])),
                         ((_("Decision"), _decision(sent["decision"])),),
                         ((_("Rationale"), sent["rationale"]),) if sent.get("rationale") else ())
            for sent in data]


def register(registry: PersonRegistry) -> None:
    registry.add_package_section(PackageSection("conference_decisions", cast(str, _l("Case conference decisions")),
                                                build, read))
