"""The case package format (schemas/case-package-1.json): building a signed package from the sections the
features registered, and reading one received: every check that can refuse it runs before anything is written.

Reading goes from the outside in, trusting nothing before it is proven: the size, then the envelope's form,
then the signer and the signature, and only then what the signed payload says (its format version, its
shape)."""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from pathlib import Path
from typing import Any

from flask_babel import force_locale
from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError

from app.db import utcnow
from app.errors import Invalid
from app.i18n import gettext as _
from app.i18n import ngettext, number
from app.registry import PersonRegistry
from app.sharing import signing
from app.subjects.models import Subject

FORMAT = "waypoint-case-package"
FORMAT_VERSION = 1
SUPPORTED_VERSIONS = frozenset({1})
SCHEMA_PATH = Path(__file__).resolve().parents[2] / "schemas" / "case-package-1.json"
ENVELOPE_KEYS = frozenset({"algorithm", "payload", "signature", "signer"})


class PackageRefused(Invalid):
    """A received package that cannot be accepted; the message says why, in words an operator can act on, in
    the reader's language. `words` says it (it is called twice): `english` is the same in English, for the audit
    trail, which does not change with the language."""

    def __init__(self, words: Callable[[], str]) -> None:
        super().__init__(words())
        with force_locale("en"):
            self.english = words()


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
        raise PackageRefused(lambda: _("The file is larger than the %(size)s bytes a case package may be.",
                                       size=number(max_bytes)))
    try:
        text = content.decode("utf-8")
        envelope = json.loads(text)
    except (UnicodeDecodeError, ValueError):
        raise PackageRefused(lambda: _("The file is not a case package: it is not JSON text.")) from None
    if not isinstance(envelope, dict) or set(envelope) != ENVELOPE_KEYS or envelope.get("algorithm") != "Ed25519":
        raise PackageRefused(lambda: _("The file is not a case package: it has no Ed25519-signed payload."))
    if signing.canonical(envelope) != content:
        raise PackageRefused(lambda: _("The file was changed after it was signed (it is no longer in its signed "
                                       "form)."))
    signer = envelope["signer"]
    found = trusted.get(signer) if isinstance(signer, str) else None
    if found is None:
        raise PackageRefused(lambda: _("The package is signed by a key this service does not trust (key id "
                                       "%(key_id)s). Add the sender's public key to the trusted keys only after "
                                       "checking it with them.", key_id=str(signer)[:32]))
    if not isinstance(envelope["signature"], str) or not signing.verify(found, envelope["payload"],
                                                                         envelope["signature"]):
        sender = found.sender
        raise PackageRefused(lambda: _("The signature does not match: the package was changed after %(sender)s "
                                       "signed it.", sender=sender))
    body = envelope["payload"]
    version = body.get("format_version") if isinstance(body, dict) else None
    if not isinstance(body, dict) or body.get("format") != FORMAT or version not in SUPPORTED_VERSIONS:
        readable = ", ".join(map(str, sorted(SUPPORTED_VERSIONS)))
        raise PackageRefused(lambda: ngettext(
            "The package is in format version %(version)s, which this service cannot read (it reads version "
            "%(readable)s).",
            "The package is in format version %(version)s, which this service cannot read (it reads versions "
            "%(readable)s).", len(SUPPORTED_VERSIONS), version=repr(version), readable=readable))
    if problem := schema_problem(envelope):
        raise PackageRefused(lambda: _("The package does not follow its format: %(problem)s", problem=problem))
    return VerifiedPackage(body, found.sender, signer, sha256(content), text)
