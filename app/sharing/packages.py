"""The case package format (schemas/case-package-1.json): building a signed package from the sections the
features registered, and reading one received: every check that can refuse it runs before anything is written.

Reading goes from the outside in, trusting nothing before it is proven: the size, then the envelope's form,
then the signer and the signature, and only then what the signed payload says (its format version, its
shape)."""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError

from app.db import utcnow
from app.errors import Invalid
from app.registry import PersonRegistry
from app.sharing import signing
from app.subjects.models import Subject

FORMAT = "waypoint-case-package"
FORMAT_VERSION = 1
SUPPORTED_VERSIONS = frozenset({1})
SCHEMA_PATH = Path(__file__).resolve().parents[2] / "schemas" / "case-package-1.json"
ENVELOPE_KEYS = frozenset({"algorithm", "payload", "signature", "signer"})


class PackageRefused(Invalid):
    """A received package that cannot be accepted; the message says why, in words an operator can act on."""


@cache
def validator() -> Draft202012Validator:
    return Draft202012Validator(json.loads(SCHEMA_PATH.read_text(encoding="utf-8")))


def schema_problem(document: Any) -> str | None:
    """The first way `document` breaks the format's schema, or None."""
    errors: list[ValidationError] = sorted(validator().iter_errors(document), key=lambda e: list(map(str, e.path)))
    if not errors:
        return None
    where = "/".join(str(p) for p in errors[0].absolute_path) or "(top level)"
    return f"{where}: {errors[0].message[:200]}"


@dataclass(frozen=True)
class Recipient:
    agency: str
    person: str
    country: str
    legal_basis: str
    purpose: str


def payload(registry: PersonRegistry, subject: Subject, sections: Sequence[str], recipient: Recipient, *,
            service: str, country: str, key_id: str, summary_sha256: str, at: datetime | None = None
            ) -> dict[str, Any]:
    """What is signed: the chosen sections (identity always) as their features build them; a section the person
    has nothing of is left out."""
    built: dict[str, Any] = {}
    for section in registry.package_sections:
        if section.required or section.code in sections:
            data = section.build(subject)
            if data is not None:
                built[section.code] = data
    return {
        "format": FORMAT, "format_version": FORMAT_VERSION, "package_id": str(uuid.uuid4()),
        "created_at": (at or utcnow()).isoformat(timespec="seconds"),
        "sender": {"service": service, "country": country, "key_id": key_id},
        "disclosure": {"recipient": recipient.agency, "recipient_person": recipient.person,
                       "country": recipient.country, "legal_basis": recipient.legal_basis,
                       "purpose": recipient.purpose},
        "sections": built, "case_summary_sha256": summary_sha256,
    }


def sha256(content: bytes) -> str:
    return hashlib.sha256(content).hexdigest()


@dataclass(frozen=True)
class VerifiedPackage:
    payload: dict[str, Any]
    sender: str  # as this service's trusted key file names it
    signer_key_id: str
    sha256: str
    text: str

    @property
    def package_id(self) -> str:
        return str(self.payload["package_id"])

    @property
    def identity(self) -> dict[str, Any]:
        return dict(self.payload["sections"]["identity"])

    @property
    def created_at(self) -> datetime:
        return datetime.fromisoformat(self.payload["created_at"])


def read(content: bytes, trusted: dict[str, signing.TrustedKey], max_bytes: int) -> VerifiedPackage:
    """The package in `content`, verified; PackageRefused with the reason otherwise."""
    if len(content) > max_bytes:
        raise PackageRefused(f"The file is larger than the {max_bytes:,} bytes a case package may be.")
    try:
        text = content.decode("utf-8")
        envelope = json.loads(text)
    except (UnicodeDecodeError, ValueError):
        raise PackageRefused("The file is not a case package: it is not JSON text.") from None
    if not isinstance(envelope, dict) or set(envelope) != ENVELOPE_KEYS or envelope.get("algorithm") != "Ed25519":
        raise PackageRefused("The file is not a case package: it has no Ed25519-signed payload.")
    if signing.canonical(envelope) != content:
        raise PackageRefused("The file was changed after it was signed (it is no longer in its signed form).")
    signer = envelope["signer"]
    found = trusted.get(signer) if isinstance(signer, str) else None
    if found is None:
        raise PackageRefused(f"The package is signed by a key this service does not trust (key id {str(signer)[:32]}). "
                             "Add the sender's public key to the trusted keys only after checking it with them.")
    if not isinstance(envelope["signature"], str) or not signing.verify(found, envelope["payload"],
                                                                         envelope["signature"]):
        raise PackageRefused(f"The signature does not match: the package was changed after {found.sender} signed it.")
    body = envelope["payload"]
    version = body.get("format_version") if isinstance(body, dict) else None
    if not isinstance(body, dict) or body.get("format") != FORMAT or version not in SUPPORTED_VERSIONS:
        raise PackageRefused(f"The package is in format version {version!r}, which this service cannot read "
                             f"(it reads version{'s' if len(SUPPORTED_VERSIONS) > 1 else ''} "
                             f"{', '.join(map(str, sorted(SUPPORTED_VERSIONS)))}).")
    if problem := schema_problem(envelope):
        raise PackageRefused(f"The package does not follow its format: {problem}")
    return VerifiedPackage(body, found.sender, signer, sha256(content), text)
