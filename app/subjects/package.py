"""The people feature's sections of a signed case package (app/registry.py `PackageSection`): who the person is,
and their custody or supervision status with its dates. Codes only; the receiving service words them."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

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
        return f"{code} (a code this service does not use)"


def read_identity(data: Any) -> Sequence[ReceivedItem]:
    return [ReceivedItem("Identity as sent", (
        ("Reference", data["reference"]), ("Name", f"{data['given_name']} {data['family_name']}"),
        ("Date of birth", data["date_of_birth"])))]


def read_custody(data: Any) -> Sequence[ReceivedItem]:
    alerts = ", ".join(_label(AlertCode, c) for c in data.get("alerts", [])) or "None"
    return [ReceivedItem("Custody or supervision as sent", (
        ("Status", _label(CustodyStatus, data["status"])),
        ("Index offence", _label(OffenceCategory, data["index_offence_category"])),
        ("Sentence date", data.get("sentence_date") or "—"), ("Release date", data.get("release_date") or "—"),
        ("Alerts", alerts)))]


def register(registry: PersonRegistry) -> None:
    registry.add_package_section(PackageSection("identity", "Identity (reference, names, date of birth)",
                                                build_identity, read_identity, required=True))
    registry.add_package_section(PackageSection("custody", "Custody or supervision status and dates, alert flags",
                                                build_custody, read_custody))
