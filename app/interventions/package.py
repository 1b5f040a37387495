"""The interventions feature's section of a signed case package: each intervention's type, status, dates, goals
with their outcomes and attendance counts, as codes. Minimised: no owner, no session notes, no observations."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from app.i18n import day_from_iso
from app.i18n import gettext as _
from app.i18n import lazy_gettext as _l
from app.interventions.models import Attendance, GoalOutcome, InterventionStatus, InterventionType
from app.interventions.queries import subject_interventions
from app.registry import PackageSection, PersonRegistry, ReceivedItem
from app.subjects.models import Subject


def _iso(day: date | None) -> str | None:
    return day.isoformat() if day else None


def build(subject: Subject) -> list[dict[str, Any]] | None:
    interventions = subject_interventions(subject)
    if not interventions:
        return None
    return [{
        "type": i.type, "provider": i.provider, "status": i.status, "referred_on": i.referred_on.isoformat(),
        "started_on": _iso(i.started_on), "ended_on": _iso(i.ended_on), "outcome_summary": i.outcome_summary,
        "goals": [{"text": g.text, "outcome": g.outcome} for g in i.goals],
        "attendance": {a.value: sum(1 for s in i.sessions if s.attendance == a.value) for a in Attendance},
    } for i in interventions]


def _label(enum: type[InterventionType] | type[InterventionStatus] | type[GoalOutcome], code: str | None) -> str:
    if not code:
        return "—"
    try:
        return enum(code).label
    except ValueError:
        return str(_("%(code)s (a code this service does not use)", code=code))


def _attendance(code: str) -> str:
    try:
        return Attendance(code).label
    except ValueError:
        return code



def read(data: Any) -> Sequence[ReceivedItem]:
    shown = []
    for sent in data:
        attendance = _("; ").join(_("%(attendance)s: %(count)s", attendance=_attendance(code), count=count)
                                  for code, count in sorted(sent["attendance"].items()) if count)
        facts = ((_("Provider"), sent["provider"]), (_("Status"), _label(InterventionStatus, sent["status"])),
                 (_("Referred on"), day_from_iso(sent["referred_on"], "—")),
                 (_("Started on"), day_from_iso(sent.get("started_on"), "—")),
                 (_("Ended on"), day_from_iso(sent.get("ended_on"), "—")), (_("Sessions"), attendance or _("none")))
        goals = tuple((_("Goal (%(outcome)s)", outcome=_label(GoalOutcome, g.get("outcome"))), g["text"])
                      for g in sent["goals"])
        summary = ((_("Outcome"), sent["outcome_summary"]),) if sent.get("outcome_summary") else ()
        shown.append(ReceivedItem(_("Intervention: %(type)s", type=_label(InterventionType, sent["type"])), facts,
                                  goals + summary))
    return shown


def register(registry: PersonRegistry) -> None:
    registry.add_package_section(PackageSection("interventions", _l("Interventions and their outcomes"), build, read))
