"""Every export asks for a purpose and a recipient and is recorded in the audit trail with them."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from app import policy
from app.audit import review, trail
from app.audit.models import AuditEvent
from app.audit.review import AuditFilters
from app.auth.models import User
from app.db import db
from app.errors import Invalid, NotAllowed
from app.i18n import gettext as _
from app.i18n import lazy_gettext as _l
from app.registry import DisclosureLedger
from app.subjects.models import Subject
from reports import model

# The recipient recorded (audited, and printed through reports.pdf.recipient_text) for an internal export: a
# code, the same in every language.
INTERNAL_USE = "Internal use"


@dataclass(frozen=True)
class ExportRequest:
    purpose: str
    recipient: str
    internal_use: bool
    legal_basis: str = ""  # for a person's record sent outside the service (the disclosure register's)
    country: str = ""

    @property
    def recipient_text(self) -> str:
        return INTERNAL_USE if self.internal_use else self.recipient.strip()


def check_request(request: ExportRequest, ledger: DisclosureLedger | None = None) -> None:
    """The request's problems, all at once. With a `ledger` (a person's record), an export to an outside
    recipient is a disclosure: its legal basis and the recipient's country are checked as the register's."""
    errors: dict[str, list[str]] = {}
    if ledger is not None and not request.internal_use:
        errors |= ledger.problems(request.legal_basis, request.country)
    if len(request.purpose.strip()) < 5:
        errors["purpose"] = [_("Say what the export is for, for example “parole board hearing on 12 January”.")]
    if not request.internal_use and not request.recipient.strip():
        errors["recipient"] = [_("Name the recipient, or tick “Internal use only”.")]
    elif len(request.recipient.strip()) > 200:
        errors["recipient"] = [_("Use at most 200 characters.")]
    if request.internal_use and request.recipient.strip():
        errors["recipient"] = [_("Either name a recipient or tick “Internal use only”, not both.")]
    if errors:
        raise Invalid(_("Nothing was exported."), field_errors=errors)


def record_export(actor: User, report: str, request: ExportRequest, *, subject_id: int | None = None,
                  fmt: str = "pdf", extra: dict[str, object] | None = None) -> None:
    trail.record("export", object_type=report, object_id=subject_id, subject_id=subject_id,
                 details={"purpose": request.purpose.strip(), "recipient": request.recipient_text, "format": fmt,
                          **(extra or {})}, actor=trail.Actor(actor.id, actor.username, actor.role))


def check_case_export(actor: User, subject: Subject) -> None:
    if not policy.can_export_case_summary(actor, subject):
        raise NotAllowed("You can export only the records of people in your units or caseload.")


def check_subject_access_report(actor: User, subject: Subject) -> None:
    if not policy.can_export_subject_access_report(actor, subject):
        raise NotAllowed("Subject-access reports are produced by a supervisor of the person's unit.")


# --- the audit extract -----------------------------------------------------------------------------------


def audit_events(actor: User, filters: AuditFilters, limit: int) -> list[AuditEvent]:
    """The matching events the actor may see, oldest first: at most `limit` + 1, the one more telling
    audit_extract() that the extract is cut."""
    if not policy.can_extract_audit(actor):
        raise NotAllowed("Audit extracts are for supervisors.")
    stmt = select(AuditEvent).where(*review.matching_events(actor, filters).where)
    return list(db.session.scalars(stmt.order_by(AuditEvent.id).limit(limit + 1)))


# The keys of an event's details the extract shows, and how the PDF names them (the CSV keeps the keys).
DETAIL_KEYS = {"reason": _l("reason"), "status": _l("status"), "outcome": _l("outcome"), "purpose": _l("purpose"),
               "recipient": _l("recipient"), "format": _l("format"), "category": _l("category")}


def _details_text(e: AuditEvent, readable: bool = False) -> str:
    """Content-free: field names of changes, reasons and codes, never narrative values. `readable` (the PDF):
    the keys named in the request's language; the values stay as audited (codes, and the field names)."""
    details = e.details or {}
    parts = []
    if "changes" in details:
        fields = ", ".join(sorted(details["changes"]))
        parts.append(_("changed: %(fields)s", fields=fields) if readable else "changed: " + fields)
    for key, label in DETAIL_KEYS.items():
        if key in details and details[key] not in (None, ""):
            parts.append(_("%(key)s: %(value)s", key=label, value=details[key]) if readable
                         else f"{key}: {details[key]}")
    return "; ".join(parts)


def audit_extract(head: model.Header, filters: AuditFilters, events: list[AuditEvent],
                  limit: int, *, readable: bool = False) -> model.AuditExtract:
    """The extract of audit_events()' result: the first `limit` events, marked as cut when there were more.
    `readable` for the PDF (_details_text); the CSV's details stay in the audit's own words."""
    return model.AuditExtract(header=head, filters=filters.shown_pairs(), events=tuple(
        model.AuditLine(id=e.id, at=e.occurred_at, actor=e.actor_username or "system", role=e.actor_role or "",
                        action=e.action, object=f"{e.object_type or ''} {e.object_id or ''}".strip(),
                        subject_id=e.subject_id, details=_details_text(e, readable))
        for e in events[:limit]), cut_at=limit if len(events) > limit else None)
