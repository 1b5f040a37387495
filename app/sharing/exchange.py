"""Sending a person's case to another service as a signed package (with the PDF case summary beside it), and
receiving one: both are disclosures on the register, both audited. Nothing is written for a package refused."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from flask import current_app
from sqlalchemy import select

from app import policy
from app.audit import trail
from app.auth.models import Unit, User
from app.db import db, utcnow
from app.errors import Invalid, NotAllowed
from app.exports import gather
from app.i18n import day
from app.i18n import gettext as _
from app.registry import registry
from app.sharing import packages, services, signing
from app.sharing.models import Direction, DisclosureKind, ReceivedPackage
from app.subjects import services as subject_services
from app.subjects.models import Subject
from app.text import control_character_problem
from reports import model
from reports.case_summary import build_case_summary


@dataclass(frozen=True)
class SentPackage:
    package: bytes
    summary_pdf: bytes
    package_name: str
    summary_name: str
    disclosure_id: int

    def zip_bytes(self) -> bytes:
        """The package and the PDF in one download (stored, not compressed: the PDF already is)."""
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as archive:
            archive.writestr(self.package_name, self.package)
            archive.writestr(self.summary_name, self.summary_pdf)
        return buffer.getvalue()


def section_choices() -> list[tuple[str, str, bool, bool]]:
    """(code, label, chosen by default, always sent) of every registered section."""
    return [(s.code, s.label, s.default, s.required) for s in registry().package_sections]


def check_sections(chosen: list[str]) -> dict[str, list[str]]:
    known = {s.code for s in registry().package_sections}
    return {"sections": [_("Choose sections from the list.")]} if set(chosen) - known else {}


def send(actor: User | None, subject: Subject, party: services.Party, sections: list[str]) -> SentPackage:
    """Build, sign and record a package of the chosen sections for `party`. The command line (actor None) is the
    operator's own: it is recorded as `cli:<os user>`. Raises Invalid with every problem of the request, and
    signing.KeyProblem when this installation has no key."""
    if actor is not None and not policy.can_send_package(actor, subject):
        raise NotAllowed("Case packages are sent by a supervisor of the person's unit.")
    party = party.normalised()
    errors = services.party_problems(party) | check_sections(sections)
    if errors:
        raise Invalid(_("Nothing was sent."), field_errors=errors)
    config = current_app.config
    key = signing.signing_key(config["PACKAGE_KEY_DIR"])
    now = utcnow()
    recipient = party.agency + (f", {party.person}" if party.person else "") + f" ({party.country})"
    head = model.Header(title=_("Case summary: %(name)s", name=subject.full_name), marking=config["PROTECTIVE_MARKING"],
                        generated_by=services.actor_name(actor), generated_at=now, purpose=party.purpose,
                        recipient=recipient)
    pdf = build_case_summary(gather.case_summary(subject, head))
    body = packages.payload(registry(), subject, sections,
                            packages.Recipient(party.agency, party.person, party.country, party.legal_basis,
                                               party.purpose),
                            service=config["SERVICE_NAME"], country=config["SERVICE_COUNTRY"],
                            key_id=signing.key_id(key.public_key()), summary_sha256=packages.sha256(pdf), at=now)
    content = signing.sign(key, body)
    sent = sorted(body["sections"])
    entry = services.record_disclosure(actor, subject, party, DisclosureKind.CASE_PACKAGE,
                                       sha256=packages.sha256(content), sections=sent)
    trail.record("export", object_type="case_package", object_id=subject.id, subject_id=subject.id,
                 details={"disclosure_id": entry.id, "recipient": recipient, "legal_basis": party.legal_basis,
                          "package_id": body["package_id"], "sha256": entry.sha256, "sections": sent,
                          "summary_sha256": body["case_summary_sha256"]})
    stamp = f"{now:%Y%m%d-%H%M}"
    return SentPackage(content, pdf, f"case-package-{subject.reference}-{stamp}.json",
                       f"case-summary-{subject.reference}-{stamp}.pdf", entry.id)


# --- receiving -------------------------------------------------------------------------------------------


class NeedsConfirmation(Invalid):
    """The package is about a reference this unit already holds: a supervisor must confirm it is the same
    person before the received history is attached. `differences` lists what the package says otherwise."""

    def __init__(self, subject: Subject, differences: list[str]) -> None:
        super().__init__(_("%(reference)s is already on record here.", reference=subject.reference))
        self.subject = subject
        self.differences = differences


@dataclass
class Received:
    package: ReceivedPackage
    subject: Subject
    created: bool
    notes: list[str] = field(default_factory=list)


def _strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield key
            yield from _strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)


def _date(text: str | None) -> date | None:
    return date.fromisoformat(text) if text else None


def _values(verified: packages.VerifiedPackage) -> subject_services.SubjectValues:
    identity = verified.identity
    custody = verified.payload["sections"].get("custody")
    if custody is None:
        raise packages.PackageRefused(lambda: _("The package has no custody section, which a new record needs "
                                                "(status and index offence). Ask the sender to include it."))
    return subject_services.SubjectValues(
        reference=identity["reference"], given_name=identity["given_name"], family_name=identity["family_name"],
        date_of_birth=_date(identity["date_of_birth"]), status=custody["status"],
        index_offence_category=custody["index_offence_category"], sentence_date=_date(custody["sentence_date"]),
        release_date=_date(custody["release_date"]), alert_codes=list(custody["alerts"])).normalised()


def _differences(subject: Subject, identity: dict[str, Any]) -> list[str]:
    mine = {"given_name": subject.given_name, "family_name": subject.family_name,
            "date_of_birth": subject.date_of_birth.isoformat()}
    words = {"given_name": _("The package gives the given name as “%(package)s”, this record as “%(record)s”."),
             "family_name": _("The package gives the family name as “%(package)s”, this record as “%(record)s”."),
             "date_of_birth": _("The package gives the date of birth as “%(package)s”, this record as "
                                "“%(record)s”.")}
    return [words[k] % {"package": identity[k], "record": v} for k, v in mine.items() if identity[k] != v]


def _problems(values: subject_services.SubjectValues) -> str:
    """What is wrong with the record a package would create, field by field, in the current language."""
    return "; ".join(f"{name}: {' '.join(found)}" for name, found in subject_services.validate(values).items())


def verify(content: bytes) -> packages.VerifiedPackage:
    """The package in `content` verified against the trusted keys, with no control character in any of its
    text; PackageRefused otherwise."""
    config = current_app.config
    verified = packages.read(content, signing.trusted_keys(config["TRUSTED_KEYS_DIR"]), config["PACKAGE_MAX_BYTES"])
    for text in _strings(verified.payload):
        if control_character_problem(text, multiline=True):
            raise packages.PackageRefused(_refusing(text))
    return verified


def _refusing(text: str) -> Callable[[], str]:
    def words() -> str:
        return str(_("The package holds text this service refuses: %(problem)s",
                     problem=control_character_problem(text, multiline=True)))
    return words


def receive(actor: User | None, unit: Unit, content: bytes, *, confirmed_reference: str | None = None) -> Received:
    """Verify the package and keep it, read-only, for the person it is about: a new record in `unit`, or the
    record this unit already holds under the package's reference once `confirmed_reference` names it. Recorded
    as an inbound disclosure and audited. Raises PackageRefused (nothing written) or NeedsConfirmation."""
    if actor is not None and not policy.can_receive_into(actor, unit.id):
        raise NotAllowed("Case packages are received by a supervisor of the receiving unit.")
    verified = verify(content)
    earlier = db.session.scalar(select(ReceivedPackage).where(ReceivedPackage.package_id == verified.package_id))
    if earlier is not None:
        received_at = earlier.received_at
        raise packages.PackageRefused(lambda: _("This package was already received on %(date)s: the same package "
                                                "cannot be imported twice.", date=day(received_at)))
    reference = str(verified.identity["reference"])
    subject = db.session.scalar(select(Subject).where(Subject.reference == reference))
    created = subject is None
    if subject is None:
        values = _values(verified)
        if subject_services.validate(values):
            raise packages.PackageRefused(lambda: _("The person's record in the package cannot be saved here: "
                                                    "%(problems)s", problems=_problems(values)))
        subject = subject_services.add_subject(unit.id, values)
        db.session.flush()
        trail.record("create", object_type="subject", object_id=subject.id, subject_id=subject.id,
                     details={"changes": trail.changes({}, subject_services.snapshot(subject),
                                                       redact=subject_services.PERSONAL_FIELDS),
                              "unit_id": unit.id, "from_package": verified.package_id})
    elif subject.unit_id != unit.id or subject.erased_at is not None or (
            actor is not None and not policy.can_edit_subject(actor, subject)):
        raise packages.PackageRefused(lambda: _("The reference %(reference)s is already in use in this installation "
                                                "outside the unit chosen: nothing was written. A supervisor of the "
                                                "person's unit can receive the package there.", reference=reference))
    elif confirmed_reference != reference:
        raise NeedsConfirmation(subject, _differences(subject, verified.identity))
    return Received(_keep(actor, subject, verified), subject, created)


def _keep(actor: User | None, subject: Subject, verified: packages.VerifiedPackage) -> ReceivedPackage:
    body = verified.payload
    kept = ReceivedPackage(package_id=verified.package_id, subject_id=subject.id, unit_id=subject.unit_id,
                           sender=verified.sender, signer_key_id=verified.signer_key_id,
                           format_version=body["format_version"], created_at=verified.created_at,
                           received_by_name=services.actor_name(actor), sha256=verified.sha256,
                           sections=sorted(body["sections"]), signed_text=verified.text, payload=body)
    db.session.add(kept)
    db.session.flush()
    disclosure = body["disclosure"]
    party = services.Party(verified.sender, body["sender"]["service"], body["sender"]["country"],
                           disclosure["legal_basis"], disclosure["purpose"])
    entry = services.record_disclosure(actor, subject, party, DisclosureKind.CASE_PACKAGE, sha256=verified.sha256,
                                       sections=kept.sections, direction=Direction.INBOUND)
    trail.record("import", object_type="received_package", object_id=kept.id, subject_id=subject.id,
                 details={"package_id": verified.package_id, "sender": verified.sender,
                          "signer_key_id": verified.signer_key_id, "sha256": verified.sha256,
                          "sections": kept.sections, "disclosure_id": entry.id})
    return kept
