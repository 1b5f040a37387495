"""Handover and reassignment pages for supervisors: a handover and its acknowledgement, and the bulk
reassignment of the work a disabled or departed user left in a unit. Access is checked through app/policy.py."""

from __future__ import annotations

from typing import cast

from flask import Blueprint, flash, g, redirect, render_template, url_for
from werkzeug.wrappers import Response

from app import policy
from app.audit import trail
from app.db import db
from app.errors import Invalid, NotAllowed
from app.forms import ConfirmForm, show_errors
from app.i18n import gettext as _
from app.i18n import ngettext
from app.registry import WorkItem, registry
from app.subjects import handover, work
from app.subjects.forms import ReassignWorkForm, decisions_from, work_rows_form
from app.subjects.handover_models import Departure

bp = Blueprint("handover", __name__)
supervisors = policy.requires(policy.supervises_cases)


@bp.route("/handovers/<int:handover_id>")
@supervisors
def show(handover_id: int) -> str:
    found = policy.load_handover(handover_id)
    trail.record_view(found.subject_id, object_type="handover", object_id=found.id)
    return render_template("handover/show.html", handover=found, confirm=ConfirmForm(),
                           can_acknowledge=policy.can_acknowledge_handover(g.user, found),
                           can_open=policy.can_view_subject(g.user, found.subject))


@bp.route("/handovers/<int:handover_id>/acknowledge", methods=["POST"])
@supervisors
def acknowledge(handover_id: int) -> Response:
    found = policy.load_handover(handover_id)
    if ConfirmForm().validate_on_submit():
        try:
            handover.acknowledge(g.user, found)
        except NotAllowed as exc:
            policy.refuse(403, exc.message, object_type="handover", object_id=found.id, subject_id=found.subject_id)
        flash(_("Handover of %(name)s acknowledged.", name=found.subject.full_name), "success")
    return redirect(url_for("main.home"))


def _rows_form(departure: Departure, items: list[WorkItem]) -> ReassignWorkForm:
    form = work_rows_form(ReassignWorkForm, items, work.owners_in(departure.unit_id), lambda _item: _("Leave for now"),
                          lambda item: registry().work_kind(item.kind).end is not None)
    return cast(ReassignWorkForm, form)


def _departure_page(departure: Departure, items: list[WorkItem], form: ReassignWorkForm, status: int
                    ) -> tuple[str, int]:
    trail.record_view((i.subject_id for i in items), object_type="departed_work", object_id=departure.id)
    rows = [(item, registry().work_kind(item.kind).label, form[handover.owner_field(item)],
             form[handover.reason_field(item)]) for item in items]
    return render_template("handover/departure.html", departure=departure, form=form, rows=rows), status


@bp.route("/departures/<int:departure_id>", methods=["GET", "POST"])
@supervisors
def departure(departure_id: int) -> Response | tuple[str, int]:
    found = policy.load_departure(departure_id)
    items = handover.departure_work(found)
    form = _rows_form(found, items)
    if form.validate_on_submit():
        try:
            changed = handover.reassign_departed_work(g.user, found, decisions_from(form, items))
        except Invalid as exc:
            db.session.rollback()
            show_errors(form, exc)
            return _departure_page(found, items, form, 400)
        flash(ngettext("%(num)d item of %(name)s's work reassigned.", "%(num)d items of %(name)s's work reassigned.",
                       changed, name=found.user.display_name), "success")
        if found.cleared_at is not None:
            return redirect(url_for("main.home"))
        return redirect(url_for("handover.departure", departure_id=found.id))
    return _departure_page(found, items, form, 400 if form.errors else 200)
