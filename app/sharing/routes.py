"""Sharing pages: sending a case package, receiving one, and the disclosure register (requests, decisions,
withholding, export). Each handler checks access through app/policy.py and audits what it shows or changes."""

from __future__ import annotations

from flask import Blueprint, current_app, flash, g, make_response, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from app import policy
from app.audit import trail
from app.auth.models import Unit
from app.auth.reauth import requires_recent_auth
from app.db import db, utcnow
from app.errors import Conflict, Invalid, NotAllowed
from app.exports.services import ExportRequest, check_request
from app.forms import SelectChoice, read_dates, show_errors
from app.i18n import day
from app.i18n import gettext as _
from app.i18n import lazy_gettext as _l
from app.ids import form_id
from app.sharing import exchange, packages, register_export, services, signing
from app.sharing.forms import (
    ConfirmReceiveForm,
    DecisionForm,
    OtherDisclosureForm,
    PackageForm,
    ReceiveForm,
    RegisterExportForm,
    RequestForm,
    WithholdForm,
)
from app.sharing.holdings import section_names
from app.sharing.legal_bases import legal_bases
from app.sharing.models import DisclosureKind, DisclosureRequest
from app.web import accepts_upload

bp = Blueprint("sharing", __name__)
supervisors = policy.requires(policy.supervises_cases)


def _bases(form: PackageForm | RequestForm | OtherDisclosureForm) -> None:
    form.legal_basis.choices = [SelectChoice("", _("Choose the legal basis"))] + [
        SelectChoice(b.code, b.title) for b in legal_bases().bases]


def _party(form: PackageForm | RequestForm | OtherDisclosureForm, purpose: str) -> services.Party:
    return services.Party(form.agency.data or "", form.person.data or "", form.country.data or "",
                          form.legal_basis.data or "", purpose)


def _download(content: bytes, mimetype: str, filename: str) -> Response:
    response = make_response(content)
    response.mimetype = mimetype
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@bp.route("/subjects/<int:subject_id>/share/package", methods=["GET", "POST"])
@supervisors
@requires_recent_auth(_l("send a case package"))
def send_package(subject_id: int) -> Response | str | tuple[str, int]:
    subject = policy.load_subject(subject_id, policy.can_send_package)
    form = PackageForm()
    _bases(form)
    form.sections.choices = [SelectChoice(code, _("%(section)s (always sent)", section=label) if required else label)
                             for code, label, _default, required in exchange.section_choices()]
    if not form.is_submitted():
        trail.record_view(subject.id, object_type="package_form")
        form.sections.data = [code for code, _label, default, required in exchange.section_choices()
                              if default or required]
    if form.validate_on_submit():
        try:
            sent = exchange.send(g.user, subject, _party(form, form.purpose.data or ""), list(form.sections.data or []))
        except Invalid as exc:
            show_errors(form, exc)
            return render_template("sharing/send.html", form=form, subject=subject), 400
        except signing.KeyProblem as exc:
            form.form_errors.append(_("Nothing was sent. %(problem)s", problem=str(exc)))
            return render_template("sharing/send.html", form=form, subject=subject), 503
        return _download(sent.zip_bytes(), "application/zip", sent.package_name.removesuffix(".json") + ".zip")
    return render_template("sharing/send.html", form=form, subject=subject), 400 if form.errors else 200


@bp.route("/subjects/<int:subject_id>/share/disclosures/new", methods=["GET", "POST"])
@supervisors
def record_disclosure(subject_id: int) -> Response | str | tuple[str, int]:
    """A disclosure made outside Waypoint's packages goes on the register too."""
    subject = policy.load_subject(subject_id, policy.can_send_package)
    form = OtherDisclosureForm()
    _bases(form)
    form.answers.choices = [SelectChoice("", _("No request: on the service's own initiative"))] + [
        SelectChoice(str(r.id), _("R%(id)s: %(agency)s, received %(date)s", id=r.id, agency=r.agency,
                                  date=day(r.received_on)))
        for r in services.subject_requests(subject)]
    if not form.is_submitted():
        trail.record_view(subject.id, object_type="disclosure_form")
        form.kind.data = DisclosureKind.CASE_SUMMARY.value
    if form.validate_on_submit():
        try:
            entry = services.record_other_disclosure(
                g.user, subject, _party(form, form.purpose.data or ""), form.kind.data or "",
                form.description.data or "", form.sha256.data or "", form_id(form.answers.data or ""))
        except Invalid as exc:
            show_errors(form, exc)
            return render_template("sharing/record_disclosure.html", form=form, subject=subject), 400
        flash(_("The disclosure was recorded on the register."), "success")
        return redirect(url_for("sharing.show_disclosure", disclosure_id=entry.id))
    return render_template("sharing/record_disclosure.html", form=form, subject=subject), \
        400 if form.errors else 200


def _receive_page(form: ReceiveForm, status: int = 200) -> tuple[str, int]:
    return render_template("sharing/receive.html", form=form,
                           max_bytes=current_app.config["PACKAGE_MAX_BYTES"]), status


def _unit_choices(form: ReceiveForm) -> None:
    units = sorted((u for u in g.user.units), key=lambda u: u.name)
    form.unit.choices = [SelectChoice(str(u.id), u.name) for u in units]


def _received(result: exchange.Received) -> Response:
    if result.created:
        flash(_("The case package from %(sender)s was verified and created. Its history is shown read-only on the "
                "person's page.", sender=result.package.sender), "success")
    else:
        flash(_("The case package from %(sender)s was verified and added to the existing record. Its history is "
                "shown read-only on the person's page.", sender=result.package.sender), "success")
    return redirect(url_for("subjects.show", subject_id=result.subject.id))


@bp.route("/sharing/receive", methods=["GET", "POST"])
@accepts_upload
@supervisors
def receive() -> Response | str | tuple[str, int]:
    form = ReceiveForm()
    _unit_choices(form)
    if not form.validate_on_submit():
        return _receive_page(form, 400 if form.errors else 200)
    unit = _chosen_unit(form.unit.data)
    upload = form.package.data
    if unit is None:
        form.unit.errors = [_("Choose one of your units.")]
        return _receive_page(form, 400)
    if upload is None or not getattr(upload, "filename", ""):
        form.package.errors = [_("Choose the case package file to receive.")]
        return _receive_page(form, 400)
    content = upload.stream.read(current_app.config["PACKAGE_MAX_BYTES"] + 1)
    try:
        return _received(exchange.receive(g.user, unit, content))
    except exchange.NeedsConfirmation as exc:
        return _confirm_page(ConfirmReceiveForm(unit=str(unit.id), package_text=content.decode("utf-8")), exc)
    except packages.PackageRefused as exc:
        return _refused(form, exc)


def _refused(form: ReceiveForm, exc: packages.PackageRefused) -> tuple[str, int]:
    """Nothing of the package is written, whichever check refused it; the refusal itself is audited (in English,
    as the trail is)."""
    db.session.rollback()
    policy.record_refusal(400, f"case package refused: {exc.english}", object_type="received_package")
    form.package.errors = [_("%(problem)s Nothing was written.", problem=exc.message)]
    return _receive_page(form, 400)


def _chosen_unit(value: str | None) -> Unit | None:
    unit_id = form_id(value or "")
    return db.session.get(Unit, unit_id) if unit_id and policy.can_receive_into(g.user, unit_id) else None


def _confirm_page(form: ConfirmReceiveForm, exc: exchange.NeedsConfirmation, status: int = 200) -> tuple[str, int]:
    trail.record_view(exc.subject.id, object_type="package_match")
    return render_template("sharing/confirm.html", form=form, subject=exc.subject,
                           differences=exc.differences), status


@bp.route("/sharing/receive/confirm", methods=["POST"])
@accepts_upload
@supervisors
def confirm_receive() -> Response | str | tuple[str, int]:
    form = ConfirmReceiveForm()
    unit = _chosen_unit(form.unit.data) if form.validate_on_submit() else None
    if unit is None:
        return redirect(url_for("sharing.receive"))
    typed = (form.confirmed_reference.data or "").strip().upper()
    try:
        result = exchange.receive(g.user, unit, (form.package_text.data or "").encode("utf-8"),
                                  confirmed_reference=typed)
    except exchange.NeedsConfirmation as exc:
        form.confirmed_reference.errors = [_("Type %(reference)s to confirm, or go back to refuse it.",
                                             reference=exc.subject.reference)]
        return _confirm_page(form, exc, 400)
    except packages.PackageRefused as exc:
        upload_form = ReceiveForm()
        _unit_choices(upload_form)
        return _refused(upload_form, exc)
    return _received(result)


# --- the register ----------------------------------------------------------------------------------------


def _register_unit(units: list[Unit]) -> int | None:
    wanted = form_id(request.args.get("unit", ""))
    return wanted if wanted in {u.id for u in units} else None


@bp.route("/sharing/register")
@supervisors
def register() -> str:
    units = sorted(g.user.units, key=lambda u: u.name)
    unit_id = _register_unit(units)
    found = services.register_for(g.user, unit_id)
    trail.record_view(found.subject_ids, object_type="disclosure_register",
                      details={"unit_id": unit_id} if unit_id else None)
    return render_template("sharing/register.html", register=found, units=units, unit_id=unit_id,
                           bases=legal_bases(), today=utcnow().date(), section_names=section_names)


@bp.route("/sharing/register/export", methods=["GET", "POST"])
@supervisors
@requires_recent_auth(_l("export the disclosure register"))
def export_register() -> Response | str | tuple[str, int]:
    form = RegisterExportForm()
    if form.validate_on_submit():
        wanted = ExportRequest(form.purpose.data or "", form.recipient.data or "", bool(form.internal_use.data))
        try:
            check_request(wanted)
        except Invalid as exc:
            show_errors(form, exc)
            return render_template("sharing/export.html", form=form), 400
        fmt = form.format.data if form.format.data in ("pdf", "csv") else "pdf"
        content, mimetype, name = register_export.export(g.user, wanted, fmt)
        return _download(content, mimetype, name)
    return render_template("sharing/export.html", form=form), 400 if form.errors else 200


@bp.route("/subjects/<int:subject_id>/share/requests/new", methods=["GET", "POST"])
@supervisors
def record_request(subject_id: int) -> Response | str | tuple[str, int]:
    subject = policy.load_subject(subject_id, policy.can_record_disclosure_request)
    form = RequestForm()
    _bases(form)
    if not form.is_submitted():
        trail.record_view(subject.id, object_type="disclosure_request_form")
        today = utcnow().date()
        form.received_on.data = today.isoformat()
    if form.validate_on_submit():
        dates, problems = read_dates(form, "received_on", "due_on")
        try:
            if problems:
                raise Invalid(_("The request was not recorded."), field_errors=problems)
            services.record_request(g.user, subject, services.RequestValues(
                _party(form, form.asked_for.data or ""), dates["received_on"], dates["due_on"]))
        except Invalid as exc:
            show_errors(form, exc)
            return render_template("sharing/request.html", form=form, subject=subject), 400
        flash(_("The request was recorded on the register."), "success")
        return redirect(url_for("sharing.register"))
    return render_template("sharing/request.html", form=form, subject=subject), 400 if form.errors else 200


def _request_page(item: DisclosureRequest, decision_form: DecisionForm, status: int = 200) -> tuple[str, int]:
    return render_template("sharing/request_show.html", item=item, form=decision_form, bases=legal_bases(),
                           can_decide=policy.can_decide_disclosure_request(g.user, item),
                           today=utcnow().date()), status


@bp.route("/sharing/requests/<int:disclosure_request_id>", methods=["GET", "POST"])
@supervisors
def show_request(disclosure_request_id: int) -> Response | str | tuple[str, int]:
    item = policy.load_disclosure_request(disclosure_request_id)
    form = DecisionForm(version=str(item.version))
    if not form.is_submitted():
        trail.record_view(item.subject_id, object_type="disclosure_request", object_id=item.id)
        form.responded_on.data = utcnow().date().isoformat()
        return _request_page(item, form)
    if not form.validate_on_submit():
        return _request_page(item, form, 400)
    dates, problems = read_dates(form, "responded_on")
    try:
        if problems:
            raise Invalid(_("The decision was not recorded."), field_errors=problems)
        services.decide_request(g.user, item, form.decision.data or "", form.reason.data or "",
                                dates["responded_on"], form_id(form.version.data or "") or 0)
    except NotAllowed as exc:
        policy.refuse(403, exc.message, object_type="disclosure_request", object_id=item.id,
                      subject_id=item.subject_id)
    except Conflict as exc:
        form.form_errors.append(_("%(problem)s Your text is kept below; reload to see their decision.",
                                  problem=exc.message))
        return _request_page(item, form, 409)
    except Invalid as exc:
        show_errors(form, exc)
        return _request_page(item, form, 400)
    flash(_("The decision (%(decision)s) was recorded.", decision=item.decision_label.lower()), "success")
    return redirect(url_for("sharing.show_request", disclosure_request_id=item.id))


@bp.route("/sharing/disclosures/<int:disclosure_id>", methods=["GET", "POST"])
@supervisors
def show_disclosure(disclosure_id: int) -> Response | str | tuple[str, int]:
    entry = policy.load_disclosure(disclosure_id)
    form = WithholdForm(version=str(entry.version))
    form.exemption.choices = [SelectChoice("", _("Choose the exemption"))] + [
        SelectChoice(e.code, e.title) for e in legal_bases().exemptions]

    def page(status: int = 200) -> tuple[str, int]:
        return render_template("sharing/disclosure.html", entry=entry, form=form, bases=legal_bases(),
                               section_names=section_names,
                               can_withhold=policy.can_withhold_disclosure(g.user, entry)), status

    if not form.is_submitted():
        trail.record_view(entry.subject_id, object_type="disclosure", object_id=entry.id)
        return page()
    if not form.validate_on_submit():
        return page(400)
    try:
        services.withhold(g.user, entry, form.exemption.data or "", form.reason.data or "",
                          form_id(form.version.data or "") or 0)
    except NotAllowed as exc:
        policy.refuse(403, exc.message, object_type="disclosure", object_id=entry.id, subject_id=entry.subject_id)
    except Conflict as exc:
        form.form_errors.append(_("%(problem)s Your text is kept below.", problem=exc.message))
        return page(409)
    except Invalid as exc:
        show_errors(form, exc)
        return page(400)
    flash(_("The entry is withheld from the person's subject-access report; the register keeps it."), "success")
    return redirect(url_for("sharing.show_disclosure", disclosure_id=entry.id))
