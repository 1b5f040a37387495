"""What the oversight feature holds about a person — the alerts raised about access to their record — and
what it wants to hear, registered with the core in `create_app`."""

from __future__ import annotations

from typing import Any

from flask import Flask
from sqlalchemy import case, select, update
from sqlalchemy.orm import selectinload

from app import signals
from app.auth.models import User
from app.db import db
from app.oversight import alerts
from app.oversight.models import Alert, AlertKind, shown_summary
from app.registry import REMOVED_TEXT, DigestedText, Holding, Mention, PersonRegistry, bulk, object_id
from app.subjects.models import BreakGlassAccess, Subject
from reports import model


def subject_access(subject: Subject) -> dict[str, object]:
    rows = db.session.scalars(select(Alert).where(Alert.subject_id == subject.id)
                              .order_by(Alert.raised_at, Alert.id).options(selectinload(Alert.acknowledged_by)))
    return {"alerts": tuple(model.AlertLine(a.raised_at, AlertKind(a.kind).label, shown_summary(a.kind, a.summary),
                                            a.acknowledged_by.display_name if a.acknowledged_by else None,
                                            a.acknowledged_at, a.note)
                            for a in rows)}


def erase(subject: Subject) -> dict[str, int]:
    """Alerts are kept for accountability (they are about staff's access), but no longer point at the person
    and lose their text (the audit events hold only its digest)."""
    bulk(update(Alert).where(Alert.subject_id == subject.id).values(
        subject_id=None, summary="(about a record since erased)", details={},
        note=case((Alert.note == "", ""), else_=REMOVED_TEXT)))
    return {}


def _on_subject_viewed(_app: Flask, *, actor: User, **_: Any) -> None:
    alerts.after_subject_view(actor)


def _on_break_glass(_app: Flask, *, actor: User, subject: Subject, access: BreakGlassAccess, **_: Any) -> None:
    alerts.after_break_glass(actor, subject, access)


def _on_sign_in_failed(_app: Flask, *, username: str, ip: str, user: User | None, **_: Any) -> None:
    alerts.after_failed_login(username, ip, user)


def register(app: Flask, registry: PersonRegistry) -> None:
    registry.hold(Holding("oversight", ("alerts",), erase=erase, subject_access=subject_access))
    registry.dashboard_panels.append(alerts.dashboard_panel)
    registry.digested_texts.append(DigestedText("acknowledge", "note_sha256", Alert.note, object_id))
    # An alert about one person's record may name another (an acknowledgement note about a relative).
    registry.mentions += [Mention(Alert.note, REMOVED_TEXT), Mention(Alert.summary, "(named a record since erased)")]
    signals.subject_viewed.connect(_on_subject_viewed, sender=app)
    registry.first_reads.append(alerts.recent_views_read)
    signals.break_glass_opened.connect(_on_break_glass, sender=app)
    signals.sign_in_failed.connect(_on_sign_in_failed, sender=app)
