"""What the retention feature holds about a person — requests to erase their record — registered with the
core (app/registry.py) in `create_app`."""

from __future__ import annotations

from sqlalchemy import select, update
from sqlalchemy.orm import selectinload

from app.db import db
from app.registry import REMOVED_TEXT, DigestedText, Holding, PersonRegistry, bulk, id_in_details
from app.retention.models import ErasureRequest, ErasureStatus
from app.subjects.models import Subject
from reports import model


def subject_access(subject: Subject) -> dict[str, object]:
    rows = db.session.scalars(select(ErasureRequest).where(ErasureRequest.subject_id == subject.id)
                              .order_by(ErasureRequest.requested_at, ErasureRequest.id)
                              .options(selectinload(ErasureRequest.requested_by)))
    return {"erasure_requests": tuple(model.ErasureLine(r.requested_at, r.requested_by.display_name,
                                                        ErasureStatus(r.status).label, r.reason) for r in rows)}


def erase(subject: Subject) -> dict[str, int]:
    """The requests are kept, as the record of the erasure, without their reasons (the audit events hold the
    reasons' digests only)."""
    bulk(update(ErasureRequest).where(ErasureRequest.subject_id == subject.id).values(reason=REMOVED_TEXT))
    return {}


def register(registry: PersonRegistry) -> None:
    registry.hold(Holding("retention", ("erasure_requests",), erase=erase, subject_access=subject_access))
    registry.digested_texts.append(DigestedText("erase_request", "reason_sha256", ErasureRequest.reason,
                                                id_in_details("erasure_request_id")))
