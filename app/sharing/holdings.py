"""What the sharing feature holds about a person — disclosures on the register, requests received, case packages
received — registered with the core (app/registry.py) in `create_app`: erasure, subject access, timeline, the
person's page and the supervisors' dashboard; and the case package sections of the features below it.

Erasure keeps the register's entries, as the record of what was disclosed to whom under which basis (an
overseer's evidence), but removes their free text; a received package keeps its id and provenance (so the same
package cannot bring the person back) and loses its content."""

from __future__ import annotations

from collections.abc import Iterable

from flask import current_app
from sqlalchemy import select, update

from app import policy
from app.assessments import package as assessment_package
from app.auth.models import User
from app.conferences import package as conference_package
from app.db import utcnow
from app.i18n import day
from app.i18n import gettext as _
from app.i18n import lazy_gettext as _l
from app.interventions import package as intervention_package
from app.registry import (
    REMOVED_TEXT,
    DigestedText,
    DisclosureLedger,
    Holding,
    Panel,
    PersonRegistry,
    PersonRows,
    ReceivedItem,
    TimelineEntry,
    bulk,
    id_in_details,
    registry,
)
from app.sharing import services
from app.sharing.legal_bases import legal_bases
from app.sharing.models import Direction, Disclosure, DisclosureRequest, ReceivedPackage
from app.subjects import package as subject_package
from app.subjects.models import Subject
from reports import model

DIRECTION_WORDS = {Direction.OUTBOUND.value: _l("Sent to"), Direction.INBOUND.value: _l("Received from")}


def section_names(codes: Iterable[str]) -> str:
    """A package's sections as this service names them (a section it does not know, by its code)."""
    labels = {s.code: s.label for s in registry().package_sections}
    return ", ".join(str(labels.get(code, code)) for code in codes)


def what_was_shared(entry: Disclosure, *, as_codes: bool = False) -> str:
    """The kind of what was shared, then its description (or the package's sections, by name, or `as_codes` for
    a data file) and the start of the file's SHA-256 when there was a file."""
    sections = entry.sections or []
    shared = entry.description or (", ".join(sections) if as_codes else section_names(sections))
    digest = entry.sha256[:16] if entry.sha256 else ""
    if shared and digest:
        return str(_("%(kind)s: %(shared)s (SHA-256 %(digest)s…)", kind=entry.kind_label, shared=shared,
                     digest=digest))
    if shared:
        return str(_("%(kind)s: %(shared)s", kind=entry.kind_label, shared=shared))
    if digest:
        return str(_("%(kind)s (SHA-256 %(digest)s…)", kind=entry.kind_label, digest=digest))
    return entry.kind_label


def subject_access(subject: Subject) -> dict[str, object]:
    """Disclosures, except those withheld under a recorded exemption, and the requests received."""
    bases = legal_bases()
    return {
        "disclosures": tuple(
            model.DisclosureLine(d.disclosed_at, str(DIRECTION_WORDS[d.direction]), d.agency, d.country,
                                 bases.basis_title(d.legal_basis), d.purpose, what_was_shared(d))
            for d in services.subject_disclosures(subject) if not d.is_withheld),
        "disclosure_requests": tuple(
            model.DisclosureRequestLine(r.received_on, r.agency, r.country, bases.basis_title(r.legal_basis),
                                        r.asked_for, r.decision_label, r.responded_on)
            for r in services.subject_requests(subject)),
    }


def erase(subject: Subject) -> dict[str, int]:
    counts = {"disclosures": bulk(update(Disclosure).where(Disclosure.subject_id == subject.id).values(
        purpose=REMOVED_TEXT, agency_person="", withheld_reason="", description=""))}
    bulk(update(DisclosureRequest).where(DisclosureRequest.subject_id == subject.id).values(
        asked_for=REMOVED_TEXT, agency_person="", decision_reason=""))
    counts["received_packages"] = bulk(update(ReceivedPackage).where(ReceivedPackage.subject_id == subject.id)
                                       .values(signed_text="", payload={}))
    return counts


def timeline(subject: Subject) -> Iterable[TimelineEntry]:
    for d in services.subject_disclosures(subject):
        if d.direction == Direction.INBOUND:
            title = _("Received from %(agency)s (%(country)s)", agency=d.agency, country=d.country)
        else:
            title = _("Sent to %(agency)s (%(country)s)", agency=d.agency, country=d.country)
        yield TimelineEntry(d.disclosed_at, "disclosure", title, d.kind_label, d.disclosed_by_name)
    for r in services.subject_requests(subject):
        yield TimelineEntry(r.recorded_at, "disclosure_request",
                            _("Request for information from %(agency)s", agency=r.agency),
                            _("Due %(date)s. %(decision)s.", date=day(r.due_on), decision=r.decision_label),
                            r.recorded_by.display_name if r.recorded_by else None)


RECEIVED = PersonRows("received_packages", lambda subject_id: select(ReceivedPackage).where(
    ReceivedPackage.subject_id == subject_id))


def received_history(subject: Subject) -> list[tuple[ReceivedPackage, list[tuple[str, list[ReceivedItem]]]]]:
    """Each package received about the person, newest first, with its sections as read-only items."""
    packages = RECEIVED.read(subject.id, lambda rows: rows.order_by(ReceivedPackage.received_at.desc(),
                                                                    ReceivedPackage.id.desc()))
    shown = []
    for package in packages:
        sent = dict((package.payload or {}).get("sections", {}))
        sections = [(s.label, list(s.read(sent.pop(s.code)))) for s in registry().package_sections if s.code in sent]
        sections += [(code, [ReceivedItem(_("Section “%(code)s”", code=code), (), (),
                                          _("This service cannot show this section: it does not know its format."))])
                     for code in sorted(sent)]
        shown.append((package, sections))
    return shown


def subject_panel(user: User, subject: Subject) -> Panel | None:
    history = received_history(subject)
    can_send = policy.can_send_package(user, subject)
    if not history and not can_send:
        return None
    return Panel("sharing/_subject_panel.html", {
        "subject": subject, "history": history, "can_send": can_send,
        "can_record_request": policy.can_record_disclosure_request(user, subject),
    }, subject_ids=(subject.id,))


def dashboard_panel(user: User) -> Panel | None:
    overdue = services.overdue_requests(user)
    if not overdue:
        return None
    return Panel("sharing/_dashboard_panel.html", {"overdue": overdue, "today": utcnow().date()},
                 subject_ids=tuple(r.subject_id for r in overdue))


def register_sections(found: PersonRegistry) -> None:
    """The package sections of the features below sharing; a new section is one more `add_package_section` in its
    own feature, called here."""
    subject_package.register(found)
    assessment_package.register(found)
    intervention_package.register(found)
    conference_package.register(found)


def register(found: PersonRegistry) -> None:
    found.hold(Holding("sharing", ("disclosures", "disclosure_requests", "received_packages"), erase=erase,
                       subject_access=subject_access, timeline=timeline))
    found.subject_panels.append(subject_panel)
    found.dashboard_panels.append(dashboard_panel)
    found.read_sparsely(services.DISCLOSURES, services.REQUESTS, RECEIVED)
    found.disclosure_ledger = DisclosureLedger(
        bases=lambda: [(b.code, b.title) for b in legal_bases().bases],
        home_country=lambda: str(current_app.config["SERVICE_COUNTRY"]),
        problems=services.export_problems, record=services.record_export_disclosure)
    found.digested_texts.append(DigestedText("disclose", "purpose_sha256", Disclosure.purpose,
                                             id_in_details("disclosure_id")))
    found.digested_texts.append(DigestedText("withhold", "withheld_reason_sha256", Disclosure.withheld_reason,
                                             id_in_details("disclosure_id")))
    found.digested_texts.append(DigestedText("create", "asked_for_sha256", DisclosureRequest.asked_for,
                                             id_in_details("request_id")))
    found.digested_texts.append(DigestedText("decide", "decision_reason_sha256", DisclosureRequest.decision_reason,
                                             id_in_details("request_id")))
    register_sections(found)
