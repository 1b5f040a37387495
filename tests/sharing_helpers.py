"""Helpers of the information-sharing tests: key pairs, and packages sent and received through the services."""

from __future__ import annotations

import shutil
from datetime import timedelta
from pathlib import Path
from typing import Any

from flask import Flask, g

from app.auth.models import Unit, User
from app.db import db, utcnow
from app.sharing import exchange, services, signing
from app.subjects.models import Subject

BASIS = "led_art8_law_enforcement"


def install_keys(app: Flask, folder: Path, *, trust: dict[str, Path] | None = None) -> Path:
    """Give `app` its own key pair under `folder`/keys and trust the public keys in `trust` (sender name ->
    public key file). Returns the app's public key file."""
    keys, trusted = folder / "keys", folder / "trusted"
    trusted.mkdir(parents=True, exist_ok=True)
    public = signing.generate(keys)
    for name, path in (trust or {}).items():
        shutil.copy(path, trusted / f"{name}.pub")
    app.config.update(PACKAGE_KEY_DIR=str(keys), TRUSTED_KEYS_DIR=str(trusted))
    return public


def trust(app: Flask, name: str, public: Path) -> None:
    shutil.copy(public, Path(app.config["TRUSTED_KEYS_DIR"]) / f"{name}.pub")


def party(**overrides: str) -> services.Party:
    values = {"agency": "Police nationale, SDAT", "person": "Cdt. Martin", "country": "FR", "legal_basis": BASIS,
              "purpose": "Joint risk assessment before release"}
    values.update(overrides)
    return services.Party(**values)


def send(app: Flask, actor_id: int | None, subject_id: int, sections: list[str] | None = None,
         **overrides: str) -> exchange.SentPackage:
    with app.app_context():
        actor = db.session.get(User, actor_id) if actor_id else None
        g.user = actor
        if actor is None:
            g.cli_actor = "cli:tests"
        subject = db.session.get(Subject, subject_id)
        assert subject is not None
        chosen = sections if sections is not None else ["identity", "custody", "assessments", "interventions"]
        sent = exchange.send(actor, subject, party(**overrides), chosen)
        db.session.commit()
        return sent


def receive(app: Flask, actor_id: int | None, unit_id: int, content: bytes,
            confirmed: str | None = None) -> dict[str, Any]:
    """Receive through the service; commit on success, roll back (as the page and the command do) on refusal."""
    with app.app_context():
        actor = db.session.get(User, actor_id) if actor_id else None
        g.user = actor
        if actor is None:
            g.cli_actor = "cli:tests"
        unit = db.session.get(Unit, unit_id)
        assert unit is not None
        try:
            result = exchange.receive(actor, unit, content, confirmed_reference=confirmed)
        except Exception:
            db.session.rollback()
            raise
        db.session.commit()
        return {"subject_id": result.subject.id, "package_id": result.package.id, "created": result.created}


def record_request(app: Flask, actor_id: int, subject_id: int, *, days_ago: int = 40, due_days: int = 30,
                   **overrides: str) -> int:
    with app.app_context():
        actor = db.session.get(User, actor_id)
        subject = db.session.get(Subject, subject_id)
        assert actor is not None and subject is not None
        g.user = actor
        received = utcnow().date() - timedelta(days=days_ago)
        made = services.record_request(actor, subject, services.RequestValues(
            party(purpose="Convictions and current risk assessment", **overrides), received,
            received + timedelta(days=due_days)))
        db.session.commit()
        return made.id


def make_sharing_records(app: Flask, folder: Path, supervisor_id: int, subject_id: int, unit_id: int) -> None:
    """A request, a package sent and the same package received back (a row in every sharing table)."""
    public = install_keys(app, folder)
    trust(app, "Ourselves", public)
    record_request(app, supervisor_id, subject_id)
    sent = send(app, supervisor_id, subject_id)
    with app.app_context():
        reference = db.session.get(Subject, subject_id).reference  # type: ignore[union-attr]
    receive(app, supervisor_id, unit_id, sent.package, confirmed=reference)
