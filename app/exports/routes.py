"""Export pages: ask for the purpose and the recipient, check scope, audit, then send the file."""

from __future__ import annotations

import hashlib
import logging

from flask import Blueprint, current_app, flash, g, make_response, render_template
from sqlalchemy import distinct, select
from werkzeug.wrappers import Response

from app import policy
from app.audit import trail
from app.audit.models import AuditEvent
from app.audit.review import AuditFilters
from app.auth.reauth import requires_recent_auth
from app.errors import Invalid, NotAllowed
from app.exports import gather, services
from app.exports.forms import AuditExtractForm, ExportForm, PersonExportForm
from app.forms import SelectChoice, read_date_range, show_errors
from app.i18n import gettext as _
from app.i18n import lazy_gettext as _l
from app.registry import ExportDisclosure, registry
from app.subjects.models import Subject
from reports.audit_extract import audit_extract_csv, build_audit_extract_pdf, cut_notice
from reports.case_summary import build_case_summary
from reports.fonts import FontsMissing, fonts_problem
from reports.subject_access import build_subject_access_report

bp = Blueprint("exports", __name__)
log = logging.getLogger("waypoint.exports")
case_workers = policy.requires(policy.works_cases)
supervisors = policy.requires(policy.supervises_cases)


@bp.record_once
def _warn_without_fonts(_state: object) -> None:
    """Say at start-up (`make run`, gunicorn) that PDF exports will fail, rather than at the first export."""
    problem = fonts_problem()
    if problem is not None:
        log.warning("PDF exports will fail until the fonts are installed: %s", problem)


@bp.errorhandler(FontsMissing)
def _fonts_missing(exc: FontsMissing) -> tuple[str, int]:
    """A server without the reports' fonts: a page that says so (and nothing exported or recorded: a 5xx
    rolls the request back), not a bare "something went wrong"."""
    log.error("PDF export failed: %s", exc)
    message = _("The PDF could not be made because this server lacks the fonts the reports print with. "
                "Nothing was exported. Please tell your system administrator: %(problem)s.", problem=str(exc))
    return render_template("errors/error.html", status=503, message=message), 503


def _request(form: ExportForm) -> services.ExportRequest:
    return services.ExportRequest(form.purpose.data or "", form.recipient.data or "", bool(form.internal_use.data))


# A case summary or subject-access report sent outside the service is a disclosure: when a feature keeps the
# disclosure register (app/sharing), the form asks its legal basis and the recipient's country, and the file
# goes on the register with its SHA-256.


def _person_form() -> PersonExportForm:
    form = PersonExportForm()
    ledger = registry().disclosure_ledger
    if ledger is not None:
        form.legal_basis.choices = [SelectChoice("", _("Choose the legal basis"))] + [
            SelectChoice(code, title) for code, title in ledger.bases()]
        if not form.is_submitted():
            form.country.data = ledger.home_country()
    return form


def _person_request(form: PersonExportForm) -> services.ExportRequest:
    ledger = registry().disclosure_ledger
    country = (form.country.data or "").strip().upper() or (ledger.home_country() if ledger else "")
    return services.ExportRequest(form.purpose.data or "", form.recipient.data or "", bool(form.internal_use.data),
                                  form.legal_basis.data or "", country)


def _disclose(subject: Subject, kind: str, request: services.ExportRequest, pdf: bytes) -> None:
    ledger = registry().disclosure_ledger
    if ledger is not None and not request.internal_use:
        ledger.record(g.user, subject, ExportDisclosure(kind, request.recipient.strip(), request.country,
                                                        request.legal_basis, request.purpose.strip(),
                                                        hashlib.sha256(pdf).hexdigest()))


def _file(content: bytes, mimetype: str, filename: str) -> Response:
    response = make_response(content)
    response.mimetype = mimetype
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def _refuse(exc: NotAllowed, subject: Subject) -> None:
    policy.refuse(403, exc.message, object_type="subject", object_id=subject.id, subject_id=subject.id)


@bp.route("/subjects/<int:subject_id>/export/case-summary", methods=["GET", "POST"])
@case_workers
@requires_recent_auth(_l("export a case summary"))
def case_summary(subject_id: int) -> Response | str | tuple[str, int]:
    subject = policy.load_subject(subject_id)
    try:
        services.check_case_export(g.user, subject)
    except NotAllowed as exc:
        _refuse(exc, subject)
    form = _person_form()
    if not form.is_submitted():
        trail.record_view(subject.id, object_type="export_form", details={"export": "case_summary"})
    if form.validate_on_submit():
        request = _person_request(form)
        try:
            services.check_request(request, registry().disclosure_ledger)
        except Invalid as exc:
            show_errors(form, exc)
            return render_template("exports/export.html", form=form, subject=subject, title=_("Case summary")), 400
        head = gather.header(_("Case summary: %(name)s", name=subject.full_name), g.user, request.purpose.strip(),
                             request.recipient_text, current_app.config["PROTECTIVE_MARKING"])
        pdf = build_case_summary(gather.case_summary(subject, head))
        services.record_export(g.user, "case_summary", request, subject_id=subject.id)
        _disclose(subject, "case_summary", request, pdf)
        return _file(pdf, "application/pdf",
                     f"case-summary-{subject.reference}-{head.generated_at:%Y%m%d-%H%M}.pdf")
    return render_template("exports/export.html", form=form, subject=subject, title=_("Case summary")), \
        400 if form.errors else 200


@bp.route("/subjects/<int:subject_id>/export/subject-access", methods=["GET", "POST"])
@supervisors
@requires_recent_auth(_l("export a subject-access report"))
def subject_access(subject_id: int) -> Response | str | tuple[str, int]:
    subject = policy.load_subject(subject_id, policy.can_edit_subject)
    try:
        services.check_subject_access_report(g.user, subject)
    except NotAllowed as exc:
        _refuse(exc, subject)
    form = _person_form()
    title = _("Subject-access report")
    if not form.is_submitted():
        trail.record_view(subject.id, object_type="export_form", details={"export": "subject_access_report"})
    if form.validate_on_submit():
        request = _person_request(form)
        try:
            services.check_request(request, registry().disclosure_ledger)
        except Invalid as exc:
            show_errors(form, exc)
            return render_template("exports/export.html", form=form, subject=subject, title=title), 400
        head = gather.header(_("Subject-access report: %(name)s", name=subject.full_name), g.user,
                             request.purpose.strip(),
                             request.recipient_text, current_app.config["PROTECTIVE_MARKING"])
        pdf = build_subject_access_report(gather.subject_access_report(subject, head))
        services.record_export(g.user, "subject_access_report", request, subject_id=subject.id)
        _disclose(subject, "subject_access_report", request, pdf)
        return _file(pdf, "application/pdf",
                     f"subject-access-{subject.reference}-{head.generated_at:%Y%m%d-%H%M}.pdf")
    return render_template("exports/export.html", form=form, subject=subject, title=title), \
        400 if form.errors else 200


@bp.route("/audit/extract", methods=["GET", "POST"])
@supervisors
@requires_recent_auth(_l("export an audit extract"))
def audit_extract() -> Response | str | tuple[str, int]:
    from app.db import db

    form = AuditExtractForm()
    actions = db.session.scalars(select(distinct(AuditEvent.action)).order_by(AuditEvent.action)).all()
    if form.validate_on_submit():
        request = _request(form)
        date_from, date_to, errors = read_date_range(form, "date_from", "date_to")
        filters = AuditFilters(form.actor.data or "", form.subject_reference.data or "",
                               form.action.data or "", date_from, date_to)
        fmt = form.format.data if form.format.data in ("pdf", "csv") else "pdf"
        try:
            try:
                services.check_request(request)
            except Invalid as exc:
                errors = {**exc.field_errors, **errors}
            if errors:
                raise Invalid(_("Nothing was exported."), field_errors=errors)
        except Invalid as exc:
            show_errors(form, exc)
            return render_template("exports/audit_extract.html", form=form, limit=_extract_limit(),
                                   actions=actions), 400
        limit = _extract_limit()
        events = services.audit_events(g.user, filters, limit)
        head = gather.header(_("Audit extract"), g.user, request.purpose.strip(), request.recipient_text,
                             current_app.config["PROTECTIVE_MARKING"])
        extract = services.audit_extract(head, filters, events, limit, readable=fmt == "pdf")
        services.record_export(g.user, "audit_extract", request, fmt=fmt,
                               extra={"filters": dict(filters.as_pairs()), "events": len(extract.events),
                                      "cut": extract.cut_at is not None})
        stamp = f"{head.generated_at:%Y%m%d-%H%M}"
        if extract.cut_at is not None:
            # The download leaves this page as it is; the warning shows on the next page the user opens.
            flash(_("The audit extract you downloaded is incomplete. %(notice)s", notice=cut_notice(extract.cut_at)),
                  "warning")
            stamp += f"-first-{extract.cut_at}"
        if fmt == "csv":
            return _file(audit_extract_csv(extract), "text/csv", f"audit-extract-{stamp}.csv")
        return _file(build_audit_extract_pdf(extract), "application/pdf", f"audit-extract-{stamp}.pdf")
    return render_template("exports/audit_extract.html", form=form, limit=_extract_limit(), actions=actions), \
        400 if form.errors else 200


def _extract_limit() -> int:
    """The most events one extract holds (config.py); an extract cut there says so in the file and here."""
    return int(current_app.config["AUDIT_EXTRACT_MAX_EVENTS"])
