"""The disclosure register of a supervisor's units as a PDF or CSV file, audited as an export with its purpose
and recipient."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from flask import current_app
from flask_babel import force_locale

from app.auth.models import User
from app.db import utcnow
from app.exports.services import ExportRequest, record_export
from app.i18n import day
from app.i18n import gettext as _
from app.sharing import services
from app.sharing.holdings import what_was_shared
from app.sharing.legal_bases import legal_bases
from app.sharing.models import DIRECTION_LABELS, Decision, DisclosureRequest
from reports import model
from reports.disclosure_register import build_register_pdf, register_csv


def _iso(value: date) -> str:
    return value.isoformat()


def _status(r: DisclosureRequest, show: Callable[[date], str]) -> str:
    overdue = r.decision == Decision.PENDING and r.due_on < utcnow().date()
    if r.responded_on:
        return str(_("%(decision)s on %(date)s", decision=r.decision_label, date=show(r.responded_on)))
    return str(_("%(decision)s (overdue)", decision=r.decision_label)) if overdue else r.decision_label


def lines(found: services.Register, *, iso_dates: bool = False) -> tuple[model.RegisterLine, ...]:
    """Every entry, newest first: disclosures (D…) and requests received (R…), in the current language, dates
    as the language shows them (or as ISO dates, for the CSV file)."""
    bases = legal_bases()
    show: Callable[[date], str] = _iso if iso_dates else day
    rows = [model.RegisterLine(
        f"D{d.id}", d.disclosed_at.date(), str(DIRECTION_LABELS[d.direction]), d.subject.reference, d.agency,
        d.country, str(bases.basis_title(d.legal_basis)), d.purpose, what_was_shared(d, as_codes=iso_dates),
        _("Withheld from subject access: %(exemption)s", exemption=bases.exemption_title(d.withheld_exemption))
        if d.withheld_exemption else "") for d in found.disclosures]
    rows += [model.RegisterLine(
        f"R{r.id}", r.received_on, _("Request received"), r.subject.reference, r.agency, r.country,
        str(bases.basis_title(r.legal_basis)), r.asked_for, _("Due %(date)s", date=show(r.due_on)), _status(r, show))
        for r in found.requests]
    return tuple(sorted(rows, key=lambda line: (line.at, line.entry), reverse=True))


def export(actor: User, request: ExportRequest, fmt: str) -> tuple[bytes, str, str]:
    """(content, mimetype, file name) of the actor's register; the export is recorded in the audit trail, naming
    the people whose entries it holds."""
    found = services.register_for(actor)
    if fmt == "csv":  # data: in English and ISO dates whatever the reader's language, as every CSV file
        with force_locale("en"):
            rows = lines(found, iso_dates=True)
            csv_content = register_csv(rows)
    else:
        rows = lines(found)
    now = utcnow()
    units = tuple(sorted(u.name for u in actor.units))
    record_export(actor, "disclosure_register", request, fmt=fmt,
                  extra={"entries": len(rows), "subject_ids": sorted(set(found.subject_ids)),
                         "count": len(set(found.subject_ids))})
    stamp = f"{now:%Y%m%d-%H%M}"
    if fmt == "csv":
        return csv_content, "text/csv", f"disclosure-register-{stamp}.csv"
    head = model.Header(title=_("Disclosure register"), marking=current_app.config["PROTECTIVE_MARKING"],
                        generated_by=actor.display_name, generated_at=now, purpose=request.purpose.strip(),
                        recipient=request.recipient_text)
    return (build_register_pdf(model.DisclosureRegister(head, units, rows)), "application/pdf",
            f"disclosure-register-{stamp}.pdf")
