"""The people feature's sections of a signed case package (app/registry.py `PackageSection`): who the person is,
and their custody or supervision status with its dates. Codes only; the receiving service words them."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any, cast

from app.i18n import day
from app.i18n import gettext as _
from app.i18n import lazy_gettext as _l
from app.registry import PackageSection, PersonRegistry, ReceivedItem
from app.subjects.models import AlertCode, CustodyStatus, OffenceCategory, Subject


def _iso(day: date | None) -> str | None:
    return day.isoformat() if day else None


def build_identity(subject: Subject) -> dict[str, Any]:
    return {"reference": subject.reference, "given_name": subject.given_name, "family_name": subject.family_name,
            "date_of_birth": subject.date_of_birth.isoformat()}


def build_custody(subject: Subject) -> dict[str, Any]:
    return {"status": subject.status, "index_offence_category": subject.index_offence_category,
            "sentence_date": _iso(subject.sentence_date), "release_date": _iso(subject.release_date),
            "alerts": sorted(a.code for a in subject.alerts)}


def _label(enum: type[CustodyStatus] | type[OffenceCategory] | type[AlertCode], code: str | None) -> str:
    if not code:
        return "—"
    try:
        return enum(code).label
    except ValueError:
        return str(_("%(code)s (a code this service does not use)", code=code))


def _day(text: str | None) -> str:
    """A date as sent (ISO) shown as this service shows dates; as sent when it is not one."""
    if not text:
        return "—"
    try:
        return day(date.fromisoformat(text))
    except (TypeError, ValueError):
        return str(text)


def read_identity(data: Any) -> Sequence[ReceivedItem]:
    name = _("%(given_name)s %(family_name)s", given_name=data["given_name"], family_name=data["family_name"])
    return [ReceivedItem(_("Identity as sent"), (
        (_("Reference"), data["reference"]), (_("Name"), name), (_("Date of birth"), _day(data["date_of_birth"]))))]


def read_custody(data: Any) -> Sequence[ReceivedItem]:
    alerts = _(", ").join(_label(AlertCode, c) for c in data.get("alerts", [])) or _("None")
    return [ReceivedItem(_("Custody or supervision as sent"), (
        (_("Status"), _label(CustodyStatus, data["status"])),
        (_("Index offence"), _label(OffenceCategory, data["index_offence_category"])),
        (_("Sentence date"), _day(data.get("sentence_date"))), (_("Release date"), _day(data.get("release_date"))),
        (_("Alerts"), alerts)))]


def register(registry: PersonRegistry) -> None:
    # The labels are lazy (read in the reader's language when shown); they render as str wherever used.
    identity = cast(str, _l("Identity (reference, names, date of birth)"))
    custody = cast(str, _l("Custody or supervision status and dates, alert flags"))
    registry.add_package_section(PackageSection("identity", identity, build_identity, read_identity, required=True))
    registry.add_package_section(PackageSection("custody", custody, build_custody, read_custody))
