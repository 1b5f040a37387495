"""The disclosure register of a supervisor's units as a PDF or CSV file, audited as an export with its purpose
and recipient."""

from __future__ import annotations

from flask import current_app

from app.auth.models import User
from app.db import utcnow
from app.exports.services import ExportRequest, record_export
from app.sharing import services
from app.sharing.holdings import what_was_shared
from app.sharing.legal_bases import legal_bases
from app.sharing.models import DIRECTION_LABELS, Decision
from reports import model
from reports.disclosure_register import build_register_pdf, register_csv


def lines(found: services.Register) -> tuple[model.RegisterLine, ...]:
    """Every entry, newest first: disclosures (D…) and requests received (R…)."""
    bases = legal_bases()
    rows = [model.RegisterLine(
        f"D{d.id}", d.disclosed_at.date(), DIRECTION_LABELS[d.direction], d.subject.reference, d.agency, d.country,
        bases.basis_title(d.legal_basis), d.purpose, what_was_shared(d),
        f"Withheld from subject access: {bases.exemption_title(d.withheld_exemption)}" if d.withheld_exemption
        else "") for d in found.disclosures]
    rows += [model.RegisterLine(
        f"R{r.id}", r.received_on, "Request received", r.subject.reference, r.agency, r.country,
        bases.basis_title(r.legal_basis), r.asked_for, f"Due {r.due_on.isoformat()}",
        r.decision_label + (f" on {r.responded_on.isoformat()}" if r.responded_on else "")
        + (" (overdue)" if r.decision == Decision.PENDING and r.due_on < utcnow().date() else ""))
        for r in found.requests]
    return tuple(sorted(rows, key=lambda line: (line.at, line.entry), reverse=True))


def export(actor: User, request: ExportRequest, fmt: str) -> tuple[bytes, str, str]:
    """(content, mimetype, file name) of the actor's register; the export is recorded in the audit trail, naming
    the people whose entries it holds."""
    found = services.register_for(actor)
    rows = lines(found)
    now = utcnow()
    units = tuple(sorted(u.name for u in actor.units))
    record_export(actor, "disclosure_register", request, fmt=fmt,
                  extra={"entries": len(rows), "subject_ids": sorted(set(found.subject_ids)),
                         "count": len(set(found.subject_ids))})
    stamp = f"{now:%Y%m%d-%H%M}"
    if fmt == "csv":
        return register_csv(rows), "text/csv", f"disclosure-register-{stamp}.csv"
    head = model.Header(title="Disclosure register", marking=current_app.config["PROTECTIVE_MARKING"],
                        generated_by=actor.display_name, generated_at=now, purpose=request.purpose.strip(),
                        recipient=request.recipient_text)
    return (build_register_pdf(model.DisclosureRegister(head, units, rows)), "application/pdf",
            f"disclosure-register-{stamp}.pdf")
