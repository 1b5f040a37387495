"""The disclosure register: recording what went out and what was asked for, deciding requests, withholding an
entry from subject access. Services check the policy, flush and never commit; each change is audited in the same
transaction, free text only by its digest (the trail outlives an erasure)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import select

from app import policy
from app.audit import trail
from app.auth.models import User
from app.db import bump_version, db, utcnow
from app.errors import Invalid, NotAllowed
from app.i18n import gettext as _
from app.registry import ExportDisclosure, PersonRows
from app.sharing.legal_bases import legal_bases
from app.sharing.models import Decision, Direction, Disclosure, DisclosureKind, DisclosureRequest
from app.subjects.models import Subject
from app.text import control_character_problem

COUNTRY = re.compile(r"^[A-Z]{2}$")
DUE_AT_MOST = timedelta(days=366)


@dataclass(frozen=True)
class Party:
    """Who information goes to or comes from, under which legal basis, and why."""

    agency: str
    person: str
    country: str
    legal_basis: str
    purpose: str

    def normalised(self) -> Party:
        return Party(" ".join(self.agency.split()), " ".join(self.person.split()), self.country.strip().upper(),
                     self.legal_basis.strip(), self.purpose.strip())


def party_problems(party: Party, *, purpose_field: str = "purpose") -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    if not party.agency:
        errors["agency"] = [_("Name the agency, for example “Police nationale, SDAT”.")]
    elif len(party.agency) > 200:
        errors["agency"] = [_("Use at most 200 characters.")]
    if len(party.person) > 200:
        errors["person"] = [_("Use at most 200 characters.")]
    if not COUNTRY.match(party.country):
        errors["country"] = [_("Enter the country as its two-letter ISO code, for example GB, FR or NL.")]
    if legal_bases().basis(party.legal_basis) is None:
        errors["legal_basis"] = [_("Choose the legal basis from the list.")]
    if len(party.purpose) < 5:
        errors[purpose_field] = [_("Say what the information is for, for example “risk assessment before release”.")]
    for name, value in (("agency", party.agency), ("person", party.person), (purpose_field, party.purpose)):
        if name not in errors and (problem := control_character_problem(value, multiline=name == purpose_field)):
            errors[name] = [problem]
    return errors


def actor_name(actor: User | None) -> str:
    """Who made an entry: the user, or the command line's `cli:<os user>`."""
    return actor.display_name if actor is not None else (trail.current_actor().username or "cli")


def record_disclosure(actor: User | None, subject: Subject, party: Party, kind: DisclosureKind, *,
                      sha256: str | None, sections: list[str], request: DisclosureRequest | None = None,
                      direction: Direction = Direction.OUTBOUND) -> Disclosure:
    """An entry of the register, audited. The caller has checked the policy and the party."""
    entry = Disclosure(direction=direction.value, subject_id=subject.id, unit_id=subject.unit_id,
                       agency=party.agency, agency_person=party.person, country=party.country,
                       legal_basis=party.legal_basis, purpose=party.purpose, kind=kind.value, sha256=sha256,
                       sections=sections, request_id=request.id if request else None,
                       disclosed_by_id=actor.id if actor else None, disclosed_by_name=actor_name(actor), version=1)
    db.session.add(entry)
    db.session.flush()
    trail.record("disclose", object_type="disclosure", object_id=entry.id, subject_id=subject.id,
                 details={"disclosure_id": entry.id, "direction": direction.value, "kind": kind.value,
                          "country": party.country, "legal_basis": party.legal_basis, "sha256": sha256,
                          "sections": sections, "purpose_sha256": trail.digest(party.purpose)})
    return entry


SHA256 = re.compile(r"^[0-9a-f]{64}$")


# --- exports of a person's record to an outside recipient (the exports feature asks, through the registry) ---


def export_problems(legal_basis: str, country: str) -> dict[str, list[str]]:
    """What is wrong with a case summary's or subject-access report's legal basis and recipient's country."""
    errors: dict[str, list[str]] = {}
    if legal_bases().basis(legal_basis.strip()) is None:
        errors["legal_basis"] = [_("Choose the legal basis for sharing it, or tick “Internal use only”.")]
    if not COUNTRY.match(country.strip().upper()):
        errors["country"] = [_("Enter the country as its two-letter ISO code, for example GB, FR or NL.")]
    return errors


def record_export_disclosure(actor: User, subject: Subject, export: ExportDisclosure) -> None:
    """An export that left the service, on the register with the file's SHA-256 (checked by the exports
    feature with `export_problems`; its policy decided who may export)."""
    kind = (DisclosureKind.SUBJECT_ACCESS_REPORT if export.kind == "subject_access_report"
            else DisclosureKind.CASE_SUMMARY)
    party = Party(export.recipient, "", export.country, export.legal_basis, export.purpose).normalised()
    record_disclosure(actor, subject, party, kind, sha256=export.sha256, sections=[])


def record_other_disclosure(actor: User, subject: Subject, party: Party, kind: str, description: str,
                            sha256: str, answers: int | None) -> Disclosure:
    """A disclosure made outside Waypoint's packages (a case summary sent by secure e-mail, a call to the
    police), put on the register by a supervisor of the person's unit with what was shared, in words, and the
    file's SHA-256 when there was a file; optionally as the answer to one of the person's requests."""
    if not policy.can_send_package(actor, subject):
        raise NotAllowed("Disclosures are recorded by a supervisor of the person's unit.")
    party = party.normalised()
    description, sha256 = description.strip(), sha256.strip().lower()
    errors = party_problems(party)
    if kind not in {DisclosureKind.CASE_SUMMARY, DisclosureKind.OTHER}:
        errors["kind"] = [_("Choose what kind of information was shared.")]
    if len(description) < 5:
        errors["description"] = [_("Say what was shared, for example “case summary of 2 December, PDF”.")]
    elif problem := control_character_problem(description, multiline=True):
        errors["description"] = [problem]
    if sha256 and not SHA256.match(sha256):
        errors["sha256"] = [_("A SHA-256 is 64 characters 0–9 and a–f; leave it empty when no file was sent.")]
    request = db.session.get(DisclosureRequest, answers) if answers else None
    if answers and (request is None or request.subject_id != subject.id):
        errors["answers"] = [_("Choose one of the person's requests, or none.")]
    if errors:
        raise Invalid(_("The disclosure was not recorded."), field_errors=errors)
    entry = record_disclosure(actor, subject, party, DisclosureKind(kind), sha256=sha256 or None, sections=[],
                              request=request)
    entry.description = description
    db.session.flush()
    return entry


@dataclass(frozen=True)
class RequestValues:
    party: Party  # its purpose is what is asked for
    received_on: date | None
    due_on: date | None


def record_request(actor: User, subject: Subject, values: RequestValues) -> DisclosureRequest:
    """A request received for information about the person. With no due date it is due after the service's
    DISCLOSURE_REQUEST_DAYS (the caller passes it)."""
    if not policy.can_record_disclosure_request(actor, subject):
        raise NotAllowed("Requests for information are recorded by a supervisor of the person's unit.")
    party = values.party.normalised()
    errors = party_problems(party, purpose_field="asked_for")
    today = utcnow().date()
    if values.received_on is None:
        errors["received_on"] = [_("Enter the date the request was received, for example 2026-11-25.")]
    elif values.received_on > today:
        errors["received_on"] = [_("The request cannot have been received in the future.")]
    if values.due_on is None:
        errors["due_on"] = [_("Enter the date the answer is due, for example 2026-12-24.")]
    elif values.received_on and values.due_on < values.received_on:
        errors["due_on"] = [_("The answer cannot be due before the request was received.")]
    elif values.received_on and values.due_on > values.received_on + DUE_AT_MOST:
        errors["due_on"] = [_("The answer must be due within a year of the request.")]
    if errors:
        raise Invalid(_("The request was not recorded."), field_errors=errors)
    assert values.received_on is not None and values.due_on is not None  # noqa: S101 - checked above
    request = DisclosureRequest(subject_id=subject.id, unit_id=subject.unit_id, agency=party.agency,
                                agency_person=party.person, country=party.country, legal_basis=party.legal_basis,
                                asked_for=party.purpose, received_on=values.received_on, due_on=values.due_on,
                                recorded_by_id=actor.id, version=1)
    db.session.add(request)
    db.session.flush()
    trail.record("create", object_type="disclosure_request", object_id=request.id, subject_id=subject.id,
                 details={"request_id": request.id, "country": party.country, "legal_basis": party.legal_basis,
                          "received_on": values.received_on.isoformat(), "due_on": values.due_on.isoformat(),
                          "asked_for_sha256": trail.digest(party.purpose)})
    return request


def decide_request(actor: User, request: DisclosureRequest, decision: str, reason: str, responded_on: date | None,
                   expected_version: int) -> None:
    """Grant, partly grant or refuse a request, with the reason and the day the answer went out. A decision
    once made is final: a new request is recorded for a new answer."""
    if not policy.can_decide_disclosure_request(actor, request):
        raise NotAllowed("Requests are decided by a supervisor of the person's unit, once.")
    reason = reason.strip()
    errors: dict[str, list[str]] = {}
    if decision not in {Decision.GRANTED, Decision.PARTLY, Decision.REFUSED}:
        errors["decision"] = [_("Choose the decision.")]
    if len(reason) < 5:
        errors["reason"] = [_("Give the reason for the decision.")]
    elif problem := control_character_problem(reason, multiline=True):
        errors["reason"] = [problem]
    if responded_on is None:
        errors["responded_on"] = [_("Enter the date the answer went out, for example 2026-11-25.")]
    elif responded_on > utcnow().date():
        errors["responded_on"] = [_("The answer cannot have gone out in the future.")]
    elif responded_on < request.received_on:
        errors["responded_on"] = [_("The answer cannot have gone out before the request was received.")]
    if errors:
        raise Invalid(_("The decision was not recorded."), field_errors=errors)
    bump_version(request, expected_version,
                 _("Someone else recorded a decision on this request while you were writing yours."),
                 decision=decision, decision_reason=reason, responded_on=responded_on,
                 decided_by_id=actor.id)
    trail.record("decide", object_type="disclosure_request", object_id=request.id, subject_id=request.subject_id,
                 details={"request_id": request.id, "decision": decision,
                          "responded_on": responded_on.isoformat() if responded_on else None,
                          "decision_reason_sha256": trail.digest(reason), "version": request.version})


def withhold(actor: User, entry: Disclosure, exemption: str, reason: str, expected_version: int) -> None:
    """Leave a disclosure out of the person's subject-access report under a named exemption. The register
    keeps the entry, marked withheld, with who did it, when and why."""
    if not policy.can_withhold_disclosure(actor, entry):
        raise NotAllowed("Only a supervisor of the register's unit can withhold an entry, once.")
    reason = reason.strip()
    errors: dict[str, list[str]] = {}
    if legal_bases().exemption(exemption) is None:
        errors["exemption"] = [_("Choose the exemption from the list.")]
    if len(reason) < 5:
        errors["reason"] = [_("Say why the exemption applies to this disclosure.")]
    elif problem := control_character_problem(reason, multiline=True):
        errors["reason"] = [problem]
    if errors:
        raise Invalid(_("The entry was not withheld."), field_errors=errors)
    bump_version(entry, expected_version, _("Someone else changed this entry while you were writing."),
                 withheld_exemption=exemption, withheld_reason=reason, withheld_by_id=actor.id,
                 withheld_at=utcnow())
    trail.record("withhold", object_type="disclosure", object_id=entry.id, subject_id=entry.subject_id,
                 details={"disclosure_id": entry.id, "exemption": exemption,
                          "withheld_reason_sha256": trail.digest(reason)})


@dataclass(frozen=True)
class Register:
    disclosures: list[Disclosure]
    requests: list[DisclosureRequest]

    @property
    def subject_ids(self) -> list[int]:
        return [e.subject_id for e in self.disclosures] + [r.subject_id for r in self.requests]


def register_for(actor: User, unit_id: int | None = None) -> Register:
    """The register of the actor's units (or of one of them), newest first."""
    if not policy.can_review_register(actor):
        raise NotAllowed("The disclosure register is reviewed by supervisors.")
    disclosures = select(Disclosure).where(policy.disclosures_visible_to(actor))
    requests = select(DisclosureRequest).where(policy.disclosure_requests_visible_to(actor))
    if unit_id is not None:
        disclosures = disclosures.where(Disclosure.unit_id == unit_id)
        requests = requests.where(DisclosureRequest.unit_id == unit_id)
    return Register(
        list(db.session.scalars(disclosures.order_by(Disclosure.disclosed_at.desc(), Disclosure.id.desc()))),
        list(db.session.scalars(requests.order_by(DisclosureRequest.received_on.desc(),
                                                  DisclosureRequest.id.desc()))))


def overdue_requests(actor: User, today: date | None = None) -> list[DisclosureRequest]:
    """The requests of the actor's units still undecided past their due date, the most overdue first."""
    if not policy.can_review_register(actor):
        return []
    return list(db.session.scalars(select(DisclosureRequest).where(
        policy.disclosure_requests_visible_to(actor), DisclosureRequest.decision == Decision.PENDING.value,
        DisclosureRequest.due_on < (today or utcnow().date())).order_by(DisclosureRequest.due_on)))


DISCLOSURES = PersonRows("disclosures", lambda subject_id: select(Disclosure).where(
    Disclosure.subject_id == subject_id))
REQUESTS = PersonRows("disclosure_requests", lambda subject_id: select(DisclosureRequest).where(
    DisclosureRequest.subject_id == subject_id))


def subject_disclosures(subject: Subject) -> list[Disclosure]:
    return DISCLOSURES.read(subject.id, lambda rows: rows.order_by(Disclosure.disclosed_at, Disclosure.id))


def subject_requests(subject: Subject) -> list[DisclosureRequest]:
    return REQUESTS.read(subject.id, lambda rows: rows.order_by(DisclosureRequest.received_on, DisclosureRequest.id))
