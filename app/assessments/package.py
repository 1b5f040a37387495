"""The assessments feature's section of a signed case package: the person's approved assessments, each with its
instrument's id, version and file hash, ratings and judgement as codes, and the instrument's own words for those
codes, so that a service that does not hold the instrument can still show what was assessed (labelled so)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import select

from app.assessments import catalogue
from app.assessments.models import Assessment, AssessmentStatus
from app.db import db
from app.i18n import day_from_iso
from app.i18n import gettext as _
from app.i18n import lazy_gettext as _l
from app.registry import PackageSection, PersonRegistry, ReceivedItem
from app.subjects.models import Subject
from instruments.loader import Instrument


def _instrument_text(instrument: Instrument | None) -> dict[str, Any] | None:
    if instrument is None:
        return None
    return {"title": instrument.title,
            "items": [{"code": i.code, "title": i.title, "options": {o.value: o.label for o in i.options}}
                      for i in instrument.items()],
            "overall_judgements": {o.value: o.label for o in instrument.overall_judgements}}


def build(subject: Subject) -> list[dict[str, Any]] | None:
    rows = db.session.scalars(select(Assessment).where(
        Assessment.subject_id == subject.id,
        Assessment.status.in_([AssessmentStatus.APPROVED.value, AssessmentStatus.SUPERSEDED.value]))
        .order_by(Assessment.approved_at, Assessment.id)).all()
    if not rows:
        return None
    sent = []
    for a in rows:
        instrument = catalogue.find(a.instrument_id, a.instrument_version)
        sent.append({
            "instrument_id": a.instrument_id, "instrument_version": a.instrument_version,
            "instrument_sha256": instrument.content_hash if instrument else None,
            "status": a.status, "approved_on": a.approved_at.date().isoformat() if a.approved_at else None,
            "review_due": a.review_due.isoformat() if a.review_due else None,
            "overall_judgement": a.overall_judgement, "rationale": a.rationale,
            "ratings": [{"item_code": r.item_code, "rating": r.rating, "evidence": r.evidence} for r in a.ratings],
            "instrument_text": _instrument_text(instrument),
        })
    return sent


def _words(sent: dict[str, Any]) -> tuple[dict[str, str], dict[str, dict[str, str]], dict[str, str], str, str]:
    """(item titles, option labels by item, judgement labels, instrument title, notice): this service's own words
    when it holds the very same instrument file, else the package's, with a notice saying so."""
    local = catalogue.find(sent["instrument_id"], sent["instrument_version"])
    if local is not None and local.content_hash == sent.get("instrument_sha256"):
        text = _instrument_text(local)
        notice = ""
    else:
        text = sent.get("instrument_text")
        notice = _("This service does not hold this instrument version: its words are shown from the package's "
                   "own text.")
    if not text:
        return {}, {}, {}, sent["instrument_id"], _(
            "This service does not hold this instrument version, and the package carried no text for it: codes "
            "are shown.")
    items = {i["code"]: i["title"] for i in text["items"]}
    options = {i["code"]: i["options"] for i in text["items"]}
    return items, options, text["overall_judgements"], text["title"], notice



def read(data: Any) -> Sequence[ReceivedItem]:
    shown = []
    for sent in data:
        items, options, judgements, title, notice = _words(sent)
        judgement = judgements.get(sent["overall_judgement"], sent["overall_judgement"])
        facts = ((_("Instrument"), f"{title} ({sent['instrument_id']} {sent['instrument_version']})"),
                 (_("Approved on"), day_from_iso(sent.get("approved_on"), "—")),
                 (_("Status when sent"), AssessmentStatus(sent["status"]).label
                  if sent["status"] in AssessmentStatus.__members__.values() else sent["status"]),
                 (_("Overall judgement"), judgement))
        ratings = tuple(
            (f"{r['item_code']} {items.get(r['item_code'], '')}".strip(),
             f"{options.get(r['item_code'], {}).get(r['rating'], r['rating'])}: {r['evidence']}")
            for r in sent["ratings"])
        shown.append(ReceivedItem(_("Assessment: %(instrument)s", instrument=title), facts,
                                  ((_("Rationale"), sent["rationale"]), *ratings),
                                  notice.strip()))
    return shown


def register(registry: PersonRegistry) -> None:
    registry.add_package_section(PackageSection(
        "assessments", _l("Approved assessments (ratings, evidence, judgement)"), build, read))
