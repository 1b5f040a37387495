"""The demo's information sharing (`flask demo seed`): the installation's key pair (made in PACKAGE_KEY_DIR when
missing), a case package sent, a package received from a partner service, and requests for information — one
decided, one past its due date on the supervisor's dashboard."""

from __future__ import annotations

import uuid
from datetime import timedelta
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from flask import current_app, g
from sqlalchemy import select

from app.auth.models import User
from app.db import db, utcnow
from app.sharing import exchange, packages, services, signing
from app.subjects.models import Subject

PARTNER = "Demo partner: SPIP Lille (FR)"


def _ensure_key() -> None:
    folder = Path(current_app.config["PACKAGE_KEY_DIR"])
    if not (folder / signing.PRIVATE_KEY_FILE).exists():
        signing.generate(folder)


def _partner_package(subject: Subject) -> bytes:
    """A package as a partner service would send it about a man it supervised before his move to the Eastern
    region (he is on record here already: the supervisor confirmed the match). It is signed by a key made here
    for the demo and trusted under the partner's name (its private half is not kept). His assessment was made
    with the partner's own instrument, which this service does not hold: the page shows it from the package's
    text, labelled so."""
    key = Ed25519PrivateKey.generate()
    trusted = Path(current_app.config["TRUSTED_KEYS_DIR"])
    trusted.mkdir(parents=True, exist_ok=True)
    (trusted / f"{PARTNER}.pub").write_bytes(signing.public_pem(key.public_key()))
    today = utcnow().date()

    def ago(days: int) -> str:
        return (today - timedelta(days=days)).isoformat()

    instrument = {"title": "SPIP structured review (partner's own instrument)",
                  "items": [{"code": "R1", "title": "Contact with the former network",
                             "options": {"low": "Low", "medium": "Medium", "high": "High"}},
                            {"code": "P1", "title": "Stable accommodation and work",
                             "options": {"absent": "Absent", "partial": "Partial", "present": "Present"}}],
                  "overall_judgements": {"reduced": "Concern reduced", "stable": "Concern unchanged"}}
    body = {
        "format": packages.FORMAT, "format_version": packages.FORMAT_VERSION, "package_id": str(uuid.uuid4()),
        "created_at": (utcnow() - timedelta(days=20)).isoformat(timespec="seconds"),
        "sender": {"service": "SPIP Lille", "country": "FR", "key_id": signing.key_id(key.public_key())},
        "disclosure": {"recipient": "Eastern Probation Region", "recipient_person": "", "country": "GB",
                       "legal_basis": "led_art35_third_country",
                       "purpose": "Continuity of supervision after his move to England"},
        "case_summary_sha256": "0" * 64,
        "sections": {
            "identity": {"reference": subject.reference, "given_name": subject.given_name,
                         "family_name": subject.family_name, "date_of_birth": subject.date_of_birth.isoformat()},
            "custody": {"status": "released_on_licence", "index_offence_category": "terrorism",
                        "sentence_date": "2019-05-14", "release_date": ago(60), "alerts": []},
            "assessments": [{"instrument_id": "spip-review", "instrument_version": "2.1", "instrument_sha256": None,
                             "status": "approved", "approved_on": ago(70), "review_due": ago(-110),
                             "overall_judgement": "reduced",
                             "rationale": "Has kept away from former associates for a year; works nights.",
                             "ratings": [{"item_code": "R1", "rating": "low",
                                          "evidence": "No contact found in the visit and phone logs."},
                                         {"item_code": "P1", "rating": "partial",
                                          "evidence": "Warehouse job; a room at his sister's."}],
                             "instrument_text": instrument}],
            "interventions": [{"type": "exit_programme", "provider": "Association Rebond", "status": "completed",
                               "referred_on": ago(400), "started_on": ago(380), "ended_on": ago(70),
                               "outcome_summary": "Completed all modules.",
                               "goals": [{"text": "Name the people he can call when pressured", "outcome": "achieved"}],
                               "attendance": {"attended": 22, "missed_acceptable": 2}}],
        },
    }
    return signing.sign(key, body)


def seed() -> None:
    """Once: nothing when the register already has an entry."""
    from app.sharing.models import Disclosure

    if db.session.scalar(select(Disclosure.id).limit(1)) is not None:
        return
    people = {s.reference: s for s in db.session.scalars(
        select(Subject).where(Subject.reference.in_(["A1003NG", "A1005NG", "P2002ER"])))}
    supervisor = db.session.scalar(select(User).where(User.username == "supervisor"))
    if len(people) != 3 or supervisor is None:
        return
    _ensure_key()
    g.user = supervisor
    today = utcnow().date()
    exchange.send(supervisor, people["A1003NG"], services.Party(
        "Police nationale, SDAT", "Cdt. Martin", "FR", "led_art35_third_country",
        "Joint risk assessment before his release to France"), ["identity", "custody", "assessments"])
    exchange.receive(supervisor, people["P2002ER"].unit, _partner_package(people["P2002ER"]),
                     confirmed_reference="P2002ER")
    services.record_request(supervisor, people["A1005NG"], services.RequestValues(
        services.Party("Europol ECTC", "", "NL", "led_art8_law_enforcement",
                       "Risk assessments and conference decisions since reception"),
        today - timedelta(days=40), today - timedelta(days=10)))
    decided = services.record_request(supervisor, people["P2002ER"], services.RequestValues(
        services.Party("Parole Board", "Case manager J. Smith", "GB", "parole_board",
                       "Latest assessment and intervention progress for the oral hearing"),
        today - timedelta(days=12), today + timedelta(days=18)))
    services.decide_request(supervisor, decided, "granted", "Case summary sent by secure email.",
                            today - timedelta(days=3), decided.version)
    services.record_other_disclosure(supervisor, people["P2002ER"], services.Party(
        "Parole Board", "Case manager J. Smith", "GB", "parole_board", "Oral hearing on his recall"),
        "case_summary", "Case summary (PDF) sent by secure e-mail", "", decided.id)
