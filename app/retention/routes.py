"""Retention review and the two steps of erasure, for supervisors."""

from __future__ import annotations

from flask import Blueprint, flash, g, redirect, render_template, url_for
from sqlalchemy import select
from werkzeug.wrappers import Response

from app import policy
from app.audit import trail
from app.db import db
from app.errors import Invalid, NotAllowed
from app.forms import show_errors
from app.i18n import gettext as _
from app.i18n import ngettext
from app.retention import services
from app.retention.forms import ConfirmErasureForm, RequestForm
from app.retention.models import ErasureRequest, ErasureStatus

bp = Blueprint("retention", __name__)
supervisors = policy.requires(policy.supervises_cases)


@bp.route("/retention")
@supervisors
def review() -> str:
    records = services.due(unit_ids=policy.visible_unit_ids(g.user))
    trail.record_view((r.subject.id for r in records), object_type="retention_review")
    pending_ids = set(db.session.scalars(
        select(ErasureRequest.subject_id).where(ErasureRequest.status == ErasureStatus.REQUESTED)))
    return render_template("retention/review.html", records=records, pending_ids=pending_ids)


@bp.route("/subjects/<int:subject_id>/erasure", methods=["GET", "POST"])
@supervisors
def request_erasure(subject_id: int) -> Response | str | tuple[str, int]:
    subject = policy.load_subject(subject_id, policy.can_erase)
    existing = services.open_request(subject)
    if existing is not None:
        return redirect(url_for("retention.confirm", request_id=existing.id))
    form = RequestForm()
    if not form.is_submitted():
        trail.record_view(subject.id, object_type="erasure_form")
    if form.validate_on_submit():
        try:
            request = services.request_erasure(g.user, subject, form.reason.data or "")
        except Invalid as exc:
            show_errors(form, exc)
            return render_template("retention/request.html", form=form, subject=subject), 400
        flash(_("Erasure requested. Confirm it on the next page to erase the record."), "warning")
        return redirect(url_for("retention.confirm", request_id=request.id))
    return render_template("retention/request.html", form=form, subject=subject), 400 if form.errors else 200


@bp.route("/erasures/<int:request_id>", methods=["GET", "POST"])
@supervisors
def confirm(request_id: int) -> Response | str | tuple[str, int]:
    request = policy.load_erasure_request(request_id)
    subject = policy.load_subject(request.subject_id, policy.can_erase)
    form = ConfirmErasureForm()
    if not form.is_submitted():
        trail.record_view(subject.id, object_type="erasure_request", object_id=request.id)
    if form.validate_on_submit():
        try:
            counts = services.confirm_erasure(g.user, request, form.reference.data or "")
        except Invalid as exc:
            show_errors(form, exc)
            return render_template("retention/confirm.html", form=form, request=request, subject=subject), 400
        except NotAllowed as exc:
            policy.refuse(403, exc.message, object_type="subject", object_id=subject.id, subject_id=subject.id)
        flash(ngettext("The record was erased (%(num)d entry removed). The audit trail keeps that it existed and "
                       "that it was erased, without its content.",
                       "The record was erased (%(num)d entries removed). The audit trail keeps that it existed and "
                       "that it was erased, without its content.", sum(counts.values())), "success")
        return redirect(url_for("retention.review"))
    return render_template("retention/confirm.html", form=form, request=request, subject=subject), \
        400 if form.errors else 200


@bp.route("/erasures/<int:request_id>/cancel", methods=["POST"])
@supervisors
def cancel(request_id: int) -> Response:
    request = policy.load_erasure_request(request_id)
    subject = policy.load_subject(request.subject_id, policy.can_erase)
    if RequestForm().validate_on_submit() and request.status == ErasureStatus.REQUESTED:
        services.cancel_request(g.user, request)
        flash(_("Erasure request cancelled."), "success")
    return redirect(url_for("subjects.show", subject_id=subject.id))
